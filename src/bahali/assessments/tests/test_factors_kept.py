"""A programme's factor distribution kept a few minutes (``assessments.figures``): the page
says as of when, a second view reads it kept, an assessment saved in the programme shows at
the very next view, and the page asks a fixed number of questions however many cases were
assessed."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bahali.assessments import figures, services
from bahali.assessments.models import Instrument
from bahali.assessments.tests.test_services import FACTORS
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def kept(settings):
    cache.clear()
    settings.EVIDENCE_FIGURES_MAX_AGE = 300
    yield
    cache.clear()


def _assess(world: PathwayWorld, case, role: str, corrects=None):
    assessment = (
        services.correct_assessment(actor=world.case_worker, assessment=corrects)
        if corrects is not None
        else services.start_assessment(
            actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="factors")
        )
    )
    answers = dict.fromkeys(FACTORS, "absent")
    answers.update({"coercion": role, "coercion_evidence": "Threats to the family"})
    return services.complete_assessment(
        actor=world.case_worker,
        assessment=assessment,
        expected_version=assessment.version,
        answers=answers,
    )


def _totals(programme) -> dict[str, int]:
    _groups, rows = figures.factor_distribution(programme, "district").value
    return {row.factor: row.totals for row in rows}.get("coercion", {})


def test_an_assessment_saved_shows_at_the_next_view(
    world, kept, django_capture_on_commit_callbacks
):
    """Would fail if saving an assessment did not make the kept counts stale."""
    case = world.case()
    with django_capture_on_commit_callbacks(execute=True):
        first = _assess(world, case, "primary")
    assert _totals(case.programme) == {"primary": 1, "secondary": 0}
    with django_capture_on_commit_callbacks(execute=True):
        _assess(world, case, "secondary", corrects=first)  # corrected: now secondary
    assert _totals(case.programme) == {"primary": 0, "secondary": 1}
    other = world.case("community")  # another programme's assessment leaves it kept
    kept_at = figures.factor_distribution(case.programme, "district").computed_at
    with django_capture_on_commit_callbacks(execute=True):
        _assess(world, other, "primary")
    assert figures.factor_distribution(case.programme, "district").computed_at == kept_at


def test_the_page_keeps_the_counts_and_says_as_of_when(world, kept, signed_in, monkeypatch):
    case = world.case()
    _assess(world, case, "primary")
    calls: list[str] = []
    original = services.factor_distribution

    def counted(cases, group_by):
        calls.append(group_by)
        return original(cases, group_by)

    monkeypatch.setattr(services, "factor_distribution", counted)
    client = signed_in(world.analyst)
    url = f"/assessments/programmes/{case.programme.code}/factors/"
    first = client.get(url).content.decode()
    again = client.get(url).content.decode()
    assert 'data-testid="figures-as-of"' in first and 'data-testid="figures-as-of"' in again
    assert 'data-testid="factor-row"' in again
    assert calls == ["district"]
    client.get(url + "?by=age_band")
    assert calls == ["district", "age_band"]


def test_the_report_asks_a_fixed_number_of_questions(world, signed_in):
    """Computed afresh (the test settings keep nothing): as many queries for two assessed
    cases as for eight."""
    client = signed_in(world.analyst)
    programme = world.case().programme
    url = f"/assessments/programmes/{programme.code}/factors/"
    counts = []
    for n in (2, 6):
        for _ in range(n):
            _assess(world, world.case(), "primary")
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        assert 'data-testid="factor-row"' in page  # guard: the table is not empty
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts
