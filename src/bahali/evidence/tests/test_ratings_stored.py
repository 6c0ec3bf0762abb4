"""The stored figure behind "change in domain ratings" (``evidence.ratings``): written when a
progress assessment is completed through the assessments service, changed when a correction
replaces one or a back-dated one moves the series, and always equal to what the
assessments themselves say (recomputed by opening them, as version 1 of the indicator did)."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest

from bahali.assessments import services as assessing
from bahali.assessments.models import Assessment, Instrument
from bahali.assessments.tests.test_services import (
    DOMAINS,
    _opened_long_ago,
    complete_progress,
    judgement,
    progress_answers,
)
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import ratings
from bahali.evidence.indicators import INDICATORS, Filters
from bahali.evidence.models import RatingChange, RatingStanding
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def stored(case: Any) -> dict[int, dict[str, int]]:
    """The stored comparisons of ``case``: assessment → domain → change."""
    found: dict[int, dict[str, int]] = {}
    for standing in RatingStanding.objects.filter(case=case).prefetch_related("changes"):
        found[standing.assessment_id] = {c.domain: c.change for c in standing.changes.all()}
    return found


def recomputed(case: Any) -> dict[int, dict[str, int]]:
    """The same, worked out by opening every assessment in force (no stored figure)."""
    series = list(
        assessing.effective(Assessment.objects.filter(case=case))
        .filter(instrument_version__instrument__kind="progress")
        .order_by("assessed_on", "completed_at", "pk")
    )
    if not series:
        return {}
    first = series[0].domain_ratings
    level = assessing.BAND_LEVEL
    found: dict[int, dict[str, int]] = {series[0].pk: {}}
    for later in series[1:]:
        moved = {}
        for name, rating in later.domain_ratings.items():
            then, now = first.get(name, {}).get("rating"), rating.get("rating")
            if then in level and now in level:
                moved[name] = (level[now] > level[then]) - (level[now] < level[then])
        found[later.pk] = moved
    return found


def test_completing_an_assessment_stores_the_comparison(world):
    case = _opened_long_ago(world.case())
    first = complete_progress(world, case, "high", days_ago=90)
    assert stored(case) == {first.pk: {}}
    assert RatingStanding.objects.get(assessment=first).is_first
    later = complete_progress(
        world,
        case,
        "moderate",
        days_ago=30,
        domains={
            "beliefs": "low",
            "intent_capability": "high",
            "social_context": "moderate",
            "protective": "high",
            "engagement": "high",
        },
    )
    assert stored(case) == {
        first.pk: {},
        later.pk: {
            "beliefs": -1,
            "intent_capability": 0,
            "social_context": -1,
            "protective": 0,
            "engagement": 0,
        },
    }
    assert stored(case) == recomputed(case)
    # the first now stands until the later one; the later one is the latest
    standing = RatingStanding.objects.get(assessment=first)
    assert standing.until == later.assessed_on
    assert RatingStanding.objects.get(assessment=later).until is None
    # a draft is not in force: starting one stores nothing
    assessing.start_assessment(
        actor=world.psychologist,
        case=case,
        instrument=Instrument.objects.get(code="progress"),
        assessed_on=world.today,
    )
    assert set(stored(case)) == {first.pk, later.pk}


def test_a_correction_changes_the_stored_figure_and_the_indicator(world):
    case = _opened_long_ago(world.case())
    first = complete_progress(world, case, "high", days_ago=90)
    complete_progress(world, case, "high", days_ago=30)
    period = Filters(start=world.today - datetime.timedelta(days=60), end=world.today)
    before = INDICATORS["domain-rating-change"].compute(period)
    assert {line.key: row for line, row in zip(before.lines, before.grid, strict=True)} == {
        d: [0, 1, 0] for d in DOMAINS
    }
    # the first assessment is corrected: every domain was moderate, not high
    correction = assessing.correct_assessment(actor=world.psychologist, assessment=first)
    assessing.complete_assessment(
        actor=world.psychologist,
        assessment=correction,
        expected_version=correction.version,
        answers=progress_answers(),
        judgement=judgement("moderate"),
    )
    assert first.pk not in stored(case) and correction.pk in stored(case)
    assert stored(case) == recomputed(case)
    after = INDICATORS["domain-rating-change"].compute(period)
    assert {line.key: row for line, row in zip(after.lines, after.grid, strict=True)} == {
        d: [0, 0, 1] for d in DOMAINS
    }
    # a back-dated assessment becomes the first: the comparisons are made against it
    earliest = complete_progress(world, case, "low", days_ago=200)
    assert RatingStanding.objects.get(assessment=earliest).is_first
    assert stored(case) == recomputed(case)
    again = INDICATORS["domain-rating-change"].compute(period)
    assert {line.key: row for line, row in zip(again.lines, again.grid, strict=True)} == {
        d: [0, 0, 1]
        for d in DOMAINS  # low at first, high at the latest
    }


def test_the_stored_figure_equals_the_assessments_on_random_series(world):
    """Many cases with random series (some corrected, some dated the same day): the stored
    rows equal the comparisons recomputed from the sealed ratings, case by case, and a full
    rebuild (``bahali evidence ratings``) writes the same rows again."""
    rng = random.Random(7)
    version = Instrument.objects.get(code="progress").versions.order_by("-pk").first()
    bands = ["low", "moderate", "high", "unknown"]
    cases = [_opened_long_ago(world.case()) for _ in range(6)]
    with acting_as(SYSTEM):
        for case in cases:
            made = []
            for _n in range(rng.randint(1, 4)):
                made.append(
                    Assessment.objects.create(
                        case=case,
                        instrument_version=version,
                        assessed_on=world.today - datetime.timedelta(days=rng.choice([10, 50, 50])),
                        status="completed",
                        domain_ratings={
                            d: {"rating": rng.choice(bands)} for d in DOMAINS if rng.random() < 0.8
                        },
                        overall_rating="moderate",
                    )
                )
            if len(made) > 1 and rng.random() < 0.5:
                Assessment.objects.create(
                    case=case,
                    instrument_version=version,
                    assessed_on=made[0].assessed_on,
                    status="completed",
                    domain_ratings={d: {"rating": "low"} for d in DOMAINS},
                    overall_rating="low",
                    corrects=made[0],
                )
    expected = {case.pk: recomputed(case) for case in cases}
    assert {case.pk: stored(case) for case in cases} == expected
    assert any(changes for found in expected.values() for changes in found.values())
    RatingChange.objects.all().delete()
    RatingStanding.objects.all().delete()
    assert ratings.refresh() == sum(len(found) for found in expected.values())
    assert {case.pk: stored(case) for case in cases} == expected


def test_re_sealing_under_a_new_key_does_not_rework_the_figure(world, monkeypatch):
    case = _opened_long_ago(world.case())
    complete_progress(world, case, "high", days_ago=90)
    complete_progress(world, case, "low", days_ago=30)
    calls: list[Any] = []
    monkeypatch.setattr(ratings, "refresh", lambda ids=None: calls.append(ids) or 0)
    from django.conf import settings
    from django.test import override_settings

    from bahali.core import sealing

    ring = {**settings.FIELD_ENCRYPTION_KEYS, "k9": b"r" * 32}
    with override_settings(FIELD_ENCRYPTION_KEYS=ring, FIELD_ENCRYPTION_ACTIVE_KEY="k9"):
        assert sealing.rotate(actor=SYSTEM)["assessments.assessment"] >= 2
        assert calls == []
        monkeypatch.undo()
        assert stored(case) == recomputed(case)
