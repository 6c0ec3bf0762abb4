"""API: the evidence — indicators (their definitions and their values, with the pages'
filters), the civilian-participation ledger, recidivism as survival, the oversight body's
figures, and the published releases (list, download, verify).

The same services, filters and policies as the pages (``views.py``): every figure a role
without case access reads is suppressed exactly as the pages suppress it (cells under the
minimum read "<5"); no operation here returns a case, a participant's code or a date of
one person, except the oversight figures, which are the oversight body's alone
(``oversight_report.read``) and are counts too.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from bahali.accounts import policies
from bahali.api.errors import ApiError
from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.core import suppression
from bahali.core.http import AuthedRequest
from bahali.evidence import charts, ledger, oversight, recidivism, releases
from bahali.evidence.filters import EvidenceFilter, OversightDashboardFilter
from bahali.evidence.indicators import INDICATORS, Filters, Indicator
from bahali.evidence.models import IndicatorVersion, Release

router = Router(tags=["evidence"])


class VersionOut(Schema):
    number: int
    effective_from: datetime.date
    name: str
    definition: str
    fingerprint: str
    note: str


class IndicatorOut(Schema):
    code: str
    version: int
    kind: str
    name: str
    definition: str
    denominator: str
    unit: str


class IndicatorDefinitionOut(IndicatorOut):
    fingerprint: str
    registered: list[VersionOut]


class IndicatorValuesOut(Schema):
    code: str
    version: int
    kind: str
    minimum: int
    filters: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]]
    column_totals: list[Any] | None = None
    total: Any = None


class ShareOut(Schema):
    group: str
    decisions: Any
    civilian: Any
    community: Any
    objected: Any
    overridden: Any


class LedgerOut(Schema):
    group_by: str
    minimum: int
    filters: dict[str, Any]
    rows: list[ShareOut]
    definitions: list[str]


class StepOut(Schema):
    month: int
    survival: float
    lower: float
    upper: float


class MilestoneOut(Schema):
    month: int
    hidden: bool
    rate: float | None
    lower: float | None
    upper: float | None


class CurveOut(Schema):
    key: str
    label: str
    people: Any
    events: Any
    drawn: bool
    steps: list[StepOut]
    milestones: list[MilestoneOut]
    at_risk: list[Any]


class SurvivalOut(Schema):
    group_by: str
    minimum: int
    filters: dict[str, Any]
    at_risk_months: list[int]
    curves: list[CurveOut]
    definitions: list[str]


class OversightOut(Schema):
    start: datetime.date
    end: datetime.date
    today: datetime.date
    programme: int | None
    gates: dict[str, int]
    emergency_accesses: dict[str, int]
    grievances: dict[str, Any]
    consent_withdrawals: dict[str, int]
    long_residential_stays: dict[str, int]
    juveniles: dict[str, int]
    audit_chain: dict[str, Any]
    definitions: list[str]


class ReleaseOut(Schema):
    id: int
    title: str
    period_start: datetime.date
    period_end: datetime.date
    published_at: datetime.datetime
    content_sha256: str
    definitions_changed: bool


class VerifyIn(Schema):
    release: str  # the release file's text, exactly as downloaded
    verification: dict[str, Any]
    public_key: str = ""  # a key you trust; by default the one in the verification file


class VerdictOut(Schema):
    ok: bool
    problems: list[str]
    definitions: list[dict[str, Any]]
    period: dict[str, Any]
    checkpoint: dict[str, Any]


def _readable(request: AuthedRequest) -> None:
    if not policies.can(request.user, "aggregate_report.read"):
        raise Http404


def _filters(request: AuthedRequest) -> Filters:
    """The pages' filters, from the query string; an invalid one is a 422 naming it."""
    form = EvidenceFilter(request.GET)
    if not form.is_valid():
        raise ApiError(422, "invalid", _("The request is not valid."), form.problems())
    return form.to_filters()


def _grouping(group_by: str, offered: list[tuple[str, Any]]) -> None:
    """A grouping not among those ``offered`` is a 422 naming ``group_by``."""
    if group_by not in dict(offered):
        raise ApiError(
            422,
            "invalid",
            _("The request is not valid."),
            [{"field": "group_by", "message": _("Choose one of the groupings offered.")}],
        )


def _indicator(code: str) -> Indicator:
    item = INDICATORS.get(code)
    if item is None:
        raise Http404
    return item


def _out(item: Indicator) -> dict[str, Any]:
    return {
        "code": item.code,
        "version": item.version,
        "kind": item.kind,
        "name": str(item.name),
        "definition": str(item.definition),
        "denominator": str(item.denominator),
        "unit": str(item.unit),
    }


@router.get(
    "/evidence/indicators",
    response={200: list[IndicatorOut], 404: Error},
    summary="Every indicator: code, version, kind, name, definition and denominator",
)
def list_indicators(request: AuthedRequest) -> Any:
    if not policies.can(request.user, "indicator_definition.read"):
        raise Http404
    return [_out(item) for item in INDICATORS.values()]


@router.get(
    "/evidence/indicators/{code}",
    response={200: IndicatorDefinitionOut, 404: Error},
    summary="One indicator's definition, and each version registered (with the date it "
    "counts from)",
)
def get_indicator(request: AuthedRequest, code: str) -> Any:
    if not policies.can(request.user, "indicator_definition.read"):
        raise Http404
    item = _indicator(code)
    registered = IndicatorVersion.objects.filter(code=code).order_by("number")
    return {**_out(item), "fingerprint": item.fingerprint(), "registered": list(registered)}


@router.get(
    "/evidence/indicators/{code}/values",
    response={200: IndicatorValuesOut, 404: Error, 422: Error},
    summary="One indicator's figures, suppressed, with the pages' filters (programme, "
    "district, organisation, sex, age, cohort, start, end, by)",
)
def indicator_values(request: AuthedRequest, code: str) -> Any:
    _readable(request)
    item = _indicator(code)
    filters = _filters(request)
    k = suppression.minimum()
    public = item.compute(filters).public(k)
    return {
        "code": item.code,
        "version": item.version,
        "kind": item.kind,
        "minimum": k,
        "filters": filters.public(),
        "columns": [str(c) for c in public.get("columns") or []],
        "rows": public["rows"],
        "column_totals": public.get("column_totals"),
        "total": public.get("total"),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, suppression.Shown):
        return str(value) if value.hidden else value.value
    return value


@router.get(
    "/evidence/ledger",
    response={200: LedgerOut, 404: Error, 422: Error},
    summary="The civilian-participation ledger: per programme, district or quarter "
    "(group_by), the gate decisions and the shares with civilian and community approval, "
    "an objection and an override; suppressed",
)
def participation_ledger(request: AuthedRequest, group_by: str = "programme") -> Any:
    _readable(request)
    _grouping(group_by, ledger.GROUPS)
    filters = _filters(request)
    k = suppression.minimum()
    rows = ledger.shown(ledger.shares(filters, group_by), k)
    return {
        "group_by": group_by,
        "minimum": k,
        "filters": filters.public(),
        "rows": [
            {
                "group": row["group"],
                "decisions": _plain(row["n"]),
                **{
                    name: _plain(row[name])
                    for name in ("civilian", "community", "objected", "overridden")
                },
            }
            for row in rows
        ],
        "definitions": [str(line) for line in ledger.DEFINITIONS],
    }


@router.get(
    "/evidence/survival",
    response={200: SurvivalOut, 404: Error, 422: Error},
    summary="Recidivism as survival: Kaplan–Meier curves with 95% bands (by whole month, "
    "while at least the minimum are at risk; no number at risk per step), the rates at 12, "
    "24 and 36 months and the number at risk every six months, by group_by "
    "(programme__model, cohort, district__code, participant__is_juvenile, readiness)",
)
def survival(request: AuthedRequest, group_by: str = "") -> Any:
    _readable(request)
    _grouping(group_by, recidivism.GROUPS)
    filters = _filters(request)
    k = suppression.minimum()
    groups = recidivism.curves(filters, group_by)
    by_key = {row["key"]: row for row in recidivism.milestones(groups, k)}
    curves = []
    for g in groups:
        shown = by_key[g.key]
        drawn = g.curve.subjects >= k
        curves.append(
            {
                "key": g.key,
                "label": g.label,
                "people": _plain(shown["subjects"]),
                "events": _plain(shown["events"]),
                "drawn": drawn,
                "steps": [
                    {
                        "month": int(step.time),
                        "survival": round(step.survival, 4),
                        "lower": round(step.lower, 4),
                        "upper": round(step.upper, 4),
                    }
                    for step in (charts.monthly_steps(g.curve.steps, k) if drawn else [])
                ],
                "milestones": shown["cells"],
                "at_risk": [_plain(n) for n in shown["at_risk"]],
            }
        )
    return {
        "group_by": group_by,
        "minimum": k,
        "filters": filters.public(),
        "at_risk_months": recidivism.AT_RISK_MONTHS,
        "curves": curves,
        "definitions": [str(line) for line in recidivism.DEFINITIONS],
    }


@router.get(
    "/evidence/oversight",
    response={200: OversightOut, 404: Error, 422: Error},
    summary="The oversight body's figures for a period (start, end; default the last 90 "
    "days) and optionally one programme: gate decisions and overrides, emergency "
    "accesses, grievances, consent withdrawals, long residential stays, juveniles, the "
    "audit chain",
)
def oversight_figures(request: AuthedRequest) -> Any:
    if not policies.can(request.user, "oversight_report.read"):
        raise Http404
    form = OversightDashboardFilter(request.GET)
    if not form.is_valid():
        raise ApiError(422, "invalid", _("The request is not valid."), form.problems())
    start, end = form.period(timezone.localdate())
    programme = form.programme_id()
    report = oversight.build(start, end, programme=programme)
    audit = report.audit
    return {
        "start": report.start,
        "end": report.end,
        "today": report.today,
        "programme": programme,
        "gates": report.gates,
        "emergency_accesses": report.emergency,
        "grievances": {
            **report.grievances,
            "by_category": dict(report.grievance_categories),
            "by_finding": dict(report.grievance_findings),
        },
        "consent_withdrawals": report.withdrawals,
        "long_residential_stays": {
            "cases": report.long_stays.total,
            "juveniles": report.juveniles["long_stays"],
        },
        "juveniles": report.juveniles,
        "audit_chain": {
            "events": audit.head_seq,
            "verified_at": audit.verified.occurred_at if audit.verified else None,
            "verified_ok": audit.verified_ok if audit.verified else None,
            "events_checked": audit.checked,
            "first_bad": audit.first_bad,
            "events_since_verification": audit.events_since_verification,
            "checkpoint_at": audit.checkpoint.occurred_at if audit.checkpoint else None,
            "checkpoint_seq": audit.checkpoint_seq,
            "checkpoint_hash": audit.checkpoint_hash,
            "checkpoint_holds": audit.checkpoint_holds,
            "verification_covers_checkpoint": audit.verification_covers_checkpoint,
        },
        "definitions": [str(line) for line in report.definitions],
    }


# --- releases ------------------------------------------------------------------------


def _release(request: AuthedRequest, release_id: int) -> Release:
    if not policies.can(request.user, "release.read"):
        raise Http404
    release = Release.objects.filter(pk=release_id).first()
    if release is None:
        raise Http404
    return release


@router.get(
    "/evidence/releases",
    response={200: list[ReleaseOut], 404: Error, 422: Error},
    summary="The published releases, newest first",
)
@paginate(Pagination)
def list_releases(request: AuthedRequest) -> Any:
    if not policies.can(request.user, "release.read"):
        raise Http404
    return Release.objects.order_by("-published_at", "-pk")


@router.post(
    "/evidence/releases/verify",
    response={200: VerdictOut, 404: Error, 422: Error},
    summary="Check a release file against its verification file (as `bahali releases "
    "verify` does; nothing is stored)",
)
def verify_release(request: AuthedRequest, payload: VerifyIn) -> Any:
    if not policies.can(request.user, "release.read"):
        raise Http404
    verdict = releases.verify(
        payload.release.encode(), payload.verification, payload.public_key or None
    )
    return {
        "ok": verdict.ok,
        "problems": verdict.problems,
        "definitions": verdict.definitions,
        "period": verdict.period,
        "checkpoint": verdict.checkpoint,
    }


@router.get(
    "/evidence/releases/{release_id}",
    response={200: ReleaseOut, 404: Error},
    summary="One release",
)
def get_release(request: AuthedRequest, release_id: int) -> Any:
    return _release(request, release_id)


@router.get(
    "/evidence/releases/{release_id}/release.json",
    response={200: None, 404: Error},
    summary="The release file, byte for byte as signed",
)
def release_file(request: AuthedRequest, release_id: int) -> HttpResponse:
    release = _release(request, release_id)
    response = HttpResponse(release.content.encode(), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="bahali-release-{release.pk}.json"'
    return response


@router.get(
    "/evidence/releases/{release_id}/verification.json",
    response={200: None, 404: Error},
    summary="The release's verification file (signature, SHA-256, audit checkpoint)",
)
def release_verification(request: AuthedRequest, release_id: int) -> HttpResponse:
    release = _release(request, release_id)
    response = HttpResponse(release.verification.encode(), content_type="application/json")
    name = f"bahali-release-{release.pk}.verification.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
