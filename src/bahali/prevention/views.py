"""Prevention pages: initiatives (list, register, edit, a page with its money and reach),
the 4W matrix with its exports, district profiles with their import, the gap analysis and
the family advice line. Thin: services decide, policies scope, out of reach answers 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.assessments import presentation
from bahali.assessments.forms import answers_from_post
from bahali.core import suppression
from bahali.core.forms import apply_validation_error, message_form_errors, message_refusal
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.services import local_today
from bahali.core.versioning import Conflict
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.prevention import export, gaps, services, surveys
from bahali.prevention.forms import (
    ActivityForm,
    AdviceForm,
    DisbursementForm,
    DistrictValueForm,
    GapFilter,
    GrantForm,
    ImportForm,
    IndicatorForm,
    InitiativeForm,
    MatrixFilter,
    SampleSizeForm,
    SurveyFilter,
    SurveyResponseForm,
    SurveyRoundForm,
)
from bahali.prevention.lookups import (
    get_editable_grant_for_user,
    get_editable_initiative_for_user,
    get_editable_survey_round_for_user,
    get_initiative_for_user,
    get_survey_round_for_user,
)
from bahali.prevention.models import (
    REACH_FIELDS,
    AdviceContact,
    Concern,
    DistrictValue,
    Indicator,
    Initiative,
    Measure,
    RespondentGroup,
    SurveyRound,
)

PER_PAGE = 25
IMPORT_SALT = "bahali.prevention.import"


def _require(request: AuthedRequest, action: str) -> None:
    if not policies.can(request.user, action):
        raise Http404


def _lead_choices(request: AuthedRequest) -> Any:
    """Organisations the user may register initiatives for: any (coordinators) or their own."""
    active = Organisation.objects.filter(is_active=True).order_by("name")
    if policies.acting_memberships(request.user, "prevention_initiative.write", policies.Scope.ALL):
        return active
    return active.filter(
        pk__in=policies.acting_organisations(
            request.user, "prevention_initiative.write", policies.Scope.OWN_ORGANISATION
        )
    )


# --- initiatives -----------------------------------------------------------------------


@login_required
@require_GET
def initiatives(request: AuthedRequest) -> HttpResponse:
    _require(request, "prevention_initiative.read")
    filters = MatrixFilter(request.GET or None)
    listed = filters.filter(Initiative.objects.visible_to(request.user))
    listed = listed.select_related("lead_organisation").prefetch_related("districts")
    page = Paginator(listed.order_by("name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    statuses = services.funding_statuses(Initiative.objects.filter(pk__in=[i.pk for i in page]))
    return render(
        request,
        "prevention/initiatives.html",
        {
            "page": page,
            "rows": [
                (i, services.FundingStatus.LABELS[statuses[i.pk]], statuses[i.pk]) for i in page
            ],
            "filters": filters,
            "can_register": policies.can(request.user, "prevention_initiative.write"),
            "query": request.GET.urlencode().replace("page=", "_="),
        },
    )


def _own_organisation(request: AuthedRequest, action: str) -> Organisation | None:
    """The first organisation in whose name the user may do ``action`` (its own)."""
    return (
        Organisation.objects.filter(pk__in=policies.acting_organisations(request.user, action))
        .order_by("name")
        .first()
    )


def _data(request: AuthedRequest, form: InitiativeForm) -> services.InitiativeData:
    d = form.cleaned_data
    lead = d.get("lead_organisation") or _own_organisation(request, "prevention_initiative.write")
    if lead is None:
        raise Http404
    return services.InitiativeData(
        name=d["name"],
        lead_organisation=lead,
        kind=d["kind"],
        status=d["status"],
        districts=list(d["districts"]),
        communities=list(d["communities"]),
        starts_on=d["starts_on"],
        ends_on=d.get("ends_on"),
        partners=list(d["partners"]),
        target_groups=d["target_groups"],
        frameworks=d["frameworks"],
        description=d["description"],
        messages=d["messages"],
        channels=d["channels"],
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def register(request: AuthedRequest) -> HttpResponse:
    _require(request, "prevention_initiative.write")
    leads = _lead_choices(request)
    form = InitiativeForm(
        request.POST or None,
        organisations=leads,
        initial={
            "starts_on": local_today(),
            "status": "active",
            "lead_organisation": _own_organisation(request, "prevention_initiative.write"),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.create_initiative(actor=request.user, data=_data(request, form))
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied as refused:
            form.add_error("lead_organisation", str(refused))
        else:
            messages.success(request, _("The initiative is registered."))
            return redirect("prevention:initiative", pk=initiative.pk)
    return render(request, "prevention/initiative_form.html", {"form": form, "initiative": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    initiative = get_editable_initiative_for_user(request.user, pk)
    initial = {
        "name": initiative.name,
        "lead_organisation": initiative.lead_organisation_id,
        "kind": initiative.kind,
        "status": initiative.status,
        "districts": list(initiative.districts.values_list("pk", flat=True)),
        "communities": list(initiative.communities.values_list("pk", flat=True)),
        "starts_on": initiative.starts_on,
        "ends_on": initiative.ends_on,
        "partners": list(initiative.partners.values_list("pk", flat=True)),
        "target_groups": initiative.target_groups,
        "frameworks": initiative.frameworks,
        "description": initiative.description,
        "messages": initiative.messages,
        "channels": initiative.channels,
        "version": initiative.version,
    }
    leads = _lead_choices(request) | Organisation.objects.filter(pk=initiative.lead_organisation_id)
    form = InitiativeForm(request.POST or None, organisations=leads.distinct(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_initiative(
                actor=request.user,
                initiative=initiative,
                data=_data(request, form),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied as refused:
            form.add_error("lead_organisation", str(refused))
        except Conflict as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(request, _("The initiative is saved."))
            return redirect("prevention:initiative", pk=initiative.pk)
    return render(
        request, "prevention/initiative_form.html", {"form": form, "initiative": initiative}
    )


def reach_totals(activities: Any) -> dict[str, int]:
    sums = activities.aggregate(
        total=Sum("reach"), n=Count("pk"), **{f: Sum(f) for f in REACH_FIELDS}
    )
    return {key: value or 0 for key, value in sums.items()}


@login_required
@require_GET
def initiative(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_initiative_for_user(request.user, pk)
    editable = policies.can(request.user, "prevention_initiative.write", item)
    status = services.funding_statuses(Initiative.objects.filter(pk=item.pk))[item.pk]
    grants = item.grants.annotate(paid=Sum("disbursements__amount")).order_by("starts_on", "pk")
    activities = item.activities.select_related("district", "community")
    totals = reach_totals(activities)
    totals["women"] = sum(totals[f] for f in REACH_FIELDS if f.startswith("female"))
    totals["youth"] = totals["female_youth"] + totals["male_youth"]
    return render(
        request,
        "prevention/initiative.html",
        {
            "initiative": item,
            "editable": editable,
            "funding_status": status,
            "funding_label": services.FundingStatus.LABELS[status],
            "grants": grants,
            "activities": activities[:50],
            "totals": totals,
            "grant_form": GrantForm(prefix="grant") if editable else None,
            "disbursement_form": DisbursementForm(prefix="paid") if editable else None,
            "activity_form": ActivityForm(
                prefix="activity", initiative=item, initial={"held_on": local_today()}
            )
            if editable
            else None,
        },
    )


@login_required
@require_POST
def add_grant(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_editable_initiative_for_user(request.user, pk)
    form = GrantForm(request.POST, prefix="grant")
    if form.is_valid():
        try:
            services.add_grant(actor=request.user, initiative=item, **form.cleaned_data)
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The grant is recorded."))
    else:
        message_form_errors(request, form)
    return redirect("prevention:initiative", pk=item.pk)


@login_required
@require_POST
def add_disbursement(request: AuthedRequest, pk: int) -> HttpResponse:
    grant = get_editable_grant_for_user(request.user, pk)
    form = DisbursementForm(request.POST, prefix="paid")
    if form.is_valid():
        try:
            services.add_disbursement(actor=request.user, grant=grant, **form.cleaned_data)
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The payment is recorded."))
    else:
        message_form_errors(request, form)
    return redirect("prevention:initiative", pk=grant.initiative_id)


@login_required
@require_POST
def add_activity(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_editable_initiative_for_user(request.user, pk)
    form = ActivityForm(request.POST, prefix="activity", initiative=item)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_activity(
                actor=request.user,
                initiative=item,
                held_on=d["held_on"],
                kind=d["kind"],
                channel=d["channel"],
                district=d["district"],
                community=d.get("community"),
                reach={f: d.get(f) or 0 for f in REACH_FIELDS},
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The activity is recorded."))
    else:
        message_form_errors(request, form)
    return redirect("prevention:initiative", pk=item.pk)


# --- the 4W matrix -----------------------------------------------------------------------


@login_required
@require_GET
def matrix(request: AuthedRequest) -> HttpResponse:
    _require(request, "prevention_initiative.read")
    filters = MatrixFilter(request.GET or None)
    listed = filters.filter(Initiative.objects.visible_to(request.user)).order_by(
        "lead_organisation__name", "kind", "name", "pk"
    )
    fmt = request.GET.get("format", "")
    stamp = local_today().isoformat()
    if fmt == "csv":
        response = HttpResponse(export.as_csv(listed), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="4w-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            export.as_xlsx(listed),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="4w-{stamp}.xlsx"'
        return response
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    ids = [i.pk for i in page]
    return render(
        request,
        "prevention/matrix.html",
        {
            "filters": filters,
            "page": page,
            "header": export.header(),
            "rows": list(
                export.rows(
                    Initiative.objects.filter(pk__in=ids).order_by(
                        "lead_organisation__name", "kind", "name", "pk"
                    )
                )
            ),
            "query": request.GET.urlencode().replace("page=", "_=").replace("format=", "_f="),
        },
    )


# --- district profiles -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def districts(request: AuthedRequest) -> HttpResponse:
    _require(request, "district_profile.read")
    can_write = policies.can(request.user, "district_profile.write")
    form = DistrictValueForm(request.POST or None, initial={"year": local_today().year})
    if request.method == "POST":
        if not can_write:
            raise Http404
        if form.is_valid():
            try:
                services.set_district_value(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The value is saved."))
                return redirect("prevention:districts")
    values = DistrictValue.objects.select_related("district", "indicator").order_by(
        "district__name", "indicator__name", "-year"
    )
    district = request.GET.get("district", "")
    if district.isdigit():
        values = values.filter(district_id=int(district))
    page = Paginator(values, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "prevention/districts.html",
        {
            "page": page,
            "form": form if can_write else None,
            "indicator_form": IndicatorForm(prefix="indicator") if can_write else None,
            "import_form": ImportForm() if can_write else None,
            "indicators": Indicator.objects.order_by("name"),
            "query": request.GET.urlencode().replace("page=", "_="),
        },
    )


@login_required
@require_POST
def define_indicator(request: AuthedRequest) -> HttpResponse:
    _require(request, "district_profile.write")
    form = IndicatorForm(request.POST, prefix="indicator")
    if form.is_valid():
        try:
            services.define_indicator(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The indicator is defined."))
    else:
        message_form_errors(request, form)
    return redirect("prevention:districts")


@login_required
@require_POST
def import_values(request: AuthedRequest) -> HttpResponse:
    """Upload: check every row and show the report; import all at once when every row is
    valid, else nothing until the user chooses to import the valid rows only."""
    _require(request, "district_profile.write")
    if "rows" in request.POST:  # the choice to import the valid rows only
        try:
            table = signing.loads(request.POST["rows"], salt=IMPORT_SALT, max_age=3600)
        except signing.BadSignature:
            messages.error(request, _("The report expired: upload the file again."))
            return redirect("prevention:districts")
        report = services.check_import(table)
        written = services.import_district_values(
            actor=request.user, report=report, valid_only=True
        )
        messages.success(request, _("%(n)s rows imported.") % {"n": written})
        return redirect("prevention:districts")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("prevention:districts")
    upload = form.cleaned_data["file"]
    if upload.size > 5 * 1024 * 1024:
        messages.error(request, _("The file is larger than 5 MB."))
        return redirect("prevention:districts")
    try:
        table = services.read_table(upload.name, upload.read())
        report = services.check_import(table)
    except ValidationError as error:
        message_refusal(request, error)
        return redirect("prevention:districts")
    refused = [row for row in report if not row.valid]
    if not refused:
        written = services.import_district_values(actor=request.user, report=report)
        messages.success(request, _("%(n)s rows imported.") % {"n": written})
        return redirect("prevention:districts")
    return render(
        request,
        "prevention/import_report.html",
        {
            "report": report,
            "refused": len(refused),
            "valid": len(report) - len(refused),
            "signed": signing.dumps(table, salt=IMPORT_SALT, compress=True),
        },
        status=422,
    )


# --- the gap analysis ----------------------------------------------------------------------


@login_required
@require_GET
def gap_analysis(request: AuthedRequest) -> HttpResponse:
    _require(request, "prevention_aggregate.read")
    filters = GapFilter(request.GET or None)
    data = filters.filtering()
    districts_qs = District.objects.all()
    if data.get("province"):
        districts_qs = districts_qs.filter(province=data["province"])
    indicator = data.get("indicator") or Indicator.objects.filter(code="returnees").first()
    analysis = gaps.analyse(districts_qs, indicator)
    only_flagged = request.GET.get("all") != "1"
    shown = [g for g in analysis.districts if g.flags or not only_flagged]
    return render(
        request,
        "prevention/gaps.html",
        {
            "filters": filters,
            "analysis": analysis,
            "shown": shown,
            "only_flagged": only_flagged,
            "chart": gaps.chart(shown, rtl=translation.get_language_bidi()),
            "can_refresh": policies.can(request.user, "district_profile.write"),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_POST
def refresh_drivers(request: AuthedRequest) -> HttpResponse:
    _require(request, "district_profile.write")
    read = services.refresh_driver_counts(actor=request.user)
    messages.success(request, _("Drivers recounted from %(n)s cases.") % {"n": read})
    return redirect("prevention:gaps")


# --- the family advice line ---------------------------------------------------------------


@login_required
@require_GET
def advice(request: AuthedRequest) -> HttpResponse:
    """Counts by district and concern (suppressed) for everyone with the aggregates; the
    counsellors' own contacts for them."""
    _require(request, "prevention_aggregate.read")
    since = local_today() - datetime.timedelta(days=365)
    counts = (
        AdviceContact.objects.filter(contacted_on__gt=since)
        .values("district__name", "concern")
        .annotate(n=Count("pk"))
        .order_by("district__name", "concern")
    )
    labels = dict(Concern.choices)
    least = suppression.minimum()
    found: dict[str, dict[str, int]] = {}
    for row in counts:
        found.setdefault(row["district__name"] or _("Not said"), {})[row["concern"]] = row["n"]
    table = [
        (name, [suppression.count_or_none(cells.get(value, 0), k=least) for value in labels])
        for name, cells in sorted(found.items())
    ]
    own = AdviceContact.objects.none()
    if policies.can(request.user, "advice_contact.read"):
        own = AdviceContact.objects.visible_to(request.user).select_related("district")[:50]
    return render(
        request,
        "prevention/advice.html",
        {
            "concerns": list(labels.items()),
            "table": table,
            "contacts": own,
            "can_log": policies.can(request.user, "advice_contact.write"),
            "minimum": least,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def log_advice(request: AuthedRequest) -> HttpResponse:
    _require(request, "advice_contact.write")
    organisations = Organisation.objects.filter(
        pk__in=policies.acting_organisations(request.user, "advice_contact.write")
    )
    form = AdviceForm(
        request.POST or None,
        organisations=organisations,
        initial={"contacted_on": local_today(), "organisation": organisations.first()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["organisation"] = data.get("organisation") or organisations.order_by("name").first()
        try:
            services.log_advice_contact(actor=request.user, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The contact is logged."))
            return redirect("prevention:advice")
    return render(request, "prevention/advice_form.html", {"form": form})


# --- anonymous trust and stigma surveys -------------------------------------------------------


def _survey_organisations(request: AuthedRequest) -> Any:
    """Organisations the user may run rounds for: any (coordinators) or their own."""
    active = Organisation.objects.filter(is_active=True).order_by("name")
    if policies.acting_memberships(request.user, "prevention_survey.write", policies.Scope.ALL):
        return active
    return active.filter(
        pk__in=policies.acting_organisations(
            request.user, "prevention_survey.write", policies.Scope.OWN_ORGANISATION
        )
    )


@login_required
@require_GET
def survey_rounds(request: AuthedRequest) -> HttpResponse:
    """The rounds, each with its results (suppressed under the minimum), and the trust trend
    of each community and district shown."""
    _require(request, "prevention_survey.read")
    filters = SurveyFilter(request.GET or None)
    listed = SurveyRound.objects.visible_to(request.user).select_related(
        "community", "district", "organisation"
    )
    if district := filters.filtering().get("district"):
        listed = listed.filter(district=district)
    page = Paginator(listed.order_by("-ends_on", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    least = surveys.minimum()
    aggregates = policies.can(request.user, "prevention_aggregate.read")
    trend_rows = listed.filter(respondents__gt=0).values(
        "district_id", "community_id", "ends_on", "respondents", "tallies"
    )
    names = {r.district_id: r.district.local_name for r in page}
    by_district = surveys.trends(trend_rows, "district_id", least) if aggregates else {}
    missing = set(by_district) - set(names)
    names.update({d.pk: d.local_name for d in District.objects.filter(pk__in=missing)})
    return render(
        request,
        "prevention/surveys.html",
        {
            "filters": filters,
            "page": page,
            "rows": [
                (r, surveys.result(r.respondents, r.tallies, least) if aggregates else None)
                for r in page
            ],
            "trends": sorted(
                ((names.get(k, ""), points) for k, points in by_district.items()),
                key=lambda pair: pair[0],
            ),
            "measures": Measure.choices,
            "minimum": least,
            "can_plan": policies.can(request.user, "prevention_survey.write"),
            "query": request.GET.urlencode().replace("page=", "_="),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def plan_survey_round(request: AuthedRequest) -> HttpResponse:
    """Plan a round, with the sample-size helper (Cochran) worked from the query string."""
    _require(request, "prevention_survey.write")
    helper = SampleSizeForm(request.GET if "confidence" in request.GET else None)
    sample = None
    if helper.is_bound and helper.is_valid():
        d = helper.cleaned_data
        sample = surveys.sample_size(
            d["confidence"], float(d["margin"]) / 100, d.get("population") or None
        )
    organisations = _survey_organisations(request)
    today = local_today()
    form = SurveyRoundForm(
        request.POST or None,
        organisations=organisations,
        versions=services.survey_versions(),
        initial={
            "organisation": organisations.first(),
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=30),
            "planned_sample": sample,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        organisation = d.get("organisation") or organisations.first()
        if organisation is None:
            raise Http404
        try:
            survey_round = services.plan_survey_round(
                actor=request.user,
                organisation=organisation,
                community=d["community"],
                instrument_version=d["instrument_version"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                planned_sample=d.get("planned_sample"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied as refused:
            form.add_error("organisation", str(refused))
        else:
            messages.success(request, _("The survey round is planned."))
            return redirect("prevention:survey", pk=survey_round.pk)
    return render(
        request,
        "prevention/survey_form.html",
        {"form": form, "helper": helper, "sample": sample},
    )


@login_required
@require_GET
def survey_round(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_survey_round_for_user(request.user, pk)
    least = surveys.minimum()
    aggregates = policies.can(request.user, "prevention_aggregate.read")
    groups = []
    trend: list[surveys.TrendPoint] = []
    if aggregates:
        by_group: dict[str, list[Any]] = {}
        for group, scores in item.responses.values_list("group", "scores"):
            by_group.setdefault(group, []).append(scores)
        for value, label in RespondentGroup.choices:
            held = by_group.get(value, [])
            tallies: dict[str, list[float]] = {}
            for scores in held:
                surveys.add_to_tallies(tallies, scores)
            groups.append((label, surveys.result(len(held), tallies, least)))
        rows = SurveyRound.objects.filter(community=item.community, respondents__gt=0).values(
            "community_id", "ends_on", "respondents", "tallies"
        )
        trend = surveys.trends(rows, "community_id", least).get(item.community_id, [])
    return render(
        request,
        "prevention/survey.html",
        {
            "round": item,
            "result": surveys.result(item.respondents, item.tallies, least) if aggregates else None,
            "groups": groups,
            "trend": trend,
            "measures": Measure.choices,
            "minimum": least,
            "editable": policies.can(request.user, "prevention_survey.write", item),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def survey_respond(request: AuthedRequest, pk: int) -> HttpResponse:
    """Enter one respondent's answers (a paper form, or read out): nothing about who."""
    item = get_editable_survey_round_for_user(request.user, pk)
    definition = item.instrument_version.definition
    form = SurveyResponseForm(request.POST or None)
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        answers = answers_from_post(definition, request.POST)
        if form.is_valid():
            try:
                services.record_survey_response(
                    actor=request.user,
                    survey_round=item,
                    answers=answers,
                    group=form.cleaned_data["group"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    errors = {k: v[0] for k, v in error.message_dict.items()}
                else:
                    form.add_error(None, error)
            else:
                messages.success(request, _("The response is recorded, with no name."))
                if request.POST.get("action") == "another":
                    return redirect("prevention:survey_respond", pk=item.pk)
                return redirect("prevention:survey", pk=item.pk)
        if errors:
            messages.error(
                request,
                _("Nothing was saved: %(count)d answers need attention; they are marked below.")
                % {"count": len(errors)},
            )
    return render(
        request,
        "prevention/survey_respond.html",
        {
            "round": item,
            "form": form,
            "sections": presentation.sections_view(definition, answers, errors),
        },
    )


@login_required
@require_POST
def close_survey_round(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_editable_survey_round_for_user(request.user, pk)
    try:
        expected = int(request.POST.get("version", ""))
    except ValueError:
        expected = -1
    try:
        services.close_survey_round(
            actor=request.user, survey_round=item, expected_version=expected
        )
    except ValidationError as refused:
        message_refusal(request, refused)
    except Conflict as stale:
        messages.error(request, str(stale))
    else:
        messages.success(request, _("The round is closed."))
    return redirect("prevention:survey", pk=item.pk)
