"""The women-and-girls rule: a female participant has a female case worker and a female
psychologist where the organisations of her case have them. The case page and the
oversight body's home page flag a case where such staff exist but are not on the team.

Staff's sex is recorded for this rule only (``StaffSex``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
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
    if not women:  # no woman on the staff: no gap (and nothing more to ask)
        return []
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


# The oversight body's home lists this many flagged cases, the oldest first, and counts all.
PANEL_ROWS = 20


def flagged_cases(limit: int | None = None) -> list[tuple[Case, list[Gap]]]:
    """Open cases of women and girls with a gap (for the oversight body), oldest first."""
    return flagged(limit)[1]


def flagged(limit: int | None) -> tuple[int, list[tuple[Case, list[Gap]]]]:
    """How many open cases of women and girls have a gap, and the oldest ``limit`` of them
    (all when None), in four queries whatever the number of cases: the rule of :func:`gaps`
    asked of every case at once."""
    women = set(StaffSex.objects.filter(sex="f").values_list("user", flat=True))
    if not women:
        return 0, []
    staffed = set(
        Membership.objects.filter(
            user__in=women,
            role__in=[role for role, _case_roles in NEEDED],
            is_active=True,
            organisation__is_active=True,
            user__is_active=True,
        ).values_list("organisation", "role")
    )
    gap_of: dict[str, Role] = {}
    any_gap = Q(pk__in=[])
    cases = Case.objects.filter(participant__sex="f", closed_on__isnull=True).exclude(
        programme__in=WomenStaffRule.objects.filter(applies=False).values("programme")
    )
    for role, case_roles in NEEDED:
        organisations = [org for org, held in staffed if held == role]
        if not organisations:
            continue
        filled = Exists(
            TeamMember.objects.filter(
                case=OuterRef("pk"),
                left_on__isnull=True,
                case_role__in=case_roles,
                membership__user__in=women,
            )
        )
        available = (
            Q(lead_organisation__in=organisations)
            | Q(receiving_committee__in=organisations)
            | Q(referred_by__in=organisations)
            | Exists(
                TeamMember.objects.filter(
                    case=OuterRef("pk"),
                    left_on__isnull=True,
                    membership__organisation__in=organisations,
                )
            )
        )
        name = f"gap_{role.value}"
        gap_of[name] = role
        cases = cases.annotate(**{name: ExpressionWrapper(~filled & available, BooleanField())})
        any_gap |= Q(**{name: True})
    if not gap_of:
        return 0, []
    cases = cases.filter(any_gap).order_by("opened_on", "pk")
    count = cases.count()
    shown = cases.select_related("participant", "programme")
    shown = shown if limit is None else shown[:limit]
    return count, [
        (case, [Gap(role) for name, role in gap_of.items() if getattr(case, name)])
        for case in shown
    ]


def oversight_panel(user: Any) -> dict[str, Any] | None:
    """The oversight body's home figure (``core.figures``): the oldest flagged cases and
    how many there are."""
    if not holds_role(user, Role.OVERSIGHT_MONITOR) or not policies.can(user, "case_summary.read"):
        return None
    count, shown = flagged(PANEL_ROWS)
    return {"flagged": shown, "flagged_count": count}
