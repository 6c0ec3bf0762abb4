"""Decisions apply once, over real HTTP: simultaneous sign-offs and transition requests sent
to the live server, each from its own thread (on PostgreSQL each request has its own
connection, so their transactions overlap; on SQLite the live server answers one at a time,
as SQLite admits one writer at a time). Measured before the fix: four approvals at once gave
four phase changes; two identical transition requests both applied."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest

from bahali.cases import services
from bahali.cases.models import Case, PhaseChange, SignOff, TransitionRequest
from bahali.testing import PathwayWorld, token_request

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _call(
    url: str, body: dict[str, Any], token: str = "", key: str = ""
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    sent = urllib.request.Request(  # noqa: S310 - the live test server, over http
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(sent, timeout=60) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _token(live_server: Any, user: Any) -> str:
    status, body = _call(
        f"{live_server.url}/api/v1/auth/token",
        token_request(user),
    )
    assert status == 201, body
    return body["token"]


def _at_once(calls: list[tuple[Any, ...]]) -> list[tuple[int, dict[str, Any]]]:
    """Send every call from a thread of its own, released together."""
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


def test_four_simultaneous_approvals_apply_the_transition_once(world, live_server):
    case = world.case("centre", phase="intake")
    request = services.request_transition(
        actor=world.cso_worker,
        case=case,
        transition=case.programme.transitions.get(
            from_phase=case.phase, to_phase__code="rehabilitation"
        ),
        reason="Settled in",
    )
    tokens = {
        user: _token(live_server, user)
        for user in (world.psychologist, world.scholar, world.case_worker)
    }
    url = f"{live_server.url}/api/v1/transition-requests/{request.pk}/sign-offs"
    body = {"decision": "approve", "reason": "Ready"}
    answers = _at_once(
        [
            (url, body, tokens[world.psychologist]),
            (url, body, tokens[world.psychologist]),  # the same person, twice
            (url, body, tokens[world.scholar]),
            (url, body, tokens[world.case_worker]),
        ]
    )
    statuses = sorted(status for status, _body in answers)
    assert statuses == [201, 409, 409, 409], answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"conflict"}
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.APPLIED
    assert SignOff.objects.filter(request=request).count() == 1
    moves = PhaseChange.objects.filter(case=case, request=request)
    assert [(m.from_phase.code, m.to_phase.code) for m in moves] == [("intake", "rehabilitation")]
    assert Case.objects.get(pk=case.pk).phase.code == "rehabilitation"


def test_two_identical_transition_requests_apply_once(world, live_server):
    case = world.case("centre")  # referred → screening has no gate: it applies at once
    token = _token(live_server, world.case_worker)
    url = f"{live_server.url}/api/v1/cases/{case.pk}/transitions"
    body = {"to_phase": "screening", "reason": "Referral checked", "version": case.version}
    answers = _at_once([(url, body, token), (url, body, token)])
    assert sorted(status for status, _body in answers) == [201, 409], answers
    assert TransitionRequest.objects.filter(case=case).count() == 1
    assert TransitionRequest.objects.get(case=case).status == TransitionRequest.Status.APPLIED
    moves = PhaseChange.objects.filter(case=case, request__isnull=False)
    assert [(m.from_phase.code, m.to_phase.code) for m in moves] == [("referred", "screening")]


def test_the_requester_never_signs_off(world, live_server):
    """Four eyes, even where the gate needs one organisation kind only."""
    case = world.case("centre", phase="intake")
    request = services.request_transition(
        actor=world.psychologist,
        case=case,
        transition=case.programme.transitions.get(
            from_phase=case.phase, to_phase__code="rehabilitation"
        ),
        reason="Settled in",
    )
    status, body = _call(
        f"{live_server.url}/api/v1/transition-requests/{request.pk}/sign-offs",
        {"decision": "approve", "reason": "Ready"},
        _token(live_server, world.psychologist),
    )
    assert status == 403, body
    assert "four eyes" in body["error"]["message"]
    assert not SignOff.objects.filter(request=request).exists()
    assert services.signing_memberships(world.psychologist, request) == []


def test_a_decision_retried_with_its_idempotency_key_gets_the_first_answer(world, live_server):
    case = world.case("centre", phase="intake")
    requester = _token(live_server, world.case_worker)
    url = f"{live_server.url}/api/v1/cases/{case.pk}/transitions"
    body = {"to_phase": "rehabilitation", "reason": "Settled in", "version": case.version}
    answers = _at_once([(url, body, requester, "move-1"), (url, body, requester, "move-1")])
    assert [status for status, _body in answers] == [201, 201], answers
    assert answers[0][1]["id"] == answers[1][1]["id"]
    made = TransitionRequest.objects.get(case=case)

    signer, other = _token(live_server, world.psychologist), _token(live_server, world.scholar)
    url = f"{live_server.url}/api/v1/transition-requests/{made.pk}/sign-offs"
    body = {"decision": "approve", "reason": "Ready"}
    answers = _at_once([(url, body, signer, "sign-1"), (url, body, signer, "sign-1")])
    assert [status for status, _body in answers] == [201, 201], answers
    assert answers[0][1]["id"] == answers[1][1]["id"] == SignOff.objects.get(request=made).pk
    assert _call(url, body, other, "sign-1")[0] == 409  # another user's key is their own
    status, again = _call(url, body, signer, "sign-1")  # a late retry: the same answer
    assert status == 201 and again["id"] == answers[0][1]["id"]
    status, reused = _call(url, body, requester, "move-1")  # a key is for one operation
    assert status == 422 and reused["error"]["code"] == "idempotency_key_reused"
    moves = PhaseChange.objects.filter(case=case, request=made)
    assert [(m.from_phase.code, m.to_phase.code) for m in moves] == [("intake", "rehabilitation")]
