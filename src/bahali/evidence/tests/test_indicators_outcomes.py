"""The outcome indicators (reassessments on time, change in domain ratings, …) on a small
constructed dataset, against values worked out by hand. The period is calendar 2025.

Reassessments (centre programme; the entry phase reassesses every 90 days, screening never):

====  ========================================  ===========================================
case  progress assessments (completed)          due dates and verdicts
====  ========================================  ===========================================
d1    2025-01-20, 2025-04-15, 2025-08-01        04-15 due 04-20 on time; 08-01 due 07-14 late
d2    2025-01-10, 2025-03-01, 2025-06-01        warning check-in 02-01: 03-01 due 02-15 late;
                                                moved to screening 03-10: 06-01 not scheduled
d3    2024-10-01, 2024-12-15, 2025-02-01        12-15 outside the period; 02-01 due 03-15
                                                on time; a draft on 2025-05-01 not counted
====  ========================================  ===========================================

Reassessments on time: 2 of 4.

Domain ratings, first → latest (the middle ones all moderate; d3's draft left out):

=================  =====================  =====================  ==========================
domain             d1 (01-20 → 08-01)     d2 (01-10 → 06-01)     d3 (2024-10-01 → 2025-02-01)
=================  =====================  =====================  ==========================
beliefs            moderate → low  better high → moderate better high → low         better
intent_capability  moderate → low  better moderate → same        high → high        same
social_context     moderate → same        high → high     same   high → moderate    better
protective         moderate → high worse  moderate → same        high → moderate    better
engagement         moderate → same        moderate → same        high → (unrated) left out
=================  =====================  =====================  ==========================

Improved / same / worse: beliefs 3/0/0, intent 1/2/0, social 1/2/0, protective 1/1/1,
engagement 0/2/0.

Eligibility refusals (intake referrals; "other" is the first district after Swat by code):

====  ========  ================  ==============================================
ref.  district  person            screenings
====  ========  ================  ==============================================
r1    Swat      man               centre: not eligible 2025-02-01
r2    Swat      woman             centre: deferred 2025-01-15, not eligible 2025-03-01
r3    Swat      boy (juvenile)    centre: not eligible 2025-04-01 and again 2025-06-01
r4    other     man               centre: not eligible 2025-05-01
r5    other     man               centre: eligible 2025-05-01
r6    Swat      man               centre: not eligible 2024-12-20 (before the period)
r7    Swat      man               prison: not eligible 2025-07-01
====  ========  ================  ==============================================

Centre, 2025: Swat 3 (2 men, 1 woman), other 1. Every programme: Swat 4, other 1.

Employment and education after return (centre cases entering aftercare; period 2024;
6 months = 183 days, 12 months = 365 days):

====  ==========  ==================================================================
case  returned    verified outcome events
====  ==========  ==================================================================
e1    2024-01-10  employment 2024-05-01 (within 6), education completed 2024-11-01
                  (within 12, not 6: the 6-month day is 2024-07-11)
e2    2024-03-01  employment 2024-12-01 (within 12: 2025-03-01; not 6: 2024-08-31);
                  education completed 2024-04-01 only reported: not counted
e3    2024-06-01  employment 2025-07-01 (after 12 months: 2025-06-01)
e4    2023-12-01  employment 2024-01-01 (returned before the period)
e5    today-30    (6 months not yet passed: in no denominator)
====  ==========  ==================================================================

Employment within 6 months 1/3, within 12 months 2/3; education 0/3 and 1/3.

Readiness of receiving communities (overall readiness of completed assessments):

=========  ==================  ============================================================
community  receives            assessments
=========  ==================  ============================================================
A          f1 (centre)         low 2025-02-10, moderate 2025-05-20, high 2025-11-01
B          f2 (centre)         moderate 2025-04-15; a draft "high" 2025-08-01 not counted
C          f3 (prison)         high 2025-01-05
=========  ==================  ============================================================

Centre, 2025 (low/moderate/high at each quarter's end): Q1 1/0/0, Q2 0/2/0, Q3 0/2/0,
Q4 0/1/1. Every programme adds C (high) to each quarter.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from tests.authorization import module_world

from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.assessments import services as assessing
from bahali.assessments.models import Assessment, Instrument
from bahali.cases.models import Case, PhaseChange
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import figures
from bahali.evidence.indicators import INDICATORS, Filters
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.intake.models import Referral as IntakeReferral
from bahali.intake.models import Screening
from bahali.registry.models import Participant
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Filters(start=D(2025, 1, 1), end=D(2025, 12, 31))
DOMAINS = ("beliefs", "intent_capability", "social_context", "protective", "engagement")


def _build() -> dict[str, Any]:
    world = PathwayWorld()
    programme = world.programmes["centre"]
    if not Instrument.objects.filter(code="progress").exists():
        assessing.load_builtin_instruments(actor=SYSTEM)
    version = Instrument.objects.get(code="progress").versions.order_by("-pk").first()
    cases = {}
    for name, opened in [("d1", D(2025, 1, 1)), ("d2", D(2025, 1, 1)), ("d3", D(2024, 6, 1))]:
        case = world.case()
        with acting_as(SYSTEM):
            Case.objects.filter(pk=case.pk).update(opened_on=opened, phase_entered_on=opened)
            PhaseChange.objects.filter(case=case).update(changed_on=opened)
            figures.refresh([case.pk])  # an update bypasses save(), as a restore does
        cases[name] = case
    entry = cases["d1"].phase
    screening = programme.phases.get(code="screening")

    def progress(case: str, day: datetime.date, ratings: dict[str, str], **kw: Any) -> None:
        Assessment.objects.create(
            case=cases[case],
            instrument_version=version,
            assessed_on=day,
            status=kw.get("status", "completed"),
            domain_ratings={d: {"rating": r, "rationale": "x"} for d, r in ratings.items()},
            overall_rating="moderate",
        )

    plain = dict.fromkeys(DOMAINS, "moderate")

    def rated(*levels: str) -> dict[str, str]:
        return {d: level for d, level in zip(DOMAINS, levels, strict=True) if level}

    with acting_as(SYSTEM):
        type(entry).objects.filter(pk=entry.pk).update(reassess_every_days=90)
        type(entry).objects.filter(pk=screening.pk).update(reassess_every_days=None)
        for case, day, ratings in [
            ("d1", D(2025, 1, 20), plain),
            ("d1", D(2025, 4, 15), plain),
            ("d1", D(2025, 8, 1), rated("low", "low", "moderate", "high", "moderate")),
            ("d2", D(2025, 1, 10), rated("high", "moderate", "high", "moderate", "moderate")),
            ("d2", D(2025, 3, 1), plain),
            ("d2", D(2025, 6, 1), rated("moderate", "moderate", "high", "moderate", "moderate")),
            ("d3", D(2024, 10, 1), rated("high", "high", "high", "high", "high")),
            ("d3", D(2024, 12, 15), plain),
            ("d3", D(2025, 2, 1), rated("low", "high", "moderate", "moderate", "")),
        ]:
            progress(case, day, ratings)
        progress("d3", D(2025, 5, 1), plain, status="draft")
        PhaseChange.objects.create(
            case=cases["d2"], from_phase=entry, to_phase=screening, changed_on=D(2025, 3, 10)
        )
        CheckIn.objects.create(
            case=cases["d2"], due_on=D(2025, 2, 1), done_on=D(2025, 2, 1), family_conflict=True
        )
    other = District.objects.exclude(code="SWT").order_by("code").first()
    prison = world.programmes["prison"]
    with acting_as(SYSTEM):
        for name, district, sex, juvenile, screenings in [
            ("r1", world.swat, "m", False, [(programme, "not_eligible", D(2025, 2, 1))]),
            (
                "r2",
                world.swat,
                "f",
                False,
                [
                    (programme, "deferred", D(2025, 1, 15)),
                    (programme, "not_eligible", D(2025, 3, 1)),
                ],
            ),
            (
                "r3",
                world.swat,
                "m",
                True,
                [
                    (programme, "not_eligible", D(2025, 4, 1)),
                    (programme, "not_eligible", D(2025, 6, 1)),
                ],
            ),
            ("r4", other, "m", False, [(programme, "not_eligible", D(2025, 5, 1))]),
            ("r5", other, "m", False, [(programme, "eligible", D(2025, 5, 1))]),
            ("r6", world.swat, "m", False, [(programme, "not_eligible", D(2024, 12, 20))]),
            ("r7", world.swat, "m", False, [(prison, "not_eligible", D(2025, 7, 1))]),
        ]:
            person = world.participant(name=f"Referred {name}")
            Participant.objects.filter(pk=person.pk).update(sex=sex, is_juvenile=juvenile)
            referral = IntakeReferral.objects.create(
                participant=person,
                source="family",
                referrer="Brother",
                referred_on=D(2024, 12, 1),
                from_district=district,
                receiving_organisation=world.centre,
                district=district,
                programme=programme,
                status=screenings[-1][1],
            )
            for screened_for, outcome, day in screenings:
                Screening.objects.create(
                    referral=referral,
                    programme=screened_for,
                    outcome=outcome,
                    reason="Criteria applied",
                    screened_on=day,
                )
    aftercare = programme.phases.get(code="aftercare")
    recent = world.today - datetime.timedelta(days=30)
    with acting_as(SYSTEM):
        for name, returned, events in [
            (
                "e1",
                D(2024, 1, 10),
                [
                    ("employment", D(2024, 5, 1), "verified"),
                    ("education_completed", D(2024, 11, 1), "verified"),
                ],
            ),
            (
                "e2",
                D(2024, 3, 1),
                [
                    ("employment", D(2024, 12, 1), "verified"),
                    ("education_completed", D(2024, 4, 1), "reported"),
                ],
            ),
            ("e3", D(2024, 6, 1), [("employment", D(2025, 7, 1), "verified")]),
            ("e4", D(2023, 12, 1), [("employment", D(2024, 1, 1), "verified")]),
            ("e5", recent, []),
        ]:
            case = world.case()
            Case.objects.filter(pk=case.pk).update(opened_on=D(2023, 1, 1))
            PhaseChange.objects.create(
                case=case, from_phase=case.phase, to_phase=aftercare, changed_on=returned
            )
            for kind, day, verification in events:
                OutcomeEvent.objects.create(
                    case=case,
                    kind=kind,
                    occurred_on=day,
                    source="employer",
                    verification=verification,
                )
            cases[name] = case
    tehsil = geography.add_tehsil(actor=SYSTEM, district=world.swat, name="Tehsil of Readiness")
    villages = {
        name: geography.add_community(actor=SYSTEM, tehsil=tehsil, name=f"Village {name}")
        for name in "ABC"
    }
    readiness = Instrument.objects.get(code="community_readiness").versions.order_by("-pk")[0]
    for name, village, kind in [
        ("f1", "A", "centre"),
        ("f2", "B", "centre"),
        ("f3", "C", "prison"),
    ]:
        cases[name] = world.case(kind, receiving_community=villages[village])
    with acting_as(SYSTEM):
        for village, day, rating, status in [
            ("A", D(2025, 2, 10), "low", "completed"),
            ("A", D(2025, 5, 20), "moderate", "completed"),
            ("A", D(2025, 11, 1), "high", "completed"),
            ("B", D(2025, 4, 15), "moderate", "completed"),
            ("B", D(2025, 8, 1), "high", "draft"),
            ("C", D(2025, 1, 5), "high", "completed"),
        ]:
            Assessment.objects.create(
                community=villages[village],
                instrument_version=readiness,
                assessed_on=day,
                status=status,
                overall_rating=rating,
            )
    return {
        "world": world,
        "cases": cases,
        "programme": programme,
        "other": other,
        "prison": prison,
    }


world = module_world(_build)


def _result(code: str, world: dict[str, Any], filters: Filters = YEAR) -> Any:
    return INDICATORS[code].compute(
        Filters(**{**filters.__dict__, "programme": world["programme"].pk})
    )


def test_reassessments_on_time(world: dict[str, Any]) -> None:
    line = _result("reassessments-on-time", world).lines[0]
    assert (line.numerator, line.denominator) == (2, 4)
    assert line.value == pytest.approx(0.5)
    # the 2024 cohort is d3 alone: its one reassessment in 2025 was on time
    cohort = Filters(**{**YEAR.__dict__, "cohort": 2024})
    line = _result("reassessments-on-time", world, cohort).lines[0]
    assert (line.numerator, line.denominator) == (1, 1)
    # shown without case access, four reassessments are a small cell
    public = _result("reassessments-on-time", world).public()
    assert public["rows"][0]["value"] == "<5" and public["rows"][0]["denominator"] == "<5"


def test_change_in_domain_ratings(world: dict[str, Any]) -> None:
    result = _result("domain-rating-change", world)
    assert [key for key, _label in result.columns] == ["improved", "same", "worse"]
    table = {line.key: row for line, row in zip(result.lines, result.grid, strict=True)}
    assert table == {
        "beliefs": [3, 0, 0],
        "intent_capability": [1, 2, 0],
        "social_context": [1, 2, 0],
        "protective": [1, 1, 1],
        "engagement": [0, 2, 0],
    }
    assert {line.key: line.value for line in result.lines}["protective"] == 3
    # the 2024 cohort is d3 alone; its engagement was not rated the second time
    cohort = _result("domain-rating-change", world, Filters(**{**YEAR.__dict__, "cohort": 2024}))
    table = {line.key: row for line, row in zip(cohort.lines, cohort.grid, strict=True)}
    assert table == {
        "beliefs": [1, 0, 0],
        "intent_capability": [0, 1, 0],
        "social_context": [1, 0, 0],
        "protective": [1, 0, 0],
    }
    # a period ending in May: d1's latest then is 04-15 (all moderate, as at first)
    spring = _result(
        "domain-rating-change", world, Filters(start=D(2025, 1, 1), end=D(2025, 5, 31))
    )
    table = {line.key: row for line, row in zip(spring.lines, spring.grid, strict=True)}
    assert table["beliefs"] == [2, 1, 0]  # d2 high → moderate (03-01), d3 better, d1 same
    # shown without case access: every cell under five is hidden, never zero-filled
    public = result.public()
    assert public["columns"] == ["Improved", "Same", "Worse"]
    assert all(cell in ("<5", 0) for row in public["rows"] for cell in row["cells"])
    empty = _result("domain-rating-change", world, Filters(**{**YEAR.__dict__, "sex": "f"}))
    assert empty.lines == [] and empty.public()["rows"] == []


def test_eligibility_refusals_by_district(world: dict[str, Any]) -> None:
    swat, other = str(world["world"].swat.pk), str(world["other"].pk)

    def counts(filters: Filters = YEAR, *, programme: bool = True) -> dict[str, Any]:
        code = "eligibility-refusals"
        result = _result(code, world, filters) if programme else INDICATORS[code].compute(filters)
        return {line.key: line.value for line in result.lines}

    assert counts() == {swat: 3, other: 1}  # r3 refused twice, counted once
    assert counts(programme=False) == {swat: 4, other: 1}  # r7, refused by the prison
    assert counts(Filters(**{**YEAR.__dict__, "sex": "f"})) == {swat: 1}
    assert counts(Filters(**{**YEAR.__dict__, "age": "juvenile"})) == {swat: 1}
    assert counts(Filters(**{**YEAR.__dict__, "district": world["other"].pk})) == {other: 1}
    assert counts(Filters(start=D(2024, 12, 1), end=D(2025, 2, 28))) == {swat: 2}  # r6, r1
    by_sex = _result("eligibility-refusals", world, Filters(**{**YEAR.__dict__, "by": "sex"}))
    assert by_sex.columns == [("f", "Female"), ("m", "Male")]
    grid = {line.key: row for line, row in zip(by_sex.lines, by_sex.grid, strict=True)}
    assert grid == {swat: [1, 2], other: [0, 1]}
    # shown without case access: small cells hidden, in the table and in its totals
    public = by_sex.public()
    assert all(cell in ("<5", 0) for row in public["rows"] for cell in row["cells"])
    assert public["total"] in ("<5", 0)
    assert {row["value"] for row in _result("eligibility-refusals", world).public()["rows"]} == {
        "<5"
    }


def test_employment_and_education_after_return(world: dict[str, Any]) -> None:
    year = Filters(start=D(2024, 1, 1), end=D(2024, 12, 31))
    lines = {
        line.key: line for line in _result("work-and-education-after-return", world, year).lines
    }
    assert {key: (line.numerator, line.denominator) for key, line in lines.items()} == {
        "employment_6": (1, 3),
        "employment_12": (2, 3),
        "education_completed_6": (0, 3),
        "education_completed_12": (1, 3),
    }
    assert lines["employment_12"].value == pytest.approx(2 / 3)
    assert lines["employment_6"].label == "Employment within 6 months"
    # a return a month ago is in no denominator yet
    today = world["world"].today
    lately = Filters(start=today - datetime.timedelta(days=60), end=today)
    assert {
        line.key: line.denominator
        for line in _result("work-and-education-after-return", world, lately).lines
    } == dict.fromkeys(lines, 0)
    # shown without case access: three cases are a small cell
    public = _result("work-and-education-after-return", world, year).public()
    assert {row["value"] for row in public["rows"]} == {"<5"}


def test_readiness_of_receiving_communities(world: dict[str, Any]) -> None:
    def table(result: Any) -> dict[str, list[int]]:
        return {line.key: row for line, row in zip(result.lines, result.grid, strict=True)}

    result = _result("community-readiness-trend", world)
    assert [key for key, _label in result.columns] == ["low", "moderate", "high"]
    assert table(result) == {
        "2025-Q1": [1, 0, 0],
        "2025-Q2": [0, 2, 0],
        "2025-Q3": [0, 2, 0],
        "2025-Q4": [0, 1, 1],
    }
    assert result.lines[0].label == "2025 Q1"
    everyone = INDICATORS["community-readiness-trend"].compute(YEAR)
    assert table(everyone) == {
        "2025-Q1": [1, 0, 1],
        "2025-Q2": [0, 2, 1],
        "2025-Q3": [0, 2, 1],
        "2025-Q4": [0, 1, 2],
    }
    summer = Filters(start=D(2025, 4, 1), end=D(2025, 8, 15))
    assert table(_result("community-readiness-trend", world, summer)) == {
        "2025-Q2": [0, 2, 0],
        "2025-Q3": [0, 2, 0],
    }
    # no receiving community among the women's cases: an empty table, not an error
    women = _result("community-readiness-trend", world, Filters(**{**YEAR.__dict__, "sex": "f"}))
    assert women.lines == [] and women.public()["rows"] == []
    public = result.public()
    assert all(cell in ("<5", 0) for row in public["rows"] for cell in row["cells"])


def test_the_new_indicators_show_on_the_indicators_page(world: dict[str, Any]) -> None:
    from django.test import Client
    from tests.authorization import sign_in_once

    client = Client()
    for name, value in sign_in_once(world["world"].manager).items():
        client.cookies[name] = value
    response = client.get("/evidence/", {"start": "2025-01-01", "end": "2025-12-31", "by": "sex"})
    assert response.status_code == 200
    page = response.content.decode()
    for code in [
        "reassessments-on-time",
        "domain-rating-change",
        "eligibility-refusals",
        "work-and-education-after-return",
        "community-readiness-trend",
    ]:
        assert f'data-testid="indicator-{code}"' in page
    assert "Not yet measured" not in page
    assert "2025 Q4" in page and "Improved" in page
