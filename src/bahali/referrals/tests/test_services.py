"""Referral services: the consent check (refused without, allowed with), the status machine,
answers only from the provider, stale answers refused, and the provider's narrow view."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.accounts.roles import Role
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.core.versioning import Conflict, Stale
from bahali.geography.models import District
from bahali.referrals import services
from bahali.referrals.models import Referral, ReferralStatus, Service
from bahali.registry.models import Consent, ConsentPurpose
from bahali.testing import PathwayWorld, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def training(world) -> Service:
    return services.register_service(
        actor=world.manager,
        provider=world.cso,
        name="Electrician course",
        category="vocational",
        districts=District.objects.filter(code="SWT"),
        contact="0946-123456, Mingora office",
        eligibility="Men and women 16-35",
    )


def consent_to(world, case: Case, kind: str) -> Consent:
    return world.registry.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose=ConsentPurpose.SHARING,
        share_with=kind,
        given_by="self",
        method="signed",
        given_on=world.today,
    )


def test_only_managers_add_services(world):
    with pytest.raises(PermissionDenied):
        services.register_service(
            actor=world.case_worker,
            provider=world.cso,
            name="X",
            category="education",
            districts=District.objects.filter(code="SWT"),
            contact="x",
        )


def test_service_needs_district_contact_and_known_category(world):
    with pytest.raises(ValidationError) as error:
        services.register_service(
            actor=world.manager,
            provider=world.cso,
            name="Course",
            category="astrology",
            districts=[],
            contact=" ",
        )
    assert set(error.value.message_dict) == {"category", "districts", "contact"}
    assert not Service.objects.exists()


def test_referral_refused_without_consent_and_nothing_written(world, training):
    case = world.case()
    with pytest.raises(ValidationError) as error:
        services.refer(actor=world.case_worker, case=case, service_item=training, need="Training")
    assert "consent" in error.value.message_dict["service"][0]
    assert "Civil-society organisation" in error.value.message_dict["service"][0]
    assert not Referral.objects.exists()


def test_consent_to_another_kind_does_not_count(world, training):
    case = world.case()
    consent_to(world, case, "community_committee")
    with pytest.raises(ValidationError):
        services.refer(actor=world.case_worker, case=case, service_item=training, need="Training")


def test_withdrawn_consent_does_not_count(world, training):
    case = world.case()
    consent = consent_to(world, case, "civil_society")
    world.registry.withdraw_consent(actor=SYSTEM, consent=consent, note="Changed his mind")
    with pytest.raises(ValidationError):
        services.refer(actor=world.case_worker, case=case, service_item=training, need="Training")


def test_referral_allowed_with_consent(world, training):
    case = world.case()
    consent_to(world, case, "civil_society")
    referral = services.refer(
        actor=world.case_worker, case=case, service_item=training, need="Electrician training"
    )
    assert referral.status == ReferralStatus.SENT
    assert referral.provider == world.cso and referral.sent_by == world.case_worker


def test_referral_refused_outside_the_service_districts_and_twice(world, training):
    case = world.case()
    consent_to(world, case, "civil_society")
    services.refer(actor=world.case_worker, case=case, service_item=training, need="Training")
    with pytest.raises(ValidationError, match="already open"):
        services.refer(actor=world.case_worker, case=case, service_item=training, need="Again")
    elsewhere = services.register_service(
        actor=world.manager,
        provider=world.cso,
        name="Bajaur course",
        category="vocational",
        districts=District.objects.filter(code="BJR"),
        contact="x",
    )
    with pytest.raises(ValidationError, match="district"):
        services.refer(actor=world.case_worker, case=case, service_item=elsewhere, need="x")


def test_outsiders_cannot_refer(world, training):
    case = world.case()
    consent_to(world, case, "civil_society")
    with pytest.raises(PermissionDenied):
        services.refer(actor=world.outsider, case=case, service_item=training, need="Training")


@pytest.fixture
def referral(world, training) -> Referral:
    case = world.case()
    consent_to(world, case, "civil_society")
    return services.refer(
        actor=world.case_worker, case=case, service_item=training, need="Electrician training"
    )


def test_sent_accepted_completed_with_feedback(world, referral):
    provider = make_member(Role.CASE_WORKER, organisation=world.cso)
    services.respond_to_referral(actor=provider, referral=referral, accept=True, note="Starts 1st")
    assert referral.status == ReferralStatus.ACCEPTED and referral.responded_by == provider
    services.complete_referral(actor=provider, referral=referral, feedback="Passed the exam")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    assert referral.feedback == "Passed the exam" and referral.completed_on == world.today


def test_decline_needs_a_reason(world, referral):
    provider = make_member(Role.CASE_WORKER, organisation=world.cso)
    with pytest.raises(ValidationError):
        services.respond_to_referral(actor=provider, referral=referral, accept=False, note="")
    services.respond_to_referral(actor=provider, referral=referral, accept=False, note="Full")
    assert referral.status == ReferralStatus.DECLINED
    with pytest.raises(Conflict, match="answered already"):
        services.respond_to_referral(actor=provider, referral=referral, accept=True)
    with pytest.raises(ValidationError):
        services.complete_referral(actor=provider, referral=referral, feedback="x")


def test_only_the_provider_answers(world, referral):
    # the centre's case worker is on the team (may write the referral) but is not the provider
    with pytest.raises(ValidationError, match="providing the service"):
        services.respond_to_referral(actor=world.case_worker, referral=referral, accept=True)
    with pytest.raises(PermissionDenied):
        services.respond_to_referral(actor=world.outsider, referral=referral, accept=True)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_stale_answer_refused(world, referral):
    provider = make_member(Role.CASE_WORKER, organisation=world.cso)
    services.respond_to_referral(actor=provider, referral=referral, accept=True, expected_version=1)
    with pytest.raises(Stale):
        services.complete_referral(
            actor=provider, referral=referral, feedback="Done", expected_version=1
        )


def test_team_withdraws_an_open_referral(world, referral):
    with pytest.raises(ValidationError):
        services.cancel_referral(actor=world.case_worker, referral=referral, reason=" ")
    services.cancel_referral(actor=world.case_worker, referral=referral, reason="Found work")
    assert referral.status == ReferralStatus.CANCELLED


def test_provider_sees_the_referral_not_the_case(world, referral):
    provider = make_member(Role.CASE_WORKER, organisation=world.cso)
    assert list(services.received_by(provider)) == [referral]
    assert list(services.waiting_for(provider)) == [referral]
    assert not Case.objects.visible_to(provider).filter(pk=referral.case_id).exists()
    assert not Case.objects.visible_to(provider, "plan").exists()
    # another provider sees nothing
    other = make_member(Role.CASE_WORKER)
    assert not services.received_by(other).exists()
    assert not Referral.objects.visible_to(other).exists()


def test_juvenile_needs_guardian_consent(world, training):
    participant = world.participant(consent=False)
    world.registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by="self",
        method="signed",
        given_on=world.today,
    )
    case = world.case(participant=participant)
    consent_to(world, case, "civil_society")
    with acting_as(SYSTEM):
        type(participant).objects.filter(pk=participant.pk).update(is_juvenile=True)
    case.participant.refresh_from_db()
    with pytest.raises(ValidationError, match="guardian"):
        services.refer(actor=world.case_worker, case=case, service_item=training, need="x")


def test_future_date_refused(world, training):
    case = world.case()
    consent_to(world, case, "civil_society")
    with pytest.raises(ValidationError):
        services.refer(
            actor=world.case_worker,
            case=case,
            service_item=training,
            need="x",
            sent_on=world.today + datetime.timedelta(days=3),
        )
