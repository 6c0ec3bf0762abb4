"""The case pages ask the database a fixed number of questions: the count does not grow with
the number of timeline items (sessions, notes, goals, sign-offs ...) nor with the number of
cases on a page of the case list. ``benchmarks/bench_cases.py`` measures the time."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bahali.cases import services as cases
from bahali.cases.models import TeamMember
from bahali.casework import services as casework
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

CASE_PAGES = ["", "plan/", "sessions/", "notes/", "security-notes/", "family/", "mentoring/"]
CASE_PAGES += ["support/"]
READERS = ["case_worker", "psychologist", "scholar", "manager", "liaison", "monitor"]
READERS += ["committee_member", "steward"]


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _grow(world: PathwayWorld, case: Any, items: int) -> None:
    """``items`` of every kind on the case's timeline, written through the services; the
    last transition request stays pending with an objection, so the gate shows too."""
    today = world.today
    transition = case.programme.transitions.get(from_phase=case.phase)
    mentor = TeamMember.objects.get(case=case, membership__user=world.mentor)
    assignment = casework.assign_mentor(
        actor=world.case_worker, case=case, mentor=mentor, starts_on=today, frequency="weekly"
    )
    relative = casework.add_family_member(
        actor=world.case_worker, case=case, relationship="mother", name="Bibi", contact="0300"
    )
    for n in range(items):
        goal = casework.add_goal(
            actor=world.case_worker,
            case=case,
            domain="education",
            title=f"Goal {n}",
            review_on=today + datetime.timedelta(days=30),
        )
        casework.record_goal_review(
            actor=world.case_worker,
            goal=goal,
            reviewed_on=today,
            progress_note="Going well",
            status_after="in_progress",
            next_review_on=today + datetime.timedelta(days=30),
        )
        session = casework.record_session(
            actor=world.scholar,
            kind="dialogue",
            format="individual",
            held_on=today,
            duration_minutes=60,
            attendances=[casework.AttendanceLine(case=case, goals=[goal])],
        )
        casework.record_session(
            actor=world.case_worker,
            kind="family",
            format="family",
            held_on=today,
            duration_minutes=45,
            attendances=[casework.AttendanceLine(case=case)],
            family_attendees=[relative],
        )
        for author, sensitivity in (
            (world.case_worker, "general"),
            (world.psychologist, "clinical"),
            (world.liaison, "security"),
        ):
            casework.write_note(
                actor=author,
                case=case,
                sensitivity=sensitivity,
                body=f"Note {n}",
                session=session if sensitivity == "general" else None,
            )
        casework.log_mentor_meeting(
            actor=world.mentor,
            assignment=assignment,
            met_on=today,
            duration_minutes=30,
            place="Tea stall",
            summary="Talked",
            concerns=n % 2 == 0,
        )
        casework.record_support(
            actor=world.case_worker,
            case=case,
            kind="stipend",
            amount=Decimal("1000"),
            provided_on=today,
            organisation=world.centre,
        )
        request = cases.request_transition(
            actor=world.case_worker, case=case, transition=transition, reason="Ready"
        )
        cases.record_sign_off(
            actor=world.psychologist, request=request, decision="object", reason="Not yet"
        )
        if n < items - 1:
            cases.cancel_request(actor=world.case_worker, request=request, reason="Later")


def _is_audit_write(sql: str) -> bool:
    """A statement of an audit write: the chain's lock and head, the event, savepoints."""
    sql = sql.lower()
    if sql.startswith(("savepoint", "release")) or "pg_advisory_xact_lock" in sql:
        return True
    if "audit_auditchainhead" in sql:  # only ever read to append to the chain
        return True
    return sql.startswith(("insert", "update")) and "audit_" in sql


def _count(client: Any, url: str) -> int | None:
    """Queries of one GET (after a first one, so sessions and caches are warm); ``None``
    when the page is not there for this user.

    Audit writes are left out: each clinical note a psychologist opens is audited one by
    one (by design), so the notes tab writes one audit event per clinical note shown. What
    must not grow is the reading.
    """
    if client.get(url).status_code != 200:
        return None
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return sum(not _is_audit_write(q["sql"]) for q in captured.captured_queries)


def test_case_pages_ask_the_same_number_of_queries_for_2_or_25_items(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    few, many = world.case(phase="intake"), world.case(phase="intake")
    _grow(world, few, 2)
    _grow(world, many, 25)
    checked = 0
    for who in READERS:
        signed_in(getattr(world, who))
        for page in CASE_PAGES:
            small = _count(client, f"/cases/{few.pk}/{page}")
            large = _count(client, f"/cases/{many.pk}/{page}")
            assert small == large, f"{who} /cases/<pk>/{page}: {small} vs {large} queries"
            checked += small is not None
        client.logout()
    assert checked >= 30  # the pages really rendered for most readers


def test_case_list_asks_the_same_number_of_queries_for_2_or_25_cases(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    for _ in range(2):
        world.case()
    readers = ["case_worker", "manager", "liaison", "monitor", "committee_member", "steward"]
    urls = ["/cases/", "/cases/?overdue=on", "/cases/?waiting=on&risk_band=high"]
    before: dict[str, list[int | None]] = {}
    for who in readers:
        signed_in(getattr(world, who))
        before[who] = [_count(client, url) for url in urls]
        client.logout()
    for _ in range(23):
        world.case()
    for who in readers:
        signed_in(getattr(world, who))
        assert [_count(client, url) for url in urls] == before[who], who
        client.logout()
