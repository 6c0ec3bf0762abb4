"""Retention pages: the rules per programme, what is due (the dry run, and starting the run),
and the legal holds. Thin: the services decide, the authorization module scopes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.core.forms import apply_validation_error, message_form_errors, message_refusal
from bahali.core.http import AuthedRequest
from bahali.core.paging import KeysFirstPaginator
from bahali.core.versioning import Conflict
from bahali.jobs import services as jobs
from bahali.programmes.models import Programme
from bahali.retention import services
from bahali.retention.forms import HoldForm, LiftForm, RuleForm
from bahali.retention.jobs import RUN_JOB
from bahali.retention.models import Erasure, LegalHold, RetentionRule
from bahali.retention.scopes import participants_for

PAGE_SIZE = 50


def _tabs(user: Any) -> dict[str, bool]:
    return {
        "can_rules": policies.can(user, "retention_rule.read"),
        "can_due": policies.can(user, "retention_run.read"),
        "can_holds": policies.can(user, "legal_hold.read"),
    }


def _programmes(user: Any, verb: str) -> Any:
    return policies.filter_visible(Programme.objects.all(), user, "retention_rule", verb)


@login_required
@require_GET
def rules(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "retention_rule.read"):
        raise Http404
    programmes = list(
        _programmes(request.user, "read").select_related("lead_organisation").order_by("code")
    )
    by_programme = {
        rule.programme_id: rule
        for rule in RetentionRule.objects.visible_to(request.user, "retention_rule").filter(
            programme__in=[p.pk for p in programmes]
        )
    }
    editable = set(_programmes(request.user, "write").values_list("pk", flat=True))
    rows = [
        {"programme": p, "rule": by_programme.get(p.pk), "can_edit": p.pk in editable}
        for p in programmes
    ]
    return render(
        request,
        "retention/rules.html",
        {"rows": rows, "grace_days": services.grace_days(), "tab": "rules", **_tabs(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_rule(request: AuthedRequest, code: str) -> HttpResponse:
    programme = get_object_or_404(_programmes(request.user, "write"), code=code)
    rule = RetentionRule.objects.filter(programme=programme).first()
    initial = (
        {"identity_years": rule.identity_years, "notes_years": rule.notes_years}
        if rule
        else {"identity_years": 10, "notes_years": 5}
    )
    form = RuleForm(
        request.POST or None, initial={**initial, "version": rule.version if rule else 0}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_rule(
                actor=request.user,
                programme=programme,
                identity_years=data["identity_years"],
                notes_years=data["notes_years"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except Conflict as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("retention:rules")
    return render(
        request,
        "retention/rule_form.html",
        {"form": form, "programme": programme, "rule": rule, **_tabs(request.user)},
    )


@login_required
@require_GET
def due(request: AuthedRequest) -> HttpResponse:
    """The dry run: what the next run would anonymise among the participants the user's
    organisation works with, and what a legal hold keeps."""
    if not policies.can(request.user, "retention_run.read"):
        raise Http404
    items = services.due(participants_for(request.user, "retention_run.read"))
    done = Erasure.objects.visible_to(request.user, "retention_run").select_related(
        "participant", "case__programme"
    )
    page = KeysFirstPaginator(done, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "retention/due.html",
        {
            "items": [item for item in items if not item.held],
            "held": [item for item in items if item.held],
            "page": page,
            "can_run": policies.can(request.user, "retention_run.write"),
            "can_place": policies.can(request.user, "legal_hold.write"),
            "tab": "due",
            **_tabs(request.user),
        },
    )


@login_required
@require_POST
def run(request: AuthedRequest) -> HttpResponse:
    """Start the run in the worker, for what is due among the user's participants."""
    if not policies.can(request.user, "retention_run.write"):
        raise Http404
    job = jobs.start(RUN_JOB, actor=request.user)
    messages.success(request, _("The run has started; its progress is shown here."))
    return redirect(job.get_absolute_url())


@login_required
@require_GET
def holds(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "legal_hold.read"):
        raise Http404
    found = LegalHold.objects.visible_to(request.user, "legal_hold").select_related(
        "participant", "placed_by", "lifted_by"
    )
    page = KeysFirstPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    liftable = set(
        LegalHold.objects.visible_to(request.user, "legal_hold", "write")
        .filter(pk__in=[hold.pk for hold in page.object_list], lifted_on__isnull=True)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "retention/holds.html",
        {
            "page": page,
            "liftable": liftable,
            "form": HoldForm(initial={"participant": request.GET.get("participant", "")[:16]}),
            "lift_form": LiftForm(),
            "can_place": policies.can(request.user, "legal_hold.write"),
            "tab": "holds",
            **_tabs(request.user),
        },
    )


@login_required
@require_POST
def place_hold(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "legal_hold.write"):
        raise Http404
    form = HoldForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("retention:holds")
    data = form.cleaned_data
    participant = (
        participants_for(request.user, "legal_hold.write")
        .filter(code=data["participant"].strip().upper())
        .first()
    )
    if participant is None:
        messages.error(
            request,
            _("No participant with this code among those your organisation works with."),
        )
        return redirect("retention:holds")
    try:
        services.place_hold(
            actor=request.user,
            participant=participant,
            reason=data["reason"],
            reference=data["reference"],
        )
    except ValidationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, _("The legal hold is recorded."))
    return redirect("retention:holds")


@login_required
@require_POST
def lift_hold(request: AuthedRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(
        LegalHold.objects.visible_to(request.user, "legal_hold", "write"), pk=pk
    )
    form = LiftForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("retention:holds")
    try:
        services.lift_hold(
            actor=request.user,
            hold=hold,
            reason=form.cleaned_data["lift_reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The legal hold is lifted."))
    return redirect("retention:holds")
