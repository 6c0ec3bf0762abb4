"""The interactive API documentation at /api/v1/docs (issue 13, item 12): Swagger UI from
the app's own static files (django-ninja's bundled copy, pinned in requirements.lock), under
the same strict Content-Security-Policy as every page: no CDN, no inline script."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_docs_render_from_our_own_assets(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/api/v1/docs")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("text=Bahali API", timeout=30_000)  # a loaded CI machine
    page.wait_for_selector(".opblock-tag")  # the operations, grouped, read from openapi.json
    assert page.locator(".opblock").count() > 20
    assert all(url.startswith(live_server.url) for url in requested), requested
    assert page.console_errors == []  # a CSP refusal would show here
