"""The case list filters the same way on the page and over the API (one ``CaseFilter``), and a
value that cannot be a filter gets a message naming the field, never a server error."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from bahali.accounts import services as accounts
from bahali.cases import due, services
from bahali.cases.filters import CaseFilter
from bahali.cases.models import TransitionRequest
from bahali.core.context import SYSTEM, acting_as
from bahali.testing import PathwayWorld, membership_of

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


@pytest.fixture
def cases():
    """A programme manager's cases: one in rehabilitation waiting for sign-offs and overdue,
    one in prison at high risk, one closed."""
    world = PathwayWorld()
    rehab = world.case("centre", phase="rehabilitation")
    prison = world.case("prison")
    closed = world.case("centre")
    services.record_risk_band(actor=SYSTEM, case=prison, band="high", reason="judgement")
    services.request_transition(
        actor=world.case_worker,
        case=rehab,
        transition=rehab.programme.transitions.get(from_phase=rehab.phase),
        reason="Ready",
    )
    with acting_as(SYSTEM):  # backdating is a write like any other: recorded
        TransitionRequest.objects.filter(case=rehab).update(
            created_at=timezone.now() - datetime.timedelta(days=20)
        )
    due.refresh([rehab.pk])
    services.close_case(actor=world.manager, case=closed, closure="withdrawn", note="left")
    return world, rehab, prison, closed


def _queries(world, rehab, prison, closed) -> list[str]:
    """Every filter the list has, one at a time, and two together."""
    centre = membership_of(world.case_worker).organisation
    return [
        "",
        f"programme={prison.programme.code}",
        "phase=rehabilitation",
        f"district={rehab.district.code}",
        f"district={rehab.district.code.lower()}",
        f"organisation={centre.pk}",
        "risk_band=high",
        "status=closed",
        "status=all",
        "overdue=on",
        "waiting=on",
        "overridden=on",
        f"q={rehab.participant.code[-4:].lower()}",
        f"status=all&programme={closed.programme.code}",
    ]


def test_every_filter_selects_the_same_cases_on_the_page_and_over_the_api(cases, signed_in):
    world, rehab, prison, closed = cases
    everyone = {case.participant.code for case in (rehab, prison, closed)}
    client = signed_in(world.manager)
    headers = _bearer(world.manager)
    seen = set()
    for query in _queries(world, rehab, prison, closed):
        page = client.get(f"/cases/?{query}")
        assert page.status_code == 200, query
        on_page = {code for code in everyone if code in page.content.decode()}
        answer = client.get(f"/api/v1/cases?{query}", **headers)
        assert answer.status_code == 200, (query, answer.content)
        over_api = {item["participant"] for item in answer.json()["items"]}
        assert on_page == over_api, query
        seen.add(frozenset(on_page))
    # the filters really select: not every query gives the same answer
    assert len(seen) >= 5


BAD = [
    ("risk_band", "very"),
    ("status", "sleeping"),
    ("organisation", "9223372036854775808"),
    ("organisation", "lead"),
    ("q", "X" * 21),
]


@pytest.mark.parametrize(("field", "value"), BAD, ids=[f"{f}-{i}" for i, (f, _v) in enumerate(BAD)])
def test_a_bad_filter_value_is_named_not_a_server_error(cases, signed_in, field, value):
    world = cases[0]
    client = signed_in(world.manager)
    answer = client.get("/api/v1/cases", {field: value}, **_bearer(world.manager))
    assert answer.status_code == 422
    assert [detail["field"] for detail in answer.json()["error"]["details"]] == [field]
    page = client.get("/cases/", {field: value})
    assert page.status_code == 200
    assert "is-invalid" in page.content.decode()  # the field is marked, with its message


def test_an_empty_filter_lists_the_open_cases(cases):
    world, rehab, prison, closed = cases
    from bahali.cases.models import Case

    listed = set(CaseFilter({}, user=world.manager).filter(Case.objects.all()))
    assert closed not in listed
    assert {rehab, prison} <= listed


@pytest.mark.parametrize("value", ["centre\x00", "SWT\x01"])
def test_a_control_character_in_a_filter_is_refused_before_any_filter_runs(cases, signed_in, value):
    world = cases[0]
    client = signed_in(world.manager)
    answer = client.get("/api/v1/cases", {"district": value}, **_bearer(world.manager))
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert client.get("/cases/", {"programme": value}).status_code == 400
