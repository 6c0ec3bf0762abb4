"""The civilian-participation ledger on three constructed gate decisions.

=====  ==============================  ==========  ==========
gate   approved by                     objection   override
=====  ==============================  ==========  ==========
r1     centre, civil society           —           —
r2     centre, community committee     answered    —
r3     centre                          open        overridden
=====  ==============================  ==========  ==========
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from tests.authorization import module_world

from bahali.cases.models import SignOff, TransitionRequest
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import ledger
from bahali.evidence.indicators import Filters
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _build() -> dict[str, Any]:
    world = PathwayWorld()
    programme = world.programmes["centre"]
    transition = programme.transitions.first()
    decided = datetime.datetime(2025, 5, 10, 12, tzinfo=datetime.UTC)
    plan = [
        ([world.centre, world.cso], None, False),
        ([world.centre, world.committee], "answered", False),
        ([world.centre], "open", True),
    ]
    with acting_as(SYSTEM):
        for approvers, objection, overridden in plan:
            case = world.case()
            request = TransitionRequest.objects.create(
                case=case,
                transition=transition,
                reason="Ready",
                status=TransitionRequest.Status.APPLIED,
                decided_at=decided,
                overridden_by=world.steward if overridden else None,
            )
            for organisation in approvers:
                SignOff.objects.create(
                    request=request,
                    organisation=organisation,
                    organisation_kind=organisation.kind,
                    signed_by=world.manager,
                    decision="approve",
                    reason="Agreed",
                )
            if objection:
                SignOff.objects.create(
                    request=request,
                    organisation=world.security,
                    organisation_kind=world.security.kind,
                    signed_by=world.liaison,
                    decision="object",
                    reason="Not yet",
                    objection=objection,
                )
    return {"world": world}


world = module_world(_build)
YEAR = Filters(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))


def test_shares_per_programme(world: dict[str, Any]) -> None:
    (row,) = ledger.shares(YEAR, "programme")
    assert row["group"] == "centre"
    assert (row["n"], row["civilian_n"], row["community_n"]) == (3, 2, 1)
    assert (row["objected_n"], row["overridden_n"]) == (2, 1)


def test_quarters_and_outcomes(world: dict[str, Any]) -> None:
    assert [r["group"] for r in ledger.shares(YEAR, "quarter")] == ["2025 Q2"]
    assert ledger.objection_outcomes(YEAR) == {"answered": 1, "open": 1}
    kinds = ledger.kinds_signed(YEAR)
    assert kinds["rehabilitation_centre"] == 3 and kinds["civil_society"] == 1


def test_outside_the_period_nothing(world: dict[str, Any]) -> None:
    assert ledger.shares(Filters(start=datetime.date(2026, 1, 1)), "programme") == []


def test_shown_shares_are_suppressed(world: dict[str, Any]) -> None:
    (row,) = ledger.shown(ledger.shares(YEAR, "programme"))
    assert str(row["n"]) == "<5" and str(row["civilian"]) == "<5"


def test_the_listing_shows_each_decision_latest_first_with_its_sign_offs(
    client: Any, world: dict[str, Any]
) -> None:
    """The page's decisions are found by key, then read with their facts: same rows, same
    order (latest first, then the newest request), each with who approved and objected."""
    from bahali.testing import sign_in

    w = world["world"]
    sign_in(client, w.manager)
    response = client.get("/evidence/participation/?start=2025-01-01&end=2025-12-31")
    assert response.status_code == 200
    entries = response.context["entries"]
    expected = list(
        TransitionRequest.objects.filter(status="applied", decided_at__year=2025)
        .order_by("-decided_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert [entry["d"].pk for entry in entries] == expected and len(expected) == 3
    facts = [(e["d"].civilian, e["d"].community, e["d"].objected) for e in entries]
    assert facts == [(False, False, True), (True, True, True), (True, False, False)]
    assert [len(e["objections"]) for e in entries] == [1, 1, 0]
