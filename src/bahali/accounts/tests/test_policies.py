"""The authorization module: the §2 table as data, deny by default, scope, list = detail."""

from __future__ import annotations

import pytest

from bahali.accounts import policies
from bahali.accounts.models import ApiToken, Membership, User
from bahali.accounts.policies import MATRIX, SCOPE_PATHS, Scope, can
from bahali.accounts.roles import ROLE_ORGANISATION_KINDS, TEAM_ROLES, Role
from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM, acting_as
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.testing import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


# DESIGN.md §2, re-typed here as the reviewer reads it: resource -> role -> "R"/"RW"/"W".
DESIGN_TABLE = {
    "identity": {
        **dict.fromkeys(TEAM_ROLES, "R"),
        "psychologist": "R",
        "committee_member": "R",
        "programme_manager": "R",
        "data_steward": "R",
    },
    "case_summary": {
        **dict.fromkeys(TEAM_ROLES, "R"),
        "psychologist": "R",
        "committee_member": "R",
        "programme_manager": "R",
        "security_liaison": "R",
        "oversight_monitor": "R",
        "data_steward": "R",
    },
    "plan": {
        **dict.fromkeys(TEAM_ROLES, "RW"),
        "psychologist": "RW",
        "programme_manager": "R",
        "oversight_monitor": "R",
    },
    "clinical_note": {"psychologist": "RW"},
    "security_note": {
        "programme_manager": "RW",
        "security_liaison": "RW",
        "oversight_monitor": "R",
    },
    # Security liaisons read the "overall band only": a resource of its own.
    "assessment": {
        **dict.fromkeys(TEAM_ROLES, "RW"),
        "psychologist": "RW",
        "programme_manager": "R",
        "oversight_monitor": "R",
    },
    "assessment_band": {
        **dict.fromkeys(TEAM_ROLES, "R"),
        "psychologist": "R",
        "programme_manager": "R",
        "security_liaison": "R",
        "oversight_monitor": "R",
    },
    "community_readiness": {
        **dict.fromkeys(TEAM_ROLES, "R"),
        "psychologist": "R",
        "committee_member": "RW",
        "programme_manager": "RW",
        "oversight_monitor": "R",
    },
    "outcome_event": {
        **dict.fromkeys(TEAM_ROLES, "RW"),
        "psychologist": "RW",
        "committee_member": "W",
        "programme_manager": "RW",
        "security_liaison": "RW",
        "oversight_monitor": "R",
    },
    "grievance": {
        **dict.fromkeys(TEAM_ROLES, "W"),
        "psychologist": "W",
        "committee_member": "W",
        "programme_manager": "R",
        "oversight_monitor": "RW",
    },
    "audit_log": {"oversight_monitor": "R", "data_steward": "R"},
    "aggregate_report": {
        **dict.fromkeys(TEAM_ROLES, "R"),
        "psychologist": "R",
        "programme_manager": "R",
        "security_liaison": "R",
        "oversight_monitor": "R",
        "data_steward": "R",
        "analyst": "R",
    },
}


def _letters(resource, role):
    held = policies.role_grants(resource, role)
    return ("R" if any(g.read for g in held) else "") + ("W" if any(g.write for g in held) else "")


@pytest.mark.parametrize("resource", sorted(DESIGN_TABLE))
def test_matrix_matches_the_design_table(resource):
    expected = {Role(role): letters for role, letters in DESIGN_TABLE[resource].items()}
    actual = {role: _letters(resource, role) for role in MATRIX[resource]}
    assert actual == expected


def test_clinical_and_security_notes_are_closed_to_others():
    assert set(MATRIX["clinical_note"]) == {Role.PSYCHOLOGIST}
    assert Role.SECURITY_LIAISON not in MATRIX["plan"]
    assert Role.SECURITY_LIAISON not in MATRIX["identity"]
    assert Role.ANALYST not in MATRIX["case_summary"]


def test_every_role_fits_some_organisation_kind():
    for role in Role:
        assert ROLE_ORGANISATION_KINDS[role]


def test_every_scope_path_names_a_known_model():
    from django.apps import apps

    for label in SCOPE_PATHS:
        assert apps.get_model(label)


def test_deny_by_default(member):
    user = member(Role.CASE_WORKER)
    assert not can(user, "no_such_resource.read")
    assert not can(user, "organisation.delete")
    assert not can(user, "organisation")
    assert not can(user, "audit_log.read")
    assert not can(UserFactory(), "organisation.read")  # no membership at all


def test_anonymous_is_denied():
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), "organisation.read")
    assert not Organisation.objects.visible_to(AnonymousUser()).exists()


def test_inactive_membership_user_or_organisation_grants_nothing(member):
    user = member(Role.DATA_STEWARD)
    membership = Membership.objects.get(user=user)
    organisation = membership.organisation
    assert can(user, "audit_log.read")
    with acting_as(SYSTEM):
        organisation.is_active = False
        organisation.save()
    user.forget_memberships()
    assert not can(user, "audit_log.read")
    with acting_as(SYSTEM):
        organisation.is_active = True
        organisation.save()
        membership.is_active = False
        membership.save()
    user.forget_memberships()
    assert not can(user, "audit_log.read")
    with acting_as(SYSTEM):
        membership.is_active = True
        membership.save()
        user.is_active = False
        user.save()
    user.forget_memberships()
    assert not can(user, "audit_log.read")


def test_data_steward_scope_is_their_own_organisation(member):
    mine = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    theirs = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    steward = member(Role.DATA_STEWARD, organisation=mine)
    colleague = member(
        Role.CASE_WORKER, organisation=OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    )
    in_mine = member(Role.PROGRAMME_MANAGER, organisation=mine)
    in_theirs = member(Role.PROGRAMME_MANAGER, organisation=theirs)
    assert can(steward, "organisation.write", mine)
    assert not can(steward, "organisation.write", theirs)
    visible = set(Membership.objects.visible_to(steward).values_list("user__username", flat=True))
    assert in_mine.username in visible
    assert in_theirs.username not in visible and colleague.username not in visible
    assert can(steward, "user.write", in_mine)
    assert not can(steward, "user.write", in_theirs)


def test_users_see_only_themselves_and_their_tokens(member):
    a = member(Role.MENTOR)
    b = member(Role.MENTOR)
    assert list(User.objects.visible_to(a)) == [a]
    assert can(a, "user.read", a) and not can(a, "user.read", b)
    assert not ApiToken.objects.visible_to(b).filter(user=a).exists()


def test_audit_visibility(member):
    lead = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    steward = member(Role.DATA_STEWARD, organisation=lead)
    monitor = member(Role.OVERSIGHT_MONITOR)
    analyst = member(Role.ANALYST)
    other = member(Role.CASE_WORKER)
    steward.active_organisation = lead
    with acting_as(steward):
        from bahali.audit.services import record

        own_event = record("test.event")
    other_event = AuditEvent.objects.exclude(organisation=lead).first()
    assert AuditEvent.objects.visible_to(monitor).count() == AuditEvent.objects.count()
    assert list(AuditEvent.objects.visible_to(steward)) == [own_event]
    assert can(monitor, "audit_log.read", other_event)
    assert not can(steward, "audit_log.read", other_event)
    assert not AuditEvent.objects.visible_to(analyst).exists()
    assert not AuditEvent.objects.visible_to(other).exists()


@pytest.mark.parametrize("role", list(Role))
def test_can_and_visible_to_agree_for_every_role(member, role):
    user = member(role)
    OrganisationFactory()
    for model, resource in [
        (Organisation, "organisation"),
        (Membership, "membership"),
        (User, "user"),
        (AuditEvent, "audit_log"),
    ]:
        visible = set(policies.filter_visible(model.objects.all(), user, resource))
        for obj in model.objects.all():
            assert can(user, f"{resource}.read", obj) == (obj in visible), (model, obj)


def test_scope_without_a_path_matches_nothing(member):
    user = member(Role.PSYCHOLOGIST)
    assert policies.role_grants("clinical_note", Role.PSYCHOLOGIST)[0].scope is Scope.TEAM
    assert "organisations.organisation" in SCOPE_PATHS
    assert Scope.TEAM not in SCOPE_PATHS["organisations.organisation"]
    assert not policies.filter_visible(Organisation.objects.all(), user, "clinical_note").exists()


def test_every_resource_of_the_matrix_has_a_label_for_the_profile_page():
    from bahali.accounts import policies

    assert [r for r in policies.MATRIX if r not in policies.RESOURCE_LABELS] == []
