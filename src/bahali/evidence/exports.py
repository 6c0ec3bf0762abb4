"""Evidence exports as background jobs (issue 15, item 7): a long table is written by the
worker (``bahali worker``) into a sealed file only the person who asked for it can download
(``jobs.services``: the start and every download are audit events), with its progress on the
job's page.

Two tables, both without a row per person:

* ``indicators`` — every indicator for the filters of the indicator page, suppressed as on
  that page (``Result.public``); for everyone who reads aggregate figures, analysts and
  donors among them.
* ``monthly`` — the programme dashboard's figures by month and group: for each month, the
  programme, district, lead organisation, sex and age band, the counts behind the
  indicators the dashboard follows (enrolments by source, closures by kind, sessions attended
  by type, check-ins on time, plan goals met, referrals completed, verified outcome events
  by kind). Over the cases the programme manager may read, so not suppressed, like the
  dashboard's own downloads; for programme managers only.

Memory stays flat whatever the caseload: the monthly table is one grouped query per figure
and year (by month), each written out before the next is read (the database connection runs without
server-side cursors, ``core.batches``), CSV is encoded as it goes and XLSX written by
openpyxl's streaming writer to a temporary file before it is sealed.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bahali.accounts import policies
from bahali.core.spreadsheets import safe_cell
from bahali.jobs import services as jobs
from bahali.jobs.registry import background
from bahali.jobs.services import JobError, JobHandle

KIND = "evidence.export"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Table:
    key: str
    label: str | Promise
    permission: str
    formats: tuple[str, ...] = ("csv", "xlsx")


TABLES = {
    "indicators": Table("indicators", gettext_lazy("Indicators"), "aggregate_report.read"),
    "monthly": Table(
        "monthly", gettext_lazy("Figures by month and group"), "programme_dashboard.read"
    ),
    # one pseudonymised row per research-consented case, for an approved researcher: the
    # CSV and its data dictionary in one ZIP (``evidence.research``)
    "research": Table(
        "research",
        gettext_lazy("Research extract (pseudonymised cases)"),
        "research_extract.read",
        formats=("zip",),
    ),
}


def tables_for(user: Any) -> list[Table]:
    """The exports ``user`` may start."""
    return [table for table in TABLES.values() if policies.can(user, table.permission)]


def start_export(*, actor: Any, table: str, fmt: str, query: str = "") -> Any:
    """Queue an export of ``table`` as ``fmt`` for ``actor`` with the page's filters
    (``query``, a query string of ids and dates: never identity) and return its job."""
    found = TABLES.get(table)
    if found is None or fmt not in found.formats:
        raise ValidationError(_("There is no such export."))
    if not policies.can(actor, found.permission):
        raise PermissionDenied
    _filters_of(found.key, query, actor)  # refuse bad filters now, not in the worker
    return jobs.start(KIND, actor=actor, params={"table": table, "format": fmt, "query": query})


def _filters_of(table: str, query: str, actor: Any) -> Any:
    from bahali.evidence.filters import DashboardFilter, EvidenceFilter

    if table == "research":
        from bahali.evidence.research import request_of

        return request_of(actor, query)
    data = QueryDict(query or "")
    if table == "indicators":
        form = EvidenceFilter(data or None)
        if form.is_bound and not form.is_valid():
            raise ValidationError(_("The filters of this export cannot be used."))
        return form.to_filters()
    board = DashboardFilter(data or None)
    if board.is_bound and not board.is_valid():
        raise ValidationError(_("The filters of this export cannot be used."))
    return board.filtering().get("programme")


@background(KIND, label=gettext_lazy("Evidence export"))
def run_export(job: JobHandle, params: dict[str, Any]) -> None:
    table = TABLES.get(str(params.get("table")))
    fmt = str(params.get("format"))
    if table is None or fmt not in table.formats:
        raise JobError(gettext_lazy("There is no such export."))
    # what the owner may read is decided now, in the worker, not when they asked
    if not policies.can(job.actor, table.permission):
        raise JobError(gettext_lazy("You may no longer read these figures."))
    try:
        filters = _filters_of(table.key, str(params.get("query") or ""), job.actor)
    except PermissionDenied as error:
        raise JobError(gettext_lazy("You may no longer read these figures.")) from error
    except ValidationError as error:
        raise JobError(error.messages[0]) from error
    if table.key == "research":
        research_extract(job, filters)
        return
    rows = (
        indicator_rows(filters, job.progress)
        if table.key == "indicators"
        else monthly_rows(job.actor, filters, job.progress)
    )
    stamp = timezone.localdate().isoformat()
    name = f"bahali-{table.key}-{stamp}.{fmt}"
    if fmt == "csv":
        job.attach(name, FORMATS[fmt], csv_chunks(rows))
    else:
        with tempfile.TemporaryFile() as spool:
            write_xlsx(rows, str(table.label), spool)
            spool.seek(0)
            job.attach(name, FORMATS[fmt], iter(lambda: spool.read(CHUNK), b""))


def csv_chunks(rows: Iterable[list[Any]], *, safe: bool = False) -> Iterator[bytes]:
    """``rows`` as CSV, in chunks of about 64 KiB; each cell made spreadsheet-safe unless
    ``safe`` says the rows' text cells already are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row if safe else [safe_cell(v) for v in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def write_xlsx(rows: Iterable[list[Any]], title: str, out: Any) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    book.save(out)


Progress = Callable[..., None]


# --- the indicator table -------------------------------------------------------------------


def indicator_rows(filters: Any, progress: Progress) -> Iterator[list[Any]]:
    """Every indicator for ``filters``, suppressed for public use (as on the indicator page
    and its CSV): one row per cell, then its line's total."""
    from bahali.evidence.indicators import INDICATORS

    start, end = filters.period()
    yield [
        _("indicator"),
        _("version"),
        _("line"),
        _("column"),
        _("value"),
        _("denominator"),
        _("from"),
        _("to"),
    ]
    items = list(INDICATORS.values())
    for done, item in enumerate(items):
        public = item.compute(filters).public()
        columns = public.get("columns") or []
        for row in public["rows"]:
            for column, cell in zip(columns, row.get("cells") or [], strict=False):
                yield [item.code, item.version, row["label"], column, cell, "", start, end]
            yield [
                item.code,
                item.version,
                row["label"],
                _("total") if columns else "",
                row["value"],
                row.get("denominator", ""),
                start,
                end,
            ]
        if public.get("total") is not None:
            yield [item.code, item.version, _("total"), "", public["total"], "", start, end]
        progress(done + 1, len(items), note=str(item.name))


# --- figures by month and group ------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One indicator's counts for the monthly table: its rows (given the cases), the date
    that places a row in a month, the path from a row to its case, what names a row's line
    (or one line, ``line_label``), and for a share the condition of its numerator."""

    code: str
    rows: Callable[[QuerySet[Any]], QuerySet[Any]]
    date: str
    case: str
    line: str = ""
    line_label: str | Promise = ""
    labels: Callable[[], dict[str, str]] | None = None
    numerator: Q | None = None


def _figures() -> list[Figure]:
    from bahali.aftercare.models import CheckIn, OutcomeEvent, OutcomeKind, Verification
    from bahali.cases.models import Closure, ReferralSource
    from bahali.casework.models import Attendance, AttendanceStatus, Goal, GoalStatus, SessionKind
    from bahali.referrals.models import Referral, ReferralStatus

    def choices(items: Any) -> Callable[[], dict[str, str]]:
        return lambda: {str(key): str(label) for key, label in items}

    return [
        Figure(
            "enrolments-by-source",
            lambda cases: cases,
            "opened_on",
            "",
            line="referral_source",
            labels=choices(ReferralSource.choices),
        ),
        Figure(
            "closures",
            lambda cases: cases.exclude(closure=Closure.TRANSFERRED),
            "closed_on",
            "",
            line="closure",
            labels=choices(Closure.choices),
        ),
        Figure(
            "sessions-per-case",
            lambda cases: Attendance.objects.filter(
                case__in=cases, status=AttendanceStatus.PRESENT
            ),
            "held_on",  # the session's day and type as kept on each attendance row
            "case__",
            line="kind",
            labels=choices(SessionKind.choices),
        ),
        Figure(
            "check-ins-on-time",
            lambda cases: CheckIn.objects.filter(case__in=cases, is_follow_up=False),
            "due_on",
            "case__",
            line_label=gettext_lazy("Check-ins held on time, of those due"),
            numerator=Q(done_on__lte=F("due_on")),
        ),
        Figure(
            "plan-goals-met",
            lambda cases: Goal.objects.filter(case__in=cases),
            "target_on",
            "case__",
            line_label=gettext_lazy("Plan goals achieved, of those due"),
            numerator=Q(status=GoalStatus.ACHIEVED),
        ),
        Figure(
            "referrals-completed",
            lambda cases: Referral.objects.filter(case__in=cases).exclude(
                status=ReferralStatus.CANCELLED
            ),
            "sent_on",
            "case__",
            line_label=gettext_lazy("Referrals completed, of those sent"),
            numerator=Q(status=ReferralStatus.COMPLETED),
        ),
        Figure(
            "outcome-events",
            lambda cases: OutcomeEvent.objects.filter(
                case__in=cases, verification=Verification.VERIFIED
            ),
            "occurred_on",
            "case__",
            line="kind",
            labels=choices(OutcomeKind.choices),
        ),
    ]


GROUPS = [
    "programme__code",
    "district__code",
    "lead_organisation__name",
    "participant__sex",
    "participant__age_band",
]


def months(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The calendar months from ``start``'s to ``end``'s: (first day, last day)."""
    found = []
    year, month = start.year, start.month
    while datetime.date(year, month, 1) <= end:
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        found.append((datetime.date(year, month, 1), following - datetime.timedelta(days=1)))
        year, month = following.year, following.month
    return found


def _years(
    spans: list[tuple[datetime.date, datetime.date]],
) -> list[tuple[datetime.date, datetime.date]]:
    """The months of ``spans`` joined by calendar year: (first day, last day) of each."""
    found: dict[int, tuple[datetime.date, datetime.date]] = {}
    for begin, finish in spans:
        first = found.get(begin.year, (begin, finish))[0]
        found[begin.year] = (first, finish)
    return list(found.values())


def monthly_rows(user: Any, programme: Any, progress: Progress) -> Iterator[list[Any]]:
    """The dashboard's figures by month and group over the cases ``user`` may read (one
    programme or all): one grouped query per figure and year, by month."""
    from django.db.models import Min
    from django.db.models.functions import TruncMonth

    from bahali.cases.models import Case
    from bahali.evidence.indicators import INDICATORS, statistical_use
    from bahali.registry.models import AgeBand, Sex

    cases = Case.objects.visible_to(user)
    if programme is not None:
        cases = cases.filter(programme=programme)
    cases = statistical_use(cases)
    today = timezone.localdate()
    first = cases.aggregate(first=Min("opened_on"))["first"]
    spans = months(first, today) if first else []
    figures = _figures()
    sexes = {str(k): str(v) for k, v in Sex.choices}
    bands = {str(k): str(v) for k, v in AgeBand.choices}
    yield [
        _("indicator"),
        _("version"),
        _("month"),
        _("programme"),
        _("district"),
        _("lead organisation"),
        _("sex"),
        _("age band"),
        _("line"),
        _("value"),
        _("numerator"),
        _("denominator"),
    ]
    # one grouped query per figure and year (a scan of the figure's rows each), its rows
    # by month: the year's rows are written out before the next year is read
    years = _years(spans)
    total = len(figures) * len(years)
    done = 0
    progress(0, total)
    for figure in figures:
        item = INDICATORS.get(figure.code)
        version = item.version if item else ""
        labels = figure.labels() if figure.labels else {}
        groups = [f"{figure.case}{path}" for path in GROUPS]
        fields = [*groups, *([figure.line] if figure.line else [])]
        counts: dict[str, Any] = {"n": Count("pk")}
        if figure.numerator is not None:
            counts["k"] = Count("pk", filter=figure.numerator)
        rows = figure.rows(cases)
        for begin, finish in years:
            found = (
                rows.filter(**{f"{figure.date}__range": (begin, min(finish, today))})
                .annotate(month=TruncMonth(figure.date))
                .values("month", *fields)
                .annotate(**counts)
                .order_by("month", *fields)
            )
            for row in found:
                line = (
                    labels.get(str(row[figure.line]), row[figure.line])
                    if figure.line
                    else str(figure.line_label)
                )
                n = row["n"]
                k = row.get("k")
                yield [
                    figure.code,
                    version,
                    row["month"].strftime("%Y-%m"),
                    row[groups[0]],
                    row[groups[1]],
                    row[groups[2]],
                    sexes.get(str(row[groups[3]]), row[groups[3]]),
                    bands.get(str(row[groups[4]]), row[groups[4]]),
                    line,
                    n if k is None else round(k / n, 4) if n else "",
                    "" if k is None else k,
                    "" if k is None else n,
                ]
            done += 1
            progress(done, total, note=f"{figure.code} {begin.year}")


# --- the research extract ------------------------------------------------------------------


def research_extract(job: JobHandle, request: Any) -> None:
    """Write the extract of ``request`` (``evidence.research.Request``) and its data
    dictionary into one ZIP, through a temporary file, and record it in the audit trail:
    the approval, the programmes, the rows and the SHA-256 of the CSV."""
    import hashlib
    import zipfile

    from bahali.evidence import research
    from bahali.evidence.services import record_research_extract

    layout = research.layout_for(request.programmes)
    digest = hashlib.sha256()
    count = -1  # the header is not a row

    def counted(rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            with bundle.open("extract.csv", "w", force_zip64=True) as out:
                for chunk in csv_chunks(
                    counted(research.rows(request, layout, job.progress)), safe=True
                ):
                    digest.update(chunk)
                    out.write(chunk)
            bundle.writestr("dictionary.csv", research.csv_text(research.dictionary(layout)))
        # in the audit trail before anyone can download it
        record_research_extract(
            actor=job.actor,
            approval=request.approval,
            programmes=sorted(p.code for p in request.programmes),
            rows=count,
            sha256=digest.hexdigest(),
        )
        spool.seek(0)
        stamp = timezone.localdate().isoformat()
        job.attach(
            f"bahali-research-{stamp}.zip", FORMATS["zip"], iter(lambda: spool.read(CHUNK), b"")
        )
