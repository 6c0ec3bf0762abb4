"""Every "My work" source answers in a fixed number of queries for every role: the same for
3 cases as for 30, whether asked for everything (the API), a page (My work) or the oldest
few (the home page). ``test_work_query_counts`` checks the pages built from them;
``benchmarks/bench_cases.py --work`` measures the time on 200,000 cases."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bahali.cases import services as cases
from bahali.cases.models import TeamMember
from bahali.cases.tests.test_work_query_counts import ROLES, _waiting
from bahali.casework import services as casework
from bahali.core.work import SOURCES, Source
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

# everything (the API's first page asks for as many), a page of My work, the home page's few
LIMITS = [None, 50, 6]
FEW, MANY = 3, 30


def _grow(world: PathwayWorld, n: int) -> None:
    """``n`` cases with everything waiting, each also with a mentor whose meeting is due, and
    ``n`` whose gate waits for the centre's signature (nobody has signed yet)."""
    before = set(world.programmes["centre"].cases.values_list("pk", flat=True))
    _waiting(world, n)
    for _ in range(n):
        case = world.case(phase="intake")
        cases.request_transition(
            actor=world.case_worker,
            case=case,
            transition=case.programme.transitions.get(from_phase=case.phase),
            reason="Ready",
        )
    started = world.today - datetime.timedelta(days=30)
    for case in world.programmes["centre"].cases.exclude(pk__in=before).filter(team__isnull=False):
        mentor = TeamMember.objects.filter(case=case, membership__user=world.mentor).first()
        if mentor is not None:
            casework.assign_mentor(
                actor=world.case_worker,
                case=case,
                mentor=mentor,
                starts_on=started,
                frequency="weekly",
            )


def _queries(source: Source, user: Any, limit: int | None) -> tuple[int, int]:
    """How many queries the source asked, and how many items it found."""
    with CaptureQueriesContext(connection) as captured:
        found = source.find(user, limit)
    return len(captured.captured_queries), found.count


Counts = dict[tuple[str, str, int | None], tuple[int, int]]


@pytest.fixture(scope="module")
def counts(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Counts, Counts]]:
    """Queries and items of every source, role and limit: with few cases, then many."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = PathwayWorld()

        def measure() -> Counts:
            return {
                (source.kind, who, limit): _queries(source, getattr(world, who), limit)
                for source in SOURCES
                for who in ROLES
                for limit in LIMITS
            }

        _grow(world, FEW)
        measure()  # each user's memberships and grants, read once and kept on the user
        few = measure()
        _grow(world, MANY - FEW)
        many = measure()
        yield few, many
        transaction.set_rollback(True)


@pytest.mark.parametrize("kind", [source.kind for source in SOURCES])
def test_a_work_source_asks_the_same_number_of_queries_for_3_or_30_cases(
    kind: str, counts: tuple[Counts, Counts]
) -> None:
    few, many = counts
    for who in ROLES:
        for limit in LIMITS:
            key = (kind, who, limit)
            assert few[key][0] == many[key][0], (
                f"{kind} for {who}, limit {limit}: {few[key][0]} queries for {FEW} cases, "
                f"{many[key][0]} for {MANY}"
            )


# Sources that must have found something for someone, so the counts above are not of empty
# answers (the others need data this world does not build: referrals, dialogues, grievances,
# reassessments on a schedule, check-ins falling due within the week).
FOUND = ["sign_off", "objection", "team", "plan_review", "mentor_meeting", "warning"]
FOUND += ["outcome_verification"]


@pytest.mark.parametrize("kind", FOUND)
def test_the_counted_sources_found_work_that_grew_with_the_cases(
    kind: str, counts: tuple[Counts, Counts]
) -> None:
    few, many = counts
    found = {who: (few[kind, who, None][1], many[kind, who, None][1]) for who in ROLES}
    assert any(many > few > 0 for few, many in found.values()), f"{kind}: {found}"


# Roles none of whose grants can sign: the sign-off source answers them without a question.
NOT_SIGNING = ["liaison", "monitor", "steward", "analyst"]


@pytest.mark.parametrize("who", NOT_SIGNING)
def test_sign_offs_ask_nothing_of_the_roles_that_cannot_sign(
    who: str, counts: tuple[Counts, Counts]
) -> None:
    few, many = counts
    for limit in LIMITS:
        assert few["sign_off", who, limit] == (0, 0), (who, limit, few["sign_off", who, limit])
        assert many["sign_off", who, limit] == (0, 0), (who, limit, many["sign_off", who, limit])
