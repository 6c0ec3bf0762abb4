"""A create form is sent once: Back and submit again records nothing twice.

:class:`FormTokenMiddleware` gives every form a page renders (every form carrying
``{% csrf_token %}``) a hidden, random ``form_token``, so the page showing a form need not
be the view receiving it. A view wrapped in :func:`one_time_form` — every view whose POST
creates a row — treats the token as sent once: a POST carrying a token claims it in
the database cache (``settings.CACHES``, shared by every worker process and server) before
the view runs: the first request claims it, any later one with the same token — the
browser's Back and submit again, a double click — is refused with a message and changes
nothing. A submission that did not succeed (the form comes back with its errors instead of
redirecting) gives its token back, so correcting an error from the previous page still
works; the answer it renders carries fresh tokens anyway.

Back re-fetches a page (pages are not cached), with fresh tokens, while the browser puts
the filled fields back: ``core/bahali.js`` keeps the token each form was sent with for the
tab and, on a page reached by Back or Forward, sends the form with it again, so the
resubmission is the refused one (issue 13, item 9; ``tests/browser/test_aftercare_journey``).

Views stay as they are: one decorator per view, under ``@login_required``. A POST without
a token (a script, an older page) is not refused: the API has ``Idempotency-Key`` instead.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from bahali.core.versioning import Conflict

FIELD = "form_token"
KEPT_FOR = 60 * 60 * 24 * 7  # seconds: a page left open in a tab for a week is still refused
_TOKEN = re.compile(r"[0-9a-f]{32}")
_CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def _key(token: str) -> str:
    return f"bahali:form-once:{token}"


def _with_tokens(response: HttpResponse) -> None:
    """Adds a fresh token next to every form's CSRF field of an HTML answer."""
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return
    content = response.content.decode(response.charset)

    def add(match: re.Match[str]) -> str:
        token = secrets.token_hex(16)
        return f'{match.group(0)}<input type="hidden" name="{FIELD}" value="{token}">'

    changed = _CSRF_INPUT.sub(add, content)
    if changed != content:
        response.content = changed.encode(response.charset)


class AlreadySent(Conflict):
    """The same form sent a second time: ``ConflictMiddleware`` says so and goes back to
    the page the user sent it from, reloaded."""

    code = "already_sent"

    def __init__(self) -> None:
        super().__init__(_("This form was already sent; nothing was recorded twice."))


def one_time_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps a page whose forms create rows, so that each rendered form is sent once."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        claimed = bool(_TOKEN.fullmatch(token))
        if claimed and not cache.add(_key(token), True, KEPT_FOR):
            raise AlreadySent
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            if claimed:
                cache.delete(_key(token))
            raise
        if claimed and not 300 <= response.status_code < 400:
            cache.delete(_key(token))  # not sent successfully: the user may correct and send
        return response

    return wrapped


class FormTokenMiddleware:
    """Gives every form of every HTML page its one-time ``form_token``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        _with_tokens(response)
        return response
