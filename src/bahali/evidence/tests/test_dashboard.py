"""The programme manager's dashboard on a constructed caseload, worked out by hand; its
trends agree with the indicators they name, quarter by quarter; it costs a fixed number of
queries; its charts are SVG without script and its CSV neutralises formulas.

"Q" is the quarter before the current one (``today`` is the test's today), "Q+1" the current.

=====  =====================  ========================================================
case   where                  what
=====  =====================  ========================================================
c1     centre · intake        enrolled in Q; check-ins due in Q: on time, late, missed
                              (a follow-up aside); a goal met and one not, due in Q+1;
                              a goal past its review date; a warning sign not acknowledged
c2     centre · intake        enrolled in Q; a negative outcome reported (and one verified)
c3     centre · rehabilitation  enrolled today; marked overdue; a gate request 20 days old
c4     centre                 closed in Q, completed
c5     centre                 closed in Q, withdrawn
c6     centre                 closed in Q, transferred (left out of the completion share)
=====  =====================  ========================================================
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.utils import timezone
from tests.authorization import module_world

from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.cases.models import Case, TransitionRequest
from bahali.casework.models import Goal
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import dashboard
from bahali.evidence.indicators import INDICATORS, Filters
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _build() -> dict[str, Any]:
    world = PathwayWorld()
    today = world.today
    this_quarter = dashboard.quarter_start(today)
    q = dashboard.quarters(today, 2)[0]  # the quarter before
    day = lambda n: q + datetime.timedelta(days=n)  # noqa: E731
    cases = {name: world.case(phase="intake") for name in ("c1", "c2")}
    cases["c3"] = world.case(phase="rehabilitation")
    for name in ("c4", "c5", "c6"):
        cases[name] = world.case()
    with acting_as(SYSTEM):
        for name in ("c1", "c2"):
            Case.objects.filter(pk=cases[name].pk).update(opened_on=day(5))
        for name, closure in (("c4", "completed"), ("c5", "withdrawn"), ("c6", "transferred")):
            Case.objects.filter(pk=cases[name].pk).update(
                opened_on=day(1), closed_on=day(40), closure=closure
            )
        for due, done, follow_up, warned in [
            (day(10), day(9), False, True),
            (day(20), day(25), False, False),
            (day(30), None, False, False),
            (day(31), day(31), True, False),
        ]:
            CheckIn.objects.create(
                case=cases["c1"], due_on=due, done_on=done, is_follow_up=follow_up, lost_job=warned
            )
        target = this_quarter + datetime.timedelta(days=1)
        for status, review in (("achieved", None), ("in_progress", day(2))):
            Goal.objects.create(
                case=cases["c1"],
                domain="family",
                title="Goal",
                target_on=target,
                status=status,
                review_on=review,
            )
        for verification in ("reported", "verified"):
            OutcomeEvent.objects.create(
                case=cases["c2"],
                kind="re_arrest",
                occurred_on=day(50),
                source="police",
                verification=verification,
            )
        Case.objects.filter(pk=cases["c3"].pk).update(next_due_on=today - datetime.timedelta(1))
        request = TransitionRequest.objects.create(
            case=cases["c3"],
            transition=world.programmes["centre"].transitions.get(
                from_phase__code="rehabilitation"
            ),
            reason="Ready",
        )
        TransitionRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=20)
        )
    return {"world": world, "cases": cases, "q": q, "this_quarter": this_quarter}


world = module_world(_build)


def _board(world: dict[str, Any]) -> dashboard.Dashboard:
    w = world["world"]
    return dashboard.build(w.manager, w.programmes["centre"], w.today)


def test_quarters_run_back_from_the_current_one():
    starts = dashboard.quarters(datetime.date(2026, 2, 10), 3)
    assert starts == [
        datetime.date(2025, 7, 1),
        datetime.date(2025, 10, 1),
        datetime.date(2026, 1, 1),
    ]
    assert dashboard.quarter_end(datetime.date(2025, 10, 1)) == datetime.date(2025, 12, 31)


def test_the_funnel_lists_every_phase_in_order(world):
    funnel = _board(world).funnel
    assert funnel == [
        ("centre · Referred", 0),
        ("centre · Screening", 0),
        ("centre · Intake", 2),
        ("centre · Rehabilitation", 1),
        ("centre · Transition", 0),
        ("centre · Reintegration", 0),
        ("centre · Aftercare", 0),
    ]


def test_overdue_work_and_alerts(world):
    board = _board(world)
    assert {key: n for key, _label, n in board.overdue} == {
        "cases": 1,
        "check_ins": 1,
        "plan_reviews": 1,
        "sign_offs": 1,
    }
    alerts = {alert.key: alert for alert in board.alerts}
    assert alerts["warnings"].count == 1
    assert alerts["warnings"].cases[0][1] == world["cases"]["c1"].participant.code
    assert alerts["outcomes"].count == 1  # the verified one is not waiting


def test_trends_by_hand(world):
    board = _board(world)
    q, now = world["q"], world["this_quarter"]
    by_code = {t.indicator.code: {p.start: p for p in t.points} for t in board.trends}
    assert len(board.trends[0].points) == dashboard.QUARTERS
    assert by_code["enrolments-by-source"][q].value == 5  # c1, c2 and the three closed
    assert by_code["enrolments-by-source"][now].value == 1  # c3
    closures = by_code["closures"][q]
    assert (closures.value, closures.numerator, closures.denominator) == (0.5, 1, 2)
    check_ins = by_code["check-ins-on-time"][q]
    assert (check_ins.numerator, check_ins.denominator) == (1, 3)
    goals = by_code["plan-goals-met"][now]
    assert (goals.value, goals.numerator, goals.denominator) == (0.5, 1, 2)
    assert by_code["plan-goals-met"][q].value is None  # nothing was due: no figure, not 0%


def test_trends_agree_with_their_indicators(world):
    """Each quarter's figure is the indicator's own, computed for that quarter alone."""
    w = world["world"]
    board = dashboard.build(w.manager, None, w.today)
    for trend in board.trends:
        for point in trend.points[-3:]:
            end = min(dashboard.quarter_end(point.start), w.today)
            result = INDICATORS[trend.indicator.code].compute(Filters(start=point.start, end=end))
            if trend.indicator.code == "enrolments-by-source":
                expected = sum(int(line.value or 0) for line in result.lines)
                assert point.value == expected, (trend.indicator.code, point.start)
                continue
            if trend.indicator.code == "closures":
                line = next(line for line in result.lines if line.key == "completed")
            else:
                (line,) = result.lines
            assert (point.numerator, point.denominator) == (line.numerator, line.denominator)


def test_a_fixed_number_of_queries(world, signed_in, django_assert_max_num_queries):
    w = world["world"]
    client = signed_in(w.manager)
    client.get("/evidence/dashboard/")  # warm the session and caches
    with django_assert_max_num_queries(40) as counted:
        response = client.get("/evidence/dashboard/")
    assert response.status_code == 200
    few = len(counted.captured_queries)
    with acting_as(SYSTEM):
        for _n in range(6):
            case = w.case(phase="intake")
            CheckIn.objects.create(case=case, due_on=w.today - datetime.timedelta(days=3))
    with django_assert_max_num_queries(few) as counted:
        response = client.get("/evidence/dashboard/")
    assert b'data-testid="overdue-check_ins"><strong>7</strong>' in response.content


def test_the_page_its_charts_and_tables(world, signed_in):
    client = signed_in(world["world"].manager)
    response = client.get(
        "/evidence/dashboard/?programme=" + str(world["world"].programmes["centre"].pk)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]
    assert 'data-testid="funnel-table"' in page and "<svg" in page
    svg = client.get("/evidence/dashboard/funnel.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg") and b"<script" not in svg.content
    assert client.get("/evidence/dashboard/closures.svg").status_code == 200
    assert client.get("/evidence/dashboard/nothing.svg").status_code == 404
    assert client.get("/evidence/dashboard/tables/nothing.csv").status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(client.get("/evidence/dashboard/tables/trends.csv").content.decode())
        )
    )
    assert rows[0][:3] == ["indicator", "version", "quarter"]
    assert len(rows) == 1 + 4 * dashboard.QUARTERS


def test_right_to_left_bars_grow_from_the_right():
    from bahali.evidence import charts

    ltr = charts.bars_svg([("a", 2), ("b", 1)], chart_id="f", title="t")
    rtl = charts.bars_svg([("a", 2), ("b", 1)], chart_id="f", title="t", rtl=True)
    assert 'direction="rtl"' in rtl and 'direction="rtl"' not in ltr
    # the longest bar starts at the labels' edge on the left in ltr, ends there in rtl
    assert '<rect x="212.0"' in ltr
    assert '<rect x="36.0"' in rtl


def test_a_full_column_has_its_figure_inside_in_white():
    """A share of 100% fills the plot: its figure is drawn inside the column in white (in
    black over the column's top it could not be read); a lower one stays above, in black."""
    import re

    from bahali.evidence import charts

    svg = charts.trend_svg([("Q1", 1.0), ("Q2", 0.5)], chart_id="t", title="t", share=True)
    labels = {
        text: (float(y), colour)
        for y, colour, text in re.findall(
            r'<text x="[\d.]+" y="([\d.]+)" text-anchor="middle" font-size="12"'
            r'( fill="#fff")?>(\d+%)</text>',
            svg,
        )
    }
    full_top = 14  # the plot's top: the 100% column starts there
    assert labels["100%"][1] == ' fill="#fff"' and labels["100%"][0] > full_top
    assert labels["50%"][1] == ""


def test_csv_cells_cannot_run_as_formulas(world, signed_in, monkeypatch):
    client = signed_in(world["world"].manager)
    monkeypatch.setattr(
        dashboard, "funnel", lambda cases, programme, *work: [('=HYPERLINK("x")', 1), ("-2", 3)]
    )
    text = client.get("/evidence/dashboard/tables/funnel.csv").content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ['\'=HYPERLINK("x")', "1"]
    assert rows[2] == ["-2", "3"]  # a number stays a number


def test_tables_as_xlsx_with_formulas_neutralised(world, signed_in, monkeypatch):
    from openpyxl import load_workbook

    client = signed_in(world["world"].manager)
    monkeypatch.setattr(dashboard, "funnel", lambda cases, programme, *work: [("@SUM(A1)", 2)])
    response = client.get("/evidence/dashboard/tables/funnel.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [["phase", "open cases"], ["'@SUM(A1)", 2]]
    assert client.get("/evidence/dashboard/tables/nothing.xlsx").status_code == 404


def test_live_counts_equal_their_own_definitions(world):
    """The funnel, overdue work and alerts are read together (``_open_work``): each still
    counts exactly its own rows — open cases only (a closed case's overdue check-in, goal
    and warning are left out), every phase, and the outcomes over every case."""
    w, cases = world["world"], world["cases"]
    today = w.today
    with acting_as(SYSTEM):
        for case in (cases["c3"], cases["c3"], cases["c4"]):  # two on an open case, one closed
            CheckIn.objects.create(case=case, due_on=today - datetime.timedelta(days=2))
        CheckIn.objects.create(
            case=cases["c5"],
            due_on=today - datetime.timedelta(days=9),
            done_on=today,
            lost_job=True,
        )
        for case in (cases["c3"], cases["c4"]):
            Goal.objects.create(
                case=case,
                domain="family",
                title="Review me",
                status="not_started",
                review_on=today - datetime.timedelta(days=1),
            )
        OutcomeEvent.objects.create(
            case=cases["c4"],
            kind="violence",
            occurred_on=today - datetime.timedelta(days=3),
            source="police",
            verification="reported",
        )
    board = dashboard.build(w.manager, None, today)
    visible = Case.objects.visible_to(w.manager)
    open_cases = visible.filter(closed_on__isnull=True)
    expected = {
        "cases": open_cases.filter(next_due_on__lt=today).count(),
        "check_ins": CheckIn.objects.filter(
            case__in=open_cases, done_on__isnull=True, due_on__lt=today
        ).count(),
        "plan_reviews": Goal.objects.filter(
            case__in=open_cases, status__in=["not_started", "in_progress"], review_on__lt=today
        ).count(),
        "sign_offs": TransitionRequest.objects.filter(
            case__in=open_cases,
            status="pending",
            created_at__lt=timezone.now() - datetime.timedelta(days=14),
        ).count(),
    }
    assert {key: n for key, _label, n in board.overdue} == expected
    # c1 (its missed check-in) and now c3 (its new overdue check-ins); the closed c4 not
    assert expected == {"cases": 2, "check_ins": 3, "plan_reviews": 2, "sign_offs": 1}
    alerts = {alert.key: alert for alert in board.alerts}
    assert alerts["warnings"].count == 1  # the closed case's warning is not an open alert
    assert alerts["outcomes"].count == 2  # over every case, closed ones too
    assert [row[0] for row in alerts["outcomes"].cases] == [cases["c2"].pk, cases["c4"].pk]
    by_phase = dict(board.funnel)
    assert sum(by_phase.values()) == open_cases.count()
