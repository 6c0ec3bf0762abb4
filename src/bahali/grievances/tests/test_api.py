"""Grievances through the API: who lodged one never leaves it; the figures come with it."""

from __future__ import annotations

import pytest

from bahali.accounts import services as accounts
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_lodged_through_the_api_and_read_without_the_complainant(client):
    world = PathwayWorld()
    lodged = client.post(
        "/api/v1/grievances",
        {
            "category": "mistreatment",
            "complainant": "family",
            "description": "Shouted at during a family visit.",
            "name": "Bibi Hajra",
            "contact": "0300-1234567",
            "district": "SWT",
            "about_organisation_id": world.centre.pk,
        },
        content_type="application/json",
        **_bearer(world.case_worker),
    )
    assert lodged.status_code == 201 and lodged.json()["reference"].startswith("GRV-")
    for user in (world.monitor, world.manager):
        body = client.get("/api/v1/grievances", **_bearer(user)).content.decode()
        assert "Shouted at" in body and "Hajra" not in body and "0300" not in body
    assert client.get("/api/v1/grievances", **_bearer(world.case_worker)).status_code == 404
    figures = client.get("/api/v1/grievances/figures", **_bearer(world.monitor)).json()
    assert figures["open"] == 1 and figures["total"] == 1
