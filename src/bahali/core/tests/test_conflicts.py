"""A Conflict (a stale edit, a decision someone else took first) answered the same way
everywhere: 409 with its message over the API, the message and a reload on every page."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.test import RequestFactory

from bahali.core.middleware import ConflictMiddleware
from bahali.core.versioning import Conflict, Stale


def _request(**headers: str):
    request = RequestFactory().post("/cases/7/sign/", **headers)
    request.session = SessionBase()
    request._messages = FallbackStorage(request)
    return request


def _answer(request, error: Exception):
    middleware = ConflictMiddleware(lambda request: None)
    return middleware.process_exception(request, error)


def test_a_page_shows_the_message_and_goes_back_where_the_user_acted():
    request = _request(HTTP_REFERER="http://testserver/cases/7/")
    response = _answer(request, Stale())
    assert response.status_code == 303 and response["Location"] == "http://testserver/cases/7/"
    assert [str(m) for m in get_messages(request)] == [
        "Someone else changed this after you opened it. Reload it and try again."
    ]


def test_a_foreign_referer_is_not_followed():
    response = _answer(_request(HTTP_REFERER="https://elsewhere.example/"), Conflict())
    assert response["Location"] == "/cases/7/sign/"


def test_an_htmx_request_reloads_the_page():
    request = _request(HTTP_HX_REQUEST="true")
    response = _answer(request, Conflict("This request has been decided already."))
    assert response["HX-Refresh"] == "true"
    assert [str(m) for m in get_messages(request)] == ["This request has been decided already."]


def test_other_errors_and_the_api_are_left_alone():
    assert _answer(_request(), ValueError("x")) is None
    api = RequestFactory().post("/api/v1/cases/7/close")
    assert _answer(api, Conflict()) is None  # the API answers 409 itself (api/errors.py)
