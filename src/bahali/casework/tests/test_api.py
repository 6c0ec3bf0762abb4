"""The casework API: notes only in readable classes (every role), family contacts only for
identity readers, stale goal edits as 409, group sessions, support with cost per case."""

from __future__ import annotations

import pytest

from bahali.accounts import services as accounts
from bahali.audit.models import AuditEvent
from bahali.casework import services
from bahali.casework.models import Attendance, Session
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

ROLES = [
    "case_worker",
    "psychologist",
    "scholar",
    "trainer",
    "mentor",
    "committee_member",
    "manager",
    "liaison",
    "monitor",
    "steward",
    "analyst",
    "outsider",
]
READERS = {
    "general": {
        "case_worker",
        "psychologist",
        "scholar",
        "trainer",
        "mentor",
        "manager",
        "monitor",
    },
    "clinical": {"psychologist"},
    "security": {"manager", "liaison", "monitor"},
}


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def call(client):
    def call(user, method, url, data=None):
        secret = accounts.issue_api_token(actor=user, name="test").secret
        return getattr(client, method)(
            url, data or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    return call


@pytest.mark.parametrize("who", ROLES)
def test_notes_come_only_in_the_classes_each_role_may_read(world, call, who):
    case = world.case()
    bodies = {"general": "G-text", "clinical": "C-text", "security": "S-text"}
    authors = {
        "general": world.case_worker,
        "clinical": world.psychologist,
        "security": world.liaison,
    }
    for sensitivity, body in bodies.items():
        services.write_note(
            actor=authors[sensitivity], case=case, sensitivity=sensitivity, body=body
        )
    response = call(getattr(world, who), "get", f"/api/v1/cases/{case.pk}/notes")
    expected = {s for s, readers in READERS.items() if who in readers}
    if not expected:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    got = {note["sensitivity"]: note["body"] for note in response.json()}
    assert got == {s: bodies[s] for s in expected}
    for sensitivity in set(bodies) - expected:
        filtered = call(
            getattr(world, who), "get", f"/api/v1/cases/{case.pk}/notes?sensitivity={sensitivity}"
        )
        assert filtered.json() == []
        assert bodies[sensitivity] not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "sensitivity", "status"),
    [
        ("psychologist", "clinical", 201),
        ("case_worker", "clinical", 404),
        ("manager", "clinical", 404),
        ("liaison", "security", 201),
        ("case_worker", "security", 404),
        ("monitor", "security", 404),
        ("trainer", "general", 201),
        ("liaison", "general", 404),
        ("case_worker", "secret", 422),
    ],
)
def test_notes_are_written_only_in_writable_classes(world, call, who, sensitivity, status):
    case = world.case()
    response = call(
        getattr(world, who),
        "post",
        f"/api/v1/cases/{case.pk}/notes",
        {"sensitivity": sensitivity, "body": "text"},
    )
    assert response.status_code == status, response.content


def test_clinical_note_read_over_the_api_is_audited(world, call):
    case = world.case()
    services.write_note(actor=world.psychologist, case=case, sensitivity="clinical", body="x")
    call(world.psychologist, "get", f"/api/v1/cases/{case.pk}/notes")
    assert AuditEvent.objects.filter(action="clinical_note.read").count() == 1


def test_family_contact_only_for_identity_readers(world, call):
    case = world.case()
    services.add_family_member(
        actor=world.case_worker, case=case, relationship="mother", name="Bibi Jan", contact="0300"
    )
    url = f"/api/v1/cases/{case.pk}/family?contact=true"
    opened = call(world.case_worker, "get", url).json()
    assert opened[0]["name"] == "Bibi Jan" and opened[0]["contact"] == "0300"
    closed = call(world.monitor, "get", url).json()
    assert closed[0]["name"] is None and closed[0]["relationship"] == "mother"
    assert "Bibi" not in str(call(world.case_worker, "get", url.split("?")[0]).json())
    assert call(world.liaison, "get", url).status_code == 404
    assert AuditEvent.objects.filter(action="family_contact.read").count() == 1


def test_goal_stale_edit_is_409(world, call):
    case = world.case()
    created = call(
        world.case_worker,
        "post",
        f"/api/v1/cases/{case.pk}/goals",
        {"domain": "livelihood", "title": "Shop"},
    )
    assert created.status_code == 201
    goal = created.json()
    edit = {"domain": "livelihood", "title": "Tea shop", "status": "in_progress", "version": 1}
    assert call(world.trainer, "put", f"/api/v1/goals/{goal['id']}", edit).status_code == 200
    stale = call(world.case_worker, "put", f"/api/v1/goals/{goal['id']}", {**edit, "title": "X"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    review = call(
        world.case_worker,
        "post",
        f"/api/v1/goals/{goal['id']}/reviews",
        {"reviewed_on": str(world.today), "progress_note": "Open", "status_after": "achieved"},
    )
    assert review.status_code == 201
    listed = call(world.manager, "get", f"/api/v1/cases/{case.pk}/goals").json()
    assert listed[0]["title"] == "Tea shop" and listed[0]["status"] == "achieved"
    assert len(listed[0]["reviews"]) == 1


def test_group_session_over_the_api(world, call):
    first, second = world.case(), world.case()
    payload = {
        "kind": "education",
        "format": "group",
        "held_on": str(world.today),
        "duration_minutes": 120,
        "attendances": [
            {"case_id": first.pk, "status": "present"},
            {"case_id": second.pk, "status": "absent"},
        ],
    }
    response = call(world.trainer, "post", "/api/v1/sessions", payload)
    assert response.status_code == 201 and response.json()["attendances"] == 2
    listed = call(world.trainer, "get", f"/api/v1/cases/{second.pk}/sessions").json()
    assert [row["attendance"] for row in listed] == ["absent"]
    assert call(world.outsider, "post", "/api/v1/sessions", payload).status_code == 404
    bad = {**payload, "attendances": payload["attendances"][:1]}
    assert call(world.trainer, "post", "/api/v1/sessions", bad).status_code == 422
    assert Session.objects.count() == 1 and Attendance.objects.count() == 2


def test_support_and_cost_over_the_api(world, call):
    case = world.case()
    item = call(
        world.case_worker,
        "post",
        f"/api/v1/cases/{case.pk}/support",
        {
            "kind": "stipend",
            "amount": "3000.50",
            "provided_on": str(world.today),
            "organisation_id": world.centre.pk,
        },
    )
    assert item.status_code == 201
    before = call(world.case_worker, "get", f"/api/v1/cases/{case.pk}/support").json()
    assert before["cost_paid"] == "0.00" and before["items"][0]["status"] == "planned"
    paid = call(world.case_worker, "post", f"/api/v1/support/{item.json()['id']}/paid")
    assert paid.status_code == 200
    summary = call(world.manager, "get", f"/api/v1/cases/{case.pk}/support").json()
    assert summary["cost_paid"] == "3000.50"


def test_mentoring_over_the_api(world, call):
    case = world.case()
    mentor = case.team.get(membership__user=world.mentor)
    created = call(
        world.case_worker,
        "post",
        f"/api/v1/cases/{case.pk}/mentoring",
        {"mentor_id": mentor.pk, "starts_on": str(world.today), "frequency": "fortnightly"},
    )
    assert created.status_code == 201
    meeting = call(
        world.mentor,
        "post",
        f"/api/v1/mentoring/{created.json()['id']}/meetings",
        {"met_on": str(world.today), "duration_minutes": 45, "place": "Bazaar", "summary": "Ok"},
    )
    assert meeting.status_code == 201
    listed = call(world.monitor, "get", f"/api/v1/cases/{case.pk}/mentoring").json()
    assert len(listed[0]["meetings"]) == 1
    assert listed[0]["ongoing"] is True and listed[0]["end_reason"] == ""
    url = f"/api/v1/mentoring/{created.json()['id']}/end"
    refused = call(world.case_worker, "post", url, {"ends_on": str(world.today), "reason": "x"})
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["reason"]
    ended = call(
        world.case_worker,
        "post",
        url,
        {"ends_on": str(world.today), "reason": "other", "note": "Family moved to Karachi"},
    )
    assert ended.status_code == 200
    assert (
        ended.json()["ongoing"] is False and ended.json()["end_note"] == "Family moved to Karachi"
    )
    again = call(world.case_worker, "post", url, {"ends_on": str(world.today), "reason": "other"})
    assert again.status_code == 409  # ended already: decided once


def test_mentoring_on_a_closed_case_is_not_ongoing(world, call):
    from bahali.cases import services as cases

    case = world.case()
    mentor = case.team.get(membership__user=world.mentor)
    call(
        world.case_worker,
        "post",
        f"/api/v1/cases/{case.pk}/mentoring",
        {"mentor_id": mentor.pk, "starts_on": str(world.today), "frequency": "weekly"},
    )
    cases.close_case(actor=world.case_worker, case=case, closure="withdrawn", note="Moved away")
    listed = call(world.monitor, "get", f"/api/v1/cases/{case.pk}/mentoring").json()
    assert listed[0]["ongoing"] is False and listed[0]["end_reason"] == ""
