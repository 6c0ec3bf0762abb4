"""Evidence: every role against every page and export, through HTTP; and the analyst can
reach no case-level data through any of them (no participant code, no case number, small
cells suppressed).

Every evidence figure is aggregate and suppressed for everyone; the pages are for the roles
holding ``aggregate_report.read`` (everyone but the committee member).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bahali.accounts.roles import Role
from bahali.testing import PathwayWorld, sign_in
from tests.authorization import call, each_role, module_world, page

pytestmark = pytest.mark.django_db

READERS = set(Role) - {Role.COMMITTEE_MEMBER}
# a published release is for public use: every role reads it
EVERYONE = set(Role)
OVERSIGHT = {Role.OVERSIGHT_MONITOR}
MANAGERS = {Role.PROGRAMME_MANAGER}


@dataclass
class EvidenceWorld:
    world: PathwayWorld
    cases: list[Any]
    release: Any


def _world() -> EvidenceWorld:
    import datetime

    from bahali.core.context import SYSTEM
    from bahali.evidence import services

    world = PathwayWorld()
    cases = [world.case() for _ in range(3)]
    today = world.today
    release = services.publish_release(
        actor=SYSTEM,
        title="Outcomes",
        start=today - datetime.timedelta(days=365),
        end=today,
    )
    return EvidenceWorld(world=world, cases=cases, release=release)


FILTERED = "?sex=m&age=adult&start=2020-01-01&by=district"

PAGES = [
    page("evidence:indicators", "get", lambda w: "/evidence/", READERS, 200),
    page("evidence:indicators", "get", lambda w: f"/evidence/{FILTERED}", READERS, 200),
    page("evidence:indicators_csv", "get", lambda w: "/evidence/indicators.csv", READERS, 200),
    page("evidence:indicators_xlsx", "get", lambda w: "/evidence/indicators.xlsx", READERS, 200),
    page("evidence:recidivism", "get", lambda w: "/evidence/recidivism/", READERS, 200),
    page(
        "evidence:recidivism",
        "get",
        lambda w: "/evidence/recidivism/?group=district__code",
        READERS,
        200,
    ),
    page("evidence:participation", "get", lambda w: "/evidence/participation/", READERS, 200),
    page(
        "evidence:participation",
        "get",
        lambda w: "/evidence/participation/?group=quarter",
        READERS,
        200,
    ),
    page("evidence:releases", "get", lambda w: "/evidence/releases/", EVERYONE, 200),
    page(
        "evidence:releases",
        "post",
        lambda w: "/evidence/releases/",
        {Role.PROGRAMME_MANAGER},
        302,
        data={"title": "Outcomes 2025", "start": "2025-01-01", "end": "2025-12-31"},
    ),
    page("evidence:release", "get", lambda w: f"/evidence/releases/{w.release.pk}/", EVERYONE, 200),
    page(
        "evidence:release_file",
        "get",
        lambda w: f"/evidence/releases/{w.release.pk}/release.json",
        EVERYONE,
        200,
    ),
    page(
        "evidence:release_verification",
        "get",
        lambda w: f"/evidence/releases/{w.release.pk}/verification.json",
        EVERYONE,
        200,
    ),
    page("evidence:recidivism_svg", "get", lambda w: "/evidence/recidivism.svg", READERS, 200),
    # the oversight report: the oversight body only, everyone else 404
    page("evidence:oversight", "get", lambda w: "/evidence/oversight/", OVERSIGHT, 200),
    page(
        "evidence:oversight",
        "get",
        lambda w: "/evidence/oversight/?start=2025-01-01&end=2025-12-31",
        OVERSIGHT,
        200,
    ),
    page("evidence:oversight_pdf", "get", lambda w: "/evidence/oversight.pdf", OVERSIGHT, 200),
    # the programme manager's dashboard, its charts and tables: managers only, others 404
    page("evidence:dashboard", "get", lambda w: "/evidence/dashboard/", MANAGERS, 200),
    page(
        "evidence:dashboard_svg", "get", lambda w: "/evidence/dashboard/funnel.svg", MANAGERS, 200
    ),
    page(
        "evidence:dashboard_svg",
        "get",
        lambda w: "/evidence/dashboard/check-ins-on-time.svg",
        MANAGERS,
        200,
    ),
    page(
        "evidence:dashboard_csv",
        "get",
        lambda w: "/evidence/dashboard/tables/trends.csv",
        MANAGERS,
        200,
    ),
    page(
        "evidence:dashboard_csv",
        "get",
        lambda w: "/evidence/dashboard/tables/alerts.csv",
        MANAGERS,
        200,
    ),
    page(
        "evidence:dashboard_xlsx",
        "get",
        lambda w: "/evidence/dashboard/tables/funnel.xlsx",
        MANAGERS,
        200,
    ),
]

# background exports (``evidence.exports``): a POST queues the job and redirects to its
# page; the indicator table for every reader of aggregates, the monthly table for managers
PAGES += [
    page("evidence:export", "post", lambda w, t=t: f"/evidence/exports/{t}", allowed, 302)
    for t, allowed in [
        ("indicators.csv", READERS),
        ("indicators.xlsx", READERS),
        ("monthly.csv", MANAGERS),
        ("monthly.xlsx", MANAGERS),
    ]
]

# no API operations in this area yet (the figures are pages and downloads)
API: list = []

world = module_world(_world)


def _sign_in_analyst(client: Any, world: EvidenceWorld) -> None:
    user = world.world.analyst
    signed_in = sign_in(client, user)
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    "endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize(
    "endpoint",
    [e for e in PAGES if e.method == "get" and Role.ANALYST in e.allowed],
    ids=lambda e: f"{e.name}-{e.method}",
)
def test_the_analyst_reaches_no_case_level_data(client, endpoint, world):
    _sign_in_analyst(client, world)
    response = call(client, endpoint, world)
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if endpoint.name == "evidence:indicators_xlsx":
        import io

        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body)).active
        text = "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
    else:
        text = body.decode()
    for case in world.cases:
        assert case.participant.code not in text
        assert f"/cases/{case.pk}/" not in text
    assert "/participants/" not in text.replace('href="/participants/"', "")
    if endpoint.name in {"evidence:indicators", "evidence:indicators_csv"}:
        assert "<5" in text or "&lt;5" in text  # three enrolments: suppressed


def test_a_bad_filter_is_a_message_not_an_error(client, world):
    _sign_in_analyst(client, world)
    response = client.get("/evidence/?start=2025-13-40&cohort=abc&programme=999999")
    assert response.status_code == 200
    assert b"invalid-feedback" in response.content
    response = client.get("/evidence/indicators.csv?start=2026-01-01&end=2025-01-01")
    assert response.status_code == 200
