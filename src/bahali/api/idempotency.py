"""The same decision or creation sent twice with one ``Idempotency-Key`` gets the first answer.

The services already apply a decision once: a second one, sent meanwhile or later, is a
:class:`~bahali.core.versioning.Conflict` (409). A client that retries because it never saw
the first answer would rather have that answer: when both requests carry the same key (same
user, same operation), the retry gets the first one's status and object. The key is stored
in the transaction of the decision itself, so a retry racing the first request waits for
its lock, is refused by the service, and then finds the key.

Create endpoints (support, sessions, notes, goals, check-ins, outcome events, referrals)
take the same header: a retry of a creation that went through gets the row it created
instead of a second one (issue 13, item 9). Two retries racing each other both create
nothing twice: the key is unique per user, so the loser's transaction rolls back.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Status

from bahali.api.errors import ApiError
from bahali.api.models import IdempotentAnswer
from bahali.core.http import AuthedRequest
from bahali.core.versioning import Conflict

HEADER = "Idempotency-Key"
KEPT_FOR = datetime.timedelta(days=1)  # a retry comes within minutes; a day is generous
HEADER_HELP = (
    "Any unique string (a UUID): a retry with the same key gets the first answer instead of"
    " a 409 or a second row."
)


def key_header() -> Any:
    """The optional ``Idempotency-Key`` header, declared on a decision or create endpoint."""
    return Header(None, alias=HEADER, description=HEADER_HELP)


def once(
    request: AuthedRequest,
    key: str | None,
    operation: str,
    act: Callable[[], Status[Any]],
    replay: Callable[[int], Any],
) -> Status[Any]:
    """Run ``act`` (a decision or creation answering ``Status(code, object)``, the object a
    row or a dict with its ``id``), or give the answer an earlier request with the same key
    got; ``replay`` finds that answer's object again from its id."""
    if key is None:
        return act()
    if not (0 < len(key) <= 100) or not key.isprintable() or not key.isascii():
        raise ApiError(
            422,
            "invalid",
            _("The request is not valid."),
            [{"field": HEADER, "message": _("Send 1 to 100 printable ASCII characters.")}],
        )
    earlier = _earlier(request, key)
    if earlier is not None:
        return _again(earlier, operation, replay)
    IdempotentAnswer.objects.filter(
        user=request.user, created_at__lt=timezone.now() - KEPT_FOR
    ).delete()
    try:
        with transaction.atomic():
            answer = act()
            IdempotentAnswer(
                user=request.user,
                key=key,
                operation=operation,
                status=answer.status_code,
                object_id=_object_id(answer.value),
            ).save()
    except (Conflict, IntegrityError):
        earlier = _earlier(request, key)  # the first request, committed while this one waited
        if earlier is None:
            raise
        return _again(earlier, operation, replay)
    return answer


def _object_id(value: Any) -> int:
    return int(value["id"] if isinstance(value, dict) else value.pk)


def _earlier(request: AuthedRequest, key: str) -> IdempotentAnswer | None:
    return IdempotentAnswer.objects.filter(user=request.user, key=key).first()


def _again(earlier: IdempotentAnswer, operation: str, replay: Callable[[int], Any]) -> Any:
    if earlier.operation != operation:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was sent with another request; use a new key."),
        )
    return Status(earlier.status, replay(earlier.object_id))
