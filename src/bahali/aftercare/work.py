""" "My work" from aftercare: check-ins due within a week or overdue, for the case workers and
mentor of each case."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.aftercare.services import check_ins_due_for
from bahali.cases.work import Found, WorkItem


def check_ins_due(user: Any, limit: int | None) -> Found:
    return Found.of_rows(
        check_ins_due_for(user),
        limit,
        lambda check_in: WorkItem.of_case(
            check_in.case,
            kind="check_in",
            title=_("Follow-up check-in after a warning")
            if check_in.is_follow_up
            else _("Aftercare check-in"),
            url=reverse("aftercare:case", args=[check_in.case_id]) + f"#check-in-{check_in.pk}",
            due=check_in.due_on,
        ),
    )
