"""Within a read-only request, ``policies.can`` asks the database once per question."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bahali.accounts import policies
from bahali.cases import services
from bahali.core.context import SYSTEM
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def test_an_answer_is_asked_once_within_a_read_and_afresh_outside_it(world):
    case = world.case()
    worker = world.case_worker
    with policies.answers_remembered(), CaptureQueriesContext(connection) as captured:
        assert policies.can(worker, "plan.read", case)
        asked = len(captured)
        assert policies.can(worker, "plan.read", case)
        assert len(captured) == asked  # remembered
        assert not policies.can(worker, "security_note.read", case)  # another question
    member = case.team.get(membership__user=worker, left_on__isnull=True)
    services.remove_team_member(actor=SYSTEM, member=member)
    assert not policies.can(worker, "plan.read", case)  # outside a read: asked afresh
    with policies.answers_remembered():
        assert not policies.can(worker, "plan.read", case)


def test_a_page_asks_each_question_once_and_forgets_the_answers_after(world, signed_in):
    case = world.case()
    client = signed_in(world.case_worker)
    asked: list[str] = []
    original = policies.filter_visible

    def counting(queryset, user, resource, verb="read"):
        asked.append(f"{resource}.{verb}")
        return original(queryset, user, resource, verb)

    policies.filter_visible = counting
    try:
        assert client.get(f"/cases/{case.pk}/").status_code == 200
        object_checks = [a for a in asked if a != "case_summary.read"]
        assert len(object_checks) == len(set(object_checks))  # each question once
        assert policies._REMEMBERED.get() is None  # nothing outlives the request
    finally:
        policies.filter_visible = original


def test_many_questions_in_one_query_answer_as_each_would_alone(world):
    from bahali.accounts.roles import Role

    mine, stranger = world.case(), world.stranger_case()
    actions = [f"{resource}.{verb}" for resource in policies.MATRIX for verb in ("read", "write")]
    for role in Role:
        user = world.user_for(role)
        user.active_memberships()  # read once per request anyway
        for case in (mine, stranger):
            with CaptureQueriesContext(connection) as captured:
                together = policies.can_many(user, actions, case)
            assert len(captured) <= 1  # one row, a column per question
            alone = {action: policies.can(user, action, case) for action in actions}
            assert together == alone, (role, case)
