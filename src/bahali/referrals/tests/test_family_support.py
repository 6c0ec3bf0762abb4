"""The family as a beneficiary: its support plan (version-checked), relatives referred only
with their own consent (never the participant's in their stead), and the family page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.casework import services as casework
from bahali.core.context import SYSTEM
from bahali.core.versioning import Conflict, Stale
from bahali.geography.models import District
from bahali.referrals import services
from bahali.referrals.models import FamilyConsent, FamilySupportPlan, Referral, Service
from bahali.registry.models import ConsentPurpose
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def literacy(world) -> Service:
    return services.register_service(
        actor=world.manager,
        provider=world.cso,
        name="Adult literacy",
        category="education",
        districts=District.objects.filter(code="SWT"),
        contact="Mingora",
    )


@pytest.fixture
def case(world):
    case = world.case()
    # the participant consents to sharing with civil society: this must not count for his mother
    world.registry.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose=ConsentPurpose.SHARING,
        share_with="civil_society",
        given_by="self",
        method="signed",
        given_on=world.today,
    )
    return case


@pytest.fixture
def mother(world, case):
    return casework.add_family_member(
        actor=world.case_worker,
        case=case,
        relationship="mother",
        name="Bibi Gul",
        contact="0300",
        engagement="active",
        is_guardian=False,
    )


def test_family_plan_agreed_then_revised_version_checked(world, case):
    plan = services.save_family_plan(
        actor=world.case_worker, case=case, needs="Income since the arrest.", expected_version=0
    )
    assert plan.version == 1
    with pytest.raises(Stale):
        services.save_family_plan(
            actor=world.psychologist, case=case, needs="Changed", expected_version=7
        )
    plan.refresh_from_db()
    assert plan.needs == "Income since the arrest."
    services.save_family_plan(
        actor=world.psychologist, case=case, needs="Income; schooling.", expected_version=1
    )
    plan.refresh_from_db()
    assert (plan.needs, plan.version) == ("Income; schooling.", 2)
    with pytest.raises(ValidationError) as error:
        services.save_family_plan(
            actor=world.case_worker,
            case=case,
            needs=" ",
            review_on=world.today.replace(year=world.today.year - 1),
        )
    assert set(error.value.message_dict) == {"needs", "review_on"}
    for outsider in (world.committee_member, world.liaison, world.outsider, world.manager):
        with pytest.raises(PermissionDenied):
            services.save_family_plan(actor=outsider, case=case, needs="x")
    assert FamilySupportPlan.objects.count() == 1


def test_relative_referred_only_with_her_own_consent(world, case, mother, literacy):
    with pytest.raises(ValidationError) as error:
        services.refer(
            actor=world.case_worker,
            case=case,
            service_item=literacy,
            need="Wants to read",
            family_member=mother,
        )
    assert "this relative has not consented" in str(error.value)
    assert not Referral.objects.exists()
    consent = services.record_family_consent(
        actor=world.case_worker, member=mother, share_with="civil_society", method="thumbprint"
    )
    referral = services.refer(
        actor=world.case_worker,
        case=case,
        service_item=literacy,
        need="Wants to read",
        family_member=mother,
    )
    assert referral.family_member == mother
    # the participant's own referral to the same service is a separate one
    own = services.refer(actor=world.case_worker, case=case, service_item=literacy, need="Him")
    assert own.family_member is None
    with pytest.raises(ValidationError) as error:  # hers is open already
        services.refer(
            actor=world.case_worker,
            case=case,
            service_item=literacy,
            need="Again",
            family_member=mother,
        )
    assert "already open" in str(error.value)
    services.cancel_referral(actor=world.case_worker, referral=referral, reason="Moved")
    services.withdraw_family_consent(actor=world.case_worker, consent=consent)
    with pytest.raises(Conflict):
        services.withdraw_family_consent(actor=world.case_worker, consent=consent)
    with pytest.raises(ValidationError):
        services.refer(
            actor=world.case_worker,
            case=case,
            service_item=literacy,
            need="Again",
            family_member=mother,
        )
    assert set(services.family_referrals(case)) == {referral}


def test_relative_of_another_case_and_bad_consent_refused(world, case, mother, literacy):
    other = world.case()
    with pytest.raises(ValidationError) as error:
        services.refer(
            actor=world.case_worker,
            case=other,
            service_item=literacy,
            need="x",
            family_member=mother,
        )
    assert set(error.value.message_dict) == {"family_member"}
    with pytest.raises(ValidationError) as error:
        services.record_family_consent(
            actor=world.case_worker,
            member=mother,
            share_with="anyone",
            method="nod",
            given_on=world.today.replace(year=world.today.year + 1),
        )
    assert set(error.value.message_dict) == {"share_with", "method", "given_on"}
    services.record_family_consent(
        actor=world.case_worker, member=mother, share_with="civil_society", method="signed"
    )
    with pytest.raises(ValidationError):  # twice the same current consent
        services.record_family_consent(
            actor=world.case_worker, member=mother, share_with="civil_society", method="signed"
        )
    with pytest.raises(PermissionDenied):
        services.record_family_consent(
            actor=world.committee_member, member=mother, share_with="lead_agency", method="signed"
        )
    assert FamilyConsent.objects.count() == 1


def test_family_page_consent_referral_and_provider_view(client, world, case, mother, literacy):
    sign_in(client, world.case_worker)
    url = f"/cases/{case.pk}/family-support/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'data-testid="no-family-plan"' in page.content
    refused = client.post(
        url, {"which": "refer", "member": mother.pk, "service": literacy.pk, "need": "Read"}
    )
    assert refused.status_code == 200
    assert b"this relative has not consented" in refused.content
    assert not Referral.objects.exists()
    done = client.post(
        url,
        {
            "which": "consent",
            "member": mother.pk,
            "share_with": "civil_society",
            "method": "signed",
            "given_on": world.today.isoformat(),
        },
    )
    assert done.status_code == 302
    sent = client.post(
        url, {"which": "refer", "member": mother.pk, "service": literacy.pk, "need": "Read"}
    )
    assert sent.status_code == 302
    saved = client.post(
        url,
        {
            "which": "plan",
            "needs": "Income",
            "agreed_on": world.today.isoformat(),
            "version": 0,
        },
    )
    assert saved.status_code == 302
    page = client.get(url)
    assert b'data-testid="family-referral"' in page.content
    assert b'data-testid="relative-consent"' in page.content
    assert b"Income" in page.content
    # the provider's inbox says it is for a relative
    client.logout()
    sign_in(client, world.trainer)
    inbox = client.get("/referrals/received/")
    assert b'data-testid="for-relative"' in inbox.content
