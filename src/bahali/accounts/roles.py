"""The roles of DESIGN.md §2 and the organisation kinds each may be held in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.organisations.models import OrganisationKind as Kind


class Role(models.TextChoices):
    CASE_WORKER = "case_worker", _("Case worker")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    RELIGIOUS_SCHOLAR = "religious_scholar", _("Religious scholar")
    TRAINER = "trainer", _("Vocational trainer / teacher")
    MENTOR = "mentor", _("Mentor")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    SECURITY_LIAISON = "security_liaison", _("Security liaison")
    OVERSIGHT_MONITOR = "oversight_monitor", _("Oversight monitor")
    DATA_STEWARD = "data_steward", _("Data steward")
    ANALYST = "analyst", _("Analyst / donor")


# Case-team roles: they see the cases on whose team they sit (DESIGN.md §2, "team member").
TEAM_ROLES = frozenset({Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR})

_DELIVERY = frozenset({Kind.REHABILITATION_CENTRE, Kind.PRISON_SERVICE, Kind.CIVIL_SOCIETY})
_LEAD = _DELIVERY | {Kind.LEAD_AGENCY}

ROLE_ORGANISATION_KINDS: dict[Role, frozenset[Kind]] = {
    Role.CASE_WORKER: _DELIVERY,
    Role.PSYCHOLOGIST: _DELIVERY,
    Role.RELIGIOUS_SCHOLAR: _DELIVERY,
    Role.TRAINER: _DELIVERY,
    Role.MENTOR: _DELIVERY,
    Role.COMMITTEE_MEMBER: frozenset({Kind.COMMUNITY_COMMITTEE}),
    Role.PROGRAMME_MANAGER: _LEAD,
    Role.SECURITY_LIAISON: frozenset({Kind.SECURITY_LIAISON}),
    Role.OVERSIGHT_MONITOR: frozenset({Kind.OVERSIGHT_BODY}),
    Role.DATA_STEWARD: _LEAD,
    Role.ANALYST: frozenset(Kind),
}
