"""Retention: every role against every page and action, through HTTP.

The data steward of the programmes' lead organisation sets the rules, sees what is due,
starts the run and places and lifts legal holds; the programme manager reads the rules;
oversight reads the rules and the holds; everyone else meets 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bahali.accounts.roles import Role
from bahali.testing import PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

STEWARD = {Role.DATA_STEWARD}
RULE_READERS = {Role.DATA_STEWARD, Role.PROGRAMME_MANAGER, Role.OVERSIGHT_MONITOR}
HOLD_READERS = {Role.DATA_STEWARD, Role.OVERSIGHT_MONITOR}


@dataclass
class RetentionWorld:
    world: PathwayWorld
    programme: Any
    rule: Any
    due_case: Any
    held: Any
    hold: Any


def _world() -> RetentionWorld:
    import datetime

    from bahali.cases import services as cases
    from bahali.cases.models import Case
    from bahali.core.context import SYSTEM, acting_as
    from bahali.retention import services

    world = PathwayWorld()
    programme = world.programmes["centre"]
    rule = services.save_rule(
        actor=SYSTEM, programme=programme, identity_years=5, notes_years=2, expected_version=0
    )
    closed = []
    for _ in range(2):
        case = world.case()
        cases.close_case(actor=SYSTEM, case=case, closure="exited", note="Moved away.")
        closed.append(case)
    with acting_as(SYSTEM):
        Case.objects.filter(pk__in=[c.pk for c in closed]).update(
            closed_on=world.today - datetime.timedelta(days=6 * 366)
        )
    hold = services.place_hold(
        actor=SYSTEM,
        participant=closed[1].participant,
        reason="Pending trial.",
        reference="FIR 1/2026",
    )
    return RetentionWorld(world, programme, rule, closed[0], closed[1], hold)


PAGES = [
    page("retention:rules", "get", lambda w: "/retention/", RULE_READERS, 200),
    page(
        "retention:edit_rule",
        "get",
        lambda w: f"/retention/rules/{w.programme.code}/",
        STEWARD,
        200,
    ),
    page(
        "retention:edit_rule",
        "post",
        lambda w: f"/retention/rules/{w.programme.code}/",
        STEWARD,
        302,
        data=lambda w: {"identity_years": 8, "notes_years": 3, "version": w.rule.version},
    ),
    page("retention:due", "get", lambda w: "/retention/due/", STEWARD, 200),
    page("retention:run", "post", lambda w: "/retention/due/run/", STEWARD, 302),
    page("retention:holds", "get", lambda w: "/retention/holds/", HOLD_READERS, 200),
    page(
        "retention:place_hold",
        "post",
        lambda w: "/retention/holds/new/",
        STEWARD,
        302,
        data=lambda w: {
            "participant": w.due_case.participant.code,
            "reference": "Order 7/2026",
            "reason": "An investigation.",
        },
    ),
    page(
        "retention:lift_hold",
        "post",
        lambda w: f"/retention/holds/{w.hold.pk}/lift/",
        STEWARD,
        302,
        data=lambda w: {"lift_reason": "Trial over.", "version": w.hold.version},
    ),
]
API = [
    api("api:list_rules", "get", lambda w: "/api/v1/retention/rules", RULE_READERS, 200),
    api(
        "api:save_rule",
        "put",
        lambda w: f"/api/v1/retention/rules/{w.programme.code}",
        STEWARD,
        200,
        data=lambda w: {"identity_years": 8, "notes_years": 3, "version": w.rule.version},
    ),
    api("api:list_due", "get", lambda w: "/api/v1/retention/due", STEWARD, 200),
    api("api:list_holds", "get", lambda w: "/api/v1/retention/holds", HOLD_READERS, 200),
    api(
        "api:place_hold",
        "post",
        lambda w: "/api/v1/retention/holds",
        STEWARD,
        201,
        data=lambda w: {
            "participant": w.due_case.participant.code,
            "reference": "Order 7/2026",
            "reason": "An investigation.",
        },
    ),
    api(
        "api:lift_hold",
        "post",
        lambda w: f"/api/v1/retention/holds/{w.hold.pk}/lift",
        STEWARD,
        200,
        data=lambda w: {"reason": "Trial over.", "version": w.hold.version},
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


def test_a_steward_elsewhere_sees_none_of_it(client, world):
    """A data steward of another lead organisation: no rule to edit, nothing due, no hold."""
    from bahali.testing import make_member, sign_in

    stranger = make_member(Role.DATA_STEWARD)
    sign_in(client, stranger)
    code = world.due_case.participant.code
    assert client.get(f"/retention/rules/{world.programme.code}/").status_code == 404
    due = client.get("/retention/due/")
    assert due.status_code == 200 and code.encode() not in due.content
    holds = client.get("/retention/holds/")
    assert world.held.participant.code.encode() not in holds.content
    assert client.post(f"/retention/holds/{world.hold.pk}/lift/", {}).status_code == 404
    refused = client.post(
        "/retention/holds/new/",
        {"participant": code, "reference": "x", "reason": "y"},
        follow=True,
    )
    assert b"No participant with this code" in refused.content
