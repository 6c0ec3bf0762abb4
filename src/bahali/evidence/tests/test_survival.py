"""Kaplan–Meier against a hand-worked example with censoring, and against lifelines."""

from __future__ import annotations

import math
import random

import pytest

from bahali.evidence.survival import kaplan_meier


def test_hand_worked_example_with_censoring() -> None:
    # six people: events at 1, 2, 3, 5; censored at 2 and 4
    curve = kaplan_meier([1, 2, 2, 3, 4, 5], [True, True, False, True, False, True])
    by_time = {step.time: step for step in curve.steps}
    assert [s.at_risk for s in curve.steps] == [6, 5, 3, 2, 1]
    assert by_time[1].survival == pytest.approx(5 / 6)
    assert by_time[2].survival == pytest.approx(2 / 3)  # 5/6 · 4/5
    assert by_time[2].censored == 1
    assert by_time[3].survival == pytest.approx(4 / 9)  # 2/3 · 2/3
    assert by_time[4].survival == pytest.approx(4 / 9)  # censoring does not step
    assert by_time[5].survival == 0
    # Greenwood at 3: S² (1/30 + 1/20 + 1/6) = (16/81)(1/4)
    assert by_time[3].variance == pytest.approx(4 / 81)
    # log-log band at 3, by hand: σ = sqrt(1/4)/|log(4/9)|
    sigma = 0.5 / abs(math.log(4 / 9))
    centre = math.log(-math.log(4 / 9))
    assert by_time[3].lower == pytest.approx(math.exp(-math.exp(centre + 1.959964 * sigma)))
    assert by_time[3].upper == pytest.approx(math.exp(-math.exp(centre - 1.959964 * sigma)))
    assert by_time[3].lower < 4 / 9 < by_time[3].upper
    assert curve.survival_at(0.5) == 1
    assert curve.survival_at(3.5) == pytest.approx(4 / 9)
    assert curve.at_risk_at(3) == 3
    assert curve.subjects == 6 and curve.events == 4


def test_no_events_is_flat_at_one() -> None:
    curve = kaplan_meier([3, 4], [False, False])
    assert all(s.survival == 1 and s.lower == 1 and s.upper == 1 for s in curve.steps)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_lifelines_on_random_data(seed: int) -> None:
    lifelines = pytest.importorskip("lifelines")
    rng = random.Random(seed)
    durations = [rng.randint(0, 60) for _ in range(400)]
    observed = [rng.random() < 0.4 for _ in range(400)]
    fitter = lifelines.KaplanMeierFitter().fit(durations, observed)
    curve = kaplan_meier(durations, observed)
    estimate = fitter.survival_function_["KM_estimate"]
    band = fitter.confidence_interval_
    table = fitter.event_table
    for step in curve.steps:
        assert step.survival == pytest.approx(float(estimate.loc[step.time]), abs=1e-12)
        assert step.at_risk == int(table.loc[step.time, "at_risk"])
        assert step.events == int(table.loc[step.time, "observed"])
        low, high = sorted(float(v) for v in band.loc[step.time])
        if 0 < step.survival < 1:
            assert step.lower == pytest.approx(low, abs=1e-9)
            assert step.upper == pytest.approx(high, abs=1e-9)
