"""The women-and-girls rule: a female participant has a female case worker and a female
psychologist where the organisations of her case have them. The case page and the
oversight body's home page flag a case where such staff exist but are not on the team.

Staff's sex is recorded for this rule only (``StaffSex``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import Membership
from bahali.accounts.roles import Role
from bahali.cases.alerts import CaseAlert
from bahali.cases.models import Case, CaseRole, TeamMember
from bahali.cases.services import involved_organisations
from bahali.core.figures import holds_role
from bahali.intake.models import StaffSex, WomenStaffRule

# what must be filled by a woman: (membership role, the case roles that fill it)
NEEDED = (
    (Role.CASE_WORKER, (CaseRole.LEAD_CASE_WORKER, CaseRole.CASE_WORKER)),
    (Role.PSYCHOLOGIST, (CaseRole.PSYCHOLOGIST,)),
)


def rule_applies(programme_id: int) -> bool:
    found = WomenStaffRule.objects.filter(programme=programme_id).first()
    return True if found is None else found.applies


@dataclass(frozen=True)
class Gap:
    role: Role

    @property
    def label(self) -> str:
        return str(self.role.label)


def gaps(case: Case) -> list[Gap]:
    """The roles a woman should fill on this case's team and does not, though a woman in
    that role works for one of the case's organisations."""
    if case.participant.sex != "f" or case.closed_on or not rule_applies(case.programme_id):
        return []
    women = set(StaffSex.objects.filter(sex="f").values_list("user", flat=True))
    team = TeamMember.objects.filter(case=case, left_on__isnull=True).values_list(
        "membership__user", "case_role"
    )
    organisations = involved_organisations(case)
    found = []
    for role, case_roles in NEEDED:
        if any(user in women and case_role in case_roles for user, case_role in team):
            continue
        available = Membership.objects.filter(
            organisation__in=organisations,
            role=role,
            is_active=True,
            organisation__is_active=True,
            user__is_active=True,
            user__in=women,
        ).exists()
        if available:
            found.append(Gap(role))
    return found


def case_alerts(user: Any, case: Any) -> list[CaseAlert]:
    """The case header's flag, for those who read the team (``cases.alerts``)."""
    if not policies.can(user, "case_detail.read", case):
        return []
    missing = gaps(case)
    if not missing:
        return []
    return [
        CaseAlert(
            key="women-staff",
            title=_("A woman should have a female case worker and psychologist."),
            detail=_("Missing on the team, though her organisations have one: %(roles)s.")
            % {"roles": ", ".join(gap.label for gap in missing)},
            url=reverse("cases:add_member", args=[case.pk]),
            action=_("Build the team"),
        )
    ]


def flagged_cases() -> list[tuple[Case, list[Gap]]]:
    """Open cases of women and girls with a gap (for the oversight body)."""
    cases = Case.objects.filter(participant__sex="f", closed_on__isnull=True).select_related(
        "participant", "programme"
    )
    return [(case, found) for case in cases if (found := gaps(case))]


def oversight_panel(user: Any) -> dict[str, Any] | None:
    """The oversight body's home figure (``core.figures``)."""
    if not holds_role(user, Role.OVERSIGHT_MONITOR) or not policies.can(user, "case_summary.read"):
        return None
    return {"flagged": flagged_cases()}
