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
from typing import Any, TypeVar

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bahali.aftercare.models import CheckIn
from bahali.cases.models import Case, Closure, ReferralSource
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
    ("youth", _("Youth (15–29 at registration)")),
    *[(value, label) for value, label in AgeBand.choices if value],
]


Rows = TypeVar("Rows", bound=QuerySet[Any])


def by_age(rows: Rows, age: str, participant: str = "participant__") -> Rows:
    """``rows`` of the age group ``age`` (see ``AGE_GROUPS``), through ``participant``."""
    if age == "juvenile":
        return rows.filter(**{f"{participant}is_juvenile": True})
    if age == "adult":
        return rows.filter(**{f"{participant}is_juvenile": False})
    if age == "youth":  # the age not known (empty) is not counted as youth
        return rows.filter(**{f"{participant}is_youth": True})
    if age:
        return rows.filter(**{f"{participant}age_band": age})
    return rows


def statistical_use(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases that may be counted in anonymous figures: all of a programme that does not
    ask for consent to statistical use, and of one that does, those whose participant gave
    it and has not withdrawn it (one subquery; no list of people)."""
    from django.db.models import Exists, OuterRef

    from bahali.registry.models import Consent, ConsentPurpose

    consented = Consent.objects.filter(
        participant=OuterRef("participant"),
        purpose=ConsentPurpose.STATISTICS,
        withdrawn_on__isnull=True,
    )
    return cases.filter(Q(programme__statistics_consent_required=False) | Exists(consented))


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
    # count only the cases that may be counted in anonymous figures (``statistical_use``);
    # the oversight report, which reads every case, counts them all
    statistical: bool = True

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
        cases = by_age(cases, self.age)
        if self.cohort:
            cases = cases.filter(opened_on__year=self.cohort)
        return statistical_use(cases) if self.statistical else cases

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


def _median_of_counts(counts: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many times), as ``statistics.median``
    gives it for the list they stand for."""
    ordered = sorted(counts)
    total = sum(n for _value, n in ordered)
    if not total:
        return None

    def at(index: int) -> int:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)

    middle = total // 2
    if total % 2:
        return float(at(middle))
    return (at(middle - 1) + at(middle)) / 2


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
    2,
    COUNT,
    _("People in each phase"),
    _("Cases open at the end of the period, by the phase they were in on that day."),
    _("Cases open at the end of the period."),
)
def people_in_phase(item: Indicator, filters: Filters) -> Result:
    # Version 2 counts the same as version 1 from the stored stays (``evidence.figures``:
    # each move into a phase with the day of the case's next move) instead of ordering
    # every phase change of the caseload at each view: one grouped query.
    from bahali.evidence.models import PhaseStay

    _start, end = filters.period()
    open_then = (
        filters.cases()
        .filter(opened_on__lte=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=end))
    )
    # the phase on the last day: the stay entered on or before it and not left by then
    held = PhaseStay.objects.filter(case__in=open_then, entered_on__lte=end).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=end)
    )
    counts = {
        str(row["phase"]): row["n"]
        for row in held.values("phase").annotate(n=Count("pk")).order_by()
    }
    phases = list(Phase.objects.select_related("programme").order_by("programme__code", "order"))
    if filters.programme:
        phases = [p for p in phases if p.programme_id == filters.programme]
    choices = [(str(p.pk), f"{p.programme.code} · {p.label}") for p in phases]
    return Result(item, _choices_lines(choices, counts))


@indicator(
    "median-days-in-phase",
    2,
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
    # Version 2 gives the same medians as version 1 from the stored stays
    # (``evidence.figures``), counted by phase and length in the database: the medians are
    # read from those counts, not from a list of every stay.
    from bahali.evidence.models import PhaseStay

    start, end = filters.period()
    ended = PhaseStay.objects.filter(case__in=filters.cases(), left_on__range=(start, end))
    days: dict[int, list[tuple[int, int]]] = {}
    for row in ended.values("phase", "days").annotate(n=Count("pk")).order_by():
        days.setdefault(row["phase"], []).append((row["days"], row["n"]))
    phases = Phase.objects.select_related("programme").order_by("programme__code", "order")
    lines = [
        Line(
            str(p.pk),
            f"{p.programme.code} · {p.label}",
            _median_of_counts(days[p.pk]),
            None,
            sum(n for _days, n in days[p.pk]),
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


def attended(cases: QuerySet[Case], start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The present attendance of ``cases`` held from ``start`` to ``end``, by type of
    session: the period's whole calendar years from the stored sessions per year
    (``SessionYear``), the days before and after them from the attendance rows themselves
    (one partial index: present attendance by the session's day kept on each row)."""
    from bahali.evidence.models import SessionYear

    today = timezone.localdate()
    present = Attendance.objects.filter(status=AttendanceStatus.PRESENT)

    def whole(year: int) -> bool:
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        if start > first:
            return False
        if end >= last:
            return True
        # a year not over yet is whole when none of its sessions falls after ``end``
        return end >= today and not present.filter(held_on__gt=end, held_on__lte=last).exists()

    years = [year for year in range(start.year, end.year + 1) if whole(year)]
    counts = dict.fromkeys(SessionKind.values, 0)
    spans = [(start, end)]
    if years:
        found = SessionYear.objects.filter(
            case__in=cases, year__range=(years[0], years[-1])
        ).aggregate(**{f"n_{kind}": Sum(kind) for kind in SessionKind.values})
        for kind in SessionKind.values:
            counts[kind] += found[f"n_{kind}"] or 0
        spans = [
            (start, datetime.date(years[0], 1, 1) - datetime.timedelta(days=1)),
            (datetime.date(years[-1], 12, 31) + datetime.timedelta(days=1), end),
        ]
    for begin, finish in spans:
        if begin > finish:
            continue
        rows = present.filter(case__in=cases, held_on__range=(begin, finish))
        for row in rows.values("kind").annotate(n=Count("pk")).order_by():
            counts[row["kind"]] = counts.get(row["kind"], 0) + row["n"]
    return counts


@indicator(
    "sessions-per-case",
    2,
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
    # Version 2 counts the same as version 1 from the stored sessions per case and year
    # (``evidence.figures``) and the session's day and type kept on each attendance row,
    # instead of joining every attendance of the period to its session.
    start, end = filters.period()
    cases = filters.open_during()
    denominator = cases.count()
    counts = attended(cases, start, end)
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


@indicator(
    "reassessments-on-time",
    2,
    RATE,
    _("Reassessments on time"),
    _(
        "Of the progress reassessments completed in the period (a completed progress "
        "assessment in force that follows an earlier one of the same case), the share "
        "completed on or before the date it was due: the due date the case's schedule gave "
        "the day before (the interval of the phase the case was then in after the previous "
        "assessment, or 30 days after entering that phase if sooner, or 14 days after an "
        "aftercare check-in with warning signs). Reassessments never done are not counted."
    ),
    _("Progress reassessments completed in the period."),
)
def reassessments_on_time(item: Indicator, filters: Filters) -> Result:
    # Version 2 counts the same as version 1 from the stored reassessments
    # (``evidence.figures``: each one's due date worked out once, when the case's
    # assessments, phases or check-ins change) instead of walking every case at each view.
    from bahali.evidence.models import ReassessmentFigure

    start, end = filters.period()
    found = ReassessmentFigure.objects.filter(
        case__in=filters.cases(), assessed_on__range=(start, end)
    ).aggregate(n=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))
    n, on_time = found["n"], found["on_time"]
    return Result(
        item,
        [Line("all", str(_("All reassessments")), on_time / n if n else None, on_time, n)],
    )


@indicator(
    "domain-rating-change",
    2,
    COUNT,
    _("Change in domain ratings"),
    _(
        "Cases whose latest completed progress assessment in force falls in the period and "
        "that had an earlier one: for each rated domain, whether the level of concern in the "
        "latest assessment is lower (improved), the same, or higher (worse) than in the first. "
        "A domain not rated in both is left out. The 'counts by' breakdown does not apply."
    ),
    _("Cases with two or more progress assessments, the latest in the period."),
)
def domain_rating_change(item: Indicator, filters: Filters) -> Result:
    # Version 2 counts the same as version 1 from the comparisons stored when each
    # assessment is completed (``evidence.ratings``) instead of opening two sealed rating
    # sets per case: one grouped query, whatever the caseload.
    from bahali.assessments import definition as spec
    from bahali.assessments.models import InstrumentVersion
    from bahali.evidence.models import RatingChange, RatingStanding

    start, end = filters.period()
    # each case's latest assessment in force on the last day, when it is not its first
    latest = RatingStanding.objects.filter(
        Q(until__isnull=True) | Q(until__gt=end),
        case__in=filters.cases(),
        is_first=False,
        assessed_on__range=(start, end),
    )
    counts: dict[str, list[int]] = {}
    for row in (
        RatingChange.objects.filter(standing__in=latest.values("pk"))
        .values("domain", "change")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault(row["domain"], [0, 0, 0])[row["change"] + 1] += row["n"]
    # the domains' names as the newest assessments' instruments give them
    versions = (
        latest.order_by()
        .values("instrument_version")
        .annotate(newest=Max("assessment"))
        .order_by("-newest")
        .values_list("instrument_version", flat=True)
    )
    ordered = list(versions) if counts else []
    found = InstrumentVersion.objects.in_bulk(ordered)
    labels: dict[str, str] = {}
    for pk in ordered:
        for domain in spec.rated_domains(found[pk].definition):
            labels.setdefault(domain["name"], spec.label(domain.get("label")))
    names = [name for name in labels if name in counts]
    names += sorted(name for name in counts if name not in labels)
    grid = [counts[name] for name in names]
    return Result(
        item,
        [Line(name, labels.get(name, name), sum(counts[name])) for name in names],
        columns=[
            ("improved", str(_("Improved"))),
            ("same", str(_("Same"))),
            ("worse", str(_("Worse"))),
        ],
        grid=grid,
    )


@indicator(
    "eligibility-refusals",
    1,
    COUNT,
    _("Eligibility refusals by district"),
    _(
        "Referrals before enrolment with a screening in the period that decided 'not "
        "eligible' (each referral once), by the referral's district; broken down by sex, "
        "juvenile or adult, or programme screened for. The programme, district, organisation "
        "(the one that received the referral), sex and age filters apply; the cohort filter "
        "does not (a person refused was never enrolled)."
    ),
    _("Referrals screened as not eligible in the period."),
)
def eligibility_refusals(item: Indicator, filters: Filters) -> Result:
    from bahali.geography.models import District
    from bahali.intake.models import Outcome, Screening
    from bahali.intake.models import Referral as IntakeReferral

    start, end = filters.period()
    refused = Screening.objects.filter(
        outcome=Outcome.NOT_ELIGIBLE, screened_on__range=(start, end)
    )
    if filters.programme:
        refused = refused.filter(programme=filters.programme)
    rows = IntakeReferral.objects.filter(pk__in=refused.values("referral"))
    if filters.district:
        rows = rows.filter(district=filters.district)
    if filters.organisation:
        rows = rows.filter(receiving_organisation=filters.organisation)
    if filters.sex:
        rows = rows.filter(participant__sex=filters.sex)
    rows = by_age(rows, filters.age)
    districts = District.objects.filter(pk__in=rows.values("district")).order_by("code")
    choices = [(str(d.pk), str(d)) for d in districts]
    return _count_by(item, filters, rows, "district", choices)


AFTER_RETURN = ((6, 183), (12, 365))  # months after return, and the days they stand for


@indicator(
    "work-and-education-after-return",
    2,
    RATE,
    _("Employment and education after return"),
    _(
        "Of the cases that returned to the community in the period (first entered the "
        "programme's aftercare phase) and for which 6 months (183 days) or 12 months (365 "
        "days) have passed since by today, the share with a verified employment outcome event, "
        "and the share with a verified education-completed outcome event, dated from the day "
        "of return to that many days after it. Bahali records employment and education as "
        "outcome events, not as a status at a given date: this counts work or education "
        "found in that time, not whether the person still had it on the day. Cases closed "
        "since return stay in the denominator."
    ),
    _("Cases that returned in the period, 6 or 12 months ago or more."),
)
def work_and_education_after_return(item: Indicator, filters: Filters) -> Result:
    # Version 2 counts the same as version 1 from the stored per-case figures
    # (``evidence.figures``: the day of return and the days from it to the first verified
    # employment and education on or after it), in one aggregate query.
    from bahali.aftercare.models import OutcomeKind
    from bahali.evidence.models import CaseFigures

    start, end = filters.period()
    today = timezone.localdate()
    back = CaseFigures.objects.filter(case__in=filters.cases(), returned_on__range=(start, end))
    counts: dict[str, Any] = {}
    for months, days in AFTER_RETURN:
        due = Q(returned_on__lte=today - datetime.timedelta(days=days))
        counts[f"n_{months}"] = Count("pk", filter=due)
        counts[f"employment_{months}"] = Count("pk", filter=due & Q(employment_after__lte=days))
        counts[f"education_{months}"] = Count("pk", filter=due & Q(education_after__lte=days))
    found = back.aggregate(**counts)
    lines = []
    for kind, field_name, label in [
        (OutcomeKind.EMPLOYMENT, "employment", _("Employment within %(months)s months")),
        (OutcomeKind.EDUCATION, "education", _("Education completed within %(months)s months")),
    ]:
        for months, _days in AFTER_RETURN:
            met, n = found[f"{field_name}_{months}"], found[f"n_{months}"]
            lines.append(
                Line(
                    f"{kind}_{months}",
                    str(label) % {"months": months},
                    met / n if n else None,
                    met,
                    n,
                )
            )
    return Result(item, lines)


@indicator(
    "community-readiness-trend",
    1,
    COUNT,
    _("Readiness of receiving communities"),
    _(
        "The communities named as receiving community of the cases the filters keep, at the "
        "end of each quarter of the period: how many stood at low, moderate or high readiness "
        "by their latest completed readiness assessment in force on that day. Communities "
        "not yet assessed by then are left out; quarters begin with the first assessment. "
        "The 'counts by' breakdown does not apply."
    ),
    _("Receiving communities with a readiness assessment by the end of the quarter."),
)
def community_readiness_trend(item: Indicator, filters: Filters) -> Result:
    from bahali.assessments import services as assessing
    from bahali.assessments.models import Assessment, Band, InstrumentKind

    start, end = filters.period()
    communities = filters.cases().filter(receiving_community__isnull=False)
    rated: dict[int, list[tuple[datetime.date, str]]] = {}
    for community_id, day, rating in (
        assessing.effective(
            Assessment.objects.filter(
                community__in=communities.values("receiving_community"),
                case__isnull=True,
                instrument_version__instrument__kind=InstrumentKind.READINESS,
                assessed_on__lte=end,
            )
        )
        .exclude(overall_rating="")
        .order_by("community_id", "assessed_on", "completed_at", "pk")
        .values_list("community_id", "assessed_on", "overall_rating")
    ):
        rated.setdefault(community_id, []).append((day, rating))
    bands = [Band.LOW, Band.MODERATE, Band.HIGH]
    columns = [(str(band), str(band.label)) for band in bands]
    levels = [str(band) for band in bands]
    if not rated:
        return Result(item, [], columns=columns)
    first = min(history[0][0] for history in rated.values())
    year, quarter = max(start, first).year, (max(start, first).month - 1) // 3
    lines, grid = [], []
    while datetime.date(year, quarter * 3 + 1, 1) <= end:
        last_day = (
            datetime.date(year + 1, 1, 1)
            if quarter == 3
            else datetime.date(year, quarter * 3 + 4, 1)
        ) - datetime.timedelta(days=1)
        day = min(last_day, end)
        row = [0, 0, 0]
        for history in rated.values():
            held = [rating for when, rating in history if when <= day]
            if held and held[-1] in levels:
                row[levels.index(held[-1])] += 1
        label = _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter + 1}
        lines.append(Line(f"{year}-Q{quarter + 1}", str(label), sum(row)))
        grid.append(row)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    return Result(item, lines, columns=columns, grid=grid)


def compute_all(filters: Filters) -> list[Result]:
    return [item.compute(filters) for item in INDICATORS.values()]
