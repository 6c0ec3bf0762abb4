""" "My work" from aftercare: check-ins due within a week or overdue, for the case workers and
mentor of each case."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.aftercare.services import check_ins_due_for
from bahali.cases.alerts import CaseAlert
from bahali.cases.work import Found, WorkItem, case_columns, link, sits_on_teams
from bahali.core.dates import format_day


def check_ins_due(user: Any, limit: int | None) -> Found:
    if not sits_on_teams(user) or not policies.can(user, "check_in.write"):
        return Found(0, [])  # the check-ins of one's own team places, that one may record
    to_aftercare = link("aftercare:case")
    return Found.of_rows(
        check_ins_due_for(user).only("is_follow_up", "due_on", *case_columns("case")),
        limit,
        lambda check_in: WorkItem.of_case(
            check_in.case,
            kind="check_in",
            title=_("Follow-up check-in after a warning")
            if check_in.is_follow_up
            else _("Aftercare check-in"),
            url=f"{to_aftercare(check_in.case_id)}#check-in-{check_in.pk}",
            due=check_in.due_on,
        ),
        all_keys=True,
    )


def warnings_raised(user: Any, limit: int | None) -> Found:
    """Warning signs recorded at a check-in, for everyone on the case's team until one of
    them acknowledges that the team has met."""
    from bahali.aftercare.models import WARNING_FIELDS
    from bahali.aftercare.services import warnings_for

    if not sits_on_teams(user) or not policies.can(user, "check_in.read"):
        return Found(0, [])  # the check-ins of one's own team places, that one may read
    to_aftercare = link("aftercare:case")
    return Found.of_rows(
        warnings_for(user).only(
            "done_on", *(name for name, _label in WARNING_FIELDS), *case_columns("case")
        ),
        limit,
        lambda check_in: WorkItem.of_case(
            check_in.case,
            kind="warning",
            title=_("Warning signs at a check-in: the team meets"),
            url=f"{to_aftercare(check_in.case_id)}#check-in-{check_in.pk}",
            due=check_in.done_on,
            detail=", ".join(str(label) for label in check_in.warnings),
            alert=True,
        ),
        all_keys=True,
    )


def outcomes_to_verify(user: Any, limit: int | None) -> Found:
    """Re-arrests, reconvictions, re-engagement and violence reported on cases in the
    programme manager's districts, waiting for verification (they count only once
    verified)."""
    from bahali.aftercare.models import NEGATIVE_OUTCOMES, OutcomeEvent, Verification
    from bahali.cases.models import Case

    if not policies.can(user, "outcome_verification.write"):
        return Found(0, [])
    cases = Case.objects.visible_to(user, "outcome_verification", "write").values("pk")
    events = (
        OutcomeEvent.objects.filter(
            case__in=cases, verification=Verification.REPORTED, kind__in=NEGATIVE_OUTCOMES
        )
        .select_related("case__participant", "case__programme")
        .only("kind", "occurred_on", "source", *case_columns("case"))
        .order_by("occurred_on", "pk")
    )
    to_outcomes = link("aftercare:outcomes")
    return Found.of_rows(
        events,
        limit,
        lambda event: WorkItem.of_case(
            event.case,
            kind="outcome_verification",
            title=_("Verify or disprove: %(event)s") % {"event": event.get_kind_display()},
            url=to_outcomes(event.case_id),
            due=event.occurred_on,
            detail=event.get_source_display(),
        ),
    )


def case_warning_alerts(user: Any, case: Any) -> list[CaseAlert]:
    """The case header's alert while a warning sign waits for the team (one query, none for
    those who may not read check-ins)."""
    from bahali.aftercare.models import CheckIn, warned

    if not policies.can(user, "check_in.read", case):
        return []
    check_ins = CheckIn.objects.filter(warned(), case=case.pk, warning_acknowledged_at=None)
    return [
        CaseAlert(
            key=f"warning-{check_in.pk}",
            title=_("Warning signs at the check-in of %(date)s.")
            % {"date": format_day(check_in.done_on)},
            detail=_("%(signs)s. The team meets; an early progress reassessment falls due.")
            % {"signs": ", ".join(str(label) for label in check_in.warnings)},
            url=reverse("aftercare:case", args=[case.pk]) + f"#warning-{check_in.pk}",
            action=_("Open the check-in"),
        )
        for check_in in check_ins.order_by("done_on", "pk")
    ]
