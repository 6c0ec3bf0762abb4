from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from bahali.accounts import policies

if TYPE_CHECKING:
    from bahali.accounts.models import User


class CaseQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: User, resource: str = "case_summary", verb: str = "read") -> Any:
        """Cases whose ``resource`` (summary by default) the user may ``verb``."""
        return policies.filter_visible(self, user, resource, verb)

    def open(self) -> Any:
        return self.filter(closed_on__isnull=True)


class CaseRowQuerySet(models.QuerySet[Any]):
    """Rows that belong to a case (team, requests, plan, notes ...): scoped through the case."""

    def visible_to(self, user: User, resource: str, verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)


# Conditions on a case meaning "something is overdue"; apps add theirs (plan reviews, ...).
OverdueCondition = Callable[[], models.Q]
OVERDUE_CONDITIONS: list[OverdueCondition] = []

# A sign-off request left waiting longer than this is overdue.
SIGN_OFF_DAYS = 14


def _waiting_too_long() -> models.Q:
    from bahali.cases.models import TransitionRequest

    since = timezone.now() - datetime.timedelta(days=SIGN_OFF_DAYS)
    late = TransitionRequest.objects.filter(
        status=TransitionRequest.Status.PENDING, created_at__lt=since
    )
    return models.Q(pk__in=late.values("case"))


OVERDUE_CONDITIONS.append(_waiting_too_long)


def overdue_condition() -> models.Q:
    """Cases with anything overdue, from every app's conditions."""
    condition = models.Q(pk__in=[])
    for make in OVERDUE_CONDITIONS:
        condition |= make()
    return condition
