"""Consent for several purposes at one sitting (issue 13, item 7): one submission, one consent
per purpose, dated today unless told, all recorded or none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import services
from bahali.registry.models import Consent
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre():
    return OrganisationFactory(kind=OrganisationKind.REHABILITATION_CENTRE)


@pytest.fixture
def participant(centre):
    return services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(
            name="Rahmatullah Khan", father_name="Gul Khan", birth_year=2001
        ),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=centre,
    )


def test_one_call_records_each_purpose_dated_today(participant):
    recorded = services.record_consents(
        actor=SYSTEM,
        participant=participant,
        purposes=["participation"],
        share_with=["civil_society", "community_committee"],
        given_by="self",
        method="signed",
    )
    assert len(recorded) == 3
    assert {consent.given_on for consent in recorded} == {timezone.localdate()}
    assert services.has_consent(participant, "participation")
    assert services.has_consent(participant, "sharing", "civil_society")
    assert services.has_consent(participant, "sharing", "community_committee")


def test_one_refused_purpose_records_none(participant):
    with pytest.raises(ValidationError):
        services.record_consents(
            actor=SYSTEM,
            participant=participant,
            purposes=["participation"],
            share_with=["civil_society", "no_such_kind"],  # the last one fails
            given_by="self",
            method="signed",
        )
    assert not Consent.objects.filter(participant=participant).exists()


def test_no_purpose_is_refused(participant):
    with pytest.raises(ValidationError) as refused:
        services.record_consents(
            actor=SYSTEM, participant=participant, given_by="self", method="signed"
        )
    assert "purposes" in refused.value.error_dict


def test_the_form_is_dated_today_and_records_three_purposes_at_once(
    participant, centre, member, signed_in
):
    client = signed_in(member(Role.CASE_WORKER, organisation=centre))
    today = timezone.localdate().isoformat()
    page = client.get(f"/participants/{participant.code}/").content.decode()
    assert 'type="checkbox" name="purposes" value="participation"' in page
    assert f'name="given_on" value="{today}"' in page
    response = client.post(
        f"/participants/{participant.code}/consents/",
        {
            "purposes": ["participation"],
            "share_with": ["civil_society", "community_committee"],
            "given_by": "self",
            "method": "verbal_witnessed",
            "witness": "Maulana Idris",
            "given_on": today,
        },
        follow=True,
    )
    assert "Consent recorded for 3 purposes." in response.content.decode()
    assert Consent.objects.filter(participant=participant).count() == 3


def test_the_form_says_what_is_missing_and_records_nothing(participant, centre, member, signed_in):
    client = signed_in(member(Role.CASE_WORKER, organisation=centre))
    nothing_ticked = client.post(
        f"/participants/{participant.code}/consents/",
        {"given_by": "self", "method": "signed", "given_on": timezone.localdate().isoformat()},
    )
    assert nothing_ticked.status_code == 400
    assert "Tick at least one purpose" in nothing_ticked.content.decode()
    no_witness = client.post(
        f"/participants/{participant.code}/consents/",
        {
            "purposes": ["participation"],
            "share_with": ["civil_society"],
            "given_by": "self",
            "method": "verbal_witnessed",
            "given_on": timezone.localdate().isoformat(),
        },
    )
    assert no_witness.status_code == 400
    assert "Verbal consent needs a witness." in no_witness.content.decode()
    assert not Consent.objects.filter(participant=participant).exists()
