"""Casework: every role against every casework page and endpoint, through HTTP.

One test per endpoint builds the pathway's cast (``PathwayWorld``) with a case on
everyone's team and a stranger case in Bajaur that only oversight may read, then calls the
endpoint as each role in turn, every call inside a rolled-back savepoint. Out-of-scope
objects answer 404, like missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from bahali.accounts.roles import Role
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.casework.models import FamilyMember, Goal, MentorAssignment, SupportItem
from bahali.core.context import SYSTEM
from bahali.testing import (
    PathwayWorld,
)
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
PLAN_READERS = TEAM | {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
SECURITY_READERS = {Role.PROGRAMME_MANAGER, Role.SECURITY_LIAISON, Role.OVERSIGHT_MONITOR}
SECURITY_WRITERS = {Role.PROGRAMME_MANAGER, Role.SECURITY_LIAISON}
IDENTITY_AND_PLAN = TEAM | {Role.PROGRAMME_MANAGER}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}


@dataclass
class Objects:
    """A case's casework rows: a goal, a relative, a mentor assignment, planned support."""

    case: Case
    goal: Goal
    relative: FamilyMember
    assignment: MentorAssignment
    item: SupportItem


@dataclass
class CaseworkWorld:
    world: PathwayWorld
    mine: Objects  # on everyone's team (Swat, the world's programme)
    other: Case  # a second case of the same team, for group sessions
    stranger: Objects  # another lead organisation's programme, in Bajaur


def _objects(case: Case, writer: Any, organisation: Any) -> Objects:
    mentor = case.team.filter(case_role="mentor").first()
    assignment = None
    if mentor is not None:
        assignment = casework.assign_mentor(
            actor=writer, case=case, mentor=mentor, starts_on=case.opened_on, frequency="weekly"
        )
    return Objects(
        case=case,
        goal=casework.add_goal(actor=writer, case=case, domain="vocational", title="Electrician"),
        relative=casework.add_family_member(
            actor=writer, case=case, relationship="mother", name="Bibi Jan", contact="0300"
        ),
        assignment=assignment,  # type: ignore[arg-type]
        item=casework.record_support(
            actor=writer,
            case=case,
            kind="toolkit",
            amount=Decimal("8000"),
            provided_on=case.opened_on,
            organisation=organisation,
        ),
    )


def _world() -> CaseworkWorld:
    world = PathwayWorld()
    stranger = world.stranger_case()
    return CaseworkWorld(
        world=world,
        mine=_objects(world.case(), world.case_worker, world.centre),
        other=world.case(),
        stranger=_objects(stranger, SYSTEM, stranger.lead_organisation),
    )


def _today(w: CaseworkWorld) -> str:
    return w.world.today.isoformat()


def _mentor_pk(w: CaseworkWorld) -> int:
    return w.mine.case.team.get(case_role="mentor").pk


# Each page with the case in everyone's scope, then the stranger's case (oversight reads all).
PAGES = [
    page("casework:plan", "get", lambda w: f"/cases/{w.mine.case.pk}/plan/", PLAN_READERS, 200),
    page("casework:plan", "get", lambda w: f"/cases/{w.stranger.case.pk}/plan/", OVERSIGHT, 200),
    page(
        "casework:plan",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/plan/",
        TEAM,
        302,
        data={"domain": "civic", "title": "Volunteer at the school"},
    ),
    page(
        "casework:plan",
        "post",
        lambda w: f"/cases/{w.stranger.case.pk}/plan/",
        set(),
        302,
        data={"domain": "civic", "title": "Volunteer at the school"},
    ),
    page(
        "casework:edit_goal",
        "get",
        lambda w: f"/cases/{w.mine.case.pk}/plan/goals/{w.mine.goal.pk}/edit/",
        TEAM,
        200,
    ),
    page(
        "casework:edit_goal",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/plan/goals/{w.mine.goal.pk}/edit/",
        TEAM,
        302,
        data={
            "domain": "vocational",
            "title": "Electrician",
            "status": "in_progress",
            "version": 1,
        },
    ),
    page(
        "casework:edit_goal",
        "get",
        lambda w: f"/cases/{w.stranger.case.pk}/plan/goals/{w.stranger.goal.pk}/edit/",
        set(),
        200,
    ),
    page(
        "casework:edit_goal",  # a goal of another case, through a case in scope
        "get",
        lambda w: f"/cases/{w.mine.case.pk}/plan/goals/{w.stranger.goal.pk}/edit/",
        set(),
        200,
    ),
    page(
        "casework:review_goal",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/plan/goals/{w.mine.goal.pk}/review/",
        TEAM,
        302,
        data=lambda w: {
            "reviewed_on": _today(w),
            "progress_note": "Attends",
            "status_after": "achieved",
        },
    ),
    page(
        "casework:review_goal",
        "post",
        lambda w: f"/cases/{w.stranger.case.pk}/plan/goals/{w.stranger.goal.pk}/review/",
        set(),
        302,
    ),
    page(
        "casework:sessions",
        "get",
        lambda w: f"/cases/{w.mine.case.pk}/sessions/",
        PLAN_READERS,
        200,
    ),
    page(
        "casework:sessions",
        "get",
        lambda w: f"/cases/{w.stranger.case.pk}/sessions/",
        OVERSIGHT,
        200,
    ),
    page(
        "casework:sessions",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/sessions/",
        TEAM,
        302,
        data=lambda w: {
            "kind": "vocational",
            "held_on": _today(w),
            "duration_minutes": 60,
            "status": "present",
        },
    ),
    page("casework:group_session", "get", lambda w: "/cases/sessions/new/", TEAM, 200),
    page(
        "casework:group_session",
        "post",
        lambda w: "/cases/sessions/new/",
        TEAM,
        302,
        data=lambda w: {
            "kind": "dialogue",
            "held_on": _today(w),
            "duration_minutes": 60,
            "present": [w.mine.case.pk],
            "absent": [w.other.pk],
        },
    ),
    page("casework:notes", "get", lambda w: f"/cases/{w.mine.case.pk}/notes/", PLAN_READERS, 200),
    page("casework:notes", "get", lambda w: f"/cases/{w.stranger.case.pk}/notes/", OVERSIGHT, 200),
    page(
        "casework:notes",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/notes/",
        TEAM,
        302,
        data={"sensitivity": "general", "body": "Came on time"},
    ),
    page(
        "casework:security_notes",
        "get",
        lambda w: f"/cases/{w.mine.case.pk}/security-notes/",
        SECURITY_READERS,
        200,
    ),
    page(
        "casework:security_notes",
        "get",
        lambda w: f"/cases/{w.stranger.case.pk}/security-notes/",
        OVERSIGHT,
        200,
    ),
    page(
        "casework:security_notes",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/security-notes/",
        SECURITY_WRITERS,
        302,
        data={"body": "Seen with old associates"},
    ),
    page("casework:family", "get", lambda w: f"/cases/{w.mine.case.pk}/family/", PLAN_READERS, 200),
    page(
        "casework:family", "get", lambda w: f"/cases/{w.stranger.case.pk}/family/", OVERSIGHT, 200
    ),
    page(
        "casework:family",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/family/",
        TEAM,
        302,
        data={"relationship": "father", "name": "Gul Khan", "engagement": "active"},
    ),
    page(
        "casework:family_contact",
        "get",
        lambda w: f"/cases/{w.mine.case.pk}/family/{w.mine.relative.pk}/contact/",
        IDENTITY_AND_PLAN,
        200,
    ),
    page(
        "casework:family_contact",
        "get",
        lambda w: f"/cases/{w.stranger.case.pk}/family/{w.stranger.relative.pk}/contact/",
        set(),
        200,
    ),
    page(
        "casework:mentoring",
        "get",
        lambda w: f"/cases/{w.mine.case.pk}/mentoring/",
        PLAN_READERS,
        200,
    ),
    page(
        "casework:mentoring",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/mentoring/",
        TEAM,
        302,
        data=lambda w: {"mentor": _mentor_pk(w), "starts_on": _today(w), "frequency": "monthly"},
    ),
    page(
        "casework:log_meeting",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/mentoring/{w.mine.assignment.pk}/meetings/",
        TEAM,
        302,
        data=lambda w: {
            "met_on": _today(w),
            "duration_minutes": 30,
            "place": "Bazaar",
            "summary": "Fine",
        },
    ),
    page(
        "casework:log_meeting",
        "post",
        lambda w: f"/cases/{w.stranger.case.pk}/mentoring/{w.stranger.assignment.pk}/meetings/",
        set(),
        302,
    ),
    page(
        "casework:end_mentoring",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/mentoring/{w.mine.assignment.pk}/end/",
        TEAM,
        302,
        data=lambda w: {"ends_on": _today(w), "reason": "completed"},
    ),
    page(
        "casework:end_mentoring",
        "post",
        lambda w: f"/cases/{w.stranger.case.pk}/mentoring/{w.stranger.assignment.pk}/end/",
        set(),
        302,
        data=lambda w: {"ends_on": _today(w), "reason": "completed"},
    ),
    page(
        "casework:support", "get", lambda w: f"/cases/{w.mine.case.pk}/support/", PLAN_READERS, 200
    ),
    page(
        "casework:support",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/support/",
        TEAM,
        302,
        data=lambda w: {
            "kind": "stipend",
            "amount": "5000",
            "provided_on": _today(w),
            "organisation": w.world.centre.pk,
            "status": "paid",
        },
    ),
    page(
        "casework:mark_paid",
        "post",
        lambda w: f"/cases/{w.mine.case.pk}/support/{w.mine.item.pk}/paid/",
        TEAM,
        302,
    ),
    page(
        "casework:mark_paid",
        "post",
        lambda w: f"/cases/{w.stranger.case.pk}/support/{w.stranger.item.pk}/paid/",
        set(),
        302,
    ),
]

API = [
    api(
        "api:list_goals",
        "get",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/goals",
        PLAN_READERS,
        200,
    ),
    api(
        "api:list_goals",
        "get",
        lambda w: f"/api/v1/cases/{w.stranger.case.pk}/goals",
        OVERSIGHT,
        200,
    ),
    api(
        "api:create_goal",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/goals",
        TEAM,
        201,
        data={"domain": "family", "title": "Family sessions"},
    ),
    api(
        "api:create_goal",
        "post",
        lambda w: f"/api/v1/cases/{w.stranger.case.pk}/goals",
        set(),
        201,
        data={"domain": "family", "title": "Family sessions"},
    ),
    api(
        "api:update_goal",
        "put",
        lambda w: f"/api/v1/goals/{w.mine.goal.pk}",
        TEAM,
        200,
        data={
            "domain": "vocational",
            "title": "Electrician",
            "status": "in_progress",
            "version": 1,
        },
    ),
    api(
        "api:update_goal",
        "put",
        lambda w: f"/api/v1/goals/{w.stranger.goal.pk}",
        set(),
        200,
        data={
            "domain": "vocational",
            "title": "Electrician",
            "status": "in_progress",
            "version": 1,
        },
    ),
    api(
        "api:list_goal_reviews",
        "get",
        lambda w: f"/api/v1/goals/{w.mine.goal.pk}/reviews",
        PLAN_READERS,
        200,
    ),
    api(
        "api:create_goal_review",
        "post",
        lambda w: f"/api/v1/goals/{w.mine.goal.pk}/reviews",
        TEAM,
        201,
        data=lambda w: {
            "reviewed_on": _today(w),
            "progress_note": "Done",
            "status_after": "achieved",
        },
    ),
    api(
        "api:list_sessions",
        "get",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/sessions",
        PLAN_READERS,
        200,
    ),
    api(
        "api:create_session",
        "post",
        lambda w: "/api/v1/sessions",
        TEAM,
        201,
        data=lambda w: {
            "kind": "education",
            "format": "group",
            "held_on": _today(w),
            "duration_minutes": 60,
            "attendances": [{"case_id": w.mine.case.pk}, {"case_id": w.other.pk}],
        },
    ),
    api(
        "api:create_session",
        "post",
        lambda w: "/api/v1/sessions",
        set(),
        201,
        data=lambda w: {
            "kind": "education",
            "format": "individual",
            "held_on": _today(w),
            "duration_minutes": 60,
            "attendances": [{"case_id": w.stranger.case.pk}],
        },
    ),
    api(
        "api:list_notes",
        "get",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/notes",
        PLAN_READERS | SECURITY_READERS,
        200,
    ),
    api(
        "api:list_notes",
        "get",
        lambda w: f"/api/v1/cases/{w.stranger.case.pk}/notes",
        OVERSIGHT,
        200,
    ),
    api(
        "api:create_note",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/notes",
        TEAM,
        201,
        data={"sensitivity": "general", "body": "On time"},
    ),
    api(
        "api:create_note",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/notes",
        {Role.PSYCHOLOGIST},
        201,
        data={"sensitivity": "clinical", "body": "Sleeps badly"},
    ),
    api(
        "api:create_note",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/notes",
        SECURITY_WRITERS,
        201,
        data={"sensitivity": "security", "body": "Seen in Matta"},
    ),
    api(
        "api:list_family",
        "get",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/family?contact=true",
        PLAN_READERS,
        200,
    ),
    api(
        "api:create_family_member",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/family",
        TEAM,
        201,
        data={"relationship": "spouse", "name": "Zarina"},
    ),
    api(
        "api:list_mentoring",
        "get",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/mentoring",
        PLAN_READERS,
        200,
    ),
    api(
        "api:create_mentor_assignment",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/mentoring",
        TEAM,
        201,
        data=lambda w: {"mentor_id": _mentor_pk(w), "starts_on": _today(w), "frequency": "weekly"},
    ),
    api(
        "api:end_mentor_assignment",
        "post",
        lambda w: f"/api/v1/mentoring/{w.mine.assignment.pk}/end",
        TEAM,
        200,
        data=lambda w: {"ends_on": _today(w), "reason": "completed"},
    ),
    api(
        "api:end_mentor_assignment",
        "post",
        lambda w: f"/api/v1/mentoring/{w.stranger.assignment.pk}/end",
        set(),
        200,
        data=lambda w: {"ends_on": _today(w), "reason": "completed"},
    ),
    api(
        "api:create_mentor_meeting",
        "post",
        lambda w: f"/api/v1/mentoring/{w.mine.assignment.pk}/meetings",
        TEAM,
        201,
        data=lambda w: {
            "met_on": _today(w),
            "duration_minutes": 30,
            "place": "Home",
            "summary": "Fine",
        },
    ),
    api(
        "api:create_mentor_meeting",
        "post",
        lambda w: f"/api/v1/mentoring/{w.stranger.assignment.pk}/meetings",
        set(),
        201,
        data=lambda w: {
            "met_on": _today(w),
            "duration_minutes": 30,
            "place": "Home",
            "summary": "Fine",
        },
    ),
    api(
        "api:list_support",
        "get",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/support",
        PLAN_READERS,
        200,
    ),
    api(
        "api:create_support_item",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/support",
        TEAM,
        201,
        data=lambda w: {
            "kind": "grant",
            "amount": "20000",
            "provided_on": _today(w),
            "organisation_id": w.world.cso.pk,
        },
    ),
    api(
        "api:mark_support_paid",
        "post",
        lambda w: f"/api/v1/support/{w.mine.item.pk}/paid",
        TEAM,
        200,
    ),
    api(
        "api:mark_support_paid",
        "post",
        lambda w: f"/api/v1/support/{w.stranger.item.pk}/paid",
        set(),
        200,
    ),
]


world = module_world(_world)


@pytest.mark.parametrize(
    "endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    if endpoint.anonymous == 302:
        assert response["Location"].startswith("/accounts/sign-in/")


def test_every_casework_url_is_covered():
    """Every casework page URL × method and every casework API operation has a row here (the
    matrix checks the whole site the same way)."""
    from django.urls import get_resolver

    from bahali.api.urls import api
    from bahali.casework.api import router
    from tests.test_authorization_matrix import required

    operations = {
        f"api:{operation.view_func.__name__}"
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    }
    needed = {
        (name, method)
        for name, method in required(get_resolver().url_patterns, api)
        if name.startswith("casework:") or name in operations
    }
    covered = {(e.name, e.method.upper()) for e in PAGES + API}
    assert needed - covered == set()
    assert {name for name, _method in covered} - {name for name, _method in needed} == set()
