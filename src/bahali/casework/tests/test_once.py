"""Back, then submit again (issue 13, item 9): a create form carries a one-time token, so
the second submission of the same token is refused with a clear message and records
nothing; a fresh page's token still works, and a form sent back with errors may be
corrected and sent again."""

from __future__ import annotations

import datetime
import re

import pytest

from bahali.accounts import services as accounts
from bahali.casework.models import Goal, Note, Session, SupportItem
from bahali.core.once import FIELD
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

ALREADY = "This form was already sent; nothing was recorded twice."


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def token(client, page: str, action: str | None = None) -> str:
    """The one-time token of the form posting to ``action`` on ``page``, as a browser has it."""
    html = client.get(page).content.decode()
    form = re.search(
        rf'<form[^>]*action="{re.escape(action or page)}"[^>]*>.*?name="{FIELD}" value="(\w+)"',
        html,
        re.S,
    )
    assert form, f"no one-time token in the form posting to {action or page}"
    return form.group(1)


def test_the_same_stipend_sent_twice_is_recorded_once(world, signed_in):
    case = world.case()
    client = signed_in(world.case_worker)
    page = f"/cases/{case.pk}/support/"
    stipend = {
        "kind": "stipend",
        "amount": "6000",
        "provided_on": world.today.isoformat(),
        "organisation": world.centre.pk,
        "status": "paid",
        "description": "",
        FIELD: token(client, page),
    }
    first = client.post(page, stipend)
    assert first.status_code == 302
    again = client.post(page, stipend, follow=True)
    assert ALREADY in again.content.decode()
    assert SupportItem.objects.filter(case=case).count() == 1
    fresh = client.post(page, {**stipend, FIELD: token(client, page)})
    assert fresh.status_code == 302
    assert SupportItem.objects.filter(case=case).count() == 2


def test_a_form_sent_back_with_errors_may_be_corrected_and_sent(world, signed_in):
    """Only a successful submission uses the token up: nothing was recorded before."""
    case = world.case()
    client = signed_in(world.case_worker)
    page = f"/cases/{case.pk}/plan/"
    sent = token(client, page)
    bad = client.post(page, {"domain": "vocational", "title": "", FIELD: sent})
    assert bad.status_code == 200 and ALREADY not in bad.content.decode()
    goal = {"domain": "vocational", "title": "Electrician course", FIELD: sent}
    assert client.post(page, goal).status_code == 302
    again = client.post(page, goal, follow=True)
    assert ALREADY in again.content.decode()
    assert Goal.objects.filter(case=case).count() == 1


def test_a_note_sent_twice_is_written_once(world, signed_in):
    case = world.case()
    client = signed_in(world.case_worker)
    page = f"/cases/{case.pk}/notes/"
    note = {"sensitivity": "general", "body": "Came with his brother", FIELD: token(client, page)}
    assert client.post(page, note).status_code == 302
    again = client.post(page, note, follow=True)
    assert ALREADY in again.content.decode()
    assert Note.objects.filter(case=case).count() == 1


def _api(client, user, url, data, key=None):
    secret = accounts.issue_api_token(actor=user, name="test").secret
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, data, content_type="application/json", **headers)


def test_an_api_retry_with_the_same_key_gets_the_first_answer(world, client):
    """A client that never saw the answer retries with the same ``Idempotency-Key``: it
    gets the row the first request created; a new key creates a new one."""
    case = world.case()
    url = f"/api/v1/cases/{case.pk}/support"
    stipend = {
        "kind": "stipend",
        "amount": "6000",
        "provided_on": str(world.today),
        "organisation_id": world.centre.pk,
    }
    first = _api(client, world.case_worker, url, stipend, key="stipend-december")
    again = _api(client, world.case_worker, url, stipend, key="stipend-december")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert SupportItem.objects.filter(case=case).count() == 1
    other = _api(client, world.case_worker, url, stipend, key="stipend-january")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert SupportItem.objects.filter(case=case).count() == 2
    elsewhere = _api(
        client,
        world.case_worker,
        f"/api/v1/cases/{case.pk}/goals",
        {"domain": "vocational", "title": "Electrician course"},
        key="stipend-december",
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["error"]["code"] == "idempotency_key_reused"


def test_api_notes_goals_and_sessions_are_created_once_per_key(world, client):
    case = world.case()
    note = {"sensitivity": "general", "body": "Came with his brother"}
    url = f"/api/v1/cases/{case.pk}/notes"
    first = _api(client, world.case_worker, url, note, key="note-1")
    again = _api(client, world.case_worker, url, note, key="note-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Note.objects.filter(case=case).count() == 1
    goal = {"domain": "vocational", "title": "Electrician course"}
    url = f"/api/v1/cases/{case.pk}/goals"
    first = _api(client, world.case_worker, url, goal, key="goal-1")
    again = _api(client, world.case_worker, url, goal, key="goal-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Goal.objects.filter(case=case).count() == 1
    second = world.case()
    session = {
        "kind": "education",
        "format": "group",
        "held_on": str(world.today),
        "duration_minutes": 120,
        "attendances": [
            {"case_id": case.pk, "status": "present"},
            {"case_id": second.pk, "status": "absent"},
        ],
    }
    first = _api(client, world.trainer, "/api/v1/sessions", session, key="session-1")
    again = _api(client, world.trainer, "/api/v1/sessions", session, key="session-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json()
    assert Session.objects.filter(attendances__case=case).count() == 1


def _twice(client, user, url, data, key):
    """The same creation sent twice with one key: both get the first answer."""
    first = _api(client, user, url, data, key=key)
    again = _api(client, user, url, data, key=key)
    assert first.status_code == again.status_code, (first.content, again.content)
    assert again.json() == first.json()
    return first


def test_goal_reviews_family_and_mentoring_are_created_once_per_key(world, client):
    from bahali.casework import services as casework
    from bahali.casework.models import FamilyMember, GoalReview, MentorAssignment, MentorMeeting

    case = world.case()
    goal = casework.add_goal(
        actor=world.case_worker, case=case, domain="vocational", title="Electrician course"
    )
    review = {
        "reviewed_on": str(world.today),
        "progress_note": "Half the course done",
        "status_after": "in_progress",
        "next_review_on": str(world.today + datetime.timedelta(days=30)),
    }
    url = f"/api/v1/goals/{goal.pk}/reviews"
    assert _twice(client, world.case_worker, url, review, "review-1").status_code == 201
    assert GoalReview.objects.filter(goal=goal).count() == 1
    relative = {"relationship": "mother", "name": "Bibi Jan", "contact": "0300"}
    url = f"/api/v1/cases/{case.pk}/family"
    assert _twice(client, world.case_worker, url, relative, "family-1").status_code == 201
    assert FamilyMember.objects.filter(case=case).count() == 1
    mentor = case.team.get(membership__user=world.mentor)
    assignment = {"mentor_id": mentor.pk, "starts_on": str(world.today), "frequency": "weekly"}
    url = f"/api/v1/cases/{case.pk}/mentoring"
    created = _twice(client, world.case_worker, url, assignment, "mentoring-1")
    assert created.status_code == 201
    assert MentorAssignment.objects.filter(case=case).count() == 1
    meeting = {
        "met_on": str(world.today),
        "duration_minutes": 45,
        "place": "Bazaar",
        "summary": "Ok",
    }
    url = f"/api/v1/mentoring/{created.json()['id']}/meetings"
    assert _twice(client, world.mentor, url, meeting, "meeting-1").status_code == 201
    assert MentorMeeting.objects.filter(assignment__case=case).count() == 1
    # without a key, a second one is a second row (the key is what recognises a retry)
    assert _api(client, world.mentor, url, meeting).status_code == 201
    assert MentorMeeting.objects.filter(assignment__case=case).count() == 2


def test_an_override_retried_with_its_key_gets_the_first_answer(world, client):
    from bahali.cases import services as cases
    from bahali.cases.models import TransitionRequest

    case = world.case("centre", phase="rehabilitation")
    pending = cases.request_transition(
        actor=world.case_worker,
        case=case,
        transition=case.programme.transitions.get(from_phase=case.phase),
        reason="Ready for the community",
    )
    url = f"/api/v1/transition-requests/{pending.pk}/override"
    order = {"reason": "Court order", "reference": "Order 7/2026"}
    first = _twice(client, world.steward, url, order, "override-1")
    assert first.status_code == 200 and first.json()["overridden"] is True
    pending.refresh_from_db()
    assert pending.status == TransitionRequest.Status.APPLIED
    assert case.phase_changes.filter(request=pending).count() == 1
    # the same override without the key is refused: it was applied already
    assert _api(client, world.steward, url, order).status_code == 409
