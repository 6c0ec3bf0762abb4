"""Casework pages: each tab renders for the team, writes go through the services, the
sensitivity classes stay hidden from every role that may not read them, stale edits are
refused on the page."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bahali.audit.models import AuditEvent
from bahali.casework import services
from bahali.casework.models import Attendance, Goal, Session
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

TABS = ["plan", "sessions", "notes", "family", "mentoring", "support"]
CLINICAL = "Nightmares since the flood"
SECURITY = "Cousin seen with the old group"
GENERAL = "Came with his brother"


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def case(world):
    case = world.case()
    services.write_note(actor=world.psychologist, case=case, sensitivity="clinical", body=CLINICAL)
    services.write_note(actor=world.liaison, case=case, sensitivity="security", body=SECURITY)
    services.write_note(actor=world.case_worker, case=case, sensitivity="general", body=GENERAL)
    return case


def _all_pages(client, case) -> str:
    text = ""
    for tab in [*TABS, "security-notes"]:
        response = client.get(f"/cases/{case.pk}/{tab}/")
        if response.status_code == 200:
            text += response.content.decode()
        else:
            assert response.status_code == 404
    text += client.get(f"/cases/{case.pk}/").content.decode()
    return text


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
CLINICAL_READERS = {"psychologist"}
SECURITY_READERS = {"manager", "liaison", "monitor"}
GENERAL_READERS = {
    "case_worker",
    "psychologist",
    "scholar",
    "trainer",
    "mentor",
    "manager",
    "monitor",
}


@pytest.mark.parametrize("who", ROLES)
def test_each_note_class_shows_only_to_its_readers(world, case, signed_in, who):
    client = signed_in(getattr(world, who))
    text = _all_pages(client, case)
    assert (CLINICAL in text) == (who in CLINICAL_READERS), who
    assert (SECURITY in text) == (who in SECURITY_READERS), who
    assert (GENERAL in text) == (who in GENERAL_READERS), who


def test_team_sees_a_clinical_note_exists_never_its_content(world, case, signed_in):
    client = signed_in(world.case_worker)
    page = client.get(f"/cases/{case.pk}/notes/").content.decode()
    assert 'data-testid="note-restricted"' in page and CLINICAL not in page


def test_clinical_reading_on_the_page_is_audited(world, case, signed_in):
    client = signed_in(world.psychologist)
    assert client.get(f"/cases/{case.pk}/notes/").status_code == 200
    assert AuditEvent.objects.filter(action="clinical_note.read", actor=world.psychologist).exists()


@pytest.mark.parametrize("tab", TABS)
def test_tabs_render_for_the_team(world, case, signed_in, tab):
    client = signed_in(world.case_worker)
    response = client.get(f"/cases/{case.pk}/{tab}/")
    assert response.status_code == 200
    assert f'data-testid="tab-{tab}"' in response.content.decode()


def test_add_goal_review_and_stale_edit_on_the_page(world, case, signed_in):
    client = signed_in(world.case_worker)
    member = case.team.get(membership__user=world.trainer)
    response = client.post(
        f"/cases/{case.pk}/plan/",
        {"domain": "vocational", "title": "Electrician course", "responsible": member.pk},
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    edit = {
        "domain": "vocational",
        "title": "Electrician, level 2",
        "status": "in_progress",
        "version": 1,
    }
    assert client.post(f"/cases/{case.pk}/plan/goals/{goal.pk}/edit/", edit).status_code == 302
    stale = client.post(f"/cases/{case.pk}/plan/goals/{goal.pk}/edit/", {**edit, "title": "X"})
    assert stale.status_code == 200
    assert "Someone else changed this after you opened it" in stale.content.decode()
    goal.refresh_from_db()
    assert goal.title == "Electrician, level 2" and goal.version == 2
    bad = client.post(f"/cases/{case.pk}/plan/", {"domain": "vocational", "title": ""})
    assert bad.status_code == 200 and Goal.objects.count() == 1


def test_group_session_page_records_attendance(world, signed_in):
    first, second, third = world.case(), world.case(), world.case()
    client = signed_in(world.scholar)
    assert client.get("/cases/sessions/new/").status_code == 200
    response = client.post(
        "/cases/sessions/new/",
        {
            "kind": "dialogue",
            "held_on": world.today.isoformat(),
            "duration_minutes": 90,
            "present": [first.pk, second.pk],
            "absent": [third.pk],
        },
    )
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.format == "group"
    assert dict(Attendance.objects.values_list("case", "status")) == {
        first.pk: "present",
        second.pk: "present",
        third.pk: "absent",
    }
    page = client.get(f"/cases/{third.pk}/sessions/").content.decode()
    assert page.count('data-testid="session-row"') == 1


def test_group_session_page_offers_only_cases_whose_plan_the_user_writes(world, signed_in):
    mine = world.case()
    client = signed_in(world.outsider)
    response = client.get("/cases/sessions/new/")
    assert response.status_code == 200
    assert mine.participant.code not in response.content.decode()
    refused = client.post(
        "/cases/sessions/new/",
        {
            "kind": "dialogue",
            "held_on": world.today.isoformat(),
            "duration_minutes": 60,
            "present": [mine.pk],
        },
    )
    assert refused.status_code == 200 and not Session.objects.exists()


def test_support_shows_cost_per_case(world, case, signed_in):
    services.record_support(
        actor=world.case_worker,
        case=case,
        kind="stipend",
        amount=Decimal("5000"),
        provided_on=world.today,
        organisation=world.centre,
        status="paid",
    )
    client = signed_in(world.case_worker)
    page = client.get(f"/cases/{case.pk}/support/").content.decode()
    assert "5,000.00" in page


def test_family_contact_only_for_identity_readers(world, case, signed_in):
    member = services.add_family_member(
        actor=world.case_worker, case=case, relationship="mother", name="Bibi Jan", contact="0300"
    )
    url = f"/cases/{case.pk}/family/{member.pk}/contact/"
    client = signed_in(world.monitor)
    page = client.get(f"/cases/{case.pk}/family/").content.decode()
    assert "Bibi Jan" not in page and 'data-testid="contact-closed"' in page
    assert client.get(url).status_code == 404
    client.logout()
    client = signed_in(world.case_worker)
    response = client.get(url)
    assert response.status_code == 200 and "Bibi Jan" in response.content.decode()
    assert AuditEvent.objects.filter(action="family_contact.read").count() == 1


def test_a_mentor_assignment_is_ended_on_the_page(world, case, signed_in):
    import datetime

    from bahali.casework.models import MentorAssignment

    mentor = case.team.get(membership__user=world.mentor, left_on__isnull=True)
    assignment = services.assign_mentor(
        actor=world.case_worker,
        case=case,
        mentor=mentor,
        starts_on=world.today - datetime.timedelta(days=20),
        frequency="weekly",
    )
    client = signed_in(world.case_worker)
    page = client.get(f"/cases/{case.pk}/mentoring/").content.decode()
    assert 'data-testid="end-mentoring-form"' in page and "ongoing" in page
    url = f"/cases/{case.pk}/mentoring/{assignment.pk}/end/"
    future = (world.today + datetime.timedelta(days=2)).isoformat()
    refused = client.post(url, {"ends_on": future, "reason": "completed"}, follow=True)
    assert "The date cannot be in the future." in refused.content.decode()
    assert MentorAssignment.objects.get(pk=assignment.pk).is_ongoing
    ended = client.post(
        url, {"ends_on": world.today.isoformat(), "reason": "withdrew", "note": ""}, follow=True
    )
    body = ended.content.decode()
    assert "The mentor assignment has ended." in body
    assert 'data-testid="mentoring-end"' in body and "The participant withdrew" in body
    assert (
        'data-testid="end-mentoring-form"' not in body and 'data-testid="meeting-form"' not in body
    )
