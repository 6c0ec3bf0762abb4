""" "My work" from grievances: for the oversight body, each open grievance with its next
time limit (acknowledgement, then resolution)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.cases.work import Found, WorkItem
from bahali.grievances.models import GrievanceStatus
from bahali.grievances.services import handled_by


def grievances_due(user: Any, limit: int | None) -> Found:
    """Open grievances in one query; each is due at its next time limit."""
    items = []
    for grievance in handled_by(user):
        received = grievance.status == GrievanceStatus.RECEIVED
        items.append(
            WorkItem(
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
        )
    return Found.of(items, limit)
