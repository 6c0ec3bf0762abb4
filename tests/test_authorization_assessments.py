"""Assessments: every role against every assessment page and endpoint, through HTTP.

The cast (``PathwayWorld``) with a case on everyone's team holding a draft, a completed
needs assessment and a completed progress assessment, an instrument of the lead
organisation with a draft version, and a stranger case in Bajaur that only oversight may
read. Security liaisons see the overall band only; committee members and analysts see no
case assessments; instruments (definitions, no personal data) are readable by every role
and written by the owning organisation's programme manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bahali.accounts.roles import Role
from bahali.assessments import services, xlsform
from bahali.assessments.builtin import builtin_definition
from bahali.assessments.models import Assessment, Calibration, Instrument, InstrumentVersion
from bahali.assessments.tests.test_services import DOMAINS, INDICATORS, complete_progress
from bahali.cases.models import Case
from bahali.core.context import SYSTEM
from bahali.testing import PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
READERS = TEAM | {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
BAND_READERS = READERS | {Role.SECURITY_LIAISON}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}
EVERYONE = set(Role)
MANAGERS = {Role.PROGRAMME_MANAGER}
AGGREGATE = EVERYONE - {Role.COMMITTEE_MEMBER}
NEEDS = {
    "psychosocial": "none",
    "health": "none",
    "education": "some",
    "vocational": "urgent",
    "livelihood": "none",
    "family": "none",
    "housing": "none",
    "legal_documents": "none",
    "religious_guidance": "none",
    "safety": "none",
}


@dataclass
class Assessments:
    case: Case
    draft: Assessment
    completed: Assessment


@dataclass
class AssessWorld:
    world: PathwayWorld
    mine: Assessments
    stranger: Assessments
    owned: InstrumentVersion  # a draft version of the lead organisation's instrument
    progress: Assessment  # another case's, by the psychologist, rated blind by the case worker
    calibration: Calibration


def _assessments(case: Case, actor: Any) -> Assessments:
    needs = Instrument.objects.get(code="needs")
    draft = services.start_assessment(actor=actor, case=case, instrument=needs)
    completed = services.start_assessment(actor=actor, case=case, instrument=needs)
    services.complete_assessment(
        actor=actor, assessment=completed, expected_version=1, answers=NEEDS
    )
    return Assessments(case=case, draft=draft, completed=completed)


def _world() -> AssessWorld:
    world = PathwayWorld()
    owned = services.create_instrument(
        actor=world.manager,
        code="lead-needs",
        kind="needs",
        organisation=world.lead,
        definition=builtin_definition("needs"),
    )
    mine = _assessments(world.case(), world.case_worker)
    progress_instrument = Instrument.objects.get(code="progress")
    for user in (world.psychologist, world.case_worker, world.scholar):
        services.record_training(
            actor=SYSTEM, user=user, instrument=progress_instrument, trained_by="SPJ course"
        )
    progress = complete_progress(world, world.case(), "moderate", days_ago=0)
    calibration = services.request_calibration(
        actor=SYSTEM, assessment=progress, second_assessor=world.case_worker
    )
    return AssessWorld(
        progress=progress,
        calibration=calibration,
        world=world,
        mine=mine,
        stranger=_assessments(world.stranger_case(), SYSTEM),
        owned=owned,
    )


def _start(w: AssessWorld) -> dict[str, Any]:
    return {
        "instrument": Instrument.objects.get(code="needs").pk,
        "assessed_on": w.world.today.isoformat(),
    }


def _save(w: AssessWorld) -> dict[str, Any]:
    return {
        "version": 1,
        "assessed_on": w.world.today.isoformat(),
        "action": "save",
        "i_health": "some",
    }


def _upload(w: AssessWorld) -> dict[str, Any]:
    data = xlsform.write_xlsform(
        builtin_definition("needs"), code="lead-needs-2", kind="needs", version=1
    )
    return {"workbook": SimpleUploadedFile("needs.xlsx", data), "organisation": w.world.lead.pk}


def _goals(w: AssessWorld) -> dict[str, Any]:
    return {"keep_0": "on", "domain_0": "vocational", "title_0": "Learn a trade"}


def _case_url(objects: Any, rest: str = "") -> str:
    return f"/cases/{objects.case.pk}/assessments/{rest}"


TRAINING_READERS = TEAM | MANAGERS


def _blind(w: AssessWorld) -> dict[str, Any]:
    return {"version": w.calibration.version, **{f"domain_{d}": "moderate" for d in DOMAINS}}


CALIBRATION_PAGES = [
    page(
        "assessments:request_calibration",
        "post",
        lambda w: f"/cases/{w.progress.case_id}/assessments/{w.progress.pk}/calibration/",
        MANAGERS,
        302,
        data=lambda w: {"second_assessor": w.world.scholar.pk},
    ),
    page(
        "assessments:calibration",
        "get",
        lambda w: f"/assessments/blind/{w.calibration.code}/",
        {Role.CASE_WORKER},
        200,
    ),
    page(
        "assessments:calibration",
        "post",
        lambda w: f"/assessments/blind/{w.calibration.code}/",
        {Role.CASE_WORKER},
        302,
        data=_blind,
    ),
    page(
        "assessments:agreement",
        "get",
        lambda w: "/assessments/instruments/progress/agreement/",
        MANAGERS,
        200,
    ),
    page("assessments:training", "get", lambda w: "/assessments/training/", TRAINING_READERS, 200),
    page(
        "assessments:training",
        "post",
        lambda w: "/assessments/training/",
        MANAGERS,
        302,
        data=lambda w: {
            "user": w.world.mentor.pk,
            "instrument": Instrument.objects.get(code="progress").pk,
            "trained_by": "SPJ course",
            "trained_on": w.world.today.isoformat(),
        },
    ),
    page(
        "assessments:training_required",
        "post",
        lambda w: "/assessments/instruments/progress/training-required/",
        MANAGERS,
        302,
        data=lambda w: {
            "required": "1",
            "version": Instrument.objects.get(code="progress").version,
        },
    ),
]
PAGES = [
    *CALIBRATION_PAGES,
    page("assessments:list", "get", lambda w: _case_url(w.mine), BAND_READERS, 200),
    page("assessments:list", "get", lambda w: _case_url(w.stranger), OVERSIGHT, 200),
    page("assessments:list", "post", lambda w: _case_url(w.mine), TEAM, 302, data=_start),
    page("assessments:list", "post", lambda w: _case_url(w.stranger), set(), 302, data=_start),
    page(
        "assessments:compare",
        "get",
        lambda w: _case_url(
            w.mine, f"compare/?left={w.mine.completed.pk}&right={w.mine.completed.pk}"
        ),
        READERS,
        200,
    ),
    page("assessments:compare", "get", lambda w: _case_url(w.stranger, "compare/"), OVERSIGHT, 200),
    page(
        "assessments:fill", "get", lambda w: _case_url(w.mine, f"{w.mine.draft.pk}/"), READERS, 200
    ),
    page(
        "assessments:fill",
        "get",
        lambda w: _case_url(w.mine, f"{w.mine.completed.pk}/"),
        READERS,
        200,
    ),
    page(
        "assessments:fill",
        "get",
        lambda w: _case_url(w.stranger, f"{w.stranger.completed.pk}/"),
        OVERSIGHT,
        200,
    ),
    page(
        "assessments:fill",
        "post",
        lambda w: _case_url(w.mine, f"{w.mine.draft.pk}/"),
        TEAM,
        302,
        data=_save,
    ),
    page(
        "assessments:fill",
        "post",
        lambda w: _case_url(w.stranger, f"{w.stranger.draft.pk}/"),
        set(),
        302,
        data=_save,
    ),
    page(
        "assessments:correct",
        "post",
        lambda w: _case_url(w.mine, f"{w.mine.completed.pk}/correct/"),
        TEAM,
        302,
    ),
    page(
        "assessments:correct",
        "post",
        lambda w: _case_url(w.stranger, f"{w.stranger.completed.pk}/correct/"),
        set(),
        302,
    ),
    page(
        "assessments:discard",
        "post",
        lambda w: _case_url(w.mine, f"{w.mine.draft.pk}/discard/"),
        TEAM,
        302,
    ),
    page(
        "assessments:discard",
        "post",
        lambda w: _case_url(w.stranger, f"{w.stranger.draft.pk}/discard/"),
        set(),
        302,
    ),
    page(
        "assessments:goals",
        "get",
        lambda w: _case_url(w.mine, f"{w.mine.completed.pk}/goals/"),
        TEAM,
        200,
    ),
    page(
        "assessments:goals",
        "post",
        lambda w: _case_url(w.mine, f"{w.mine.completed.pk}/goals/"),
        TEAM,
        302,
        data=_goals,
    ),
    page(
        "assessments:goals",
        "post",
        lambda w: _case_url(w.stranger, f"{w.stranger.completed.pk}/goals/"),
        set(),
        302,
        data=_goals,
    ),
    page("assessments:instruments", "get", lambda w: "/assessments/instruments/", EVERYONE, 200),
    page("assessments:import", "get", lambda w: "/assessments/instruments/import/", MANAGERS, 200),
    page(
        "assessments:import",
        "post",
        lambda w: "/assessments/instruments/import/",
        MANAGERS,
        302,
        data=_upload,
    ),
    page(
        "assessments:instrument",
        "get",
        lambda w: "/assessments/instruments/progress/",
        EVERYONE,
        200,
    ),
    page(
        "assessments:instrument",
        "get",
        lambda w: "/assessments/instruments/lead-needs/",
        EVERYONE,
        200,
    ),
    page(
        "assessments:activation",
        "post",
        lambda w: "/assessments/instruments/lead-needs/activation/",
        MANAGERS,
        302,
        data={"version": 1, "active": "0"},
    ),
    page(
        "assessments:activation",
        "post",
        lambda w: "/assessments/instruments/needs/activation/",
        set(),
        302,
        data={"version": 1, "active": "0"},
    ),
    page(
        "assessments:publish",
        "post",
        lambda w: "/assessments/instruments/lead-needs/versions/1/publish/",
        MANAGERS,
        302,
    ),
    page(
        "assessments:publish",
        "post",
        lambda w: "/assessments/instruments/progress/versions/1/publish/",
        set(),
        302,
    ),
    page(
        "assessments:export",
        "get",
        lambda w: "/assessments/instruments/progress/versions/1/xlsform/",
        EVERYONE,
        200,
    ),
    page(
        "assessments:factors",
        "get",
        lambda w: f"/assessments/programmes/{w.mine.case.programme.code}/factors/",
        AGGREGATE,
        200,
    ),
]


def _answers(w: AssessWorld) -> dict[str, Any]:
    return {"version": 1, "answers": NEEDS}


API = [
    api("api:list_instruments", "get", lambda w: "/api/v1/instruments", EVERYONE, 200),
    api("api:get_instrument", "get", lambda w: "/api/v1/instruments/progress", EVERYONE, 200),
    api(
        "api:export_instrument",
        "get",
        lambda w: "/api/v1/instruments/progress/versions/1/xlsform",
        EVERYONE,
        200,
    ),
    api(
        "api:list_assessments",
        "get",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/assessments",
        BAND_READERS,
        200,
    ),
    api(
        "api:list_assessments",
        "get",
        lambda w: f"/api/v1/cases/{w.stranger.case.pk}/assessments",
        OVERSIGHT,
        200,
    ),
    api(
        "api:start_assessment",
        "post",
        lambda w: f"/api/v1/cases/{w.mine.case.pk}/assessments",
        TEAM,
        201,
        data={"instrument": "needs"},
    ),
    api(
        "api:start_assessment",
        "post",
        lambda w: f"/api/v1/cases/{w.stranger.case.pk}/assessments",
        set(),
        201,
        data={"instrument": "needs"},
    ),
    api(
        "api:get_assessment",
        "get",
        lambda w: f"/api/v1/assessments/{w.mine.draft.pk}",
        READERS,
        200,
    ),
    api(
        "api:get_assessment",
        "get",
        lambda w: f"/api/v1/assessments/{w.stranger.completed.pk}",
        OVERSIGHT,
        200,
    ),
    api(
        "api:save_assessment",
        "put",
        lambda w: f"/api/v1/assessments/{w.mine.draft.pk}",
        TEAM,
        200,
        data=_answers,
    ),
    api(
        "api:save_assessment",
        "put",
        lambda w: f"/api/v1/assessments/{w.stranger.draft.pk}",
        set(),
        200,
        data=_answers,
    ),
    api(
        "api:complete_assessment",
        "post",
        lambda w: f"/api/v1/assessments/{w.mine.draft.pk}/complete",
        TEAM,
        200,
        data=_answers,
    ),
    api(
        "api:complete_assessment",
        "post",
        lambda w: f"/api/v1/assessments/{w.stranger.draft.pk}/complete",
        set(),
        200,
        data=_answers,
    ),
    api(
        "api:proposed_goals",
        "get",
        lambda w: f"/api/v1/assessments/{w.mine.completed.pk}/proposed-goals",
        READERS,
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


def test_every_assessments_url_is_covered():
    """Every assessments page URL × method and every assessments API operation has a row here (the
    matrix checks the whole site the same way)."""
    from django.urls import get_resolver

    from bahali.api.urls import api
    from bahali.assessments.api import router
    from tests.test_authorization_matrix import required

    operations = {
        f"api:{operation.view_func.__name__}"
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    }
    needed = {
        (name, method)
        for name, method in required(get_resolver().url_patterns, api)
        if name.startswith("assessments:") or name in operations
    }
    covered = {(e.name, e.method.upper()) for e in PAGES + API}
    assert needed - covered == set()
    assert {name for name, _method in covered} - {name for name, _method in needed} == set()


def test_the_liaison_lists_overall_bands_only(client, world):
    progress = Instrument.objects.get(code="progress")
    case = world.mine.case
    assessment = services.start_assessment(
        actor=world.world.psychologist, case=case, instrument=progress
    )
    judgement = services.Judgement(
        {domain: {"rating": "low", "rationale": "r"} for domain in DOMAINS}, "low", "steady"
    )
    answers = dict.fromkeys(INDICATORS, "absent")
    services.complete_assessment(
        actor=world.world.psychologist,
        assessment=assessment,
        expected_version=1,
        answers=answers,
        judgement=judgement,
    )
    from bahali.accounts import services as accounts

    token = accounts.issue_api_token(actor=world.world.liaison, name="t").secret
    listed = client.get(
        f"/api/v1/cases/{case.pk}/assessments", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert [(row["instrument"], row["overall_rating"]) for row in listed] == [("progress", "low")]
    assert "answers" not in listed[0] and "overall_rationale" not in listed[0]
