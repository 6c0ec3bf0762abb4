"""Aftercare: every role against every check-in, outcome and dashboard page, through HTTP.

The cast's case is in aftercare with its check-ins planned and an event reported; a second
case has no schedule yet; the stranger case (Bajaur) is in no one's scope but oversight's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.cases.models import Case
from bahali.core.context import SYSTEM
from bahali.testing import PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
READERS = TEAM | {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
WRITERS = TEAM | {Role.PROGRAMME_MANAGER}
EVENT_READERS = READERS | {Role.SECURITY_LIAISON}
REPORTERS = WRITERS | {Role.SECURITY_LIAISON, Role.COMMITTEE_MEMBER}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}


@dataclass
class AftercareWorld:
    world: PathwayWorld
    case: Case
    check_in: CheckIn
    event: OutcomeEvent
    unplanned: Case
    stranger: Case
    stranger_check_in: CheckIn
    stranger_event: OutcomeEvent


def _event(case: Case) -> OutcomeEvent:
    return aftercare.report_outcome(
        actor=SYSTEM,
        case=case,
        kind="re_arrest",
        occurred_on=case.opened_on,
        source="police",
        description="Arrested",
    )


def _world() -> AftercareWorld:
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    planned = aftercare.plan_check_ins(actor=SYSTEM, case=case)
    stranger = world.stranger_case()
    stranger_planned = aftercare.plan_check_ins(actor=SYSTEM, case=stranger)
    return AftercareWorld(
        world=world,
        case=case,
        check_in=planned[0],
        event=_event(case),
        unplanned=world.case(phase="aftercare"),
        stranger=stranger,
        stranger_check_in=stranger_planned[0],
        stranger_event=_event(stranger),
    )


def _check_in_data(w: AftercareWorld) -> dict:
    return {
        "done_on": w.world.today.isoformat(),
        "method": "phone",
        "wellbeing": "good",
        "version": 1,
    }


def _event_data(w: AftercareWorld) -> dict:
    return {
        "kind": "employment",
        "occurred_on": w.world.today.isoformat(),
        "source": "employer",
    }


PAGES = [
    page("aftercare:case", "get", lambda w: f"/cases/{w.case.pk}/aftercare/", READERS, 200),
    page("aftercare:case", "get", lambda w: f"/cases/{w.stranger.pk}/aftercare/", OVERSIGHT, 200),
    page(
        "aftercare:case",
        "post",
        lambda w: f"/cases/{w.unplanned.pk}/aftercare/",
        WRITERS,
        302,
        data=lambda w: {"starts_on": w.world.today.isoformat()},
    ),
    page(
        "aftercare:case",
        "post",
        lambda w: f"/cases/{w.stranger.pk}/aftercare/",
        set(),
        302,
        data=lambda w: {"starts_on": w.world.today.isoformat()},
    ),
    page(
        "aftercare:record",
        "get",
        lambda w: f"/cases/{w.case.pk}/aftercare/{w.check_in.pk}/record/",
        WRITERS,
        200,
    ),
    page(
        "aftercare:record",
        "post",
        lambda w: f"/cases/{w.case.pk}/aftercare/{w.check_in.pk}/record/",
        WRITERS,
        302,
        data=_check_in_data,
    ),
    page(
        "aftercare:record",  # another case's check-in through a case in scope
        "post",
        lambda w: f"/cases/{w.case.pk}/aftercare/{w.stranger_check_in.pk}/record/",
        set(),
        302,
        data=_check_in_data,
    ),
    page(
        "aftercare:acknowledge",  # who may write check-ins reaches it; the service then
        "post",  # lets only someone on the team acknowledge a warning (a message otherwise)
        lambda w: f"/cases/{w.case.pk}/aftercare/{w.check_in.pk}/acknowledge/",
        WRITERS,
        302,
        data={"note": "The team met."},
    ),
    page(
        "aftercare:acknowledge",
        "post",
        lambda w: f"/cases/{w.case.pk}/aftercare/{w.stranger_check_in.pk}/acknowledge/",
        set(),
        302,
        data={"note": "The team met."},
    ),
    page(
        "aftercare:outcomes", "get", lambda w: f"/cases/{w.case.pk}/outcomes/", EVENT_READERS, 200
    ),
    page(
        "aftercare:outcomes", "get", lambda w: f"/cases/{w.stranger.pk}/outcomes/", OVERSIGHT, 200
    ),
    page(
        "aftercare:report", "get", lambda w: f"/cases/{w.case.pk}/outcomes/report/", REPORTERS, 200
    ),
    page(
        "aftercare:report",
        "post",
        lambda w: f"/cases/{w.case.pk}/outcomes/report/",
        REPORTERS,
        302,
        data=_event_data,
    ),
    page(
        "aftercare:report",
        "post",
        lambda w: f"/cases/{w.stranger.pk}/outcomes/report/",
        set(),
        302,
        data=_event_data,
    ),
    page(
        "aftercare:verify",
        "post",
        lambda w: f"/cases/{w.case.pk}/outcomes/{w.event.pk}/verify/",
        {Role.PROGRAMME_MANAGER},
        302,
        data={"verification": "verified", "note": "Court record", "version": 1},
    ),
    page(
        "aftercare:verify",
        "post",
        lambda w: f"/cases/{w.case.pk}/outcomes/{w.stranger_event.pk}/verify/",
        set(),
        302,
        data={"verification": "verified", "note": "Court record", "version": 1},
    ),
    page(
        "aftercare:dashboard",
        "get",
        lambda w: f"/programmes/{w.case.programme.code}/aftercare/",
        READERS,
        200,
    ),
]
API = [
    api(
        "api:list_check_ins",
        "get",
        lambda w: f"/api/v1/cases/{w.case.pk}/check-ins",
        READERS,
        200,
    ),
    api(
        "api:list_check_ins",
        "get",
        lambda w: f"/api/v1/cases/{w.stranger.pk}/check-ins",
        OVERSIGHT,
        200,
    ),
    api(
        "api:plan_case_check_ins",
        "post",
        lambda w: f"/api/v1/cases/{w.unplanned.pk}/check-ins",
        WRITERS,
        201,
        data={},
    ),
    api(
        "api:record_case_check_in",
        "post",
        lambda w: f"/api/v1/check-ins/{w.check_in.pk}",
        WRITERS,
        200,
        data=_check_in_data,
    ),
    api(
        "api:record_case_check_in",
        "post",
        lambda w: f"/api/v1/check-ins/{w.stranger_check_in.pk}",
        set(),
        200,
        data=_check_in_data,
    ),
    api(
        "api:list_outcomes",
        "get",
        lambda w: f"/api/v1/cases/{w.case.pk}/outcomes",
        EVENT_READERS,
        200,
    ),
    api(
        "api:report_case_outcome",
        "post",
        lambda w: f"/api/v1/cases/{w.case.pk}/outcomes",
        REPORTERS,
        201,
        data=_event_data,
    ),
    api(
        "api:report_case_outcome",
        "post",
        lambda w: f"/api/v1/cases/{w.stranger.pk}/outcomes",
        set(),
        201,
        data=_event_data,
    ),
    api(
        "api:verify_case_outcome",
        "post",
        lambda w: f"/api/v1/outcomes/{w.event.pk}/verification",
        {Role.PROGRAMME_MANAGER},
        200,
        data={"verification": "disproved", "note": "Wrong man", "version": 1},
    ),
    api(
        "api:verify_case_outcome",
        "post",
        lambda w: f"/api/v1/outcomes/{w.stranger_event.pk}/verification",
        set(),
        200,
        data={"verification": "disproved", "note": "Wrong man", "version": 1},
    ),
    api(
        "api:get_recidivism",
        "get",
        lambda w: f"/api/v1/programmes/{w.case.programme.code}/recidivism",
        EVENT_READERS,
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
