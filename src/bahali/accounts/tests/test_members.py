"""A data steward manages the people of their own organisation."""

from __future__ import annotations

import pytest

from bahali.accounts.models import Membership, User
from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.organisations.models import OrganisationKind
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward(member):
    return member(
        Role.DATA_STEWARD,
        organisation=OrganisationFactory(
            kind=OrganisationKind.REHABILITATION_CENTRE, name="Centre"
        ),
    )


def _form(**overrides):
    data = {
        "username": "newcomer",
        "first_name": "New",
        "last_name": "Comer",
        "password": "a sufficiently long passphrase",
        "role": Role.PSYCHOLOGIST,
    }
    data.update(overrides)
    return data


def test_steward_adds_a_new_user_with_a_role_and_districts(steward, signed_in):
    from bahali.geography.models import District

    client = signed_in(steward)
    swat = District.objects.get(code="SWT")
    response = client.post("/accounts/members/", _form(districts=[swat.pk]))
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newcomer")
    assert membership.role == Role.PSYCHOLOGIST
    assert membership.organisation.name == "Centre"
    assert list(membership.districts.values_list("code", flat=True)) == ["SWT"]
    actions = set(AuditEvent.objects.filter(actor=steward).values_list("object_type", flat=True))
    assert {"accounts.user", "accounts.membership"} <= actions
    page = client.get("/accounts/members/").content.decode()
    assert "newcomer" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "short"}, "password", "too short"),
        ({"password": "12345678901234"}, "password", "entirely numeric"),
        ({"password": ""}, "password", "needs an initial password"),
        ({"username": ""}, "username", "This field is required."),
        ({"role": "committee_member"}, "role", "Select a valid choice"),
        ({"role": "emperor"}, "role", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_writes_nothing(steward, signed_in, overrides, field, message):
    client = signed_in(steward)
    before = (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    response = client.post("/accounts/members/", _form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    after = (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    assert after[:2] == before[:2]


def test_existing_user_is_given_a_role_without_a_password(steward, member, signed_in):
    other = member(Role.MENTOR)
    client = signed_in(steward)
    response = client.post("/accounts/members/", _form(username=other.username, password=""))
    assert response.status_code == 302
    assert Membership.objects.filter(user=other, role=Role.PSYCHOLOGIST).exists()


def test_steward_ends_a_role_but_not_their_own(steward, member, signed_in):
    organisation = Membership.objects.get(user=steward).organisation
    colleague = member(Role.CASE_WORKER, organisation=organisation)
    client = signed_in(steward)
    membership = Membership.objects.get(user=colleague)
    assert client.post(f"/accounts/members/{membership.pk}/end/").status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    own = Membership.objects.get(user=steward)
    client.post(f"/accounts/members/{own.pk}/end/")
    own.refresh_from_db()
    assert own.is_active


def test_ended_role_no_longer_grants_sign_in(steward, member, signed_in, client):
    organisation = Membership.objects.get(user=steward).organisation
    colleague = member(Role.CASE_WORKER, organisation=organisation)
    signed_in(steward).post(f"/accounts/members/{Membership.objects.get(user=colleague).pk}/end/")
    client.post("/accounts/sign-out/")
    from bahali.testing import TEST_PASSWORD

    response = client.post(
        "/accounts/sign-in/", {"username": colleague.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 400


def test_acting_for_switches_between_organisations(member, signed_in):
    from bahali.accounts.services import grant_membership
    from bahali.core.context import SYSTEM

    user = member(Role.MENTOR)
    second = OrganisationFactory(name="Second CSO")
    grant_membership(actor=SYSTEM, user=user, organisation=second, role=Role.MENTOR)
    client = signed_in(user)
    response = client.post("/accounts/acting-for/", {"organisation": second.pk, "next": "/"})
    assert response.status_code == 302
    assert "Second CSO" in client.get("/").content.decode()
    client.post("/accounts/profile/tokens/", {"name": "after switch"})
    event = AuditEvent.objects.filter(object_type="accounts.apitoken").get()
    assert event.organisation == second
