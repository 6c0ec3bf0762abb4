"""Indicators as data: each has a code, a version, a name, a definition and a denominator in
three languages (translatable strings), and a formula over Bahali's records written as
querysets, so the database groups and counts (set-based; no row-by-row loops in Python).

Every formula takes the same :class:`Filters` (programme, district, lead organisation, sex,
age group, cohort year, period) and returns a :class:`Result` of raw figures. Raw figures
never leave the server as they are: pages, exports and releases show them through
``bahali.core.suppression`` (see :func:`Result.shown`).

A definition is fixed before the period it reports on: :func:`fingerprint` digests the
English text and the formula's source, ``services.register_definitions`` records each new
version as an audited row with the date it counts from, and a changed fingerprint under an
unchanged version number is refused (a change is a new version).
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import Lead
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bahali.aftercare.models import CheckIn
from bahali.cases.models import Case, Closure, PhaseChange, ReferralSource
from bahali.casework.models import (
    Attendance,
    AttendanceStatus,
    Goal,
    GoalStatus,
    SessionKind,
    SupportItem,
    SupportKind,
    SupportStatus,
)
from bahali.core import suppression
from bahali.grievances.models import Grievance
from bahali.programmes.models import Phase
from bahali.referrals.models import Referral, ReferralStatus
from bahali.registry.models import AgeBand, Sex

COUNT, RATE, MEAN, MEDIAN = "count", "rate", "mean", "median"

AGE_GROUPS = [
    ("juvenile", _("Juvenile (under 18 at registration)")),
    ("adult", _("Adult")),
    *[(value, label) for value, label in AgeBand.choices if value],
]

# dimensions a count indicator can be broken down by, beside its own categories
BY_CHOICES = [
    ("", _("No breakdown")),
    ("programme", _("Programme")),
    ("district", _("District")),
    ("sex", _("Sex")),
    ("juvenile", _("Juvenile or adult")),
]
_BY_FIELDS = {
    "programme": "programme__code",
    "district": "district__code",
    "sex": "participant__sex",
    "juvenile": "participant__is_juvenile",
}


@dataclass(frozen=True)
class Filters:
    programme: int | None = None
    district: int | None = None
    organisation: int | None = None
    sex: str = ""
    age: str = ""
    cohort: int | None = None  # the year enrolled
    start: datetime.date | None = None
    end: datetime.date | None = None
    by: str = ""

    def period(self) -> tuple[datetime.date, datetime.date]:
        return (self.start or datetime.date(2000, 1, 1), self.end or timezone.localdate())

    def cases(self) -> QuerySet[Case]:
        """Every case these filters keep (the period is applied by each formula to its own
        date: enrolled, closed, held, due…)."""
        cases = Case.objects.all()
        if self.programme:
            cases = cases.filter(programme=self.programme)
        if self.district:
            cases = cases.filter(district=self.district)
        if self.organisation:
            cases = cases.filter(lead_organisation=self.organisation)
        if self.sex:
            cases = cases.filter(participant__sex=self.sex)
        if self.age == "juvenile":
            cases = cases.filter(participant__is_juvenile=True)
        elif self.age == "adult":
            cases = cases.filter(participant__is_juvenile=False)
        elif self.age:
            cases = cases.filter(participant__age_band=self.age)
        if self.cohort:
            cases = cases.filter(opened_on__year=self.cohort)
        return cases

    def open_during(self) -> QuerySet[Case]:
        start, end = self.period()
        return (
            self.cases()
            .filter(opened_on__lte=end)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))
        )

    def public(self) -> dict[str, Any]:
        start, end = self.period()
        return {
            "programme": self.programme,
            "district": self.district,
            "organisation": self.organisation,
            "sex": self.sex,
            "age": self.age,
            "cohort": self.cohort,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "by": self.by,
        }


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass
class Result:
    indicator: Indicator
    lines: list[Line]
    total: Line | None = None
    # a count broken down by a second dimension: column keys and labels, and counts
    columns: list[tuple[str, str]] = field(default_factory=list)
    grid: list[list[int]] = field(default_factory=list)

    def shown(self, k: int | None = None) -> dict[str, Any]:
        """The figures fit to show without case access: suppressed, as plain data."""
        k = k or suppression.minimum()
        kind = self.indicator.kind
        rows: list[dict[str, Any]] = []
        if kind == COUNT and self.columns:
            table = suppression.suppress_table(self.grid, k=k)
            for line, cells, total in zip(
                self.lines, table.cells, table.row_totals or [], strict=True
            ):
                rows.append({"key": line.key, "label": line.label, "cells": cells, "value": total})
            return {
                "columns": [label for _key, label in self.columns],
                "rows": rows,
                "column_totals": table.column_totals,
                "total": table.total,
            }
        if kind == COUNT:
            cells, total = suppression.suppress_counts(
                [int(line.value or 0) for line in self.lines], k=k
            )
            rows = [
                {"key": line.key, "label": line.label, "value": cell}
                for line, cell in zip(self.lines, cells, strict=True)
            ]
            return {"columns": [], "rows": rows, "total": total}
        for line in [*self.lines, *([self.total] if self.total else [])]:
            rows.append(
                {
                    "key": line.key,
                    "label": line.label,
                    "value": suppression.suppress_ratio(
                        line.value,
                        line.numerator if kind == RATE else None,
                        line.denominator or 0,
                        k=k,
                    ),
                    "denominator": suppression.suppress_count(line.denominator or 0, k=k),
                }
            )
        return {"columns": [], "rows": rows, "total": None}

    def public(self, k: int | None = None) -> dict[str, Any]:
        """:meth:`shown` as JSON-ready values ("<5" for hidden cells)."""
        shown = self.shown(k)

        def plain(value: Any) -> Any:
            if isinstance(value, suppression.Shown):
                out = value.public()
                return round(out, 4) if isinstance(out, float) else out
            if isinstance(value, list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {key: plain(v) for key, v in value.items()}
            return value

        return {
            "code": self.indicator.code,
            "version": self.indicator.version,
            "kind": self.indicator.kind,
            **plain(shown),
        }


@dataclass(frozen=True)
class Indicator:
    code: str
    version: int
    kind: str
    name: str | Promise
    definition: str | Promise
    denominator: str | Promise
    formula: Callable[[Indicator, Filters], Result]
    unit: str | Promise = ""

    def compute(self, filters: Filters) -> Result:
        return self.formula(self, filters)

    def fingerprint(self) -> str:
        return fingerprint(self)


INDICATORS: dict[str, Indicator] = {}


def indicator(
    code: str,
    version: int,
    kind: str,
    name: str | Promise,
    definition: str | Promise,
    denominator: str | Promise,
    unit: str | Promise = "",
) -> Callable[[Callable[[Indicator, Filters], Result]], Callable[[Indicator, Filters], Result]]:
    def register(formula: Callable[[Indicator, Filters], Result]) -> Callable[..., Result]:
        INDICATORS[code] = Indicator(
            code, version, kind, name, definition, denominator, formula, unit
        )
        return formula

    return register


def fingerprint(item: Indicator) -> str:
    """A digest of what a version means: its English text and its formula's source."""
    with translation.override("en"):
        parts = [item.code, str(item.version), item.kind, str(item.name)]
        parts += [str(item.definition), str(item.denominator), inspect.getsource(item.formula)]
        text = "\n".join(parts)
    return hashlib.sha256(text.encode()).hexdigest()


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _choices_lines(choices: list[tuple[str, Any]], counts: dict[str, int]) -> list[Line]:
    return [Line(str(key), str(label), counts.get(str(key), 0)) for key, label in choices]


def _count_by(
    item: Indicator,
    filters: Filters,
    rows: QuerySet[Any],
    category: str,
    choices: list[tuple[str, Any]],
    case_path: str = "",
) -> Result:
    """A count of ``rows`` by ``category`` (one query), with the filters' second dimension."""
    if not filters.by:
        counts = {str(r[category]): r["n"] for r in rows.values(category).annotate(n=Count("pk"))}
        return Result(item, _choices_lines(choices, counts))
    by = f"{case_path}{_BY_FIELDS[filters.by]}"
    found = list(rows.values(category, by).annotate(n=Count("pk")).order_by())
    columns = sorted({str(r[by]) for r in found})
    labels = dict(_by_labels(filters.by))
    grid_at = {(str(r[category]), str(r[by])): r["n"] for r in found}
    lines = []
    grid = []
    for key, label in choices:
        row = [grid_at.get((str(key), column), 0) for column in columns]
        lines.append(Line(str(key), str(label), sum(row)))
        grid.append(row)
    return Result(
        item,
        lines,
        columns=[(c, str(labels.get(c, c))) for c in columns],
        grid=grid if columns else [],
    )


def _by_labels(by: str) -> list[tuple[str, Any]]:
    if by == "sex":
        return list(Sex.choices)
    if by == "juvenile":
        return [("True", _("Juvenile")), ("False", _("Adult"))]
    return []


# --- the indicators ------------------------------------------------------------------


@indicator(
    "enrolments-by-source",
    1,
    COUNT,
    _("Enrolments by referral source"),
    _("Cases enrolled in the period, by who referred the person."),
    _("Cases enrolled in the period."),
)
def enrolments_by_source(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    rows = filters.cases().filter(opened_on__range=(start, end))
    return _count_by(item, filters, rows, "referral_source", list(ReferralSource.choices))


@indicator(
    "people-in-phase",
    1,
    COUNT,
    _("People in each phase"),
    _("Cases open at the end of the period, by the phase they were in on that day."),
    _("Cases open at the end of the period."),
)
def people_in_phase(item: Indicator, filters: Filters) -> Result:
    _start, end = filters.period()
    open_then = (
        filters.cases()
        .filter(opened_on__lte=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=end))
    )
    # the phase on the last day: the latest move into a phase on or before it
    moves = PhaseChange.objects.filter(
        case__in=open_then, changed_on__lte=end, to_phase__isnull=False
    ).annotate(
        later=Window(
            Lead("changed_on"),
            partition_by=[F("case_id")],
            order_by=[F("changed_on").asc(), F("pk").asc()],
        )
    )
    # keep each case's last move on or before the day (no later move before it)
    last = [
        row["to_phase"]
        for row in moves.values("to_phase", "later")
        if row["later"] is None or row["later"] > end
    ]
    phases = list(Phase.objects.select_related("programme").order_by("programme__code", "order"))
    if filters.programme:
        phases = [p for p in phases if p.programme_id == filters.programme]
    choices = [(str(p.pk), f"{p.programme.code} · {p.label}") for p in phases]
    counts: dict[str, int] = {}
    for phase in last:
        counts[str(phase)] = counts.get(str(phase), 0) + 1
    return Result(item, _choices_lines(choices, counts))


@indicator(
    "median-days-in-phase",
    1,
    MEDIAN,
    _("Median days in each phase"),
    _(
        "For each phase, the median number of days between entering the phase and leaving it, "
        "over the stays that ended in the period."
    ),
    _("Stays in the phase that ended in the period."),
    unit=_("days"),
)
def median_days_in_phase(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    stays = PhaseChange.objects.filter(case__in=filters.cases(), to_phase__isnull=False).annotate(
        left_on=Window(
            Lead("changed_on"),
            partition_by=[F("case_id")],
            order_by=[F("changed_on").asc(), F("pk").asc()],
        )
    )
    days: dict[int, list[int]] = {}
    for row in stays.values("to_phase", "changed_on", "left_on"):
        if row["left_on"] is not None and start <= row["left_on"] <= end:
            days.setdefault(row["to_phase"], []).append((row["left_on"] - row["changed_on"]).days)
    phases = Phase.objects.select_related("programme").order_by("programme__code", "order")
    lines = [
        Line(
            str(p.pk), f"{p.programme.code} · {p.label}", _median(days[p.pk]), None, len(days[p.pk])
        )
        for p in phases
        if p.pk in days
    ]
    return Result(item, lines)


@indicator(
    "closures",
    1,
    RATE,
    _("Completion and dropout"),
    _(
        "Of the cases closed in the period (transfers aside), the share that completed the "
        "programme, withdrew, or were exited."
    ),
    _("Cases closed in the period, not counting transfers."),
)
def closures(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    closed = (
        filters.cases().filter(closed_on__range=(start, end)).exclude(closure=Closure.TRANSFERRED)
    )
    counts = {r["closure"]: r["n"] for r in closed.values("closure").annotate(n=Count("pk"))}
    total = sum(counts.values())
    lines = [
        Line(
            key,
            str(label),
            counts.get(key, 0) / total if total else None,
            counts.get(key, 0),
            total,
        )
        for key, label in Closure.choices
        if key != Closure.TRANSFERRED
    ]
    return Result(item, lines)


@indicator(
    "sessions-per-case",
    1,
    MEAN,
    _("Sessions per case"),
    _(
        "Sessions attended (present) in the period, divided by the cases open at any time "
        "in the period; by type of session and in all."
    ),
    _("Cases open at any time in the period."),
    unit=_("sessions"),
)
def sessions_per_case(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    cases = filters.open_during()
    denominator = cases.count()
    attended = Attendance.objects.filter(
        case__in=cases, status=AttendanceStatus.PRESENT, session__held_on__range=(start, end)
    )
    counts = {
        r["session__kind"]: r["n"] for r in attended.values("session__kind").annotate(n=Count("pk"))
    }
    lines = [
        Line(
            key,
            str(label),
            counts.get(key, 0) / denominator if denominator else None,
            None,
            denominator,
        )
        for key, label in SessionKind.choices
    ]
    everything = sum(counts.values())
    total = Line(
        "all",
        str(_("All sessions")),
        everything / denominator if denominator else None,
        None,
        denominator,
    )
    return Result(item, lines, total)


@indicator(
    "plan-goals-met",
    1,
    RATE,
    _("Plan goals met"),
    _("Of the plan goals whose target date fell in the period, the share achieved."),
    _("Plan goals with a target date in the period."),
)
def plan_goals_met(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    goals = Goal.objects.filter(case__in=filters.cases(), target_on__range=(start, end))
    found = goals.aggregate(n=Count("pk"), met=Count("pk", filter=Q(status=GoalStatus.ACHIEVED)))
    n, met = found["n"], found["met"]
    return Result(item, [Line("all", str(_("All goals")), met / n if n else None, met, n)])


@indicator(
    "check-ins-on-time",
    1,
    RATE,
    _("Check-ins on time"),
    _(
        "Of the scheduled aftercare check-ins due in the period (and not later than today), "
        "the share held on or before their due date."
    ),
    _("Scheduled check-ins due in the period."),
)
def check_ins_on_time(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    due = CheckIn.objects.filter(
        case__in=filters.cases(),
        is_follow_up=False,
        due_on__range=(start, min(end, timezone.localdate())),
    )
    found = due.aggregate(n=Count("pk"), on_time=Count("pk", filter=Q(done_on__lte=F("due_on"))))
    n, on_time = found["n"], found["on_time"]
    return Result(
        item, [Line("all", str(_("All check-ins")), on_time / n if n else None, on_time, n)]
    )


@indicator(
    "referrals-completed",
    1,
    RATE,
    _("Referrals completed"),
    _("Of the referrals sent in the period and not withdrawn, the share the provider completed."),
    _("Referrals sent in the period, not withdrawn."),
)
def referrals_completed(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    sent = Referral.objects.filter(case__in=filters.cases(), sent_on__range=(start, end)).exclude(
        status=ReferralStatus.CANCELLED
    )
    found = sent.aggregate(
        n=Count("pk"), done=Count("pk", filter=Q(status=ReferralStatus.COMPLETED))
    )
    n, done = found["n"], found["done"]
    return Result(item, [Line("all", str(_("All referrals")), done / n if n else None, done, n)])


@indicator(
    "support-per-case",
    1,
    MEAN,
    _("Support spent per case"),
    _(
        "Support paid in the period (rupees), divided by the cases that received any paid "
        "support in the period; by type of support and in all."
    ),
    _("Cases that received paid support in the period."),
    unit=_("PKR"),
)
def support_per_case(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    paid = SupportItem.objects.filter(
        case__in=filters.cases(), status=SupportStatus.PAID, provided_on__range=(start, end)
    )
    found = {
        r["kind"]: r
        for r in paid.values("kind").annotate(
            spent=Sum("amount"), cases=Count("case", distinct=True)
        )
    }
    lines = []
    for key, label in SupportKind.choices:
        row = found.get(key)
        n = row["cases"] if row else 0
        lines.append(Line(key, str(label), float(row["spent"]) / n if row and n else None, None, n))
    overall = paid.aggregate(spent=Sum("amount"), cases=Count("case", distinct=True))
    n = overall["cases"] or 0
    total = Line("all", str(_("All support")), float(overall["spent"]) / n if n else None, None, n)
    return Result(item, lines, total)


@indicator(
    "grievances-within-limits",
    1,
    RATE,
    _("Grievances handled within their limits"),
    _(
        "Of the grievances received in the period: the share acknowledged by their "
        "acknowledgement date, the share resolved by their resolution date (of those whose "
        "date has passed or that are resolved), and the median days from receipt to "
        "resolution. Filtered by district only: a grievance need not name a case."
    ),
    _("Grievances received in the period."),
)
def grievances_within_limits(item: Indicator, filters: Filters) -> Result:
    start, end = filters.period()
    today = timezone.localdate()
    received = Grievance.objects.filter(received_on__range=(start, end))
    if filters.district:
        received = received.filter(district=filters.district)
    found = received.aggregate(
        n=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_on__lte=F("acknowledge_by"))),
        due=Count("pk", filter=Q(resolve_by__lt=today) | Q(resolved_on__isnull=False)),
        resolved=Count("pk", filter=Q(resolved_on__lte=F("resolve_by"))),
    )
    days = [
        (resolved - got).days
        for got, resolved in received.filter(resolved_on__isnull=False).values_list(
            "received_on", "resolved_on"
        )
    ]
    n, due = found["n"], found["due"]
    return Result(
        item,
        [
            Line(
                "acknowledged",
                str(_("Acknowledged in time")),
                found["acknowledged"] / n if n else None,
                found["acknowledged"],
                n,
            ),
            Line(
                "resolved",
                str(_("Resolved in time")),
                found["resolved"] / due if due else None,
                found["resolved"],
                due,
            ),
            Line(
                "median_days", str(_("Median days to resolution")), _median(days), None, len(days)
            ),
        ],
    )


def compute_all(filters: Filters) -> list[Result]:
    return [item.compute(filters) for item in INDICATORS.values()]
