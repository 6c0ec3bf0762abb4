"""The tabs of a case's pages: each names the permission it needs on the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CaseTab:
    key: str
    label: str | Promise
    url_name: str  # takes the case's pk
    action: str  # checked with policies.can(user, action, case)


CASE_TABS: list[CaseTab] = [
    CaseTab("overview", _("Overview"), "cases:detail", "case_summary.read"),
    CaseTab("plan", _("Plan"), "casework:plan", "plan.read"),
    CaseTab("sessions", _("Sessions"), "casework:sessions", "plan.read"),
    CaseTab("notes", _("Notes"), "casework:notes", "plan.read"),
    CaseTab("security_notes", _("Security notes"), "casework:security_notes", "security_note.read"),
    CaseTab("family", _("Family"), "casework:family", "plan.read"),
    CaseTab("mentoring", _("Mentoring"), "casework:mentoring", "plan.read"),
    CaseTab("support", _("Support"), "casework:support", "plan.read"),
]


# Other questions the case pages ask of the case (buttons, forms, timeline entries): asked
# with the tabs' in one query, and remembered for the rest of a read-only request (a tab
# asks them first, through ``tabs_for``, so that its own checks need no query of their own).
PAGE_ACTIONS = [
    "case_detail.read",
    "transition.write",
    "case_team.write",
    "gate_override.write",
    "assessment.read",
    "assessment_band.read",
    "clinical_note.read",
    "security_note.read",
    "plan.write",
    "clinical_note.write",
    "check_in.read",
    "check_in.write",
    "outcome_event.read",
    "referral.read",
    "community_readiness.read",
]


def tabs_for(user: Any, case: Any) -> list[CaseTab]:
    from bahali.accounts import policies

    actions = [tab.action for tab in CASE_TABS] + PAGE_ACTIONS
    allowed = policies.can_many(user, actions, case)
    return [tab for tab in CASE_TABS if allowed[tab.action]]
