"""Linking by knowledge needs a second look (issue 14, item 2).

A case worker who knows a person's name and father's name (or CNIC) and answers "same person"
for someone registered by another organisation learns the code and that there was a match;
the identity opens only once the person's consent to sharing covers the case worker's kind of
organisation, or once a data steward of an organisation holding the record approves.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM
from bahali.core.versioning import Conflict
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import services
from bahali.registry.models import Consent, ConsentPurpose, LinkRequest, Participant
from bahali.testing import OrganisationFactory, sign_in, token_request

pytestmark = pytest.mark.django_db

PERSON = {
    "name": "Muhammad Rahmatullah Khan",
    "father_name": "Gul Khan",
    "birth_year": 2001,
    "sex": "m",
    "district": "SWT",
}


@pytest.fixture
def aman():
    return OrganisationFactory(name="Aman Welfare Society", kind=OrganisationKind.CIVIL_SOCIETY)


@pytest.fixture
def centre():
    return OrganisationFactory(name="Roshan Centre", kind=OrganisationKind.REHABILITATION_CENTRE)


@pytest.fixture
def existing(aman):
    """Registered by Aman: out of reach of the centre's staff."""
    return services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(
            name="Muhammad Rahmatullah Khan", father_name="Gul Khan", birth_year=2001
        ),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=aman,
    )


@pytest.fixture
def sana(member, centre):
    return member(Role.CASE_WORKER, organisation=centre)


@pytest.fixture
def omar(member, aman):
    """A data steward of Aman, which holds the record."""
    return member(Role.DATA_STEWARD, organisation=aman)


@pytest.fixture
def api(client, sana):
    token = client.post(
        "/api/v1/auth/token", token_request(sana), content_type="application/json"
    ).json()["token"]

    def call(method, url, data=None):
        return getattr(client, method)(
            url, data or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return call


def _share_with_centres(participant):
    services.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose=ConsentPurpose.SHARING,
        share_with=OrganisationKind.REHABILITATION_CENTRE,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=participant.created_at.date(),
    )


# --- the API: "same:<code>" out of scope --------------------------------------------------


def test_same_person_out_of_scope_gives_the_code_and_no_identity_until_approval(
    api, existing, sana, omar, centre
):
    answer = api("post", "/api/v1/participants", {**PERSON, "decision": f"same:{existing.code}"})
    assert answer.status_code == 202
    body = answer.json()
    assert body["code"] == existing.code and body["status"] == "pending"
    assert "Gul Khan" not in answer.content.decode() and "Rahmatullah" not in body["message"]
    assert not existing.links.filter(organisation=centre).exists()
    assert api("get", f"/api/v1/participants/{existing.code}/identity").status_code == 404
    assert api("get", f"/api/v1/participants/{existing.code}").status_code == 404
    assert not AuditEvent.objects.filter(
        action="identity.read", object_id=str(existing.pk), actor=sana
    ).exists()
    request = LinkRequest.objects.get(participant=existing, organisation=centre)
    assert request.is_pending and request.requested_by == sana
    assert AuditEvent.objects.filter(action="create", object_type="registry.linkrequest").exists()

    # asking again waits on the same request
    again = api("post", "/api/v1/participants", {**PERSON, "decision": f"same:{existing.code}"})
    assert again.status_code == 202
    assert LinkRequest.objects.filter(participant=existing).count() == 1

    services.decide_link_request(actor=omar, request=request, approve=True, expected_version=1)
    assert existing.links.filter(organisation=centre).exists()
    identity = api("get", f"/api/v1/participants/{existing.code}/identity")
    assert identity.status_code == 200 and identity.json()["father_name"] == "Gul Khan"


def test_same_person_links_at_once_where_consent_covers_the_organisation_kind(
    api, existing, centre
):
    _share_with_centres(existing)
    answer = api("post", "/api/v1/participants", {**PERSON, "decision": f"same:{existing.code}"})
    assert answer.status_code == 200 and answer.json()["code"] == existing.code
    assert existing.links.filter(organisation=centre).exists()
    assert not LinkRequest.objects.exists()
    assert api("get", f"/api/v1/participants/{existing.code}/identity").status_code == 200


def test_consent_to_another_kind_does_not_cover_the_centre(api, existing, centre):
    services.record_consent(
        actor=SYSTEM,
        participant=existing,
        purpose=ConsentPurpose.SHARING,
        share_with=OrganisationKind.COMMUNITY_COMMITTEE,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=existing.created_at.date(),
    )
    answer = api("post", "/api/v1/participants", {**PERSON, "decision": f"same:{existing.code}"})
    assert answer.status_code == 202
    assert not existing.links.filter(organisation=centre).exists()


def test_withdrawn_sharing_consent_does_not_cover_it(api, existing, centre):
    _share_with_centres(existing)
    consent = existing.consents.get(purpose=ConsentPurpose.SHARING)
    services.withdraw_consent(actor=SYSTEM, consent=consent, note="No more sharing.")
    answer = api("post", "/api/v1/participants", {**PERSON, "decision": f"same:{existing.code}"})
    assert answer.status_code == 202


# --- the API: "check" -------------------------------------------------------------------


def test_check_reveals_no_match_out_of_scope_and_registers_nothing(api, existing, sana):
    answer = api("post", "/api/v1/participants", {**PERSON, "decision": "check"})
    assert answer.status_code == 200
    assert answer.json()["candidates"] == []
    assert existing.code not in answer.content.decode()
    assert Participant.objects.count() == 1
    assert not AuditEvent.objects.filter(
        action="identity.read", object_id=str(existing.pk), actor=sana
    ).exists()


def test_check_by_cnic_reveals_nothing_out_of_scope(api, aman):
    services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(name="Zarin Gul", birth_year=1990, cnic="15602-1234567-2"),
        sex="f",
        district=District.objects.get(code="SWT"),
        organisation=aman,
    )
    answer = api(
        "post",
        "/api/v1/participants",
        {"name": "Z. Gul", "cnic": "15602-1234567-2", "sex": "f", "district": "SWT"},
    )
    assert answer.status_code == 200 and answer.json()["candidates"] == []


def test_check_shows_a_match_within_scope(api, existing, centre):
    _share_with_centres(existing)
    api("post", "/api/v1/participants", {**PERSON, "decision": f"same:{existing.code}"})
    answer = api("post", "/api/v1/participants", {**PERSON, "decision": "check"})
    assert answer.status_code == 409
    assert [c["code"] for c in answer.json()["candidates"]] == [existing.code]
    assert Participant.objects.count() == 1


# --- the steward's decision -------------------------------------------------------------


def _request(existing, sana, centre):
    outcome = services.confirm_same_person(
        actor=sana,
        participant=existing,
        identity=services.Identity(
            name="Mohd Rehmatullah Khan", father_name="Gul Khan", birth_year=2001
        ),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=centre,
    )
    assert outcome.pending
    return outcome.request


def test_a_decision_applies_once(existing, sana, omar, centre):
    request = _request(existing, sana, centre)
    services.decide_link_request(actor=omar, request=request, approve=True, expected_version=1)
    with pytest.raises(Conflict):  # a second decision, from the version first read
        services.decide_link_request(
            actor=omar, request=request, approve=False, note="Not the same man.", expected_version=1
        )
    request.refresh_from_db()
    with pytest.raises(Conflict):  # even from the current version: decided already
        services.decide_link_request(
            actor=omar,
            request=request,
            approve=False,
            note="Not the same man.",
            expected_version=request.version,
        )
    request.refresh_from_db()
    assert request.status == LinkRequest.Status.APPROVED
    assert existing.links.filter(organisation=centre).count() == 1


def test_a_refusal_needs_a_reason_and_links_nothing(existing, sana, omar, centre):
    request = _request(existing, sana, centre)
    with pytest.raises(ValidationError):
        services.decide_link_request(actor=omar, request=request, approve=False, note="no")
    request.refresh_from_db()
    assert request.is_pending and request.version == 1
    services.decide_link_request(
        actor=omar,
        request=request,
        approve=False,
        note="The centre has no case for him.",
        expected_version=1,
    )
    request.refresh_from_db()
    assert request.status == LinkRequest.Status.REFUSED and request.decided_by == omar
    assert not existing.links.filter(organisation=centre).exists()
    event = AuditEvent.objects.filter(
        object_type="registry.linkrequest", object_id=str(request.pk), action="update"
    ).get()
    assert event.actor == omar


def test_only_a_steward_of_an_organisation_holding_the_record_decides(
    existing, sana, centre, member
):
    from django.core.exceptions import PermissionDenied

    request = _request(existing, sana, centre)
    other_steward = member(Role.DATA_STEWARD, organisation=OrganisationFactory(kind="lead_agency"))
    centre_steward = member(Role.DATA_STEWARD, organisation=centre)  # the asker's own steward
    for outsider in (other_steward, centre_steward, sana):
        with pytest.raises(PermissionDenied):
            services.decide_link_request(actor=outsider, request=request, approve=True)
        assert not LinkRequest.objects.visible_to(outsider).exists()
    assert LinkRequest.objects.get().is_pending


# --- the steward's queue page ---------------------------------------------------------------


def test_the_queue_page_approves_and_the_case_worker_then_sees_the_record(
    client, existing, sana, omar, centre
):
    request = _request(existing, sana, centre)
    sign_in(client, omar)
    page = client.get("/participants/link-requests/")
    assert page.status_code == 200
    body = page.content.decode()
    assert existing.code in body and "Roshan Centre" in body
    assert 'data-testid="link-request"' in body
    home = client.get("/cases/my-work/").content.decode()
    assert existing.code in home  # waiting in the steward's My work
    answer = client.post(
        f"/participants/link-requests/{request.pk}/", {"decision": "approve", "version": 1}
    )
    assert answer.status_code == 302
    assert existing.links.filter(organisation=centre).exists()
    twice = client.post(
        f"/participants/link-requests/{request.pk}/", {"decision": "approve", "version": 1}
    )
    assert twice.status_code == 302
    assert existing.links.filter(organisation=centre).count() == 1
    client.logout()
    sign_in(client, sana)
    assert client.get(f"/participants/{existing.code}/").status_code == 200


def test_web_same_person_out_of_scope_waits_and_shows_only_the_code(client, existing, sana, centre):
    sign_in(client, sana)
    answer = client.post(
        "/participants/register/",
        {
            "name": "Mohd Rehmatullah Khan s/o Gul Khan",
            "birth_year": "2001",
            "sex": "m",
            "district": District.objects.get(code="SWT").pk,
            "decision": f"same:{existing.pk}",
        },
        follow=True,
    )
    assert answer.status_code == 200
    body = answer.content.decode()
    assert existing.code in body and "data steward" in body
    assert "Muhammad Rahmatullah Khan" not in body
    assert Participant.objects.count() == 1
    assert not existing.links.filter(organisation=centre).exists()
    assert client.get(f"/participants/{existing.code}/").status_code == 404
    assert LinkRequest.objects.filter(participant=existing, organisation=centre).exists()


def test_check_shows_a_match_whose_consent_covers_the_users_kind_of_organisation(
    api, existing, centre
):
    _share_with_centres(existing)
    answer = api("post", "/api/v1/participants", {**PERSON, "decision": "check"})
    assert answer.status_code == 409
    assert [c["code"] for c in answer.json()["candidates"]] == [existing.code]
    assert not existing.links.filter(organisation=centre).exists()  # a check links nothing


def test_the_steward_of_the_programmes_lead_organisation_decides_too():
    """The directorate leading the programme holds the record of everyone in its cases."""
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    case = world.case()  # registered by the centre, in a programme the lead agency leads
    outcome = services.confirm_same_person(
        actor=world.cso_worker,
        participant=case.participant,
        identity=services.open_identity(case.participant),
        sex="m",
        district=world.swat,
        organisation=world.cso,
    )
    assert outcome.pending
    assert list(LinkRequest.objects.visible_to(world.steward)) == [outcome.request]
    services.decide_link_request(
        actor=world.steward, request=outcome.request, approve=True, expected_version=1
    )
    assert case.participant.links.filter(organisation=world.cso).exists()
