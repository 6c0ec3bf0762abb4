"""Evidence: every role against every page and export, through HTTP; and the analyst can
reach no case-level data through any of them (no participant code, no case number, small
cells suppressed).

Every evidence figure is aggregate and suppressed for everyone; the pages are for the roles
holding ``aggregate_report.read`` (everyone but the committee member).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from bahali.accounts.roles import Role
from bahali.evidence.views import OVERSIGHT_PARTS
from bahali.testing import PathwayWorld, sign_in
from tests.authorization import api, call, each_role, module_world, page

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
    approval: Any = None


def _world() -> EvidenceWorld:
    import datetime

    from bahali.core.context import SYSTEM
    from bahali.evidence import services

    world = PathwayWorld()
    cases = [world.case() for _ in range(3)]
    today = world.today
    _case_level_facts(world, cases[0])
    release = services.publish_release(
        actor=SYSTEM,
        title="Outcomes",
        start=today - datetime.timedelta(days=365),
        end=today,
    )
    # the analyst is an approved researcher (the research extract): a steward approved them
    approval = services.grant_research_approval(
        actor=world.steward,
        researcher=world.analyst,
        title="Pathways after return",
        protocol="PRT-1",
        ethics="IRB-1",
        programmes=[world.programmes["centre"]],
        valid_from=today,
        valid_until=today + datetime.timedelta(days=30),
    )
    return EvidenceWorld(world=world, cases=cases, release=release, approval=approval)


# what an analyst must never read, anywhere: set on the first case below
SECRETS = ("OVR-EVIDENCE-9", "Threat to life at the bus stand", "An override for a test")


def _case_level_facts(world: PathwayWorld, case: Any) -> None:
    """An overridden gate decision with its sign-off, an emergency access with its reason, a
    grievance about the participant and a withdrawn consent: the facts behind the oversight
    figures, each with text only a case-level reader could see."""
    import datetime

    from django.utils import timezone

    from bahali.cases.models import EmergencyAccess, SignOff, TransitionRequest
    from bahali.core.context import SYSTEM, acting_as
    from bahali.grievances import services as grievances
    from bahali.grievances.models import Channel
    from bahali.registry.models import Consent, ConsentPurpose
    from bahali.testing import membership_of

    now = timezone.now()
    with acting_as(SYSTEM):
        request = TransitionRequest.objects.create(
            case=case,
            transition=world.programmes["centre"].transitions.first(),
            reason="Ready",
            status=TransitionRequest.Status.APPLIED,
            decided_at=now - datetime.timedelta(days=3),
            overridden_by=world.steward,
            override_reference=SECRETS[0],
            override_reason=SECRETS[2],
        )
        SignOff.objects.create(
            request=request,
            organisation=world.centre,
            organisation_kind=world.centre.kind,
            signed_by=world.manager,
            decision="approve",
            reason="Agreed",
        )
        EmergencyAccess.objects.create(
            case=case,
            membership=membership_of(world.outsider),
            reason=SECRETS[1],
            opened_at=now - datetime.timedelta(days=2),
            expires_at=now - datetime.timedelta(days=1),
        )
        Consent.objects.create(
            participant=case.participant,
            purpose=ConsentPurpose.RESEARCH,
            given_by=Consent.GivenBy.SELF,
            method=Consent.Method.SIGNED,
            given_on=world.today - datetime.timedelta(days=30),
            withdrawn_on=world.today - datetime.timedelta(days=1),
        )
    grievances.lodge_grievance(
        actor=SYSTEM,
        channel=Channel.PUBLIC_FORM,
        category="mistreatment",
        complainant="family",
        description="A complaint.",
        received_on=world.today - datetime.timedelta(days=5),
        participant=case.participant,
    )


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
    # the oversight body's dashboard, its charts and the lists behind it: oversight only
    page(
        "evidence:oversight_dashboard",
        "get",
        lambda w: "/evidence/oversight/dashboard/",
        OVERSIGHT,
        200,
    ),
    page(
        "evidence:oversight_dashboard",
        "get",
        lambda w: f"/evidence/oversight/dashboard/?programme={w.world.programmes['centre'].pk}",
        OVERSIGHT,
        200,
    ),
    *[
        page(
            "evidence:oversight_dashboard_svg",
            "get",
            lambda w, chart=chart: f"/evidence/oversight/dashboard/{chart}.svg",
            OVERSIGHT,
            200,
        )
        for chart in ("civilian-share", "grievances-in-time", "juveniles")
    ],
    *[
        page(
            "evidence:oversight_list",
            "get",
            lambda w, part=part: f"/evidence/oversight/dashboard/{part}/",
            OVERSIGHT,
            200,
        )
        for part in OVERSIGHT_PARTS
    ],
    # the donor's and analyst's view: aggregates for every reader of aggregates
    page("evidence:figures", "get", lambda w: "/evidence/figures/", READERS, 200),
    page("evidence:figures", "get", lambda w: f"/evidence/figures/{FILTERED}", READERS, 200),
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
# the research extract (issue 15, item 6): approvals read by stewards, oversight and the
# analyst (their own); granted and revoked by the data steward of the leading organisation;
# the extract taken only by the approved analyst
STUDY_READERS = {Role.DATA_STEWARD, Role.OVERSIGHT_MONITOR, Role.ANALYST}
STEWARDS = {Role.DATA_STEWARD}
PAGES += [
    page("evidence:research", "get", lambda w: "/evidence/research/", STUDY_READERS, 200),
    page(
        "evidence:research_dictionary",
        "get",
        lambda w: "/evidence/research/dictionary.csv",
        STUDY_READERS,
        200,
    ),
    page(
        "evidence:research_grant",
        "post",
        lambda w: "/evidence/research/approvals/",
        STEWARDS,
        302,
        data=lambda w: {
            "researcher": w.world.analyst.pk,
            "title": "Another study",
            "protocol": "PRT-2",
            "ethics": "IRB-2",
            "programmes": [w.world.programmes["centre"].pk],
            "valid_from": w.world.today.isoformat(),
            "valid_until": w.world.today.isoformat(),
        },
    ),
    page(
        "evidence:research_revoke",
        "post",
        lambda w: f"/evidence/research/approvals/{w.approval.pk}/revoke/",
        STEWARDS,
        302,
        data=lambda w: {"revoke_reason": "Study ended", "version": w.approval.version},
    ),
    page(
        "evidence:export",
        "post",
        lambda w: "/evidence/exports/research.zip",
        {Role.ANALYST},
        302,
        data=lambda w: {"approval": w.approval.pk},
    ),
]
API = [
    api("api:list_indicators", "get", lambda w: "/api/v1/evidence/indicators", EVERYONE, 200),
    api(
        "api:get_indicator",
        "get",
        lambda w: "/api/v1/evidence/indicators/closures",
        EVERYONE,
        200,
    ),
    api(
        "api:indicator_values",
        "get",
        lambda w: "/api/v1/evidence/indicators/enrolments-by-source/values",
        READERS,
        200,
    ),
    api(
        "api:indicator_values",
        "get",
        lambda w: f"/api/v1/evidence/indicators/closures/values{FILTERED}",
        READERS,
        200,
    ),
    api(
        "api:participation_ledger",
        "get",
        lambda w: "/api/v1/evidence/ledger?group_by=quarter",
        READERS,
        200,
    ),
    api(
        "api:survival",
        "get",
        lambda w: "/api/v1/evidence/survival?group_by=cohort",
        READERS,
        200,
    ),
    api("api:oversight_figures", "get", lambda w: "/api/v1/evidence/oversight", OVERSIGHT, 200),
    api("api:list_releases", "get", lambda w: "/api/v1/evidence/releases", EVERYONE, 200),
    api(
        "api:get_release",
        "get",
        lambda w: f"/api/v1/evidence/releases/{w.release.pk}",
        EVERYONE,
        200,
    ),
    api(
        "api:release_file",
        "get",
        lambda w: f"/api/v1/evidence/releases/{w.release.pk}/release.json",
        EVERYONE,
        200,
    ),
    api(
        "api:release_verification",
        "get",
        lambda w: f"/api/v1/evidence/releases/{w.release.pk}/verification.json",
        EVERYONE,
        200,
    ),
    api(
        "api:verify_release",
        "post",
        lambda w: "/api/v1/evidence/releases/verify",
        EVERYONE,
        200,
        data=lambda w: {
            "release": w.release.content,
            "verification": json.loads(w.release.verification),
        },
    ),
]

world = module_world(_world)


def _sign_in_analyst(client: Any, world: EvidenceWorld) -> None:
    user = world.world.analyst
    signed_in = sign_in(client, user)
    assert signed_in.status_code == 302


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


# --- the analyst walks every evidence URL and API operation ------------------------------

# a value for each URL parameter of the evidence pages
_PAGE_VALUES: dict[str, list[Any]] = {
    "chart": [
        "funnel",
        "check-ins-on-time",
        "civilian-share",
        "grievances-in-time",
        "juveniles",
        "nothing",
    ],
    "table": ["funnel", "overdue", "alerts", "trends"],
    "part": [*OVERSIGHT_PARTS, "nothing"],
}
# pages that only take a POST (a background export), with their own parameters
_POST_ONLY: dict[str, dict[str, list[Any]]] = {
    "evidence:export": {
        "table": ["indicators", "monthly", "research", "nothing"],
        "fmt": ["csv", "xlsx", "zip", "nothing"],
    },
    "evidence:research_grant": {},
    "evidence:research_revoke": {"pk": [0, 999999]},
}


def _evidence_urls(world: EvidenceWorld) -> list[tuple[str, str]]:
    """(URL name, address) for every evidence page with every value of its parameters."""
    import itertools

    from django.urls import get_resolver, reverse

    from tests.test_authorization_matrix import _url_patterns

    found = []
    for name, pattern in _url_patterns(get_resolver().url_patterns):
        if not name.startswith("evidence:"):
            continue
        params = list(pattern.pattern.converters)
        values_of = _POST_ONLY.get(name, _PAGE_VALUES)
        choices = [values_of.get(param, [world.release.pk, 999999]) for param in params]
        for values in itertools.product(*choices):
            url = reverse(name, kwargs=dict(zip(params, values, strict=True)))
            found += [(name, url), (name, url + FILTERED)]
    return found


def _evidence_operations(world: EvidenceWorld) -> list[tuple[str, str, str]]:
    """(operation name, method, address) for every operation of the evidence API."""
    from bahali.api.urls import api as bahali_api
    from bahali.evidence.indicators import INDICATORS
    from tests.test_authorization_matrix import _api_operations

    found = []
    for (name, method), path in _api_operations(bahali_api).items():
        if not path.startswith("/evidence"):
            continue
        codes = [*INDICATORS, "nothing"] if "{code}" in path else [""]
        for code in codes:
            url = "/api/v1" + path.replace("{code}", code).replace(
                "{release_id}", str(world.release.pk)
            )
            found.append((name, method, url))
            if method == "GET":
                found.append((name, method, url + FILTERED))
    return found


def _text(response: Any) -> str:
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body))
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    return body.decode()


def _no_case_level_data(text: str, world: EvidenceWorld, where: str) -> None:
    for case in world.cases:
        assert case.participant.code not in text, where
        assert f"/cases/{case.pk}/" not in text, where
    assert "/participants/" not in text.replace('href="/participants/"', ""), where
    assert "/grievances/" not in text.replace('href="/grievances/', ""), where
    from bahali.grievances.models import Grievance

    for reference in Grievance.objects.values_list("reference", flat=True):
        assert reference not in text, where
    for secret in SECRETS:
        assert secret not in text, where
    assert 'data-testid="row"' not in text, where


def test_the_analyst_walks_every_evidence_url_and_finds_no_case(client, world):
    """Every evidence page, chart, table and export, with and without filters: the analyst
    (the donor's role) gets aggregates or nothing (404), never a case."""
    _sign_in_analyst(client, world)
    visited = set()
    for name, url in _evidence_urls(world):
        visited.add(name)
        if name in _POST_ONLY:
            # an export the analyst may take queues a job (its file is suppressed: see
            # evidence/tests/test_exports.py); the unsuppressed monthly table is refused
            response = client.post(url)
            assert response.status_code in {302, 404}, (url, response.status_code)
            if "/monthly." in url:
                assert response.status_code == 404, url
            continue
        response = client.get(url)
        assert response.status_code in {200, 404}, (url, response.status_code)
        if response.status_code == 200:
            _no_case_level_data(_text(response), world, url)
    publish = client.post("/evidence/releases/", {"title": "x", "start": "2025-01-01"})
    assert publish.status_code == 404
    from django.urls import get_resolver

    from tests.test_authorization_matrix import _url_patterns

    every = {n for n, _p in _url_patterns(get_resolver().url_patterns) if n.startswith("evidence:")}
    assert visited == every
    # the pages the analyst may read, read: the figures and the releases, suppressed
    figures = client.get("/evidence/figures/").content.decode()
    assert "&lt;5" in figures or "<5" in figures
    assert client.get("/evidence/oversight/dashboard/").status_code == 404


def test_the_analyst_calls_every_evidence_operation_and_finds_no_case(client, world):
    from bahali.accounts import services as accounts

    token = accounts.issue_api_token(actor=world.world.analyst, name="walk").secret
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    operations = _evidence_operations(world)
    assert {name for name, _m, _u in operations} >= {e.name for e in API}
    for _name, method, url in operations:
        if method == "POST":
            response = client.post(
                url,
                {
                    "release": world.release.content,
                    "verification": json.loads(world.release.verification),
                },
                "application/json",
                **headers,
            )
        else:
            response = getattr(client, method.lower())(url, **headers)
        assert response.status_code in {200, 404, 422}, (url, response.status_code)
        if response.status_code == 200:
            _no_case_level_data(response.content.decode(), world, url)
    values = client.get("/api/v1/evidence/indicators/enrolments-by-source/values", **headers).json()
    assert values["total"] == "<5"  # three enrolments: suppressed, never 0 or 3
    assert client.get("/api/v1/evidence/oversight", **headers).status_code == 404
