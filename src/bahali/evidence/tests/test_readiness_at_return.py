"""Recidivism by the receiving community's readiness at the time of return, on a
constructed caseload worked out by hand.

Communities and their readiness assessments (overall rating):

=========  =========================================================================
community  assessments
=========  =========================================================================
A          high 2024-01-10; low 2025-06-01
B          moderate 2024-02-01; a draft "high" 2024-03-01 (not counted)
C          none
=========  =========================================================================

Returns (entry into aftercare) and events:

====  =========  ==========  ================================================  =========
case  community  returned    readiness in force that day                       event
====  =========  ==========  ================================================  =========
r1    A          2024-06-01  high (the low came a year later)                  re-arrest
                                                                               2024-12-01
r2    A          2025-07-01  low                                               —
r3    B          2024-06-01  moderate (the draft does not count)               —
r4    C          2024-06-01  none: never assessed                              —
r5    A          2023-06-01  none: A was first assessed after the return       —
====  =========  ==========  ================================================  =========
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from tests.authorization import module_world

from bahali.aftercare.models import OutcomeEvent
from bahali.assessments.models import Assessment, Instrument
from bahali.cases.models import PhaseChange
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import recidivism
from bahali.evidence.indicators import Filters
from bahali.geography import services as geography
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

D = datetime.date


def _build() -> dict[str, Any]:
    world = PathwayWorld()
    tehsil = geography.add_tehsil(actor=SYSTEM, district=world.swat, name="Tehsil of Return")
    villages = {
        name: geography.add_community(actor=SYSTEM, tehsil=tehsil, name=f"Village {name}")
        for name in "ABC"
    }
    readiness = Instrument.objects.get(code="community_readiness").versions.order_by("-pk")[0]
    aftercare = world.programmes["centre"].phases.get(code="aftercare")
    cases = {}
    for name, village, returned, event in [
        ("r1", "A", D(2024, 6, 1), D(2024, 12, 1)),
        ("r2", "A", D(2025, 7, 1), None),
        ("r3", "B", D(2024, 6, 1), None),
        ("r4", "C", D(2024, 6, 1), None),
        ("r5", "A", D(2023, 6, 1), None),
    ]:
        case = world.case(receiving_community=villages[village])
        with acting_as(SYSTEM):
            PhaseChange.objects.create(
                case=case, from_phase=case.phase, to_phase=aftercare, changed_on=returned
            )
            if event:
                OutcomeEvent.objects.create(
                    case=case,
                    kind="re_arrest",
                    occurred_on=event,
                    source="police",
                    verification="verified",
                )
        cases[name] = case
    with acting_as(SYSTEM):
        for village, day, rating, status in [
            ("A", D(2024, 1, 10), "high", "completed"),
            ("A", D(2025, 6, 1), "low", "completed"),
            ("B", D(2024, 2, 1), "moderate", "completed"),
            ("B", D(2024, 3, 1), "high", "draft"),
        ]:
            Assessment.objects.create(
                community=villages[village],
                instrument_version=readiness,
                assessed_on=day,
                status=status,
                overall_rating=rating,
            )
    return {"world": world, "cases": cases}


world = module_world(_build)


def test_each_return_takes_the_readiness_in_force_that_day(world):
    rows = recidivism.rows(Filters())
    by_start = sorted((str(r["reintegrated_on"]), r["readiness_at_return"] or "") for r in rows)
    assert by_start == [
        ("2023-06-01", ""),
        ("2024-06-01", ""),
        ("2024-06-01", "high"),
        ("2024-06-01", "moderate"),
        ("2025-07-01", "low"),
    ]


def test_curves_by_readiness_at_return(world):
    groups = recidivism.curves(Filters(), "readiness")
    assert [(g.key, g.curve.subjects, g.curve.events) for g in groups] == [
        ("low", 1, 0),
        ("moderate", 1, 0),
        ("high", 1, 1),
        ("none", 2, 0),
    ]
    assert [g.label for g in groups] == [
        "Low readiness at return",
        "Moderate readiness at return",
        "High readiness at return",
        "Community not assessed by the return",
    ]
    high = groups[2].curve
    # r1: re-arrested 183 days after return: 183 / 30.4375 months; survival falls to 0
    (step,) = high.steps
    assert step.time == pytest.approx(183 / 30.4375)
    assert step.survival == 0


def test_the_page_offers_the_split(world, signed_in):
    client = signed_in(world["world"].analyst)
    response = client.get("/evidence/recidivism/?group=readiness")
    assert response.status_code == 200
    assert "Receiving community&#x27;s readiness at return" in response.content.decode()
    assert 'value="readiness" selected' in response.content.decode()
