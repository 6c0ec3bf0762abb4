"""Home, My work (page and API) and the sign-off queue (page and API) ask the database a
fixed number of questions for every role: the same for 2 cases as for 25, each with
something waiting (a pending gate, an objection, a check-in due, a warning sign, a reported
re-arrest, a goal review, a new case without its team). ``benchmarks/bench_cases.py``
measures the time on 200,000 cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bahali.accounts import services as accounts
from bahali.aftercare import services as aftercare
from bahali.cases import services as cases
from bahali.cases.models import TeamMember
from bahali.cases.tests.test_query_counts import _count
from bahali.casework import services as casework
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

PAGES = ["/", "/cases/my-work/", "/cases/sign-offs/"]
API = ["/api/v1/me/work", "/api/v1/sign-offs"]
ROLES = ["case_worker", "psychologist", "scholar", "trainer", "mentor", "cso_worker"]
ROLES += ["committee_member", "manager", "liaison", "monitor", "steward", "analyst"]


def _waiting(world: PathwayWorld, n: int) -> None:
    """``n`` cases, each with one of everything that waits for someone."""
    for _ in range(n):
        case = world.case(phase="intake")
        transition = case.programme.transitions.get(from_phase=case.phase)
        request = cases.request_transition(
            actor=world.case_worker, case=case, transition=transition, reason="Ready"
        )
        cases.record_sign_off(
            actor=world.psychologist, request=request, decision="object", reason="Not yet"
        )
        casework.add_goal(
            actor=world.case_worker,
            case=case,
            domain="education",
            title="School",
            review_on=world.today,
            responsible=TeamMember.objects.get(case=case, membership__user=world.psychologist),
        )
        aftercare.plan_check_ins(actor=world.case_worker, case=case, starts_on=world.today)
        check_in = case.check_ins.order_by("due_on").first()
        aftercare.record_check_in(
            actor=world.mentor,
            check_in=check_in,
            done_on=world.today,
            method="home_visit",
            wellbeing="poor",
            warnings=["lost_job"],
            follow_up="The team meets.",
        )
        aftercare.report_outcome(
            actor=world.case_worker,
            case=case,
            kind="re_arrest",
            occurred_on=world.today,
            source="police",
            description="Arrested at a checkpoint.",
        )
        # a new case whose team is one person: the manager builds it
        cases.enrol_participant(
            actor=world.case_worker,
            participant=world.participant(),
            programme=world.programmes["centre"],
            referral_source="self",
            lead_organisation=world.centre,
        )


def _api_count(user: Any, url: str, headers: dict[str, str]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    assert client.get(url, **headers).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _counts(world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]) -> dict:
    found: dict[str, list[int | None]] = {}
    for who in ROLES:
        user = getattr(world, who)
        signed_in(user)
        found[who] = [_count(client, url) for url in PAGES]
        client.logout()
        issued = accounts.issue_api_token(actor=user, name=f"count {who}")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
        found[who] += [_api_count(user, url, headers) for url in API]
    return found


def test_home_my_work_and_sign_offs_ask_the_same_number_of_queries_for_2_or_25_cases(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    _waiting(world, 2)
    few = _counts(world, client, signed_in)
    _waiting(world, 23)
    many = _counts(world, client, signed_in)
    for who in ROLES:
        assert few[who] == many[who], f"{who}: {few[who]} vs {many[who]} ({PAGES + API})"
    # the pages really showed work: the committee signs, the manager verifies and builds
    signed_in(world.manager)
    home = client.get("/").content.decode()
    assert 'data-testid="work-count-outcome_verification"' in home
    assert 'data-testid="work-count-team"' in home


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()
