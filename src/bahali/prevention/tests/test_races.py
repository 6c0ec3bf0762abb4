"""Races on prevention's writes, with transactions that really overlap on PostgreSQL: two
edits of one initiative from the same version (one wins, the other is told of the
conflict), a create sent twice at once with one Idempotency-Key (recorded once), and
survey responses entered at once (each counted in the round's running sums)."""

from __future__ import annotations

import datetime
import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from bahali.assessments import services as assessments
from bahali.assessments.models import Instrument
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.prevention import services
from bahali.prevention.models import ActivityDay, Initiative, SurveyResponse, SurveyRound
from bahali.testing import PathwayWorld, race, token_request, winners

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _initiative(world: PathwayWorld) -> Initiative:
    return services.create_initiative(
        actor=SYSTEM,
        data=services.InitiativeData(
            name="Swat Digital Shield",
            lead_organisation=world.cso,
            kind="digital_literacy",
            districts=[District.objects.get(code="SWT")],
            starts_on=datetime.date(2025, 1, 1),
        ),
    )


def _edit(initiative: Initiative, name: str) -> services.InitiativeData:
    return services.InitiativeData(
        name=name,
        lead_organisation=initiative.lead_organisation,
        kind=initiative.kind,
        districts=list(initiative.districts.all()),
        starts_on=initiative.starts_on,
    )


def test_two_edits_of_one_initiative_from_the_same_version_one_wins(world):
    initiative = _initiative(world)
    version = initiative.version
    outcomes = race(
        lambda: services.update_initiative(
            actor=world.trainer,
            initiative=Initiative.objects.get(pk=initiative.pk),
            data=_edit(initiative, "Swat Digital Shield for Girls"),
            expected_version=version,
        ),
        lambda: services.update_initiative(
            actor=world.manager,
            initiative=Initiative.objects.get(pk=initiative.pk),
            data=_edit(initiative, "Swat Digital Shield (district-wide)"),
            expected_version=version,
        ),
    )
    assert len(winners(outcomes)) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Stale]
    saved = Initiative.objects.get(pk=initiative.pk)
    assert saved.version == version + 1
    assert saved.name == winners(outcomes)[0].name


def _call(url: str, body: dict[str, Any], token: str = "", key: str = "", method: str = "POST"):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    sent = urllib.request.Request(  # noqa: S310 - the live test server, over http
        url, data=json.dumps(body).encode(), headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(sent, timeout=60) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _token(live_server: Any, user: Any) -> str:
    status, body = _call(
        f"{live_server.url}/api/v1/auth/token",
        token_request(user),  # with a one-time code for the roles that need a second factor
    )
    assert status == 201, body
    return str(body["token"])


def _at_once(calls: list[tuple[Any, ...]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def send(index: int) -> None:
        barrier.wait(timeout=30)
        answers[index] = _call(*calls[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_a_create_sent_twice_at_once_is_recorded_once(world, live_server):
    token = _token(live_server, world.trainer)
    url = f"{live_server.url}/api/v1/prevention/initiatives"
    body = {
        "name": "Swat Youth Hub",
        "lead_organisation_id": world.cso.pk,
        "kind": "youth_engagement",
        "districts": ["SWT"],
        "starts_on": "2026-01-01",
    }
    answers = _at_once([(url, body, token, "hub-1"), (url, body, token, "hub-1")])
    assert [status for status, _body in answers] == [201, 201], answers
    assert answers[0][1]["id"] == answers[1][1]["id"]
    assert Initiative.objects.filter(name="Swat Youth Hub").count() == 1
    status, again = _call(url, body, token, "hub-1")  # a late retry: the same answer
    assert status == 201 and again["id"] == answers[0][1]["id"]
    assert Initiative.objects.filter(name="Swat Youth Hub").count() == 1


def test_two_edits_over_the_api_one_wins_the_other_gets_a_conflict(world, live_server):
    initiative = _initiative(world)
    url = f"{live_server.url}/api/v1/prevention/initiatives/{initiative.pk}"
    body = {
        "lead_organisation_id": world.cso.pk,
        "kind": "digital_literacy",
        "districts": ["SWT"],
        "starts_on": "2025-01-01",
        "version": initiative.version,
    }
    answers = _at_once(
        [
            (url, {**body, "name": "For girls"}, _token(live_server, world.trainer), "", "PUT"),
            (url, {**body, "name": "District-wide"}, _token(live_server, world.manager), "", "PUT"),
        ]
    )
    assert sorted(status for status, _body in answers) == [200, 409], answers
    won = next(body for status, body in answers if status == 200)
    assert Initiative.objects.get(pk=initiative.pk).name == won["name"]


def test_activities_recorded_at_once_on_one_day_are_each_in_the_districts_day(world):
    initiative = _initiative(world)
    swat = District.objects.get(code="SWT")
    day = datetime.date(2026, 3, 1)

    def record(n: int):
        return lambda: services.record_activity(
            actor=world.trainer,
            initiative=Initiative.objects.get(pk=initiative.pk),
            held_on=day,
            kind="session",
            channel="in_person",
            district=swat,
            reach={"female_youth": n, "male_30_plus": 1},
        )

    outcomes = race(record(1), record(2), record(3), record(4))
    assert len(winners(outcomes)) == 4, outcomes
    rollup = ActivityDay.objects.get(district=swat, held_on=day)
    assert (rollup.activities, rollup.female_youth, rollup.male_30_plus, rollup.reach) == (
        4,
        10,
        4,
        14,
    )


def test_survey_responses_entered_at_once_are_each_counted(world):
    assessments.load_builtin_instruments(actor=SYSTEM)  # the flush took the migration's
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code="SWT"), name="Matta"
    )
    community = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shawar")
    survey_round = services.plan_survey_round(
        actor=SYSTEM,
        organisation=world.cso,
        community=community,
        instrument_version=Instrument.objects.get(code="trust_stigma").current_version(),
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 2, 1),
    )
    answers = dict.fromkeys(
        (
            "programme_fair",
            "programme_safe",
            "government_listens",
            "initiative_helps",
            "avoid_returnees",
            "no_work",
        ),
        "agree",
    )

    def enter() -> SurveyResponse:
        return services.record_survey_response(
            actor=world.trainer,
            survey_round=SurveyRound.objects.get(pk=survey_round.pk),
            answers=answers,
            group="women",
        )

    outcomes = race(enter, enter, enter, enter)
    assert len(winners(outcomes)) == 4, outcomes
    saved = SurveyRound.objects.get(pk=survey_round.pk)
    assert saved.respondents == SurveyResponse.objects.filter(round=saved).count() == 4
    assert saved.tallies["trust_programme"] == [300.0, 4]
