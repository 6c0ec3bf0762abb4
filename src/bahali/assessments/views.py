"""Assessment pages: the case's Assessments tab (list, start, fill in, read, correct,
compare, proposed goals, the chart of change), the instruments (list, detail, import,
publish, export) and a programme's factor distribution. Thin: services decide, policies
scope, and anything out of reach answers 404 like anything missing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.assessments import definition as spec
from bahali.assessments import figures as assessment_figures
from bahali.assessments import filling, presentation, services, xlsform
from bahali.assessments.forms import (
    BlindRatingForm,
    CalibrationRequestForm,
    GroupByForm,
    ImportForm,
    StartForm,
    TrainingForm,
)
from bahali.assessments.lookups import get_instrument_for_user
from bahali.assessments.models import (
    Assessment,
    AssessmentStatus,
    Band,
    Calibration,
    Instrument,
    InstrumentKind,
    InstrumentVersion,
    Training,
)
from bahali.cases.lookups import get_case_for_user
from bahali.cases.models import Case
from bahali.cases.views import render_case_tab
from bahali.casework.models import Domain as GoalDomain
from bahali.core import snapshots, suppression
from bahali.core.forms import apply_validation_error, message_refusal, show_conflict
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict
from bahali.organisations.models import Organisation
from bahali.programmes.lookups import get_programme_for_user


def _assessment(case: Case, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.filter(case=case).select_related(
            "instrument_version__instrument", "assessor", "corrects"
        ),
        pk=pk,
    )


def _writable(request: AuthedRequest, case: Case) -> bool:
    return case.is_open and policies.can(request.user, "assessment.write", case)


# --- the case's tab -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def case_assessments(request: AuthedRequest, pk: int) -> HttpResponse:
    """The tab: assessments of the case, the chart of change, what is due, and starting
    one. Security liaisons see the overall band of each progress assessment only."""
    if request.method == "POST":
        case = get_case_for_user(request.user, pk, "assessment", "write")
    else:
        case = get_case_for_user(request.user, pk, "assessment_band")
    user = request.user
    full = policies.can(user, "assessment.read", case)
    can_write = _writable(request, case)
    form = None
    suggested: list[Instrument] = []
    if can_write:
        available = services.instruments_for_case(case)
        by_code = {instrument.code: instrument for instrument in available}
        suggested = [by_code[code] for code in case.phase.instruments if code in by_code]
        form = StartForm(
            request.POST or None,
            instruments=available,
            initial={
                "assessed_on": timezone.localdate(),
                "instrument": suggested[0].pk if suggested else None,
            },
        )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            assessment = services.start_assessment(
                actor=user,
                case=case,
                instrument=form.cleaned_data["instrument"],
                assessed_on=form.cleaned_data["assessed_on"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The assessment is started as a draft."))
            return redirect("assessments:fill", pk=case.pk, assessment_pk=assessment.pk)
    rows = Assessment.objects.filter(case=case).select_related(
        "instrument_version__instrument", "assessor"
    )
    if not full:
        rows = services.effective(rows).filter(
            instrument_version__instrument__kind=InstrumentKind.PROGRESS
        )
    assessments = list(rows.order_by("-assessed_on", "-pk"))
    superseded = set(
        Assessment.objects.filter(
            case=case, status=AssessmentStatus.COMPLETED, corrects__isnull=False
        ).values_list("corrects", flat=True)
    )
    last = services.last_progress_dates([case]).get(case.pk)
    series = services.domain_series(case) if full else None
    completed = [a for a in assessments if a.is_completed and a.pk not in superseded]
    return render_case_tab(
        request,
        case,
        "assessments",
        "assessments/list.html",
        {
            "assessments": assessments,
            "superseded": superseded,
            "full": full,
            "form": form,
            "can_write": can_write,
            "due": services.reassessment_due(
                case, last, services.last_warning_dates([case]).get(case.pk)
            ),
            "today": timezone.localdate(),
            "chart": presentation.chart(series) if series else None,
            "compare_choices": completed if full else [],
            "suggested": suggested,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def fill(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """One assessment: a draft opens for filling in (save and resume, or complete);
    a completed one reads only. Posting with HTMX and no action redraws the items under
    the answers given so far, so skip logic follows the assessor without saving."""
    if request.method == "POST":
        case = get_case_for_user(request.user, pk, "assessment", "write")
    else:
        case = get_case_for_user(request.user, pk, "assessment")
    assessment = _assessment(case, assessment_pk)
    editable = not assessment.is_completed and _writable(request, case)
    if assessment.is_completed or not editable:
        if request.method == "POST" and not assessment.is_completed:
            raise Http404
        if request.method == "POST":  # a second submit after completion: show what is kept
            messages.info(request, _("This assessment is already completed; nothing was changed."))
            return redirect("assessments:fill", pk=case.pk, assessment_pk=assessment.pk)
        return _read(request, case, assessment)
    here = redirect("assessments:fill", pk=case.pk, assessment_pk=assessment.pk)
    filled = filling.take_post(request, assessment) if request.method == "POST" else None
    if filled is not None and filled.outcome in ("stale", "saved"):
        return here
    if filled is not None and filled.outcome == "completed":
        messages.success(request, _("The assessment is completed."))
        if services.proposed_goals(assessment) and policies.can(request.user, "plan.write", case):
            return redirect("assessments:goals", pk=case.pk, assessment_pk=assessment.pk)
        return here
    context = filling.filled_context(assessment, filled or filling.Filled.of(assessment))
    if filled is not None and request.headers.get("HX-Request"):
        return filling.relevance_response(context["sections"])
    return render_case_tab(request, case, "assessments", "assessments/fill.html", context)


def _read(request: AuthedRequest, case: Case, assessment: Assessment) -> HttpResponse:
    definition = assessment.definition
    context = filling.read_context(assessment)
    corrections = list(assessment.corrections.order_by("-pk").select_related("assessor"))
    context.update(
        {
            "corrections": corrections,
            "can_correct": assessment.is_completed
            and _writable(request, case)
            and not any(c.status == AssessmentStatus.DRAFT for c in corrections),
            "can_discard": not assessment.is_completed and _writable(request, case),
            "proposals": services.proposed_goals(assessment) if assessment.is_completed else [],
            "can_plan": policies.can(request.user, "plan.write", case) and case.is_open,
            "has_domains": bool(spec.rated_domains(definition)),
            **_calibration_context(request, case, assessment),
        }
    )
    return render_case_tab(request, case, "assessments", "assessments/detail.html", context)


# --- assessor calibration -----------------------------------------------------------


def _calibration_context(
    request: AuthedRequest,
    case: Case,
    assessment: Assessment,
    form: CalibrationRequestForm | None = None,
) -> dict[str, Any]:
    """The blind second ratings of a completed assessment, for the programme manager."""
    if not (
        assessment.is_completed
        and spec.rated_domains(assessment.definition)
        and policies.can(request.user, "calibration.read", case)
    ):
        return {}
    can_request = policies.can(request.user, "calibration.write", case)
    assessors = services.trained_assessors(assessment.instrument).exclude(pk=assessment.assessor_id)
    return {
        "calibrations": assessment.calibrations.select_related("second_assessor"),
        "calibration_form": (form or CalibrationRequestForm(assessors=assessors))
        if can_request
        else None,
        "show_calibration": True,
    }


@login_required
@require_POST
@one_time_form
def request_calibration(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "calibration", "write")
    assessment = _assessment(case, assessment_pk)
    assessors = services.trained_assessors(assessment.instrument).exclude(pk=assessment.assessor_id)
    form = CalibrationRequestForm(request.POST, assessors=assessors)
    if form.is_valid():
        try:
            calibration = services.request_calibration(
                actor=request.user,
                assessment=assessment,
                second_assessor=form.cleaned_data["second_assessor"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("A blind second rating is asked for, under the code %(code)s.")
                % {"code": calibration.code},
            )
            return redirect("assessments:fill", pk=case.pk, assessment_pk=assessment.pk)
    if not policies.can(request.user, "assessment.read", case):
        for found in form.errors.values():
            for message in found:
                messages.error(request, str(message))
        return redirect("assessments:list", pk=case.pk)
    context = filling.read_context(assessment)
    context.update(
        {
            "corrections": list(assessment.corrections.order_by("-pk")),
            "has_domains": True,
            **_calibration_context(request, case, assessment, form),
        }
    )
    return render_case_tab(request, case, "assessments", "assessments/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def blind_rating(request: AuthedRequest, code: str) -> HttpResponse:
    """The second assessor's page: the pseudonymous code and the answers (the evidence),
    never the person, the case, the first assessor or their ratings."""
    verb = "write" if request.method == "POST" else "read"
    calibration = get_object_or_404(
        Calibration.objects.visible_to(request.user, "calibration_rating", verb)
        .filter(second_assessor=request.user)
        .select_related("assessment__instrument_version__instrument"),
        code=code,
    )
    assessment = calibration.assessment
    domains = [
        (domain["name"], spec.label(domain.get("label")))
        for domain in spec.rated_domains(assessment.definition)
    ]
    form = None
    if not calibration.is_rated:
        form = BlindRatingForm(
            request.POST if request.method == "POST" else None,
            domains=domains,
            initial={"version": calibration.version},
        )
    elif request.method == "POST":
        messages.error(request, _("This blind rating has been given already."))
        return redirect("assessments:calibration", code=calibration.code)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.rate_calibration(
                actor=request.user,
                calibration=calibration,
                ratings=form.ratings(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.message_dict.items():
                    field = "domain_" + key.removeprefix("domain:")
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                apply_validation_error(form, error)
        except Conflict as stale:
            show_conflict(form, stale)
        else:
            messages.success(request, _("Your blind rating is recorded. Thank you."))
            return redirect("assessments:calibration", code=calibration.code)
    given = (calibration.domain_ratings or {}) if calibration.is_rated else {}
    bands = dict(Band.choices)
    return render(
        request,
        "assessments/blind_rating.html",
        {
            "calibration": calibration,
            "instrument": assessment.instrument,
            "sections": presentation.sections_view(assessment.definition, assessment.answers),
            "form": form,
            "given": [(label, bands.get(given.get(name, ""), "")) for name, label in domains],
        },
    )


@login_required
@require_GET
def agreement(request: AuthedRequest, code: str) -> HttpResponse:
    """Agreement between first and second assessors on each rated domain of an instrument,
    over the blind second ratings in the programme manager's districts."""
    if not policies.can(request.user, "calibration.read"):
        raise Http404
    instrument = get_instrument_for_user(request.user, code)
    calibrations = Calibration.objects.visible_to(request.user, "calibration")
    return render(
        request,
        "assessments/agreement.html",
        {
            "instrument": instrument,
            "rows": services.agreement_by_domain(instrument, calibrations),
            "waiting": calibrations.filter(
                rated_on__isnull=True, assessment__instrument_version__instrument=instrument
            ).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def training(request: AuthedRequest) -> HttpResponse:
    """Who is trained on which instrument, by whom and when; programme managers record it."""
    if not policies.can(request.user, "assessor_training.read"):
        raise Http404
    can_write = policies.can(request.user, "assessor_training.write")
    if request.method == "POST" and not can_write:
        raise Http404
    form = None
    if can_write:
        form = TrainingForm(
            request.POST or None,
            initial={"trained_on": timezone.localdate()},
            users=User.objects.filter(is_active=True, memberships__is_active=True)
            .distinct()
            .order_by("first_name", "last_name", "username"),
            instruments=Instrument.objects.filter(is_active=True).order_by("code"),
        )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.record_training(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The training is recorded."))
            return redirect("assessments:training")
    records = (
        Training.objects.visible_to(request.user)
        .select_related("user", "instrument")
        .order_by("instrument__code", "user__first_name", "user__username")
    )
    return render(
        request,
        "assessments/training.html",
        {
            "records": records,
            "form": form,
            "required": Instrument.objects.filter(requires_training=True).order_by("code"),
        },
    )


@login_required
@require_POST
def training_required(request: AuthedRequest, code: str) -> HttpResponse:
    if not policies.can(request.user, "assessor_training.write"):
        raise Http404
    instrument = get_instrument_for_user(request.user, code)
    try:
        expected = int(request.POST.get("version", "0"))
    except ValueError:
        expected = 0
    required = request.POST.get("required") == "1"
    try:
        services.set_training_required(
            actor=request.user, instrument=instrument, required=required, expected_version=expected
        )
    except Conflict as stale:
        messages.error(request, str(stale))
    else:
        messages.success(
            request,
            _("Only assessors trained on it may now complete this instrument.")
            if required
            else _("Any assessor may complete this instrument again."),
        )
    return redirect("assessments:instrument", code=instrument.code)


@login_required
@require_POST
def correct(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "assessment", "write")
    assessment = _assessment(case, assessment_pk)
    try:
        correction = services.correct_assessment(actor=request.user, assessment=assessment)
    except ValidationError as error:
        message_refusal(request, error)
        return redirect("assessments:fill", pk=case.pk, assessment_pk=assessment.pk)
    messages.success(
        request, _("A correction is started: change what was wrong, then complete it.")
    )
    return redirect("assessments:fill", pk=case.pk, assessment_pk=correction.pk)


@login_required
@require_POST
def discard(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "assessment", "write")
    assessment = _assessment(case, assessment_pk)
    try:
        services.discard_draft(actor=request.user, assessment=assessment)
    except ValidationError as error:
        message_refusal(request, error)
        return redirect("assessments:fill", pk=case.pk, assessment_pk=assessment.pk)
    messages.success(request, _("The draft is discarded."))
    return redirect("assessments:list", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """Goals the assessment's factors and needs propose: the user keeps, edits or leaves
    each, and the kept ones join the plan."""
    case = get_case_for_user(request.user, pk, "plan", "write")
    if not policies.can(request.user, "assessment.read", case):
        raise Http404
    assessment = _assessment(case, assessment_pk)
    if not assessment.is_completed:
        raise Http404
    proposals = services.proposed_goals(assessment)
    if request.method == "POST":
        chosen = []
        for index, _proposal in enumerate(proposals):
            if request.POST.get(f"keep_{index}") != "on":
                continue
            chosen.append(
                services.AcceptedGoal(
                    domain=request.POST.get(f"domain_{index}", ""),
                    title=request.POST.get(f"title_{index}", ""),
                    interventions=request.POST.get(f"interventions_{index}", ""),
                )
            )
        try:
            added = services.accept_goals(actor=request.user, assessment=assessment, goals=chosen)
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(
                request,
                _("%(count)d goals are added to the plan.") % {"count": len(added)},
            )
            return redirect("casework:plan", pk=case.pk)
    return render_case_tab(
        request,
        case,
        "assessments",
        "assessments/goals.html",
        {"assessment": assessment, "proposals": proposals, "domains": GoalDomain.choices},
    )


@login_required
@require_GET
def compare(request: AuthedRequest, pk: int) -> HttpResponse:
    """Any two completed assessments of the case, side by side, changes marked."""
    case = get_case_for_user(request.user, pk, "assessment")
    completed = Assessment.objects.filter(case=case, status=AssessmentStatus.COMPLETED)
    pks = []
    for key in ("left", "right"):
        try:
            pks.append(int(request.GET.get(key, "")))
        except ValueError:
            pks.append(0)
    found = {
        a.pk: a
        for a in completed.filter(pk__in=pks).select_related(
            "instrument_version__instrument", "assessor"
        )
    }
    choices = list(
        completed.select_related("instrument_version__instrument").order_by("-assessed_on")
    )
    left, right = found.get(pks[0]), found.get(pks[1])
    # Answers of two different instruments have nothing to be compared item by item.
    different = bool(
        left
        and right
        and left.instrument_version.instrument_id != right.instrument_version.instrument_id
    )
    rows = presentation.compare_rows(left, right) if left and right and not different else []
    return render_case_tab(
        request,
        case,
        "assessments",
        "assessments/compare.html",
        {
            "left": left,
            "right": right,
            "rows": rows,
            "choices": choices,
            "different": different,
        },
    )


# --- instruments --------------------------------------------------------------------


def _owned_organisations(request: AuthedRequest) -> Any:
    ids = policies.acting_organisations(request.user, "instrument.write")
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name")


@login_required
@require_GET
def instrument_list(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "instrument.read"):
        raise Http404
    instruments = (
        Instrument.objects.visible_to(request.user)
        .select_related("organisation")
        .prefetch_related(Prefetch("versions", InstrumentVersion.objects.order_by("-number")))
    )
    return render(
        request,
        "assessments/instruments.html",
        {
            "instruments": instruments,
            "can_import": policies.can(request.user, "instrument.write"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_instrument(request: AuthedRequest) -> HttpResponse:
    """An XLSForm becomes a draft version: of a new instrument, or of one the user's
    organisation owns. Refusals name the sheet, row and reason; nothing is saved."""
    if not policies.can(request.user, "instrument.write"):
        raise Http404
    owned = Instrument.objects.visible_to(request.user, "write").order_by("code")
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        instruments=owned,
        organisations=_owned_organisations(request),
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            imported = xlsform.read_uploaded_xlsform(data["workbook"].read())
            instrument = data.get("instrument")
            if instrument is not None:
                version = services.save_draft_version(
                    actor=request.user,
                    instrument=instrument,
                    definition=imported.definition,
                    note=data.get("note") or "",
                )
            else:
                if data.get("organisation") is None:
                    raise ValidationError(
                        {"organisation": _("Choose the organisation that owns the instrument.")}
                    )
                version = services.create_instrument(
                    actor=request.user,
                    code=data.get("code") or imported.code,
                    kind=data.get("kind") or imported.kind,
                    organisation=data["organisation"],
                    definition=imported.definition,
                    note=data.get("note") or "",
                )
        except xlsform.XLSFormRefused as refused:
            problems = [str(problem) for problem in refused.problems]
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                apply_validation_error(form, error)
            else:
                problems = list(error.messages)
        else:
            messages.success(
                request,
                _("Version %(number)d is imported as a draft: check it, then publish it.")
                % {"number": version.number},
            )
            return redirect("assessments:instrument", code=version.instrument.code)
    return render(request, "assessments/import.html", {"form": form, "problems": problems})


@login_required
@require_GET
def instrument_detail(request: AuthedRequest, code: str) -> HttpResponse:
    instrument = get_instrument_for_user(request.user, code)
    versions = list(instrument.versions.select_related("published_by").order_by("-number"))
    try:
        number = int(request.GET.get("version", ""))
    except ValueError:
        number = 0
    shown = next((v for v in versions if v.number == number), None)
    shown = shown or instrument.current_version() or (versions[0] if versions else None)
    definition = shown.definition if shown else {}
    return render(
        request,
        "assessments/instrument.html",
        {
            "instrument": instrument,
            "versions": versions,
            "shown": shown,
            "sections": presentation.sections_view(definition, {}) if shown else [],
            "raw_sections": spec.sections(definition),
            "domains": [
                {**domain, "label": spec.label(domain.get("label"))}
                for domain in spec.domains(definition)
            ],
            "item_types": spec.ITEM_TYPES,
            "description": spec.label(definition.get("description")),
            "can_write": policies.can(request.user, "instrument.write", instrument),
            "can_train": policies.can(request.user, "assessor_training.write"),
            "can_see_training": policies.can(request.user, "assessor_training.read"),
            "can_see_agreement": policies.can(request.user, "calibration.read"),
        },
    )


@login_required
@require_POST
def publish(request: AuthedRequest, code: str, number: int) -> HttpResponse:
    instrument = get_instrument_for_user(request.user, code, "write")
    version = get_object_or_404(instrument.versions, number=number)
    try:
        services.publish_version(actor=request.user, version=version)
    except ValidationError as error:
        message_refusal(request, error)
    else:
        messages.success(
            request,
            _("Version %(number)d is published: new assessments use it.") % {"number": number},
        )
    return redirect("assessments:instrument", code=instrument.code)


@login_required
@require_POST
def activation(request: AuthedRequest, code: str) -> HttpResponse:
    """Take the instrument out of use, or put it back."""
    instrument = get_instrument_for_user(request.user, code, "write")
    active = request.POST.get("active") == "1"
    try:
        expected = int(request.POST.get("version", "0"))
    except ValueError:
        expected = 0
    try:
        services.set_instrument_active(
            actor=request.user, instrument=instrument, expected_version=expected, active=active
        )
    except Conflict as stale:
        messages.error(request, str(stale))
    else:
        messages.success(
            request,
            _("The instrument is in use again.")
            if active
            else _("The instrument is out of use: no new assessment starts with it."),
        )
    return redirect("assessments:instrument", code=instrument.code)


@login_required
@require_GET
def export(request: AuthedRequest, code: str, number: int) -> HttpResponse:
    instrument = get_instrument_for_user(request.user, code)
    version = get_object_or_404(instrument.versions, number=number)
    data = xlsform.write_xlsform(
        version.definition, code=instrument.code, kind=instrument.kind, version=version.number
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{instrument.code}-v{version.number}.xlsx"'
    )
    return response


# --- the programme's factor distribution --------------------------------------------


@login_required
@require_GET
def factors(request: AuthedRequest, code: str) -> HttpResponse:
    """Which factors drew people in, across the programme's caseload, by district or age
    band: aggregate figures, small cells suppressed for everyone."""
    if not policies.can(request.user, "aggregate_report.read"):
        raise Http404
    programme = get_programme_for_user(request.user, code)
    form = GroupByForm(request.GET or None)
    group_by = "district"
    if form.is_valid() and form.cleaned_data.get("by"):
        group_by = form.cleaned_data["by"]
    # every case's latest answers opened: kept a few minutes (the page says as of when),
    # counted afresh after an assessment of the programme is saved
    counted = assessment_figures.factor_distribution(programme, group_by)
    groups, rows = counted.value
    k = suppression.minimum()
    table = services.shown_distribution(groups, rows, k=k)
    return render(
        request,
        "assessments/factors.html",
        {
            "programme": programme,
            "groups": groups,
            "table": table,
            "group_by": group_by,
            "threshold": k,
            **snapshots.age(counted.computed_at),
        },
    )
