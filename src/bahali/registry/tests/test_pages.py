"""Registry pages through the real stack: the Sana journey, identity under audit, edits."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import services
from bahali.registry.models import DistinctPair, Participant
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def aman():
    return OrganisationFactory(name="Aman Welfare Society", kind=OrganisationKind.CIVIL_SOCIETY)


@pytest.fixture
def existing(aman):
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
def sana(member):
    centre = OrganisationFactory(name="Roshan Centre", kind=OrganisationKind.REHABILITATION_CENTRE)
    return member(Role.CASE_WORKER, organisation=centre)


def _form(**overrides):
    data = {
        "name": "Mohd Rehmatullah Khan s/o Gul Khan",
        "birth_year": "2001",
        "sex": "m",
        "district": District.objects.get(code="SWT").pk,
        "decision": "check",
    }
    data.update(overrides)
    return data


def test_a_duplicate_within_reach_is_shown_and_same_person_keeps_one_record(
    existing, sana, signed_in
):
    services.confirm_same_person(  # the centre works with him already (shared with it)
        actor=SYSTEM,
        participant=existing,
        identity=services.Identity(
            name="Muhammad Rahmatullah Khan", father_name="Gul Khan", birth_year=2001
        ),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=sana.active_memberships()[0].organisation,
    )
    client = signed_in(sana)
    response = client.post("/participants/register/", _form())
    assert response.status_code == 200
    page = response.content.decode()
    assert existing.code in page and "Muhammad Rahmatullah Khan" in page
    assert "Gul Khan" in page  # the typed "s/o" became the father's name
    assert AuditEvent.objects.filter(
        action="identity.read", object_id=str(existing.pk), actor=sana
    ).exists()
    response = client.post("/participants/register/", _form(decision=f"same:{existing.pk}"))
    assert response.status_code == 302 and existing.code in response["Location"]
    assert Participant.objects.count() == 1
    assert existing.links.filter(organisation__name="Roshan Centre").exists()


def test_a_duplicate_out_of_reach_is_not_shown(existing, sana, signed_in):
    """Issue 14, item 2: the check reveals a match only within the user's own scope."""
    client = signed_in(sana)
    response = client.post("/participants/register/", _form())
    assert response.status_code == 302  # registered anew: no candidate within reach
    assert existing.code not in response["Location"]
    assert not AuditEvent.objects.filter(
        action="identity.read", object_id=str(existing.pk), actor=sana
    ).exists()
    assert not existing.links.filter(organisation__name="Roshan Centre").exists()


def test_same_person_cannot_be_claimed_for_an_unrelated_record(aman, sana, signed_in):
    other = services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(name="Zarin Gul", father_name="Sher Zaman", birth_year=1998),
        sex="f",
        district=District.objects.get(code="SWT"),
        organisation=aman,
    )
    client = signed_in(sana)
    response = client.post("/participants/register/", _form(decision=f"same:{other.pk}"))
    assert response.status_code == 404
    assert not other.links.filter(organisation__name="Roshan Centre").exists()


def test_different_person_registers_and_is_remembered(existing, sana, signed_in):
    client = signed_in(sana)
    response = client.post(
        "/participants/register/", _form(decision="new", candidate=[existing.pk])
    )
    assert response.status_code == 302
    new = Participant.objects.exclude(pk=existing.pk).get()
    assert DistinctPair.objects.filter(
        first_id=min(new.pk, existing.pk), second_id=max(new.pk, existing.pk)
    ).exists()


def test_no_candidate_registers_straight_away(sana, signed_in):
    client = signed_in(sana)
    response = client.post("/participants/register/", _form(name="Zarin Gul", sex="f"))
    assert response.status_code == 302
    assert Participant.objects.get().registered_by.name == "Roshan Centre"


def test_bad_registration_explains_and_writes_nothing(sana, signed_in):
    client = signed_in(sana)
    response = client.post("/participants/register/", _form(name="", cnic="123", sex=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the name" in page and "This field is required." in page
    assert not Participant.objects.exists()


def test_identity_panel_is_audited_and_hidden_from_others(existing, member, signed_in, aman):
    worker = member(Role.CASE_WORKER, organisation=aman)
    client = signed_in(worker)
    detail = client.get(f"/participants/{existing.code}/").content.decode()
    assert "Muhammad" not in detail and 'data-testid="show-identity"' in detail
    panel = client.get(f"/participants/{existing.code}/identity/").content.decode()
    assert "Muhammad Rahmatullah Khan" in panel
    assert AuditEvent.objects.filter(action="identity.read", actor=worker).count() == 1
    client.post("/accounts/sign-out/")
    for role in (Role.SECURITY_LIAISON, Role.OVERSIGHT_MONITOR):
        viewer = member(role)
        client = signed_in(viewer)
        page = client.get(f"/participants/{existing.code}/").content.decode()
        assert 'data-testid="identity-closed"' in page
        assert client.get(f"/participants/{existing.code}/identity/").status_code == 404
        client.post("/accounts/sign-out/")


def test_stale_edit_page_refuses(existing, member, signed_in, aman):
    worker = member(Role.CASE_WORKER, organisation=aman)
    client = signed_in(worker)
    form = client.get(f"/participants/{existing.code}/identity/edit/")
    version = form.context["form"].initial["version"]
    services.update_identity(
        actor=SYSTEM,
        participant=existing,
        identity=services.Identity(
            name="Muhammad Rahmatullah Khan", father_name="Gul Khan", birth_year=2000
        ),
        expected_version=version,
    )
    response = client.post(
        f"/participants/{existing.code}/identity/edit/",
        {"name": "Overwritten", "birth_year": "2001", "version": version},
    )
    assert response.status_code == 400
    assert "Someone else changed this after you opened it" in response.content.decode()
    existing.refresh_from_db()
    assert services.open_identity(existing).birth_year == 2000


def test_consent_form_and_pledge(existing, member, signed_in, aman):
    client = signed_in(member(Role.CASE_WORKER, organisation=aman))
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/participants/{existing.code}/consents/",
        {
            "share_with": "community_committee",
            "given_by": "self",
            "method": "verbal_witnessed",
            "witness": "Maulana Idris",
            "given_on": today,
        },
    )
    assert response.status_code == 302
    assert services.has_consent(existing, "sharing", "community_committee")
    bad = client.post(f"/participants/{existing.code}/pledges/", {"pledged_on": today})
    assert bad.status_code == 400 and not existing.pledges.exists()
    client.post(
        f"/participants/{existing.code}/pledges/",
        {"pledged_on": today, "witnesses": "Maulana Idris"},
    )
    assert existing.pledges.count() == 1


def test_mistyped_code_is_flagged(existing, member, signed_in, aman):
    client = signed_in(member(Role.CASE_WORKER, organisation=aman))
    good = client.get(f"/participants/?q={existing.code}").content.decode()
    assert existing.code in good and 'data-testid="code-typo"' not in good
    wrong_digit = str((int(existing.code[-1]) + 1) % 10)
    typo = client.get(f"/participants/?q={existing.code[:-1]}{wrong_digit}").content.decode()
    assert 'data-testid="code-typo"' in typo


def test_cnic_search_uses_the_blind_index(member, signed_in, aman):
    participant = services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(name="Abdul Hamid", cnic="15602-9876543-1", birth_year=1994),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=aman,
    )
    client = signed_in(member(Role.CASE_WORKER, organisation=aman))
    page = client.get("/participants/?q=15602-9876543-1").content.decode()
    assert participant.code in page


def test_guardian_and_witness_names_come_only_with_the_audited_identity(signed_in):
    """A guardian's or witness's name identifies a family as surely as the participant's own:
    the participant page never shows them; the identity panel does, to full identity readers
    only, and that read is audited."""
    from bahali.registry.models import Consent, ConsentPurpose
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    case = world.case()
    services.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose=ConsentPurpose.SHARING,
        share_with=OrganisationKind.CIVIL_SOCIETY,
        given_by=Consent.GivenBy.GUARDIAN,
        method=Consent.Method.SIGNED,
        given_on=timezone.localdate(),
        guardian_name="Bibi Zarmina",
        witness="Qari Noor",
    )
    names = ("Bibi Zarmina", "Qari Noor", "Imam")  # Imam witnessed the pledge
    url = f"/participants/{case.participant.code}/"
    for user in (world.liaison, world.case_worker):
        client = signed_in(user)
        page = client.get(url)
        assert page.wsgi_request.user == user
        assert page.status_code == 200 and 'data-testid="consents"' in page.content.decode()
        assert not any(name in page.content.decode() for name in names)
        panel = client.get(f"{url}identity/")
        if user == world.liaison:
            assert panel.status_code == 404
        else:
            assert all(name in panel.content.decode() for name in names)
            assert AuditEvent.objects.filter(
                action="identity.read", actor=user, object_id=str(case.participant.pk)
            ).exists()
        client.logout()


def test_committee_identity_panel_says_what_is_not_shared(signed_in):
    """The committee sees the name alone: the other fields say "not shared with committees"
    (a "—" would read as missing data), and no "Correct identity" button leads to a 404."""
    from bahali.registry.models import Consent, ConsentPurpose
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    case = world.case()
    services.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose=ConsentPurpose.SHARING,
        share_with=OrganisationKind.COMMUNITY_COMMITTEE,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=timezone.localdate(),
    )
    url = f"/participants/{case.participant.code}/identity/"
    client = signed_in(world.committee_member)
    panel = client.get(url).content.decode()
    assert panel.count('data-testid="not-shared"') == 5
    assert "Not shared with committees" in panel and "—" not in panel
    assert 'data-testid="edit-identity"' not in panel
    assert client.get(f"{url}edit/").status_code == 404
    client.logout()
    client = signed_in(world.case_worker)
    panel = client.get(url).content.decode()
    assert 'data-testid="not-shared"' not in panel
    assert 'data-testid="edit-identity"' in panel
    assert client.get(f"{url}edit/").status_code == 200


def test_a_pledge_sent_twice_is_recorded_once(existing, member, signed_in, aman):
    """Back, then submit again (issue 13, item 9): the pledge form's one-time token is
    refused the second time, with a message, and one pledge is recorded."""
    import re

    from bahali.core.once import FIELD

    client = signed_in(member(Role.CASE_WORKER, organisation=aman))
    page = client.get(f"/participants/{existing.code}/").content.decode()
    action = f"/participants/{existing.code}/pledges/"
    found = re.search(rf'action="{action}".*?name="{FIELD}" value="(\w+)"', page, re.S)
    assert found
    pledge = {
        "pledged_on": timezone.localdate().isoformat(),
        "witnesses": "Maulana Idris",
        FIELD: found.group(1),
    }
    assert client.post(action, pledge).status_code == 302
    again = client.post(
        action, pledge, follow=True, HTTP_REFERER=f"http://testserver/participants/{existing.code}/"
    )
    assert "This form was already sent; nothing was recorded twice." in again.content.decode()
    assert existing.pledges.count() == 1
