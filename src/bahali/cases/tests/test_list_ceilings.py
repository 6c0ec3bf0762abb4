"""The case list, the sign-off queue and their API lists ask at most a fixed number of
queries, whatever the number of rows (a ceiling per reader, so a gain cannot be lost
unnoticed); the case list's filters are read only to be shown, never by the API; and the
filters' selects, written in Python, are Django's markup to the byte."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bahali.accounts import services as accounts
from bahali.cases import services
from bahali.cases.filters import CaseFilter, Select
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

# Queries of one warm request (session, user, memberships and navigation included).
LIST_CEILING = {"case_worker": 13, "manager": 13, "monitor": 13, "steward": 13, "liaison": 13}
QUEUE_CEILING = {"psychologist": 10, "manager": 10}
API_LIST_CEILING = 5
API_QUEUE_CEILING = 12


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _count(client: Client, url: str, **headers: Any) -> int:
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def _pending(world: PathwayWorld) -> None:
    case = world.case("centre", phase="rehabilitation")
    services.request_transition(
        actor=world.case_worker,
        case=case,
        transition=case.programme.transitions.get(from_phase=case.phase),
        reason="Ready for the community",
    )


def _bearer(user: Any) -> dict[str, Any]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_the_case_list_stays_under_its_ceiling_for_2_or_25_cases(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    counts: dict[int, dict[str, int]] = {}
    made = 0
    for total in (2, 25):
        while made < total:
            world.case()
            made += 1
        counts[total] = {}
        for who in LIST_CEILING:
            signed_in(getattr(world, who))
            page = client.get("/cases/?status=all")
            assert page.content.count(b'<a class="bahali-mono" href="/cases/') >= 2, who
            counts[total][who] = _count(client, "/cases/?status=all&q=")
            client.logout()
    assert counts[2] == counts[25]
    for who, ceiling in LIST_CEILING.items():
        assert counts[25][who] <= ceiling, (who, counts[25][who])


def test_the_sign_off_queue_stays_under_its_ceiling_for_2_or_25_requests(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    counts: dict[int, dict[str, int]] = {}
    made = 0
    for total in (2, 25):
        while made < total:
            _pending(world)
            made += 1
        counts[total] = {}
        for who in QUEUE_CEILING:
            signed_in(getattr(world, who))
            page = client.get("/cases/sign-offs/")
            if who == "psychologist":
                assert page.content.count(b'data-testid="queue-row"') == min(total, 25)
            counts[total][who] = _count(client, "/cases/sign-offs/")
            client.logout()
    assert counts[2] == counts[25]
    for who, ceiling in QUEUE_CEILING.items():
        assert counts[25][who] <= ceiling, (who, counts[25][who])


def test_the_api_lists_stay_under_their_ceilings(world: PathwayWorld, client: Client) -> None:
    for _ in range(25):
        _pending(world)
    headers = _bearer(world.psychologist)
    answer = client.get("/api/v1/cases", **headers).json()
    assert len(answer["items"]) == 25
    assert _count(client, "/api/v1/cases", **headers) <= API_LIST_CEILING
    assert _count(client, "/api/v1/cases?district=swt&phase=x", **headers) <= API_LIST_CEILING
    assert len(client.get("/api/v1/sign-offs", **headers).json()["items"]) == 25
    assert _count(client, "/api/v1/sign-offs", **headers) <= API_QUEUE_CEILING


def test_the_filters_choices_are_read_only_when_shown(world: PathwayWorld) -> None:
    with CaptureQueriesContext(connection) as captured:
        form = CaseFilter({"district": "SWT"}, user=world.case_worker)
        assert form.is_valid()
    assert len(captured.captured_queries) == 0
    with CaptureQueriesContext(connection) as captured:
        html = str(form["programme"]) + str(form["district"])
    shown = len(captured.captured_queries)
    assert 'value="SWT" selected' in html
    with CaptureQueriesContext(connection) as captured:
        str(form["programme"]) + str(form["district"])
    assert len(captured.captured_queries) == 0 < shown  # once per form


@pytest.mark.parametrize("value", [None, "", "a&b", "3", 3, ["c"], "unknown"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_x", "aria-invalid": "true", "disabled": True, "hidden": False}]
)
@pytest.mark.parametrize(
    "choices",
    [
        [("", "All"), ("a&b", 'x "<y>"'), (3, "three"), ("c", "c")],
        [("", "All"), ("Group <1>", [("a&b", "A"), ("c", "C")]), (3, "three")],
    ],
)
def test_the_select_is_djangos_markup(value: Any, attrs: Any, choices: Any) -> None:
    django = forms.Select(attrs={"class": "form-select"}, choices=choices)
    ours = Select(attrs={"class": "form-select"}, choices=choices)
    assert ours.render("x", value, attrs) == django.render("x", value, attrs)


def test_the_queue_shows_a_move_the_platform_asked_for_without_a_requester(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    from bahali.core.context import SYSTEM

    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=SYSTEM,
        case=case,
        transition=case.programme.transitions.get(from_phase=case.phase),
        reason="Asked by the platform",
    )
    assert request.requested_by_id is None
    signed_in(world.psychologist)
    page = client.get("/cases/sign-offs/")
    assert page.status_code == 200
    assert page.content.count(b'data-testid="queue-row"') == 1
