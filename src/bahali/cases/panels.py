"""The participant page's "Cases" panel, registered with ``bahali.registry.panels`` from
``CasesConfig.ready``: the registry learns of a person's cases without importing this app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bahali.accounts import policies
from bahali.cases.models import Case
from bahali.registry.panels import Panel

if TYPE_CHECKING:
    from bahali.accounts.models import User
    from bahali.registry.models import Participant


def participant_cases(participant: Participant, user: User) -> dict[str, Any]:
    """The participant's cases the user may see, and whether they may enrol them in one."""
    from django.db.models import BooleanField, Exists, OuterRef, Value

    cases = Case.objects.visible_to(user).filter(participant=participant)
    # The lead organisation and the enrolment date are beyond the case summary (DESIGN.md §2).
    if policies.can(user, "case_detail.read"):
        detail = Case.objects.visible_to(user, "case_detail").filter(pk=OuterRef("pk"))
        cases = cases.annotate(shows_detail=Exists(detail))
    else:
        cases = cases.annotate(shows_detail=Value(False, output_field=BooleanField()))
    return {
        "cases": cases.select_related("programme", "phase", "lead_organisation"),
        "can_enrol": policies.can(user, "enrolment.write")
        and policies.can(user, "participant_record.write", participant)
        and not participant.merged_into_id,
    }


CASES_PANEL = Panel("cases", "cases/_participant_cases.html", participant_cases)
