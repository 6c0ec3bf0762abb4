"""Evidence pages: the indicators (filterable, with their definitions and versions), their
CSV and XLSX exports, and recidivism as survival (an SVG chart drawn here, its data as a
table, its definitions under it).

Every figure here is aggregate and goes through ``bahali.core.suppression`` for every
role: these pages never list a case, a person or a date of one person. Thin: the
indicators and curves are computed in ``indicators`` and ``recidivism``.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from bahali.accounts import policies
from bahali.core import suppression
from bahali.core.forms import apply_validation_error
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.spreadsheets import safe_cell
from bahali.evidence import (
    charts,
    dashboard,
    exports,
    ledger,
    oversight,
    recidivism,
    releases,
    services,
    snapshots,
)
from bahali.evidence.filters import (
    DashboardFilter,
    EvidenceFilter,
    OversightDashboardFilter,
    OversightFilter,
)
from bahali.evidence.forms import ReleaseForm
from bahali.evidence.indicators import COUNT, INDICATORS, MEAN, MEDIAN, RATE, Filters, Result
from bahali.evidence.models import IndicatorVersion, Release


def _allowed(request: AuthedRequest) -> None:
    if not policies.can(request.user, "aggregate_report.read"):
        raise Http404


def _format(kind: str, shown: Any) -> str:
    if not isinstance(shown, suppression.Shown) or shown.hidden or shown.value is None:
        return str(shown)
    if kind == RATE:
        return f"{float(shown.value) * 100:.0f}%"
    if kind == MEAN:
        return f"{float(shown.value):,.1f}"
    if kind == MEDIAN:
        return f"{float(shown.value):.0f}"
    return str(shown)


def present(result: Result, recorded: dict[tuple[str, int], IndicatorVersion]) -> dict[str, Any]:
    item = result.indicator
    shown = result.shown()
    rows = [
        {
            "label": row["label"],
            "cells": [str(c) for c in row.get("cells", [])],
            "value": _format(item.kind, row["value"]),
            "denominator": str(row["denominator"]) if "denominator" in row else "",
        }
        for row in shown["rows"]
    ]
    record = recorded.get((item.code, item.version))
    return {
        "indicator": item,
        "registered": record,
        "columns": shown["columns"],
        "rows": rows,
        "column_totals": [str(c) for c in shown.get("column_totals") or []],
        "total": str(shown["total"]) if shown.get("total") is not None else "",
        "is_count": item.kind == COUNT,
    }


def _filters(request: AuthedRequest) -> tuple[EvidenceFilter, Filters]:
    form = EvidenceFilter(request.GET or None)
    return form, form.to_filters()


@login_required
@require_GET
def indicators(request: AuthedRequest) -> HttpResponse:
    _allowed(request)
    form, filters = _filters(request)
    recorded = {(v.code, v.number): v for v in IndicatorVersion.objects.all()}
    computed = [snapshots.indicator_result(item, filters) for item in INDICATORS.values()]
    cards = [present(found.value, recorded) for found in computed]
    start, end = filters.period()
    return render(
        request,
        "evidence/indicators.html",
        {
            "filters": form,
            "cards": cards,
            "start": start if filters.start else None,
            "end": end,
            "minimum": suppression.minimum(),
            "query": request.GET.urlencode(),
            **_as_of(computed),
        },
    )


def _as_of(found: list[snapshots.AsOf[Any]]) -> dict[str, Any]:
    """What a page says of its figures' age: when the oldest was computed, and how old
    they may be (nothing when every figure is computed afresh)."""
    return _age(snapshots.oldest(found))


def _age(as_of: datetime.datetime | None) -> dict[str, Any]:
    return snapshots.age(as_of)


def _export_rows(filters: Filters) -> Iterator[list[Any]]:
    """The indicator table of the page's CSV and XLSX: the background export's own rows."""
    return exports.indicator_rows(filters, lambda *args, **kwargs: None)


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def indicators_csv(request: AuthedRequest) -> StreamingHttpResponse:
    _allowed(request)
    _form, filters = _filters(request)
    writer = csv.writer(_Echo())
    lines = (writer.writerow([safe_cell(v) for v in row]) for row in _export_rows(filters))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="bahali-indicators-{stamp}.csv"'
    return response


@login_required
@require_GET
def indicators_xlsx(request: AuthedRequest) -> HttpResponse:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    _allowed(request)
    _form, filters = _filters(request)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Indicators")[:31])
    for row in _export_rows(filters):
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="bahali-indicators-{stamp}.xlsx"'
    return response


def _survival(request: AuthedRequest, keep: bool = True) -> dict[str, Any]:
    """The recidivism page's figures; the curves kept a few minutes when ``keep`` (the page,
    which says as of when), afresh for the download."""
    form, filters = _filters(request)
    group = request.GET.get("group", "")
    if group not in dict(recidivism.GROUPS):
        group = ""
    k = suppression.minimum()
    found = (
        snapshots.remembered(
            "survival", (filters, group), lambda: recidivism.curves(filters, group)
        )
        if keep
        else snapshots.AsOf(recidivism.curves(filters, group), timezone.now())
    )
    groups = found.value
    milestones = [
        {
            "label": row["label"],
            "subjects": str(row["subjects"]),
            "events": str(row["events"]),
            "cells": [
                {
                    "month": cell["month"],
                    "hidden": cell["hidden"],
                    "rate": "" if cell["hidden"] else f"{cell['rate'] * 100:.1f}%",
                    "band": ""
                    if cell["hidden"]
                    else f"{cell['lower'] * 100:.1f}–{cell['upper'] * 100:.1f}%",
                }
                for cell in row["cells"]
            ],
            "at_risk": [str(n) for n in row["at_risk"]],
        }
        for row in recidivism.milestones(groups, k)
    ]
    svg = charts.survival_svg(groups, k, title=_("Share without a behavioural negative outcome"))
    return {
        "filters": form,
        "group": group,
        "groups": recidivism.GROUPS,
        "svg": svg,
        "legend": charts.legend(groups, k),
        "milestones": milestones,
        "at_risk_months": recidivism.AT_RISK_MONTHS,
        "definitions": recidivism.DEFINITIONS,
        "minimum": k,
        "hidden_label": suppression.hidden_label(k),
        "query": request.GET.urlencode(),
        **(_as_of([found]) if keep else {}),
    }


@login_required
@require_GET
def survival(request: AuthedRequest) -> HttpResponse:
    _allowed(request)
    return render(request, "evidence/recidivism.html", _survival(request))


@login_required
@require_GET
def survival_svg(request: AuthedRequest) -> HttpResponse:
    _allowed(request)
    response = HttpResponse(_survival(request, keep=False)["svg"], content_type="image/svg+xml")
    response["Content-Disposition"] = 'attachment; filename="bahali-recidivism.svg"'
    return response


@login_required
@require_GET
def participation(request: AuthedRequest) -> HttpResponse:
    """The civilian-participation ledger: shares for every reader of aggregates, and the
    gate decisions behind them for those who may read the cases' sign-off records."""
    from django.core.paginator import Paginator

    from bahali.organisations.models import OrganisationKind

    _allowed(request)
    form, filters = _filters(request)
    group = request.GET.get("group", "programme")
    if group not in dict(ledger.GROUPS):
        group = "programme"
    k = suppression.minimum()
    figures = snapshots.remembered(
        "ledger",
        (filters, group),
        lambda: ledger.tally(filters, group),
    )
    shares, signed, outcomes = figures.value
    rows = ledger.shown(shares, k)
    kind_labels = dict(OrganisationKind.choices)
    kinds = [
        (kind_labels.get(kind, kind), str(suppression.suppress_count(n, k=k)))
        for kind, n in sorted(signed.items())
    ]
    outcome_keys = ["answered", "withdrawn", "open"]
    outcome_cells, outcome_total = suppression.suppress_counts(
        [outcomes.get(key, 0) for key in outcome_keys], k=k
    )
    outcome_labels = [_("Answered"), _("Withdrawn"), _("Still open")]
    page = None
    entries: list[dict[str, Any]] = []
    if policies.can(request.user, "case_detail.read"):
        listed = (
            policies.filter_visible(ledger.decisions(filters), request.user, "case_detail")
            .select_related(
                "case__programme",
                "case__district",
                "transition__from_phase",
                "transition__to_phase",
            )
            .prefetch_related("sign_offs")
            .order_by("-decided_at", "-pk")
        )
        # counting every decision the reader may see reads them all: the count is kept
        # with the shares (the page says as of when); the listed decisions are current
        listed_count = snapshots.remembered(
            "ledger-listed", (snapshots.reach(request.user), filters), listed.count
        ).value
        # the page's keys first (an index walk over the applied decisions, latest first),
        # then their sign-off facts for those 50 alone: asked over the ordered listing, the
        # planner answered each EXISTS by reading every sign-off of every decision
        paginator = Paginator(listed.values_list("pk", flat=True), 50)
        paginator.count = listed_count
        page = paginator.get_page(request.GET.get("page"))
        keys = list(page.object_list)
        found = {decision.pk: decision for decision in listed.filter(pk__in=keys)}
        for decision in (found[pk] for pk in keys if pk in found):
            signs = list(decision.sign_offs.all())
            approved = {s.organisation_kind for s in signs if s.decision == "approve"}
            entries.append(
                {
                    "d": decision,
                    "kinds": sorted(str(kind_labels.get(kind, kind)) for kind in approved),
                    "objections": [s for s in signs if s.decision == "object"],
                }
            )
    return render(
        request,
        "evidence/participation.html",
        {
            "filters": form,
            "group": group,
            "groups": ledger.GROUPS,
            "rows": [
                {
                    "group": row["group"],
                    "n": str(row["n"]),
                    **{
                        name: _format(RATE, row[name])
                        for name in ("civilian", "community", "objected", "overridden")
                    },
                }
                for row in rows
            ],
            "kinds": kinds,
            "outcomes": list(zip(outcome_labels, [str(c) for c in outcome_cells], strict=True)),
            "outcome_total": str(outcome_total),
            "definitions": ledger.DEFINITIONS,
            "page": page,
            "entries": entries,
            "minimum": k,
            **_as_of([figures]),
        },
    )


# --- releases -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def release_list(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "release.read"):
        raise Http404
    may_publish = policies.can(request.user, "release.write")
    form = ReleaseForm(request.POST or None)
    if request.method == "POST":
        if not may_publish:
            raise Http404
        if form.is_valid():
            try:
                release = services.publish_release(
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The release is published and signed."))
                return redirect("evidence:release", release.pk)
    return render(
        request,
        "evidence/releases.html",
        {
            "releases": Release.objects.select_related("published_by")[:100],
            "form": form if may_publish else None,
        },
    )


def _release(request: AuthedRequest, pk: int) -> Release:
    if not policies.can(request.user, "release.read"):
        raise Http404
    release = Release.objects.filter(pk=pk).first()
    if release is None:
        raise Http404
    return release


@login_required
@require_GET
def release_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    import json

    release = _release(request, pk)
    document = json.loads(release.content)
    return render(
        request,
        "evidence/release.html",
        {"release": release, "document": document, "public_key": releases.public_key()},
    )


@login_required
@require_GET
def release_file(request: AuthedRequest, pk: int) -> HttpResponse:
    release = _release(request, pk)
    response = HttpResponse(release.content.encode(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="bahali-release-{release.pk}.json"'
    return response


@login_required
@require_GET
def release_verification(request: AuthedRequest, pk: int) -> HttpResponse:
    release = _release(request, pk)
    response = HttpResponse(release.verification.encode(), content_type="application/json")
    name = f"bahali-release-{release.pk}.verification.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the oversight report -------------------------------------------------------------


def _oversight(
    request: AuthedRequest, keep: bool = True
) -> tuple[OversightFilter, oversight.Report]:
    if not policies.can(request.user, "oversight_report.read"):
        raise Http404
    form = OversightFilter(request.GET or None)
    start, end = form.period(timezone.localdate())
    return form, oversight.build(start, end, keep=keep)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private, max-age=0"
    return response


@login_required
@require_GET
def oversight_report(request: AuthedRequest) -> HttpResponse:
    """The oversight body's report for a period (pseudonymous; not suppressed)."""
    form, report = _oversight(request)
    query = f"?start={report.start.isoformat()}&end={report.end.isoformat()}"
    return _no_store(
        render(
            request,
            "evidence/oversight.html",
            {"filters": form, "report": report, "query": query, **_age(report.gates_as_of)},
        )
    )


@login_required
@require_GET
def oversight_report_pdf(request: AuthedRequest) -> HttpResponse:
    """The same report, printable; printing it is recorded in the audit chain."""
    from bahali.evidence.pdf import oversight_pdf

    _form, report = _oversight(request, keep=False)
    services.record_oversight_report_printed(actor=request.user, start=report.start, end=report.end)
    printed_by = request.user.get_full_name() or request.user.username
    response = HttpResponse(oversight_pdf(report, printed_by), content_type="application/pdf")
    name = f"bahali-oversight-{report.start.isoformat()}-{report.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _no_store(response)


# --- the programme manager's dashboard ------------------------------------------------


def _dashboard(
    request: AuthedRequest, keep: bool = False
) -> tuple[DashboardFilter, dashboard.Dashboard]:
    """The dashboard; its trends kept a few minutes (``keep``) on the page only, which says
    as of when: the downloads compute them afresh."""
    if not policies.can(request.user, "programme_dashboard.read"):
        raise Http404
    form = DashboardFilter(request.GET or None)
    return form, dashboard.build(request.user, form.filtering().get("programme"), keep=keep)


def _charts(board: dashboard.Dashboard, rtl: bool) -> dict[str, str]:
    charts_by_name = {
        "funnel": charts.bars_svg(
            board.funnel, chart_id="funnel", title=_("Open cases by phase"), rtl=rtl
        )
    }
    for trend in board.trends:
        charts_by_name[trend.slug] = charts.trend_svg(
            [(p.label, p.value) for p in trend.points],
            chart_id=trend.slug,
            title=trend.title,
            share=trend.share,
            ticks=dashboard.quarter_ticks([p.start for p in trend.points]),
        )
    return charts_by_name


@login_required
@require_GET
def manager_dashboard(request: AuthedRequest) -> HttpResponse:
    """Phase funnel, overdue work, alerts and key indicators by quarter."""
    from django.utils.translation import get_language_bidi

    form, board = _dashboard(request, keep=True)
    drawn = _charts(board, get_language_bidi())
    return render(
        request,
        "evidence/dashboard.html",
        {
            "filters": form,
            "board": board,
            "funnel_svg": drawn["funnel"],
            "trends": [
                {
                    "trend": trend,
                    "svg": drawn[trend.slug],
                    "rows": [(p, trend.shown(p)) for p in trend.points],
                }
                for trend in board.trends
            ],
            "query": request.GET.urlencode(),
            **_age(board.as_of),
        },
    )


@login_required
@require_GET
def dashboard_svg(request: AuthedRequest, chart: str) -> HttpResponse:
    from django.utils.translation import get_language_bidi

    _form, board = _dashboard(request)
    drawn = _charts(board, get_language_bidi())
    if chart not in drawn:
        raise Http404
    response = HttpResponse(drawn[chart], content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="bahali-{chart}.svg"'
    return response


def _dashboard_rows(board: dashboard.Dashboard, table: str) -> list[list[Any]]:
    if table == "funnel":
        return [[_("phase"), _("open cases")], *[[label, n] for label, n in board.funnel]]
    if table == "overdue":
        return [[_("overdue work"), _("count")], *[[label, n] for _key, label, n in board.overdue]]
    if table == "alerts":
        rows: list[list[Any]] = [[_("alert"), _("count"), _("case"), _("date")]]
        for alert in board.alerts:
            rows.append([alert.label, alert.count, "", ""])
            rows += [[alert.label, "", code, day] for _pk, code, day in alert.cases]
        return rows
    if table == "trends":
        rows = [
            [
                _("indicator"),
                _("version"),
                _("quarter"),
                _("from"),
                _("to"),
                _("value"),
                _("numerator"),
                _("denominator"),
            ]
        ]
        for trend in board.trends:
            for p in trend.points:
                rows.append(
                    [
                        trend.indicator.code,
                        trend.indicator.version,
                        p.label,
                        p.start,
                        dashboard.quarter_end(p.start),
                        "" if p.value is None else round(p.value, 4),
                        "" if p.numerator is None else p.numerator,
                        "" if p.denominator is None else p.denominator,
                    ]
                )
        return rows
    raise Http404


@login_required
@require_GET
def dashboard_csv(request: AuthedRequest, table: str) -> HttpResponse:
    _form, board = _dashboard(request)
    rows = _dashboard_rows(board, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="bahali-{table}-{stamp}.csv"'
    return response


@login_required
@require_GET
def dashboard_xlsx(request: AuthedRequest, table: str) -> HttpResponse:
    from openpyxl import Workbook

    _form, board = _dashboard(request)
    rows = _dashboard_rows(board, table)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table[:31])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="bahali-{table}-{stamp}.xlsx"'
    return response


# --- the oversight body's dashboard ---------------------------------------------------

OVERSIGHT_PARTS = {
    "gates": _lazy("Gate decisions"),
    "overrides": _lazy("Overridden gates"),
    "accesses": _lazy("Emergency (break-the-glass) accesses"),
    "grievances": _lazy("Grievances and time to resolution"),
    "withdrawals": _lazy("Consent withdrawals"),
    "long-stays": _lazy("Residential phase past its expected length"),
    "juveniles": _lazy("Juveniles with an open case"),
    "audit": _lazy("Audit chain: verifications and checkpoints"),
}
LIST_PAGE = 50


def _oversight_board(
    request: AuthedRequest,
) -> tuple[OversightDashboardFilter, datetime.date, datetime.date, int | None]:
    if not policies.can(request.user, "oversight_report.read"):
        raise Http404
    form = OversightDashboardFilter(request.GET or None)
    start, end = form.period(timezone.localdate())
    return form, start, end, form.programme_id()


def _oversight_charts(
    courses: list[oversight.Course], young: list[tuple[str, int]], rtl: bool
) -> dict[str, str]:
    drawn = {
        course.slug: charts.trend_svg(
            [(p.label, p.share) for p in course.points],
            chart_id=course.slug,
            title=str(course.title),
            share=True,
            ticks=dashboard.quarter_ticks([p.start for p in course.points]),
        )
        for course in courses
    }
    drawn["juveniles"] = charts.bars_svg(
        young, chart_id="juveniles", title=_("Juveniles with an open case, by phase"), rtl=rtl
    )
    return drawn


@login_required
@require_GET
def oversight_dashboard(request: AuthedRequest) -> HttpResponse:
    """What the oversight body watches, at a glance, each part leading to its list."""
    from django.utils.translation import get_language_bidi

    form, start, end, programme = _oversight_board(request)
    report = oversight.build(start, end, programme=programme)
    courses = oversight.courses(report.today, programme)
    drawn = _oversight_charts(courses, report.juvenile_phases, get_language_bidi())
    query = request.GET.urlencode()
    return _no_store(
        render(
            request,
            "evidence/oversight_dashboard.html",
            {
                "filters": form,
                "report": report,
                "courses": [
                    {"course": course, "svg": drawn[course.slug], "points": course.points}
                    for course in courses
                ],
                "juveniles_svg": drawn["juveniles"],
                "query": query,
                "report_query": f"?start={start.isoformat()}&end={end.isoformat()}",
            },
        )
    )


@login_required
@require_GET
def oversight_dashboard_svg(request: AuthedRequest, chart: str) -> HttpResponse:
    from django.utils.translation import get_language_bidi

    _form, start, end, programme = _oversight_board(request)
    today = timezone.localdate()
    young: list[tuple[str, int]] = []
    if chart == "juveniles":
        _counts, young = oversight.juveniles(start, end, 0, programme)
    drawn = _oversight_charts(oversight.courses(today, programme), young, get_language_bidi())
    if chart not in drawn:
        raise Http404
    response = HttpResponse(drawn[chart], content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="bahali-oversight-{chart}.svg"'
    return _no_store(response)


def _part_rows(
    part: str, start: datetime.date, end: datetime.date, programme: int | None
) -> QuerySet[Any]:
    from bahali.audit.models import AuditEvent

    today = timezone.localdate()
    if part in {"gates", "overrides"}:
        decisions = ledger.decisions(
            Filters(programme=programme, start=start, end=end, statistical=False)
        )
        if part == "overrides":
            decisions = decisions.filter(overridden_by__isnull=False)
        return (
            decisions.select_related(
                "case__participant",
                "case__programme",
                "case__district",
                "transition__from_phase",
                "transition__to_phase",
                "overridden_by",
            )
            .prefetch_related("sign_offs")
            .order_by("-decided_at", "-pk")
        )
    if part == "accesses":
        return (
            oversight.opened_accesses(start, end, programme)
            .select_related(
                "case__participant",
                "case__programme",
                "membership__user",
                "membership__organisation",
                "reviewed_by",
            )
            .order_by("-opened_at", "-pk")
        )
    if part == "grievances":
        return oversight.received_grievances(start, end, programme).order_by("-received_on", "-pk")
    if part == "withdrawals":
        return (
            oversight.withdrawn_consents(start, end, programme)
            .select_related("participant")
            .order_by("-withdrawn_on", "-pk")
        )
    if part == "long-stays":
        return (
            oversight.held_too_long(today, programme)
            .select_related("participant", "programme", "phase", "district")
            .order_by("phase_entered_on", "pk")
        )
    if part == "juveniles":
        return (
            oversight.juvenile_cases(programme)
            .filter(closed_on__isnull=True)
            .select_related("participant", "programme", "phase", "district")
            .order_by("programme__code", "phase__order", "pk")
        )
    if part == "audit":
        return AuditEvent.objects.filter(
            action__in=["audit.verified", "audit.verify_failed", "audit.checkpoint"]
        ).order_by("-seq")
    raise Http404


@login_required
@require_GET
def oversight_list(request: AuthedRequest, part: str) -> HttpResponse:
    """One part of the oversight dashboard, listed in full (a page at a time)."""
    from django.core.paginator import Paginator

    from bahali.organisations.models import OrganisationKind

    if part not in OVERSIGHT_PARTS:
        raise Http404
    form, start, end, programme = _oversight_board(request)
    page = Paginator(_part_rows(part, start, end, programme), LIST_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows: list[Any] = list(page)
    kind_labels = dict(OrganisationKind.choices)
    if part in {"gates", "overrides"}:
        for decision in rows:
            signs = list(decision.sign_offs.all())
            decision.kinds_approved = sorted(
                str(kind_labels.get(s.organisation_kind, s.organisation_kind))
                for s in signs
                if s.decision == "approve"
            )
            decision.objections = sum(1 for s in signs if s.decision == "object")
    elif part == "long-stays":
        oversight.with_stay(rows, today)
    elif part == "grievances":
        for grievance in rows:
            until = grievance.resolved_on or today
            grievance.days = (until - grievance.received_on).days
            grievance.late = (
                grievance.resolved_on > grievance.resolve_by
                if grievance.resolved_on
                else grievance.resolve_by < today
            )
    elif part == "audit":
        for event in rows:
            changes = event.changes or {}
            event.facts = {
                name: (value[1] if isinstance(value, list) and len(value) == 2 else value)
                for name, value in changes.items()
            }
    keep = request.GET.copy()
    keep.pop("page", None)
    return _no_store(
        render(
            request,
            "evidence/oversight_list.html",
            {
                "filters": form,
                "part": part,
                "title": OVERSIGHT_PARTS[part],
                "parts": OVERSIGHT_PARTS,
                "page": page,
                "rows": rows,
                "start": start,
                "end": end,
                "today": today,
                "query": keep.urlencode(),
            },
        )
    )


# --- the donor's and analyst's view: aggregates only -----------------------------------

# the figures a donor asks for first; every other indicator is on the indicators page
HEADLINE = (
    "closures",
    "check-ins-on-time",
    "work-and-education-after-return",
    "grievances-within-limits",
)


@login_required
@require_GET
def figures(request: AuthedRequest) -> HttpResponse:
    """The programme's figures for a donor or an analyst: the headline indicators, who
    decided the gates, recidivism as survival, and the published releases. Aggregates
    only, suppressed for every role (the same page for a manager as for a donor), never a
    case, a code or a list behind a figure."""
    _allowed(request)
    curves = _survival(request, keep=False)  # this page says no "as of": all of it fresh
    filters = curves["filters"].to_filters()
    k = curves["minimum"]
    recorded = {(v.code, v.number): v for v in IndicatorVersion.objects.all()}
    cards = [present(INDICATORS[code].compute(filters), recorded) for code in HEADLINE]
    shares = ledger.shown(ledger.shares(filters, "programme"), k)
    return render(
        request,
        "evidence/figures.html",
        {
            **curves,
            "cards": cards,
            "shares": [
                {
                    "group": row["group"],
                    "n": str(row["n"]),
                    **{
                        name: _format(RATE, row[name])
                        for name in ("civilian", "community", "objected", "overridden")
                    },
                }
                for row in shares
            ],
            "ledger_definitions": ledger.DEFINITIONS,
            "releases": Release.objects.select_related("published_by")[:20]
            if policies.can(request.user, "release.read")
            else [],
        },
    )
