"""Grievances: every role against every page, through HTTP.

The cast's grievance is about the centre, in Swat: the oversight body handles it, the lead
agency's manager (Swat) reads it without who lodged it, the centre sees none of it here.
The stranger grievance is in Bajaur about another organisation: oversight only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.grievances import services as grievances
from bahali.grievances.models import Grievance
from bahali.testing import OrganisationFactory, PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

EVERYONE = set(Role)
TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
LODGERS = TEAM | {Role.COMMITTEE_MEMBER, Role.OVERSIGHT_MONITOR}
READERS = {Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
OVERSIGHT = {Role.OVERSIGHT_MONITOR}


@dataclass
class GrievanceWorld:
    world: PathwayWorld
    grievance: Grievance
    stranger: Grievance


def _world() -> GrievanceWorld:
    world = PathwayWorld()

    def lodge(district: str, about) -> Grievance:  # type: ignore[no-untyped-def]
        return grievances.lodge_grievance(
            actor=SYSTEM,
            channel="public_form",
            category="mistreatment",
            complainant="participant",
            description="Shouted at and threatened during a session",
            name="Gul Zaman",
            district=District.objects.get(code=district),
            about_organisation=about,
        )

    return GrievanceWorld(
        world=world,
        grievance=lodge("SWT", world.centre),
        stranger=lodge("BJR", OrganisationFactory(kind="civil_society")),
    )


def _lodge_data(w: GrievanceWorld) -> dict:
    return {
        "complainant": "family",
        "category": "support_not_paid",
        "description": "The stipend was not paid for two months.",
        "about_organisation": w.world.centre.pk,
    }


PAGES = [
    page("grievances:public", "get", lambda w: "/grievance/", EVERYONE, 200, anonymous=200),
    page(
        "grievances:public",
        "post",
        lambda w: "/grievance/",
        EVERYONE,
        200,  # the reference, on a page of its own
        anonymous=200,
        data={
            "complainant": "family",
            "category": "support_not_paid",
            "description": "The stipend was not paid for two months.",
        },
    ),
    # the others are taken to lodging or to the grievances about their organisation
    page("grievances:list", "get", lambda w: "/grievances/", READERS, 200, denied=302),
    page("grievances:lodge", "get", lambda w: "/grievances/lodge/", LODGERS, 200),
    page(
        "grievances:lodge", "post", lambda w: "/grievances/lodge/", LODGERS, 302, data=_lodge_data
    ),
    page("grievances:about_us", "get", lambda w: "/grievances/about-us/", EVERYONE, 200),
    page("grievances:detail", "get", lambda w: f"/grievances/{w.grievance.pk}/", READERS, 200),
    page("grievances:detail", "get", lambda w: f"/grievances/{w.stranger.pk}/", OVERSIGHT, 200),
    page(
        "grievances:complainant",
        "get",
        lambda w: f"/grievances/{w.grievance.pk}/complainant/",
        OVERSIGHT,
        200,
    ),
    page(
        "grievances:acknowledge",
        "post",
        lambda w: f"/grievances/{w.grievance.pk}/acknowledge/",
        OVERSIGHT,
        302,
        data={"note": "Letter sent", "version": 1},
    ),
    page(
        "grievances:resolve",
        "post",
        lambda w: f"/grievances/{w.stranger.pk}/resolve/",
        OVERSIGHT,
        302,
        data={"finding": "not_upheld", "resolution": "No evidence", "version": 1},
    ),
]
API = [
    api(
        "api:lodge_grievance",
        "post",
        lambda w: "/api/v1/grievances",
        LODGERS,
        201,
        denied=403,
        data=lambda w: {
            "category": "support_not_paid",
            "complainant": "family",
            "description": "The stipend was not paid for two months.",
            "district": "SWT",
            "about_organisation_id": w.world.centre.pk,
        },
    ),
    api("api:list_grievances", "get", lambda w: "/api/v1/grievances", READERS, 200),
    api("api:grievance_figures", "get", lambda w: "/api/v1/grievances/figures", READERS, 200),
    api(
        "api:get_grievance",
        "get",
        lambda w: f"/api/v1/grievances/{w.grievance.pk}",
        READERS,
        200,
    ),
    api(
        "api:get_grievance",
        "get",
        lambda w: f"/api/v1/grievances/{w.stranger.pk}",
        OVERSIGHT,
        200,
    ),
    api(
        "api:acknowledge_grievance",
        "post",
        lambda w: f"/api/v1/grievances/{w.grievance.pk}/acknowledgement",
        OVERSIGHT,
        200,
        data={"note": "Letter sent", "version": 1},
    ),
    api(
        "api:resolve_grievance",
        "post",
        lambda w: f"/api/v1/grievances/{w.grievance.pk}/resolution",
        OVERSIGHT,
        200,
        data={"finding": "upheld", "resolution": "Paid", "version": 1},
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
