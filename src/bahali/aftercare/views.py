"""Aftercare pages: a case's check-in schedule and outcome events, reporting and verifying
events, and a programme's aftercare dashboard (overdue check-ins, recidivism with its
definition). Thin: services decide, policies scope, out of reach answers 404."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.aftercare import figures, services
from bahali.aftercare.forms import (
    AcknowledgeWarningForm,
    CheckInForm,
    OutcomeForm,
    PlanForm,
    VerifyForm,
)
from bahali.aftercare.models import WARNING_FIELDS, CheckIn
from bahali.cases.lookups import get_case_for_user
from bahali.cases.models import Case
from bahali.cases.tabs import tabs_for
from bahali.cases.views import render_case_tab
from bahali.core import snapshots
from bahali.core.forms import (
    apply_validation_error,
    message_form_errors,
    message_refusal,
    show_conflict,
)
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict
from bahali.programmes.lookups import get_programme_for_user

WARNING_DAYS = 90  # the dashboard lists warning signs recorded this recently


# --- check-ins ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def case_aftercare(request: AuthedRequest, pk: int) -> HttpResponse:
    verb = "write" if request.method == "POST" else "read"
    case = get_case_for_user(request.user, pk, "check_in", verb)
    if request.method == "GET":  # the page's questions in one query, this one among them
        tabs_for(request.user, case)
    can_write = case.is_open and policies.can(request.user, "check_in.write", case)
    check_ins = list(case.check_ins.select_related("recorded_by"))
    planned = [c for c in check_ins if not c.is_done]
    form = None
    if can_write and not planned:
        form = PlanForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if request.method == "POST":
        if form is None:
            messages.error(
                request,
                _("Check-ins are already planned for this case; record them as they happen."),
            )
            return redirect("aftercare:case", pk=case.pk)
        if form.is_valid():
            try:
                created = services.plan_check_ins(
                    actor=request.user, case=case, starts_on=form.cleaned_data["starts_on"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(count)s check-ins are planned.") % {"count": len(created)},
                )
                return redirect("aftercare:case", pk=case.pk)
    return render_case_tab(
        request,
        case,
        "aftercare",
        "aftercare/case.html",
        {
            "check_ins": check_ins,
            "alerting": [c for c in check_ins if c.alerts],
            "can_acknowledge": policies.on_case_team(request.user, case) and can_write,
            "acknowledge_form": AcknowledgeWarningForm(),
            "form": form,
            "can_write": can_write,
            "today": timezone.localdate(),
            "months": services.schedule_months(case.programme.aftercare_months),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def record_check_in(request: AuthedRequest, pk: int, check_in_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "check_in", "write")
    check_in = get_object_or_404(case.check_ins.filter(done_on__isnull=True), pk=check_in_pk)
    form = CheckInForm(
        request.POST or None,
        initial={"done_on": timezone.localdate(), "version": check_in.version},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_check_in(
                actor=request.user,
                check_in=check_in,
                done_on=data["done_on"],
                method=data["method"],
                wellbeing=data["wellbeing"],
                warnings=data["warnings"],
                notes=data["notes"],
                follow_up=data["follow_up"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except Conflict as stale:
            show_conflict(form, stale)
        else:
            messages.success(request, _("The check-in is recorded."))
            return redirect("aftercare:case", pk=case.pk)
    return render_case_tab(
        request,
        case,
        "aftercare",
        "aftercare/record.html",
        {"form": form, "check_in": check_in},
    )


@login_required
@require_POST
def acknowledge_warning(request: AuthedRequest, pk: int, check_in_pk: int) -> HttpResponse:
    """Someone on the team records that the team met about a check-in's warning signs."""
    case = get_case_for_user(request.user, pk, "check_in", "write")
    check_in = get_object_or_404(case.check_ins.all(), pk=check_in_pk)
    form = AcknowledgeWarningForm(request.POST)
    if form.is_valid():
        try:
            services.acknowledge_warning(
                actor=request.user, check_in=check_in, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            message_refusal(request, error)
        except PermissionDenied as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The warning is acknowledged: the team has met."))
    else:
        message_form_errors(request, form)
    return redirect("aftercare:case", pk=case.pk)


# --- outcome events -----------------------------------------------------------------


@login_required
@require_GET
def outcomes(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "outcome_event")
    events = case.outcomes.select_related("reported_by", "reporting_organisation", "verified_by")
    can_verify = policies.can(request.user, "outcome_verification.write", case)
    return render_case_tab(
        request,
        case,
        "outcomes",
        "aftercare/outcomes.html",
        {
            "events": events,
            "can_verify": can_verify,
            "definition": services.RECIDIVISM_DEFINITION,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def report(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "outcome_event", "write")
    form = OutcomeForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.report_outcome(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("The event is recorded as reported; it counts only once it is verified."),
            )
            if policies.can(request.user, "outcome_event.read", case):
                return redirect("aftercare:outcomes", pk=case.pk)
            return redirect("cases:detail", pk=case.pk)
    return render_case_tab(
        request,
        case,
        "report_outcome",
        "aftercare/report.html",
        {"form": form, "definition": services.RECIDIVISM_DEFINITION},
    )


@login_required
@require_POST
def verify(request: AuthedRequest, pk: int, event_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "outcome_verification", "write")
    event = get_object_or_404(case.outcomes.all(), pk=event_pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.verify_outcome(
                actor=request.user,
                event=event,
                verification=data["verification"],
                note=data["note"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as stale:
            messages.error(request, str(stale))
        else:
            messages.success(request, _("The verification is recorded."))
    else:
        message_form_errors(request, form)
    return redirect("aftercare:outcomes", pk=case.pk)


# --- the programme's aftercare dashboard --------------------------------------------


@login_required
@require_GET
def dashboard(request: AuthedRequest, code: str) -> HttpResponse:
    programme = get_programme_for_user(request.user, code)
    if not policies.can(request.user, "check_in.read"):
        raise Http404
    cases = Case.objects.visible_to(request.user, "check_in").filter(programme=programme)
    events_cases = Case.objects.visible_to(request.user, "outcome_event").filter(
        programme=programme
    )
    # the lists read only what they show: a row of each, the participant's code, the district
    shown = ["id", "case_id", "case__participant__code", "case__district__name"]
    shown += ["case__district__name_ur"]
    overdue = (
        services.overdue_check_ins(cases)
        .select_related(None)
        .select_related("case__participant", "case__district")
        .only("due_on", "is_follow_up", *shown)
    )
    any_warning = Q()
    for name, _label in WARNING_FIELDS:
        any_warning |= Q(**{name: True})
    warned = (
        CheckIn.objects.filter(
            any_warning,
            case__in=cases.values("pk"),
            done_on__gte=timezone.localdate() - datetime.timedelta(days=WARNING_DAYS),
        )
        .select_related("case__participant", "case__district")
        .only("done_on", *(name for name, _label in WARNING_FIELDS), *shown)
        .order_by("-done_on", "-pk")
    )
    can_read_events = policies.can(request.user, "outcome_event.read")
    today = timezone.localdate()
    # the counts read every case of the programme: kept a few minutes (the page says as of
    # when), computed afresh after a write that changes them; the lists are current
    counts = figures.dashboard_counts(
        programme.pk,
        cases,
        events_cases if can_read_events else None,
        today,
        snapshots.reach(request.user),
    )
    return render(
        request,
        "aftercare/dashboard.html",
        {
            "programme": programme,
            "overdue": overdue[:100],
            "warned": warned[:50],
            **counts.value,
            "warning_days": WARNING_DAYS,
            "today": today,
            **snapshots.age(counts.computed_at),
        },
    )
