"""Programme configuration: blueprints, validation, concurrent edits, the load command."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.organisations.models import OrganisationKind
from bahali.programmes import services
from bahali.programmes.blueprints import BLUEPRINTS
from bahali.programmes.models import Programme
from bahali.testing import OrganisationFactory, PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.mark.parametrize("key", list(BLUEPRINTS))
def test_each_blueprint_loads_walkable_with_a_multi_kind_gate(world, key):
    programme = world.programmes[key]
    assert services.configuration_problems(programme) == []
    assert programme.phases.filter(is_final=True).count() == 1
    assert any(len(t.required_kinds) >= 2 for t in programme.transitions.all())
    names = programme.phases.values_list("name_ur", "name_ps")
    assert all(ur and ps for ur, ps in names)


def test_loading_twice_adds_nothing(world):
    again = services.load_blueprint(actor=SYSTEM, blueprint="centre", lead_organisation=world.lead)
    assert again == world.programmes["centre"]
    assert Programme.objects.filter(code="centre").count() == 1


def test_the_command_loads_a_blueprint(world):
    lead = OrganisationFactory(name="Directorate Two", kind=OrganisationKind.LEAD_AGENCY)
    call_command("programmes", "load", "prison", "--lead", lead.name, "--code", "prison-2",
                 "--districts", "SWT,BJR")  # fmt: skip
    programme = Programme.objects.get(code="prison-2")
    assert programme.lead_organisation == lead
    assert sorted(programme.districts.values_list("code", flat=True)) == ["BJR", "SWT"]


def test_a_gate_needs_at_least_one_approval_per_kind(world):
    programme = world.programmes["centre"]
    phases = {p.code: p for p in programme.phases.all()}
    with pytest.raises(ValidationError) as refused:
        services.save_transition(
            actor=world.manager,
            programme=programme,
            expected_version=programme.version,
            from_phase=phases["referred"],
            to_phase=phases["intake"],
            required_kinds=["rehabilitation_centre", "civil_society"],
            approvals_required=1,
        )
    assert "approvals_required" in refused.value.message_dict
    assert not programme.transitions.filter(
        from_phase=phases["referred"], to_phase=phases["intake"]
    ).exists()


def test_unknown_kind_and_foreign_phase_are_refused(world):
    programme = world.programmes["centre"]
    other = world.programmes["prison"].phases.first()
    phase = programme.phases.first()
    with pytest.raises(ValidationError) as refused:
        services.save_transition(
            actor=world.manager,
            programme=programme,
            expected_version=programme.version,
            from_phase=phase,
            to_phase=other,
            required_kinds=["army_only"],
            approvals_required=1,
        )
    assert {"required_kinds", "to_phase"} <= set(refused.value.message_dict)


def test_stale_configuration_edit_is_refused(world):
    programme = world.programmes["community"]
    opened = programme.version
    services.update_programme(
        actor=world.manager, programme=programme, expected_version=opened, aftercare_months=9
    )
    with pytest.raises(Stale):
        services.update_programme(
            actor=world.manager,
            programme=Programme.objects.get(pk=programme.pk),
            expected_version=opened,
            aftercare_months=3,
        )
    assert Programme.objects.get(pk=programme.pk).aftercare_months == 9


def test_only_the_lead_organisations_manager_configures(world, member):
    programme = world.programmes["centre"]
    other_manager = member(Role.PROGRAMME_MANAGER)
    for actor in (other_manager, world.case_worker, world.steward):
        with pytest.raises(PermissionDenied):
            services.update_programme(
                actor=actor, programme=programme, expected_version=programme.version
            )


def test_problems_name_what_makes_the_pathway_unwalkable(world):
    programme = world.programmes["community"]
    services.save_phase(
        actor=world.manager,
        programme=programme,
        expected_version=programme.version,
        code="island",
        name_en="Island",
        order=999,
    )
    problems = " ".join(services.configuration_problems(programme))
    assert "has no way out" in problems and "No path leads" in problems
    participant = world.participant()
    from bahali.cases.services import enrol_participant

    with pytest.raises(ValidationError, match="incomplete"):
        enrol_participant(
            actor=SYSTEM,
            participant=participant,
            programme=programme,
            referral_source="family",
            lead_organisation=world.cso,
        )


def test_a_phase_cases_have_been_in_cannot_be_removed(world):
    case = world.case("centre")
    programme = case.programme
    with pytest.raises(ValidationError):
        services.delete_phase(
            actor=world.manager,
            programme=programme,
            expected_version=programme.version,
            phase=case.phase,
        )
    assert programme.phases.filter(pk=case.phase_id).exists()


def test_manager_edits_through_the_pages(world, signed_in):
    client = signed_in(world.manager)
    programme = world.programmes["centre"]
    response = client.post(
        "/programmes/centre/phases/new/",
        {
            "version": programme.version,
            "code": "family_bridge",
            "name_en": "Family bridge",
            "name_ur": "خاندانی پل",
            "order": 65,
            "requires_consent": "on",
        },
    )
    assert response.status_code == 302
    assert programme.phases.filter(code="family_bridge", requires_consent=True).exists()
    page = client.get("/programmes/centre/").content.decode()
    assert "Family bridge" in page and "has no way out" in page
    stale = client.post(
        "/programmes/centre/phases/new/",
        {"version": programme.version, "code": "x", "name_en": "X", "order": 66},
    )
    assert stale.status_code == 200
    assert "Someone else changed this after you opened it" in stale.content.decode()
    assert not programme.phases.filter(code="x").exists()
