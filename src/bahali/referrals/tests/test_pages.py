"""Referral pages: the refusal without consent is shown and nothing is sent; the provider's
inbox shows the referral and nothing else of the case; answers go through the services."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.referrals import services
from bahali.referrals.models import Referral, ReferralStatus
from bahali.testing import PathwayWorld, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def training(world):
    return services.register_service(
        actor=SYSTEM,
        provider=world.cso,
        name="Electrician course",
        category="vocational",
        districts=District.objects.filter(code="SWT"),
        contact="Mingora",
    )


def _consent(world, case):
    world.registry.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose="sharing",
        share_with="civil_society",
        given_by="self",
        method="signed",
        given_on=world.today,
    )


def test_refused_without_consent_on_the_page(world, training, signed_in):
    case = world.case()
    client = signed_in(world.case_worker)
    page = client.get(f"/cases/{case.pk}/referrals/").content.decode()
    assert "Electrician course" in page and "no consent" in page
    response = client.post(
        f"/cases/{case.pk}/referrals/", {"service": training.pk, "need": "Training"}
    )
    assert response.status_code == 200
    assert "No referral without consent" in response.content.decode()
    assert not Referral.objects.exists()


def test_sent_with_consent_and_shown_on_the_tab(world, training, signed_in):
    case = world.case()
    _consent(world, case)
    client = signed_in(world.case_worker)
    response = client.post(
        f"/cases/{case.pk}/referrals/", {"service": training.pk, "need": "Electrician training"}
    )
    assert response.status_code == 302
    assert Referral.objects.get().status == ReferralStatus.SENT
    page = client.get(f"/cases/{case.pk}/referrals/").content.decode()
    assert "Electrician training" in page and 'data-testid="referral"' in page


def test_provider_inbox_shows_only_the_referral(world, training, signed_in):
    case = world.case()
    _consent(world, case)
    services.refer(actor=SYSTEM, case=case, service_item=training, need="Needs a trade")
    provider = make_member(Role.CASE_WORKER, organisation=world.cso)  # not on the team
    client = signed_in(provider)
    page = client.get("/referrals/received/").content.decode()
    assert case.participant.code in page and "Needs a trade" in page
    assert f"/cases/{case.pk}/" not in page
    assert case.phase.label not in page
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/referrals/").status_code == 404
    work = client.get("/cases/my-work/").content.decode()
    assert "Answer the referral" in work


def test_provider_accepts_then_completes(world, training, signed_in):
    case = world.case()
    _consent(world, case)
    referral = services.refer(actor=SYSTEM, case=case, service_item=training, need="Trade")
    client = signed_in(world.trainer)
    client.post(
        f"/referrals/{referral.pk}/answer/", {"decision": "accept", "version": referral.version}
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    stale = client.post(
        f"/referrals/{referral.pk}/complete/",
        {"feedback": "Done", "completed_on": world.today.isoformat(), "version": 1},
        follow=True,
    )
    assert "Someone else changed this after you opened it" in stale.content.decode()
    client.post(
        f"/referrals/{referral.pk}/complete/",
        {
            "feedback": "Passed the exam",
            "completed_on": world.today.isoformat(),
            "version": referral.version,
        },
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.feedback == "Passed the exam"


def test_decline_without_reason_refused(world, training, signed_in):
    case = world.case()
    _consent(world, case)
    referral = services.refer(actor=SYSTEM, case=case, service_item=training, need="Trade")
    client = signed_in(world.trainer)
    response = client.post(
        f"/referrals/{referral.pk}/answer/",
        {"decision": "decline", "version": referral.version},
        follow=True,
    )
    assert "Say why the referral is declined" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_directory_lists_services(world, training, signed_in):
    client = signed_in(world.analyst)
    page = client.get("/services/?category=vocational").content.decode()
    assert "Electrician course" in page and "Mingora" in page
    assert 'data-testid="service-form"' not in page
