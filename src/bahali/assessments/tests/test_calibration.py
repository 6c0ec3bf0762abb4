"""Assessor calibration: weighted kappa against a hand-computed value, training records
gating who completes an instrument, blind second ratings that show no identity, and the
agreement per instrument and domain."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.assessments import services
from bahali.assessments.agreement import agreement, weighted_kappa
from bahali.assessments.models import Calibration, Instrument
from bahali.assessments.tests.test_services import (
    DOMAINS,
    complete_progress,
    judgement,
    progress_answers,
)
from bahali.core.context import SYSTEM
from bahali.core.versioning import Conflict
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


def _pairs(table: list[list[int]]) -> list[tuple[str, str]]:
    levels = ("low", "moderate", "high")
    return [
        (levels[i], levels[j]) for i, row in enumerate(table) for j, n in enumerate(row)
        for _ in range(n)
    ]  # fmt: skip


def test_weighted_kappa_on_a_constructed_pair_matches_the_hand_computed_value():
    """First assessor by row, second by column (low, moderate, high), ten assessments:

        3 1 0
        1 2 1
        0 1 1

    Linear weights: 0 on the diagonal, 1/2 one step apart, 1 two steps apart.
    Observed weighted disagreement: (1+1+1+1) x 1/2 / 10 = 0.2.
    Marginals: rows 4, 4, 2; columns 4, 4, 2. Expected by chance (counts r*c/10):
    one step apart 1.6 + 1.6 + 0.8 + 0.8 = 4.8, x 1/2 = 2.4; two steps apart
    0.8 + 0.8 = 1.6, x 1 = 1.6; total 4.0 / 10 = 0.4.
    kappa_w = 1 - 0.2 / 0.4 = 0.5; exact agreement (3 + 2 + 1) / 10 = 60%.
    """
    pairs = _pairs([[3, 1, 0], [1, 2, 1], [0, 1, 1]])
    assert weighted_kappa(pairs) == pytest.approx(0.5)
    result = agreement(pairs)
    assert (result.pairs, result.exact, result.percent) == (10, 6, 60)


def test_kappa_limits():
    perfect = _pairs([[2, 0, 0], [0, 3, 0], [0, 0, 1]])
    assert weighted_kappa(perfect) == pytest.approx(1.0)
    # both always "moderate": chance predicts no disagreement, kappa undefined
    assert weighted_kappa(_pairs([[0, 0, 0], [0, 4, 0], [0, 0, 0]])) is None
    assert weighted_kappa([]) is None
    # opposite ends every time: worse than chance
    assert weighted_kappa(_pairs([[0, 0, 2], [0, 0, 0], [2, 0, 0]])) == pytest.approx(-1.0)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def progress() -> Instrument:
    return Instrument.objects.get(code="progress")


def test_training_gates_who_completes_an_instrument(world, progress):
    case = world.case()
    services.set_training_required(actor=world.manager, instrument=progress, required=True)
    draft = services.start_assessment(actor=world.psychologist, case=case, instrument=progress)
    with pytest.raises(ValidationError) as error:
        services.complete_assessment(
            actor=world.psychologist,
            assessment=draft,
            expected_version=draft.version,
            answers=progress_answers(),
            judgement=judgement("moderate"),
        )
    assert "no training on it is recorded for you" in str(error.value)
    draft.refresh_from_db()
    assert not draft.is_completed
    services.record_training(
        actor=world.manager,
        user=world.psychologist,
        instrument=progress,
        trained_by="SPJ course",
    )
    services.complete_assessment(
        actor=world.psychologist,
        assessment=draft,
        expected_version=draft.version,
        answers=progress_answers(),
        judgement=judgement("moderate"),
    )
    draft.refresh_from_db()
    assert draft.is_completed


def test_only_managers_record_training_and_set_the_rule(world, progress):
    for someone in (world.case_worker, world.psychologist, world.monitor, world.steward):
        with pytest.raises(PermissionDenied):
            services.record_training(
                actor=someone, user=world.case_worker, instrument=progress, trained_by="x"
            )
        with pytest.raises(PermissionDenied):
            services.set_training_required(actor=someone, instrument=progress, required=True)
    with pytest.raises(ValidationError) as error:
        services.record_training(
            actor=world.manager,
            user=world.case_worker,
            instrument=progress,
            trained_by=" ",
            trained_on=world.today.replace(year=world.today.year + 1),
        )
    assert set(error.value.message_dict) == {"trained_by", "trained_on"}


def _trained(world, progress, *users):
    for user in users:
        services.record_training(
            actor=world.manager, user=user, instrument=progress, trained_by="SPJ course"
        )


def test_blind_second_rating_and_agreement(world, progress):
    _trained(world, progress, world.psychologist, world.case_worker)
    case = world.case()
    first = complete_progress(
        world,
        case,
        "high",
        days_ago=0,
        domains={
            "beliefs": "high",
            "intent_capability": "moderate",
            "social_context": "high",
            "protective": "low",
            "engagement": "moderate",
        },
    )
    with pytest.raises(ValidationError) as error:  # the first assessor cannot rate again
        services.request_calibration(
            actor=world.manager, assessment=first, second_assessor=world.psychologist
        )
    assert set(error.value.message_dict) == {"second_assessor"}
    with pytest.raises(ValidationError):  # not trained
        services.request_calibration(
            actor=world.manager, assessment=first, second_assessor=world.scholar
        )
    with pytest.raises(PermissionDenied):
        services.request_calibration(
            actor=world.case_worker, assessment=first, second_assessor=world.case_worker
        )
    calibration = services.request_calibration(
        actor=world.manager, assessment=first, second_assessor=world.case_worker
    )
    assert calibration.code.startswith("CAL-")
    with pytest.raises(PermissionDenied):  # asked of the case worker, not the scholar
        services.rate_calibration(
            actor=world.scholar, calibration=calibration, ratings=dict.fromkeys(DOMAINS, "low")
        )
    with pytest.raises(ValidationError) as error:
        services.rate_calibration(
            actor=world.case_worker, calibration=calibration, ratings={"beliefs": "awful"}
        )
    assert "domain:beliefs" in error.value.message_dict
    services.rate_calibration(
        actor=world.case_worker,
        calibration=calibration,
        ratings={
            "beliefs": "high",
            "intent_capability": "high",
            "social_context": "high",
            "protective": "low",
            "engagement": "low",
        },
    )
    with pytest.raises(Conflict):
        services.rate_calibration(
            actor=world.case_worker,
            calibration=calibration,
            ratings=dict.fromkeys(DOMAINS, "low"),
        )
    rows = {
        row.domain: row.result
        for row in services.agreement_by_domain(
            progress, Calibration.objects.visible_to(world.manager)
        )
    }
    assert rows["beliefs"].percent == 100
    assert rows["intent_capability"].percent == 0
    assert rows["engagement"].pairs == 1
    # no one else's districts: the stranger manager sees no pairs
    assert not Calibration.objects.visible_to(world.monitor).exists()
    assert not Calibration.objects.visible_to(world.psychologist).exists()


def test_the_second_assessor_sees_no_identity(client, world, progress):
    _trained(world, progress, world.psychologist, world.case_worker)
    case = world.case()
    first = complete_progress(world, case, "moderate", days_ago=0)
    calibration = services.request_calibration(
        actor=world.manager, assessment=first, second_assessor=world.case_worker
    )
    sign_in(client, world.case_worker)
    page = client.get(f"/assessments/blind/{calibration.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert calibration.code in text
    assert case.participant.code not in text
    assert f"/cases/{case.pk}/" not in text
    assert "beliefs is moderate" not in text  # the first assessor's rationale
    assert 'data-testid="answer-' in text  # the evidence is there
    sent = client.post(
        f"/assessments/blind/{calibration.code}/",
        {"version": calibration.version, **{f"domain_{d}": "low" for d in DOMAINS}},
    )
    assert sent.status_code == 302
    calibration.refresh_from_db()
    assert calibration.is_rated
    # the programme manager reads the agreement
    client.logout()
    sign_in(client, world.manager)
    page = client.get("/assessments/instruments/progress/agreement/")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="agreement-row"') == len(DOMAINS)
    assert SYSTEM is not None
