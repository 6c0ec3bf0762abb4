"""Identity "on request" (DESIGN.md §2): a programme manager states a purpose before a
participant's identity opens, on the page and over the API; the purpose is recorded with
the read. Roles with plain read access open it as before."""

from __future__ import annotations

import pytest

from bahali.accounts import services as accounts
from bahali.audit.models import AuditEvent
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

PURPOSE = {"purpose": "verification", "statement": "Checking the CNIC against the court file."}


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def participant(world: PathwayWorld):
    return world.case("centre").participant


def _reads(participant) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action="identity.read", object_type="registry.participant", object_id=participant.pk
        ).order_by("seq")
    )


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_the_participant_page_asks_a_manager_why_instead_of_a_show_button(
    world, participant, signed_in
):
    page = signed_in(world.manager).get(f"/participants/{participant.code}/").content.decode()
    assert 'data-testid="identity-request-form"' in page
    assert 'data-testid="show-identity"' not in page


def test_a_plain_get_opens_nothing_for_a_manager(world, participant, signed_in):
    response = signed_in(world.manager).get(f"/participants/{participant.code}/identity/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="identity-request-form"' in body
    assert 'data-testid="identity"' not in body
    assert "Test Person" not in body
    assert _reads(participant) == []


def test_a_stated_purpose_opens_the_identity_once_and_is_recorded(world, participant, signed_in):
    client = signed_in(world.manager)
    url = f"/participants/{participant.code}/identity/"
    response = client.post(url, PURPOSE)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="identity"' in body and "Test Person" in body
    (read,) = _reads(participant)
    assert read.actor_id == world.manager.pk
    assert read.reason == PURPOSE["statement"]
    assert read.changes["stated_purpose"] == [None, "verification"]
    assert read.changes["purpose"] == [None, "view:on_request"]
    # for that request only: the next plain GET asks again
    assert 'data-testid="identity"' not in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"purpose": "verification", "statement": ""}, "statement"),
        ({"purpose": "verification", "statement": "because"}, "statement"),
        ({"purpose": "curiosity", "statement": PURPOSE["statement"]}, "purpose"),
        ({"statement": PURPOSE["statement"]}, "purpose"),
    ],
)
def test_an_unstated_purpose_is_refused_and_opens_nothing(
    world, participant, signed_in, data, field
):
    response = signed_in(world.manager).post(f"/participants/{participant.code}/identity/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in body
    assert 'data-testid="identity"' not in body
    assert _reads(participant) == []


def test_a_refused_purpose_comes_back_swappable_to_htmx(world, participant, signed_in):
    response = signed_in(world.manager).post(
        f"/participants/{participant.code}/identity/",
        {"purpose": "safety", "statement": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="error-statement"' in response.content.decode()
    assert _reads(participant) == []


def test_a_case_worker_opens_the_identity_as_before(world, participant, signed_in):
    client = signed_in(world.case_worker)
    page = client.get(f"/participants/{participant.code}/").content.decode()
    assert 'data-testid="show-identity"' in page
    response = client.get(f"/participants/{participant.code}/identity/")
    assert response.status_code == 200
    assert 'data-testid="identity"' in response.content.decode()
    (read,) = _reads(participant)
    assert read.changes == {"purpose": [None, "view"]} and read.reason == ""


def test_correcting_an_identity_asks_a_manager_why_first(world, participant, signed_in):
    client = signed_in(world.manager)
    url = f"/participants/{participant.code}/identity/edit/"
    first = client.get(url).content.decode()
    assert 'data-testid="identity-request-form"' in first
    assert 'data-testid="edit-form"' not in first and "Test Person" not in first
    refused = client.post(url, {"request_identity": "1", "purpose": "correction"})
    assert refused.status_code == 400
    assert _reads(participant) == []
    stated = {"request_identity": "1", "purpose": "correction", "statement": "Name misspelt."}
    opened = client.post(url, stated).content.decode()
    assert 'data-testid="edit-form"' in opened and "Test Person" in opened
    (read,) = _reads(participant)
    assert read.changes["purpose"] == [None, "edit:on_request"]
    assert read.reason == "Name misspelt."


def test_the_api_refuses_a_manager_without_a_purpose(world, participant, client):
    url = f"/api/v1/participants/{participant.code}/identity"
    headers = _bearer(world.manager)
    refused = client.get(url, **headers)
    assert refused.status_code == 422
    fields = {d["field"] for d in refused.json()["error"]["details"]}
    assert fields == {"purpose", "statement"}
    assert _reads(participant) == []
    opened = client.get(url, PURPOSE, **headers)
    assert opened.status_code == 200
    assert opened.json()["name"].startswith("Test Person")
    (read,) = _reads(participant)
    assert read.changes["purpose"] == [None, "api:on_request"]
    assert read.reason == PURPOSE["statement"]


def test_the_api_refuses_a_control_character_in_the_statement(world, participant, client):
    url = f"/api/v1/participants/{participant.code}/identity"
    response = client.get(
        url, {"purpose": "safety", "statement": "A threat\x00 reported"}, **_bearer(world.manager)
    )
    # a control character anywhere in the address is refused before any view runs
    assert response.status_code == 400
    assert _reads(participant) == []


def test_the_api_opens_the_identity_for_a_case_worker_as_before(world, participant, client):
    url = f"/api/v1/participants/{participant.code}/identity"
    response = client.get(url, **_bearer(world.case_worker))
    assert response.status_code == 200
    (read,) = _reads(participant)
    assert read.changes == {"purpose": [None, "api"]}
