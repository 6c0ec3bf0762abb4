"""Prevention: every role against every page and API operation, through HTTP.

The cast's initiative is led by the civil-society organisation (its trainer and mentor edit
it), in Swat; coordinators (programme managers) edit every initiative and the district
profiles; analysts read the suppressed aggregates only (gap analysis, advice-line counts);
the security liaison reaches none of it. Advice-line contacts are logged by the case-team
roles and psychologists in their own organisation's name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bahali.accounts.roles import Role
from bahali.assessments import services as assessments
from bahali.assessments.models import Instrument
from bahali.core.context import SYSTEM
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.prevention import services
from bahali.prevention.models import Grant, Indicator, Initiative, SurveyRound
from bahali.testing import PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

EVERYONE = set(Role)
TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
READERS = EVERYONE - {Role.SECURITY_LIAISON, Role.ANALYST}
WRITERS = TEAM | {Role.PROGRAMME_MANAGER}
EDITORS = {Role.TRAINER, Role.MENTOR, Role.PROGRAMME_MANAGER}  # the CSO's staff, coordinators
COORDINATORS = {Role.PROGRAMME_MANAGER}
AGGREGATES = EVERYONE - {Role.SECURITY_LIAISON}
COUNSELLORS = TEAM
SURVEY_READERS = EVERYONE - {Role.SECURITY_LIAISON}


@dataclass
class PreventionWorld:
    world: PathwayWorld
    initiative: Initiative
    grant: Grant
    swat: District
    indicator: Indicator
    survey_round: SurveyRound


def _world() -> PreventionWorld:
    world = PathwayWorld()
    swat = District.objects.get(code="SWT")
    initiative = services.create_initiative(
        actor=SYSTEM,
        data=services.InitiativeData(
            name="Swat Digital Shield",
            lead_organisation=world.cso,
            kind="digital_literacy",
            districts=[swat],
            starts_on=datetime.date(2025, 1, 1),
        ),
    )
    grant = services.add_grant(
        actor=SYSTEM,
        initiative=initiative,
        funder_kind="donor",
        amount=1_000_000,
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2030, 1, 1),
    )
    indicator = services.define_indicator(
        actor=SYSTEM, code="returnees", name="Returnees", higher_is_need=True
    )
    assessments.load_builtin_instruments(actor=SYSTEM)
    tehsil = geography.add_tehsil(actor=SYSTEM, district=swat, name="Matta")
    community = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shawar")
    survey_round = services.plan_survey_round(
        actor=SYSTEM,
        organisation=world.cso,
        community=community,
        instrument_version=Instrument.objects.get(code="trust_stigma").current_version(),
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 2, 1),
    )
    return PreventionWorld(world, initiative, grant, swat, indicator, survey_round)


SURVEY_ANSWERS = {
    "group": "women",
    **{
        f"i_{name}": "agree"
        for name in (
            "programme_fair",
            "programme_safe",
            "government_listens",
            "initiative_helps",
            "avoid_returnees",
            "no_work",
        )
    },
}


def _initiative_data(w: PreventionWorld) -> dict:
    return {
        "name": "Bajaur Digital Sisters",
        "kind": "digital_literacy",
        "status": "active",
        "districts": [w.swat.pk],
        "starts_on": "2026-01-01",
    }


def _csv(w: PreventionWorld) -> dict:
    content = b"district,indicator,year,value\nSWT,returnees,2025,520\n"
    return {"file": SimpleUploadedFile("values.csv", content, content_type="text/csv")}


I = "/prevention/initiatives"  # noqa: E741
PAGES = [
    page("prevention:initiatives", "get", lambda w: "/prevention/", READERS, 200),
    page("prevention:register", "get", lambda w: f"{I}/new/", WRITERS, 200),
    page("prevention:register", "post", lambda w: f"{I}/new/", WRITERS, 302, data=_initiative_data),
    page("prevention:initiative", "get", lambda w: f"{I}/{w.initiative.pk}/", READERS, 200),
    page("prevention:edit", "get", lambda w: f"{I}/{w.initiative.pk}/edit/", EDITORS, 200),
    page(
        "prevention:edit",
        "post",
        lambda w: f"{I}/{w.initiative.pk}/edit/",
        EDITORS,
        302,
        data=lambda w: {**_initiative_data(w), "lead_organisation": w.world.cso.pk, "version": 1},
    ),
    page(
        "prevention:add_grant",
        "post",
        lambda w: f"{I}/{w.initiative.pk}/grants/",
        EDITORS,
        302,
        data={
            "grant-funder_kind": "donor",
            "grant-amount": 5000,
            "grant-starts_on": "2026-01-01",
            "grant-ends_on": "2026-12-31",
        },
    ),
    page(
        "prevention:add_activity",
        "post",
        lambda w: f"{I}/{w.initiative.pk}/activities/",
        EDITORS,
        302,
        data=lambda w: {
            "activity-held_on": "2026-01-10",
            "activity-kind": "session",
            "activity-channel": "in_person",
            "activity-district": w.swat.pk,
            "activity-female_youth": 12,
        },
    ),
    page(
        "prevention:add_disbursement",
        "post",
        lambda w: f"/prevention/grants/{w.grant.pk}/payments/",
        EDITORS,
        302,
        data={"paid-amount": 1000, "paid-paid_on": "2025-02-01"},
    ),
    page("prevention:matrix", "get", lambda w: "/prevention/4w/", READERS, 200),
    page("prevention:matrix", "get", lambda w: "/prevention/4w/?format=xlsx", READERS, 200),
    page("prevention:districts", "get", lambda w: "/prevention/districts/", READERS, 200),
    page(
        "prevention:districts",
        "post",
        lambda w: "/prevention/districts/",
        COORDINATORS,
        302,
        data=lambda w: {
            "district": w.swat.pk,
            "indicator": w.indicator.pk,
            "year": 2025,
            "value": "12",
        },
    ),
    page(
        "prevention:define_indicator",
        "post",
        lambda w: "/prevention/districts/indicators/",
        COORDINATORS,
        302,
        data={"indicator-code": "literacy", "indicator-name": "Literacy"},
    ),
    page(
        "prevention:import",
        "post",
        lambda w: "/prevention/districts/import/",
        COORDINATORS,
        302,
        data=_csv,
    ),
    page("prevention:gaps", "get", lambda w: "/prevention/gaps/", AGGREGATES, 200),
    page(
        "prevention:refresh_drivers",
        "post",
        lambda w: "/prevention/gaps/drivers/",
        COORDINATORS,
        302,
    ),
    page("prevention:advice", "get", lambda w: "/prevention/advice/", AGGREGATES, 200),
    page("prevention:log_advice", "get", lambda w: "/prevention/advice/new/", COUNSELLORS, 200),
    page(
        "prevention:log_advice",
        "post",
        lambda w: "/prevention/advice/new/",
        COUNSELLORS,
        302,
        data={
            "contacted_on": "2026-01-05",
            "caller_kind": "parent",
            "concern": "online_content",
            "advice": "Talk with him about what he watches",
            "referral": "none",
        },
    ),
    page("prevention:surveys", "get", lambda w: "/prevention/surveys/", SURVEY_READERS, 200),
    page("prevention:plan_survey", "get", lambda w: "/prevention/surveys/new/", WRITERS, 200),
    page(
        "prevention:plan_survey",
        "post",
        lambda w: "/prevention/surveys/new/",
        WRITERS,
        302,
        data=lambda w: {
            "community": w.survey_round.community_id,
            "instrument_version": w.survey_round.instrument_version_id,
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "planned_sample": 120,
        },
    ),
    page(
        "prevention:survey",
        "get",
        lambda w: f"/prevention/surveys/{w.survey_round.pk}/",
        SURVEY_READERS,
        200,
    ),
    page(
        "prevention:survey_respond",
        "get",
        lambda w: f"/prevention/surveys/{w.survey_round.pk}/respond/",
        EDITORS,
        200,
    ),
    page(
        "prevention:survey_respond",
        "post",
        lambda w: f"/prevention/surveys/{w.survey_round.pk}/respond/",
        EDITORS,
        302,
        data=SURVEY_ANSWERS,
    ),
    page(
        "prevention:close_survey",
        "post",
        lambda w: f"/prevention/surveys/{w.survey_round.pk}/close/",
        EDITORS,
        302,
        data={"version": 1},
    ),
]
API = [
    api("api:list_initiatives", "get", lambda w: "/api/v1/prevention/initiatives", READERS, 200),
    api(
        "api:get_initiative",
        "get",
        lambda w: f"/api/v1/prevention/initiatives/{w.initiative.pk}",
        READERS,
        200,
    ),
    api(
        "api:create_initiative",
        "post",
        lambda w: "/api/v1/prevention/initiatives",
        EDITORS,
        201,
        denied=403,
        data=lambda w: {
            "name": "Swat Youth Hub",
            "lead_organisation_id": w.world.cso.pk,
            "kind": "youth_engagement",
            "districts": ["SWT"],
            "starts_on": "2026-01-01",
        },
    ),
    api(
        "api:add_initiative_grant",
        "post",
        lambda w: f"/api/v1/prevention/initiatives/{w.initiative.pk}/grants",
        EDITORS,
        201,
        data={
            "funder_kind": "own",
            "amount": 5000,
            "starts_on": "2026-01-01",
            "ends_on": "2026-06-30",
        },
    ),
    api(
        "api:add_initiative_activity",
        "post",
        lambda w: f"/api/v1/prevention/initiatives/{w.initiative.pk}/activities",
        EDITORS,
        201,
        data={
            "held_on": "2026-01-10",
            "kind": "session",
            "channel": "radio",
            "district": "SWT",
            "male_youth": 30,
            "female_youth": 25,
        },
    ),
    api("api:prevention_gaps", "get", lambda w: "/api/v1/prevention/gaps", AGGREGATES, 200),
    api(
        "api:update_initiative",
        "put",
        lambda w: f"/api/v1/prevention/initiatives/{w.initiative.pk}",
        EDITORS,
        200,
        data=lambda w: {
            "name": "Swat Digital Shield",
            "lead_organisation_id": w.world.cso.pk,
            "kind": "digital_literacy",
            "districts": ["SWT"],
            "starts_on": "2025-01-01",
            "version": 1,
        },
    ),
    api(
        "api:initiative_funding",
        "get",
        lambda w: f"/api/v1/prevention/initiatives/{w.initiative.pk}/funding",
        READERS,
        200,
    ),
    api(
        "api:add_grant_disbursement",
        "post",
        lambda w: f"/api/v1/prevention/grants/{w.grant.pk}/disbursements",
        EDITORS,
        201,
        data={"amount": 1000, "paid_on": "2025-02-01"},
    ),
    api(
        "api:initiative_activities",
        "get",
        lambda w: f"/api/v1/prevention/initiatives/{w.initiative.pk}/activities",
        READERS,
        200,
    ),
    api("api:list_indicators", "get", lambda w: "/api/v1/prevention/indicators", READERS, 200),
    api(
        "api:list_district_values",
        "get",
        lambda w: "/api/v1/prevention/district-values?district=SWT",
        READERS,
        200,
    ),
    api(
        "api:set_district_value",
        "post",
        lambda w: "/api/v1/prevention/district-values",
        COORDINATORS,
        200,
        data={"district": "SWT", "indicator": "returnees", "year": 2025, "value": 410},
    ),
    api(
        "api:advice_counts",
        "get",
        lambda w: "/api/v1/prevention/advice-line/counts",
        AGGREGATES,
        200,
    ),
    api(
        "api:list_advice_contacts",
        "get",
        lambda w: "/api/v1/prevention/advice-line/contacts",
        COUNSELLORS | {Role.OVERSIGHT_MONITOR},
        200,
    ),
    api(
        "api:log_advice_contact",
        "post",
        lambda w: "/api/v1/prevention/advice-line/contacts",
        COUNSELLORS,
        201,
        data={
            "caller_kind": "teacher",
            "concern": "online_content",
            "district": "SWT",
            "advice": "Talk with the family",
        },
    ),
    api(
        "api:list_survey_rounds",
        "get",
        lambda w: "/api/v1/prevention/surveys",
        SURVEY_READERS,
        200,
    ),
    api(
        "api:plan_survey_round",
        "post",
        lambda w: "/api/v1/prevention/surveys",
        WRITERS,
        201,
        data=lambda w: {
            "community_id": w.survey_round.community_id,
            "instrument_version_id": w.survey_round.instrument_version_id,
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
        },
    ),
    api(
        "api:survey_trends",
        "get",
        lambda w: "/api/v1/prevention/surveys/trends?district=SWT",
        AGGREGATES,
        200,
    ),
    api(
        "api:get_survey_round",
        "get",
        lambda w: f"/api/v1/prevention/surveys/{w.survey_round.pk}",
        SURVEY_READERS,
        200,
    ),
    api(
        "api:record_survey_response",
        "post",
        lambda w: f"/api/v1/prevention/surveys/{w.survey_round.pk}/responses",
        EDITORS,
        201,
        data={
            "group": "men",
            "answers": {k[2:]: v for k, v in SURVEY_ANSWERS.items() if k[:2] == "i_"},
        },
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
