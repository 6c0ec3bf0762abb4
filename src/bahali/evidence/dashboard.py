"""The programme manager's dashboard (issue 15, item 7): the phase funnel, overdue work,
alerts, and key indicators with their trend by quarter — over the cases the manager may read
(``Case.objects.visible_to``: their programmes' cases in their districts), optionally one
programme.

Fast by construction: a fixed number of queries whatever the caseload (each figure is one
grouped query; each trend one query grouped by quarter), so the page costs the same for 20
cases as for 200,000 (``tests/test_dashboard.py`` holds it to a budget).

The trends follow the definitions of the indicators they name (same code, same version):
the dashboard computes all quarters in one grouped query where the indicator page computes
one period, and a test checks that they agree quarter by quarter. The manager reads the
cases behind these figures, so they are not suppressed; they leave the system only as the
manager's own CSV and SVG downloads.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.aftercare.models import NEGATIVE_OUTCOMES, WARNING_FIELDS, CheckIn, OutcomeEvent
from bahali.aftercare.models import Verification as Verified
from bahali.cases.due import SIGN_OFF_DAYS
from bahali.cases.models import Case, Closure, TransitionRequest
from bahali.casework.models import OPEN_GOAL_STATUSES, Goal, GoalStatus
from bahali.evidence import snapshots
from bahali.evidence.indicators import INDICATORS, RATE, Indicator, statistical_use
from bahali.programmes.models import Phase, Programme

QUARTERS = 8
ALERTS_LISTED = 5


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarters(today: datetime.date, n: int = QUARTERS) -> list[datetime.date]:
    """The first days of the last ``n`` quarters, the current one last."""
    first = quarter_start(today)
    found = []
    year, month = first.year, first.month
    for _i in range(n):
        found.append(datetime.date(year, month, 1))
        month -= 3
        if month < 1:
            year, month = year - 1, month + 12
    return list(reversed(found))


def quarter_label(start: datetime.date) -> str:
    return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}


def quarter_end(start: datetime.date) -> datetime.date:
    year, month = (start.year + 1, 1) if start.month == 10 else (start.year, start.month + 3)
    return datetime.date(year, month, 1) - datetime.timedelta(days=1)


def quarter_ticks(starts: list[datetime.date]) -> list[tuple[str, str]]:
    """A chart's names for the quarters: the quarter's number (1 to 4), with the year under
    the first of each year; digits alone, so that no language's longer word for "quarter"
    crowds the columns (the section says "by quarter")."""
    return [
        (
            str((start.month - 1) // 3 + 1),
            str(start.year) if i == 0 or start.month == 1 else "",
        )
        for i, start in enumerate(starts)
    ]


@dataclass
class Point:
    start: datetime.date
    label: str
    value: float | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass
class Trend:
    indicator: Indicator
    title: str
    points: list[Point]

    @property
    def share(self) -> bool:
        return self.indicator.kind == RATE

    @property
    def slug(self) -> str:
        return self.indicator.code

    def shown(self, point: Point) -> str:
        if point.value is None:
            return "—"
        return f"{point.value * 100:.0f}%" if self.share else f"{point.value:,.0f}"


@dataclass
class Alert:
    key: str
    label: str
    count: int
    cases: list[tuple[int, str, datetime.date | None]] = field(default_factory=list)


@dataclass
class Dashboard:
    today: datetime.date
    funnel: list[tuple[str, int]]
    overdue: list[tuple[str, str, int]]
    alerts: list[Alert]
    trends: list[Trend]
    # when the trends were computed, when they are kept a few minutes (``snapshots``)
    as_of: datetime.datetime | None = None


def _trend(
    item: Indicator, rows: QuerySet[Any], date: str, starts: list[datetime.date], rate: Any
) -> Trend:
    """One grouped query: ``rows`` counted by the quarter of ``date`` (``n``, and the
    numerator of a rate ``k`` under condition ``rate``)."""
    counts = {"n": Count("pk")}
    if rate is not None:
        counts["k"] = Count("pk", filter=rate)
    found = {
        row["quarter"]: row
        for row in rows.filter(**{f"{date}__gte": starts[0]})
        .annotate(quarter=TruncQuarter(date))
        .values("quarter")
        .annotate(**counts)
        .order_by()
    }
    points = []
    for start in starts:
        row = _row(found, start)
        n = row["n"] if row else 0
        if rate is None:
            points.append(Point(start, quarter_label(start), n))
        else:
            k = row["k"] if row else 0
            points.append(Point(start, quarter_label(start), k / n if n else None, k, n))
    return Trend(item, str(item.name), points)


def _row(found: dict[Any, Any], start: datetime.date) -> Any:
    # TruncQuarter gives a date on a DateField (a datetime on some backends)
    for key, row in found.items():
        day = key.date() if isinstance(key, datetime.datetime) else key
        if day == start:
            return row
    return None


def trends(cases: QuerySet[Case], today: datetime.date) -> list[Trend]:
    """Four key indicators by quarter, as their definitions say (see ``indicators``), over
    the cases that may be counted in anonymous figures (``statistical_use``)."""
    starts = quarters(today)
    cases = statistical_use(cases)
    enrolled = _trend(
        INDICATORS["enrolments-by-source"],
        cases.filter(opened_on__lte=today),
        "opened_on",
        starts,
        None,
    )
    closed = _trend(
        INDICATORS["closures"],
        cases.filter(closed_on__lte=today).exclude(closure=Closure.TRANSFERRED),
        "closed_on",
        starts,
        Q(closure=Closure.COMPLETED),
    )
    closed.title = _("Completed, of the cases closed")
    check_ins = _trend(
        INDICATORS["check-ins-on-time"],
        CheckIn.objects.filter(case__in=cases, is_follow_up=False, due_on__lte=today),
        "due_on",
        starts,
        Q(done_on__lte=F("due_on")),
    )
    goals = _trend(
        INDICATORS["plan-goals-met"],
        Goal.objects.filter(case__in=cases, target_on__isnull=False),
        "target_on",
        starts,
        Q(status=GoalStatus.ACHIEVED),
    )
    enrolled.title = _("Enrolments")
    return [enrolled, closed, check_ins, goals]


def _open_work(cases: QuerySet[Case], today: datetime.date) -> dict[Any, dict[str, int]]:
    """The open cases of ``cases`` by phase, each phase with its live counts of overdue work
    and unacknowledged warnings, in two queries.

    The open cases are counted by phase from the index alone (``case_open_work``); the rows
    counted (check-ins past their date, goals past review, gate requests waiting, warnings
    no one acknowledged, each read from its own partial index: their case alone) are joined
    once, all together, to those open cases and counted by phase and kind. A query per
    count would read the reader's open cases (a hundred thousand nationally) once per
    count. Every count is exactly what its own ``filter(case__in=open cases)…count()``
    gives; the sums over the phases are the page's totals.
    """
    open_cases = cases.filter(closed_on__isnull=True).order_by()
    found: dict[Any, dict[str, int]] = {
        row["phase"]: {"open_cases": row["open_cases"], "cases": row["cases"]}
        for row in open_cases.values("phase").annotate(
            open_cases=Count("pk"), cases=Count("pk", filter=Q(next_due_on__lt=today))
        )
    }
    waited = timezone.now() - datetime.timedelta(days=SIGN_OFF_DAYS)
    warned = Q()
    for name, _label in WARNING_FIELDS:
        warned |= Q(**{name: True})
    counted = {
        "check_ins": CheckIn.objects.filter(done_on__isnull=True, due_on__lt=today),
        "plan_reviews": Goal.objects.filter(status__in=OPEN_GOAL_STATUSES, review_on__lt=today),
        "sign_offs": TransitionRequest.objects.filter(
            status=TransitionRequest.Status.PENDING, created_at__lt=waited
        ),
        "warnings": CheckIn.objects.filter(
            warned, done_on__isnull=False, warning_acknowledged_at__isnull=True
        ),
    }
    for counts in found.values():
        counts.update(dict.fromkeys(counted, 0))
    if not found:
        return found
    names = list(counted)
    streams = []
    values: list[Any] = []
    for n, rows in enumerate(counted.values()):
        sql, params = rows.order_by().values(key=F("case_id")).query.sql_with_params()
        streams.append(f"SELECT {n} AS kind, s{n}.key FROM ({sql}) s{n}")  # noqa: S608
        values.extend(params)
    scoped, params = open_cases.values(key=F("pk"), phase_key=F("phase_id")).query.sql_with_params()
    query = (
        "SELECT c.phase_key, w.kind, COUNT(*) FROM ("  # noqa: S608 - compiled querysets
        + " UNION ALL ".join(streams)
        + f") w INNER JOIN ({scoped}) c ON c.key = w.key GROUP BY c.phase_key, w.kind"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*values, *params])
        for phase, kind, n in cursor.fetchall():
            # a case that moved into a phase between the two queries: counted next time
            if phase in found:
                found[phase][names[kind]] = n
    return found


def funnel(
    cases: QuerySet[Case],
    programme: Programme | None,
    work: dict[Any, dict[str, int]] | None = None,
) -> list[tuple[str, int]]:
    """Open cases by the phase they are in, every phase of the programmes shown listed in
    pathway order (empty phases too: a funnel shows where people are not)."""
    if work is None:
        work = _open_work(cases, timezone.localdate())
    counts = {phase: found["open_cases"] for phase, found in work.items()}
    phases = Phase.objects.filter(is_final=False).select_related("programme")
    if programme is not None:
        phases = phases.filter(programme=programme)
    else:
        # the programmes with a case the reader may read: one probe each (a handful), not
        # a read of every such case
        phases = phases.filter(
            programme__in=Programme.objects.filter(
                Exists(cases.order_by().filter(programme=OuterRef("pk")))
            )
        )
    return [
        (f"{p.programme.code} · {p.label}", counts.get(p.pk, 0))
        for p in phases.order_by("programme__code", "order")
    ]


def overdue(
    cases: QuerySet[Case],
    today: datetime.date,
    work: dict[Any, dict[str, int]] | None = None,
) -> list[tuple[str, str, int]]:
    if work is None:
        work = _open_work(cases, today)

    def total(name: str) -> int:
        return sum(found[name] for found in work.values())

    return [
        ("cases", _("Open cases with something overdue"), total("cases")),
        ("check_ins", _("Aftercare check-ins past their date"), total("check_ins")),
        ("plan_reviews", _("Plan goals past their review date"), total("plan_reviews")),
        (
            "sign_offs",
            _("Gate requests waiting for sign-offs more than %(days)s days")
            % {"days": SIGN_OFF_DAYS},
            total("sign_offs"),
        ),
    ]


def _listed(rows: QuerySet[Any], date: str) -> list[tuple[int, str, datetime.date | None]]:
    return [
        (case_id, code, day)
        for case_id, code, day in rows.values_list("case_id", "case__participant__code", date)[
            :ALERTS_LISTED
        ]
    ]


def alerts(cases: QuerySet[Case], work: dict[Any, dict[str, int]] | None = None) -> list[Alert]:
    if work is None:
        work = _open_work(cases, timezone.localdate())
    warned = Q()
    for name, _label in WARNING_FIELDS:
        warned |= Q(**{name: True})
    warnings = CheckIn.objects.filter(
        warned,
        case__in=cases.filter(closed_on__isnull=True),
        done_on__isnull=False,
        warning_acknowledged_at__isnull=True,
    ).order_by("done_on", "pk")
    # the oldest few and how many in all, in one query (the count a window over the rows)
    reported = [
        (case_id, code, day, total)
        for case_id, code, day, total in OutcomeEvent.objects.filter(
            case__in=cases, kind__in=NEGATIVE_OUTCOMES, verification=Verified.REPORTED
        )
        .order_by("occurred_on", "pk")
        .annotate(total=Window(Count("pk")))
        .values_list("case_id", "case__participant__code", "occurred_on", "total")[:ALERTS_LISTED]
    ]
    return [
        Alert(
            "warnings",
            _("Warning signs at check-ins that no one has acknowledged"),
            sum(found["warnings"] for found in work.values()),
            _listed(warnings, "done_on"),
        ),
        Alert(
            "outcomes",
            _("Negative outcome events waiting to be verified"),
            reported[0][3] if reported else 0,
            [(case_id, code, day) for case_id, code, day, _total in reported],
        ),
    ]


def build(
    user: Any,
    programme: Programme | None = None,
    today: datetime.date | None = None,
    keep: bool = False,
) -> Dashboard:
    """The dashboard of the cases ``user`` may read; with ``keep`` (the page, which says as
    of when) its trends may be a few minutes old; otherwise (the downloads) they are
    computed afresh."""
    today = today or timezone.localdate()
    cases = Case.objects.visible_to(user)
    if programme is not None:
        cases = cases.filter(programme=programme)
    # the trends read every check-in and goal of the quarters shown: kept a few minutes per
    # reader and programme; the funnel, overdue work and alerts are always current
    found = (
        snapshots.remembered(
            "dashboard-trends",
            (snapshots.reach(user), programme.pk if programme else None, today),
            lambda: trends(cases, today),
        )
        if keep
        else snapshots.AsOf(trends(cases, today), timezone.now())
    )
    # the funnel, overdue work and unacknowledged warnings: one live query (``_open_work``)
    work = _open_work(cases, today)
    return Dashboard(
        today=today,
        funnel=funnel(cases, programme, work),
        overdue=overdue(cases, today, work),
        alerts=alerts(cases, work),
        trends=found.value,
        as_of=found.computed_at if keep and snapshots.max_age() > 0 else None,
    )
