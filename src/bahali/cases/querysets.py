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


# Rows that make their case overdue, one queryset per kind (each row has a ``case``
# foreign key); apps add theirs (plan reviews, ...).
OverdueRows = Callable[[], models.QuerySet[Any]]
OVERDUE_ROWS: list[OverdueRows] = []

# A sign-off request left waiting longer than this is overdue.
SIGN_OFF_DAYS = 14


def _waiting_too_long() -> models.QuerySet[Any]:
    from bahali.cases.models import TransitionRequest

    since = timezone.now() - datetime.timedelta(days=SIGN_OFF_DAYS)
    return TransitionRequest.objects.filter(
        status=TransitionRequest.Status.PENDING, created_at__lt=since
    )


OVERDUE_ROWS.append(_waiting_too_long)


def overdue_condition(*, few_cases: bool = False) -> models.Q:
    """Cases with anything overdue, from every app's rows.

    Two equivalent shapes, for the planner's sake: when the user sees few cases (a case
    team's), a correlated EXISTS per case is cheapest; when they see many, one semi-join
    on each kind of overdue row is.
    """
    condition = models.Q(pk__in=[])
    for rows in OVERDUE_ROWS:
        if few_cases:
            condition |= models.Q(models.Exists(rows().filter(case=models.OuterRef("pk"))))
        else:
            condition |= models.Q(pk__in=rows().values("case"))
    return condition
