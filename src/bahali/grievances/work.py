""" "My work" from grievances: for the oversight body, each open grievance with its next
time limit (acknowledgement, then resolution)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, When
from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.cases.work import Found, WorkItem
from bahali.grievances.models import GrievanceStatus
from bahali.grievances.services import handled_by


def grievances_due(user: Any, limit: int | None) -> Found:
    """Open grievances, each due at its next time limit (acknowledgement while received,
    then resolution), the oldest first: counted and ordered by the database, only the
    rows shown built into items (an oversight body may hold thousands open)."""
    if not policies.can(user, "grievance.write") or not policies.can(user, "grievance.read"):
        return Found(0, [])  # ``handled_by``'s own condition: none handled
    rows = (
        handled_by(user)
        .annotate(
            next_limit=Case(
                When(status=GrievanceStatus.RECEIVED, then=F("acknowledge_by")),
                default=F("resolve_by"),
            )
        )
        .order_by("next_limit", "pk")
    )
    return Found.of_rows(rows, limit, _item)


def _item(grievance: Any) -> WorkItem:
    received = grievance.status == GrievanceStatus.RECEIVED
    return WorkItem(
        kind="grievance",
        title=(
            _("Acknowledge grievance %(reference)s")
            if received
            else _("Resolve grievance %(reference)s")
        )
        % {"reference": grievance.reference},
        url=reverse("grievances:detail", args=[grievance.pk]),
        case_label=grievance.reference,
        due=grievance.acknowledge_by if received else grievance.resolve_by,
        detail=grievance.get_category_display(),
    )
