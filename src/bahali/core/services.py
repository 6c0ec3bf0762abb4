"""Helpers every app's services share, written once instead of copied into each app."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from bahali.core.context import SystemActor

if TYPE_CHECKING:
    from bahali.accounts.models import User


def user_of(actor: User | SystemActor) -> User | None:
    """The user a row records as its author: none when the platform itself acts."""
    return None if isinstance(actor, SystemActor) else actor


def local_today() -> datetime.date:
    """Today where the programme works (``TIME_ZONE``), not in UTC: a check-in held in the
    evening in Peshawar is dated that day."""
    return timezone.localdate()


def raise_if_errors(errors: dict[str, str]) -> None:
    """Refuse with every field's message at once, so a form shows them all together."""
    if errors:
        raise ValidationError(errors)
