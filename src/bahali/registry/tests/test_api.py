"""The registry API: duplicate check as 409, decisions, identity under audit, stale versions."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.organisations.models import OrganisationKind
from bahali.registry.models import Participant
from bahali.testing import OrganisationFactory, token_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, member):
    user = member(
        Role.CASE_WORKER,
        organisation=OrganisationFactory(kind=OrganisationKind.REHABILITATION_CENTRE),
    )
    token = client.post(
        "/api/v1/auth/token",
        token_request(user),
        content_type="application/json",
    ).json()["token"]

    def call(method, url, data=None):
        return getattr(client, method)(
            url, data or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    call.user = user
    return call


PERSON = {
    "name": "Muhammad Rahmatullah Khan",
    "father_name": "Gul Khan",
    "birth_year": 2001,
    "sex": "m",
    "district": "SWT",
}


def test_register_check_conflict_then_decide(api):
    nothing = api("post", "/api/v1/participants", PERSON)  # "check": a question, no record
    assert nothing.status_code == 200 and nothing.json()["candidates"] == []
    assert not Participant.objects.exists()
    first = api("post", "/api/v1/participants", {**PERSON, "decision": "new"})
    assert first.status_code == 201
    code = first.json()["code"]
    again = api("post", "/api/v1/participants", {**PERSON, "name": "Mohd Rehmatullah Khan"})
    assert again.status_code == 409
    body = again.json()
    assert body["error"]["code"] == "possible_duplicates"
    assert body["candidates"][0]["code"] == code
    assert {r["code"] for r in body["candidates"][0]["reasons"]} >= {"father_same"}
    same = api("post", "/api/v1/participants", {**PERSON, "decision": f"same:{code}"})
    assert same.status_code == 200 and same.json()["code"] == code
    new = api(
        "post", "/api/v1/participants", {**PERSON, "decision": "new", "different_from": [code]}
    )
    assert new.status_code == 201
    assert Participant.objects.count() == 2


@pytest.mark.parametrize(
    "payload",
    [
        {**PERSON, "sex": "x"},
        {**PERSON, "district": "ZZZ"},
        {**PERSON, "name": ""},
        {**PERSON, "cnic": "12"},
        {**PERSON, "decision": "maybe"},
        {"sex": "m"},
    ],
)
def test_bad_registration_is_422_and_writes_nothing(api, payload):
    response = api("post", "/api/v1/participants", payload)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert not Participant.objects.exists()


def test_identity_read_is_audited_and_edit_checks_the_version(api):
    code = api("post", "/api/v1/participants", {**PERSON, "decision": "new"}).json()["code"]
    identity = api("get", f"/api/v1/participants/{code}/identity")
    assert identity.json()["name"] == "Muhammad Rahmatullah Khan"
    assert AuditEvent.objects.filter(action="identity.read", actor=api.user).exists()
    changed = api(
        "put",
        f"/api/v1/participants/{code}/identity",
        {
            "name": "Muhammad Rahmatullah Khan",
            "father_name": "Gul Khan",
            "birth_year": 2000,
            "version": 1,
        },
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api(
        "put",
        f"/api/v1/participants/{code}/identity",
        {"name": "Someone", "birth_year": 2000, "version": 1},
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_version"


def test_a_future_birth_year_is_refused_before_candidates_are_offered(api):
    """The duplicate check applies the same bounds as saving: 2031 is no year of birth."""
    code = api("post", "/api/v1/participants", {**PERSON, "decision": "new"}).json()["code"]
    for decision in ("check", f"same:{code}"):
        response = api(
            "post", "/api/v1/participants", {**PERSON, "birth_year": 2031, "decision": decision}
        )
        assert response.status_code == 422, decision
        assert response.json()["error"]["code"] == "invalid"
    assert Participant.objects.get().links.count() == 1
