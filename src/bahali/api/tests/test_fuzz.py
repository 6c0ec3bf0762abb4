"""A bounded schemathesis run against the committed OpenAPI document, in the normal suite.

Every operation of ``docs/api/openapi.json`` is called with generated requests, valid and
invalid (``schemathesis``' positive and negative modes), as several roles holding API
tokens, on seeded casework so path parameters name real rows often enough to get past 404.
The WSGI application is called in-process. A run fails on any 5xx, any status the document
does not declare for the operation, and any response that does not match its schema.

Bounded for CI: a few examples per operation and role, derandomized, no shrinking, each call
in a savepoint rolled back so every example meets the same seed. The longer run is the same
test with more examples and fresh randomness: ``make fuzz`` (``BAHALI_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bahali.accounts import services as accounts
from bahali.accounts.models import ApiToken
from bahali.accounts.roles import Role
from bahali.aftercare import services as aftercare
from bahali.assessments import services as assessments
from bahali.cases import services as cases
from bahali.casework import services as casework
from bahali.core.context import SYSTEM
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

OPENAPI = Path(__file__).resolve().parents[4] / "docs" / "api" / "openapi.json"
EXAMPLES = int(os.environ.get("BAHALI_FUZZ_EXAMPLES", "2"))
LONG_RUN = "BAHALI_FUZZ_EXAMPLES" in os.environ
ROLES = (Role.CASE_WORKER, Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _seed() -> dict[str, list[Any]]:
    """Casework of every kind on cases the roles reach; the real values of each path
    parameter, by name (``pk`` and ``code`` by the path's first segment)."""
    world = PathwayWorld()
    case = world.case(phase="rehabilitation")
    writer = world.case_worker
    goal = casework.add_goal(actor=writer, case=case, domain="vocational", title="Electrician")
    casework.add_family_member(
        actor=writer, case=case, relationship="mother", name="Bibi Jan", contact="0300"
    )
    mentor = case.team.get(case_role="mentor")
    assignment = casework.assign_mentor(
        actor=writer, case=case, mentor=mentor, starts_on=case.opened_on, frequency="weekly"
    )
    item = casework.record_support(
        actor=writer,
        case=case,
        kind="toolkit",
        amount=Decimal("8000"),
        provided_on=case.opened_on,
        organisation=world.centre,
    )
    casework.write_note(actor=writer, case=case, sensitivity="general", body="Settling in.")
    transition = case.programme.transitions.filter(from_phase=case.phase).first()
    requests = []
    if transition is not None:
        requests.append(
            cases.request_transition(
                actor=writer, case=case, transition=transition, reason="Ready to move on"
            )
        )
    instrument = assessments.instruments_for_case(case).first()
    assessment = assessments.start_assessment(actor=writer, case=case, instrument=instrument)
    returned = world.case(phase="aftercare")
    check_ins = aftercare.plan_check_ins(actor=SYSTEM, case=returned)
    outcome = aftercare.report_outcome(
        actor=SYSTEM,
        case=returned,
        kind="employment",
        occurred_on=world.today,
        source="employer",
    )
    case_ids = [case.pk, returned.pk]
    return {
        "case_id": case_ids,
        "goal_id": [goal.pk],
        "assignment_id": [assignment.pk],
        "item_id": [item.pk],
        "assessment_id": [assessment.pk],
        "check_in_id": [check_ins[0].pk],
        "outcome_id": [outcome.pk],
        "organisation_id": [world.centre.pk, world.lead.pk],
        "member_pk": list(case.team.values_list("pk", flat=True)),
        "number": [1],
        "token_id": list(ApiToken.objects.values_list("pk", flat=True)),
        "pk:cases": case_ids,
        "pk:transition-requests": [r.pk for r in requests],
        "pk:sign-offs": [s.pk for r in requests for s in r.sign_offs.all()],
        "code:participants": [case.participant.code, returned.participant.code],
        "code:programmes": [case.programme.code],
        "code:instruments": [instrument.code],
        "world": [world],
    }


def _known(seed: dict[str, list[Any]], path: str, name: str) -> list[Any]:
    first = path.removeprefix("/api/v1/").split("/")[0]
    return seed.get(name) or seed.get(f"{name}:{first}") or []


@pytest.fixture
def in_process() -> Iterator[None]:
    """Django's request signals would close the test's connection (and its transaction)
    after each in-process request, as the test client also prevents."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _run(
    operation: Any,
    app: WSGIHandler,
    headers: dict[str, str],
    known: Callable[[str], list[Any]],
    statuses: Counter[int],
    succeeded: set[str],
) -> None:
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not LONG_RUN,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def call(case: Any, data: Any) -> None:
        for name in list(case.path_parameters or {}):
            real = known(name)
            if real:
                case.path_parameters[name] = data.draw(
                    st.sampled_from([*real, case.path_parameters[name]])
                )
        with transaction.atomic():
            response = case.call(app=app, headers=headers)
            transaction.set_rollback(True)
        statuses[response.status_code] += 1
        if 200 <= response.status_code < 300:
            succeeded.add(operation.label)
        case.validate_response(response, checks=CHECKS)

    call()


def test_generated_requests_as_several_roles_get_no_server_error_and_match_the_document(
    in_process: None,
) -> None:
    seed = _seed()
    world = seed["world"][0]
    schema = schemathesis.openapi.from_path(OPENAPI)
    app = WSGIHandler()
    failures = []
    statuses: Counter[int] = Counter()
    succeeded: set[str] = set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60, "the document lost its operations"
    for role in ROLES:
        token = accounts.issue_api_token(actor=world.user_for(role), name="fuzz").secret
        headers = {"Authorization": f"Bearer {token}"}
        for operation in operations:
            try:
                _run(
                    operation,
                    app,
                    headers,
                    lambda name, o=operation: _known(seed, o.path, name),
                    statuses,
                    succeeded,
                )
            except Exception as failure:
                failures.append(f"{role} {operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
    # The seed gets the run past 404: the reads, a third of the operations, answered 2xx.
    assert len(succeeded) > len(operations) // 3, (sorted(succeeded), statuses)
