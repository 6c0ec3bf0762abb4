"""A database (or Redis) that does not answer — a restart, a failover, a dropped connection —
is a 503 saying to try again, as a page or in the API's error shape; never a 500 page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from bahali.accounts.roles import Role
from bahali.testing import sign_in

pytestmark = pytest.mark.django_db


def database_down(monkeypatch: pytest.MonkeyPatch, error: type[Exception]) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_page_answers_503_try_again_when_the_database_is_down(member, monkeypatch, error):
    browser = Client(raise_request_exception=False)
    assert sign_in(browser, member(Role.CASE_WORKER)).status_code == 302
    database_down(monkeypatch, error)
    response = browser.get("/cases/")  # the session and the user are read first: they fail
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert 'data-testid="unavailable"' in page
    assert "Bahali is briefly unavailable. Try again in a moment." in page
    assert "What you sent may not have been saved." in page


def test_the_page_is_in_the_users_language(member, monkeypatch):
    browser = Client(raise_request_exception=False, headers={"accept-language": "ur"})
    database_down(monkeypatch, OperationalError)
    response = browser.get("/accounts/sign-in/")
    assert response.status_code in (200, 503)  # the sign-in page may need no database
    response = browser.post("/accounts/sign-in/", {"username": "a", "password": "b"})
    assert response.status_code == 503
    assert 'lang="ur" dir="rtl"' in response.content.decode()


def test_the_api_answers_503_in_its_error_shape(monkeypatch):
    database_down(monkeypatch, OperationalError)
    response = Client(raise_request_exception=False).get(
        "/api/v1/cases", headers={"authorization": "Bearer bhl_notcheckedthedatabaseisdown"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "error": {
            "code": "unavailable",
            "message": "Bahali is briefly unavailable. Try again in a moment.",
            "details": [],
        }
    }


def test_other_errors_stay_a_plain_500():
    from django.test import RequestFactory
    from django.urls import get_resolver

    from bahali.ops.views import server_error

    assert get_resolver().resolve_error_handler(500) is server_error
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"unavailable" not in response.content
    assert "Retry-After" not in response
