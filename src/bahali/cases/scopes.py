"""How each scope reaches a case, the rows of a case and a participant.

Registered into ``accounts.policies.SCOPE_PATHS`` from ``CasesConfig.ready`` (and, for the
rows of a case kept by other apps, from theirs): the authorization module knows roles and
scopes, this app knows how its rows hang together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from bahali.accounts.policies import (
    Reach,
    Scope,
    districts_of,
    register_scope_paths,
    resource_blind,
)
from bahali.cases.models import Case, EmergencyAccess, TeamMember
from bahali.organisations.models import OrganisationKind
from bahali.registry.models import Consent, ConsentPurpose, ParticipantLink

if TYPE_CHECKING:
    from bahali.accounts.models import Membership


def case_reach(prefix: str = "") -> dict[Scope, Reach]:
    """How each scope reaches a case, for the case itself (``prefix=""``) or for rows that
    belong to one (``prefix="case__"``).

    Team: the membership sits on the case's team now, or holds an emergency access to it
    that is still running (break-the-glass: ``EmergencyAccess``, read at the time of the
    query, so it ends by itself). Districts (programme managers): cases
    of their organisation's programmes in their districts. Referred or districts (security
    liaisons): cases their organisation referred or in their districts. Community
    (committee members): open cases their committee receives. Own organisation (data
    stewards): cases their organisation leads or whose programme it leads.

    Conditions are single-valued or subqueries, so lists never need DISTINCT.
    """

    def field(name: str, value: Any) -> models.Q:
        return models.Q(**{f"{prefix}{name}": value})

    @resource_blind
    def team(m: Membership, resource: str) -> models.Q:
        on_team = TeamMember.objects.filter(membership=m.pk, left_on__isnull=True)
        lookup = "pk__in" if not prefix else "in"
        emergency = EmergencyAccess.objects.filter(membership=m.pk, expires_at__gt=timezone.now())
        # one subquery (a UNION), not two joined by OR: PostgreSQL looks the member's cases up
        # by key instead of reading every case in the country to test each against both
        return field(
            lookup, on_team.order_by().values("case").union(emergency.order_by().values("case"))
        )

    @resource_blind
    def districts(m: Membership, resource: str) -> models.Q:
        return field("district__in", districts_of(m)) & field(
            "programme__lead_organisation", m.organisation_id
        )

    @resource_blind
    def referred_or_districts(m: Membership, resource: str) -> models.Q:
        return field("referred_by", m.organisation_id) | field("district__in", districts_of(m))

    @resource_blind
    def community(m: Membership, resource: str) -> models.Q:
        return field("receiving_committee", m.organisation_id) & field("closed_on__isnull", True)

    @resource_blind
    def own_organisation(m: Membership, resource: str) -> models.Q:
        return field("lead_organisation", m.organisation_id) | field(
            "programme__lead_organisation", m.organisation_id
        )

    return {
        Scope.TEAM: team,
        Scope.DISTRICTS: districts,
        Scope.REFERRED_OR_DISTRICTS: referred_or_districts,
        Scope.COMMUNITY: community,
        Scope.OWN_ORGANISATION: own_organisation,
    }


def participant_reach() -> dict[Scope, Reach]:
    """How each scope reaches a participant: through their cases, and before any case is
    open, through the organisations that registered or referred them.

    Committee members reach identity only where the participant consented to sharing with
    committees (and then the identity service opens the name alone).
    """
    by_case = case_reach()

    # Each reach is an EXISTS on the participant's own rows (an index probe per participant),
    # never ``pk IN (subquery)``: these conditions are OR-ed together, and PostgreSQL then
    # keeps an IN subquery's rows in memory only while they fit ``work_mem`` — past that
    # (an organisation linked to a million participants, 150,000 open cases) it reads the
    # whole subquery again for every participant, and a case worker's participant list
    # never answered on the national seed.
    def through_cases(scope: Scope, m: Membership, resource: str) -> models.Q:
        reach = by_case[scope]
        if not callable(reach):  # every case scope is a condition; a path would be a bug
            raise TypeError(scope)
        cases = Case.objects.filter(reach(m, resource), participant=models.OuterRef("pk"))
        return models.Q(models.Exists(cases))

    def linked(m: Membership) -> models.Q:
        links = ParticipantLink.objects.filter(
            organisation=m.organisation_id, participant=models.OuterRef("pk")
        )
        return models.Q(models.Exists(links))

    def team(m: Membership, resource: str) -> models.Q:
        open_case = Case.objects.filter(closed_on__isnull=True, participant=models.OuterRef("pk"))
        not_yet_enrolled = linked(m) & ~models.Q(models.Exists(open_case))
        return through_cases(Scope.TEAM, m, resource) | not_yet_enrolled

    def own_organisation(m: Membership, resource: str) -> models.Q:
        # the organisation works with them, or leads their case or its programme (the
        # case's own-organisation scope): a data steward reaches the people whose cases
        # they reach, for identity, corrections and subject access
        return linked(m) | through_cases(Scope.OWN_ORGANISATION, m, resource)

    def community(m: Membership, resource: str) -> models.Q:
        condition = through_cases(Scope.COMMUNITY, m, resource)
        if resource == "identity":
            consented = Consent.objects.filter(
                purpose=ConsentPurpose.SHARING,
                share_with=OrganisationKind.COMMUNITY_COMMITTEE,
                withdrawn_on__isnull=True,
                participant=models.OuterRef("pk"),
            )
            condition &= models.Q(models.Exists(consented))
        return condition

    def referred_or_districts(m: Membership, resource: str) -> models.Q:
        return models.Q(district__in=districts_of(m)) | through_cases(
            Scope.REFERRED_OR_DISTRICTS, m, resource
        )

    return {
        Scope.TEAM: team,
        Scope.OWN_ORGANISATION: own_organisation,
        Scope.DISTRICTS: "district",
        Scope.REFERRED_OR_DISTRICTS: referred_or_districts,
        Scope.COMMUNITY: community,
    }


def link_request_reach() -> dict[Scope, Reach]:
    """How a data steward reaches a request of another organisation to work with a
    participant (issue 14, item 2): the participant is held by the steward's organisation
    (linked to it, or in a case of a programme it leads); never its own organisation's
    requests."""

    def holding(m: Membership, resource: str) -> models.Q:
        linked = ParticipantLink.objects.filter(organisation=m.organisation_id).values(
            "participant"
        )
        in_programmes = Case.objects.filter(programme__lead_organisation=m.organisation_id).values(
            "participant"
        )
        return (
            models.Q(participant__in=linked) | models.Q(participant__in=in_programmes)
        ) & ~models.Q(organisation=m.organisation_id)

    return {Scope.OWN_ORGANISATION: holding}


def register() -> None:
    """This app's entries in the scope table (called from ``CasesConfig.ready``)."""
    register_scope_paths("registry.participant", participant_reach())
    register_scope_paths("registry.linkrequest", link_request_reach())
    register_scope_paths("cases.case", case_reach())
    for label in (
        "cases.teammember",
        "cases.transitionrequest",
        "cases.phasechange",
        "cases.emergencyaccess",
    ):
        register_scope_paths(label, case_reach("case__"))
    register_scope_paths("cases.signoff", case_reach("request__case__"))
