"""Programme pages: the configured pathways, and their editing by the programme manager."""

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
from bahali.core.forms import apply_validation_error, show_conflict
from bahali.core.http import AuthedRequest
from bahali.core.versioning import Conflict
from bahali.programmes import services
from bahali.programmes.forms import PhaseForm, ProgrammeForm, TransitionForm
from bahali.programmes.lookups import get_programme_for_user
from bahali.programmes.models import Phase, Programme, Transition


@login_required
@require_GET
def programme_list(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "programme.read"):
        raise Http404
    programmes = (
        Programme.objects.visible_to(request.user)
        .select_related("lead_organisation")
        .prefetch_related("phases", "districts")
    )
    return render(request, "programmes/list.html", {"programmes": programmes})


@login_required
@require_GET
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    programme = get_programme_for_user(request.user, code)
    can_edit = policies.can(request.user, "programme.write", programme)
    transitions = programme.transitions.select_related("from_phase", "to_phase")
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "phases": programme.phases.all(),
            "transitions": transitions,
            "problems": services.configuration_problems(programme),
            "can_edit": can_edit,
            "districts": programme.districts.all(),
            "can_see_aftercare": policies.can(request.user, "check_in.read"),
            "can_see_factors": policies.can(request.user, "aggregate_report.read"),
            "can_see_support_share": policies.can(request.user, "support_share.read"),
        },
    )


def _save(
    request: AuthedRequest, form: Any, programme: Programme, save: Any, **extra: Any
) -> HttpResponse | None:
    """Run a configuration service from a valid form; None when the form must show again."""
    if not form.is_valid():
        return None
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        save(actor=request.user, programme=programme, expected_version=version, **extra, **data)
    except ValidationError as error:
        apply_validation_error(form, error)
        return None
    except Conflict as error:
        show_conflict(form, error)
        return None
    messages.success(request, _("Saved."))
    return redirect("programmes:detail", code=programme.code)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, code: str) -> HttpResponse:
    programme = get_programme_for_user(request.user, code, "write")
    initial = {
        "version": programme.version,
        "districts": programme.districts.all(),
        **{name: getattr(programme, name) for name in services.PROGRAMME_FIELDS},
    }
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        done = _save(request, form, programme, services.update_programme)
        if done:
            return done
    return render(
        request,
        "programmes/form.html",
        {"form": form, "programme": programme, "title": _("Edit the programme")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def phase_form(request: AuthedRequest, code: str, pk: int | None = None) -> HttpResponse:
    programme = get_programme_for_user(request.user, code, "write")
    phase = get_object_or_404(programme.phases, pk=pk) if pk else None
    initial: dict[str, Any] = {"version": programme.version}
    if phase is not None:
        initial.update({name: getattr(phase, name) for name in services.PHASE_FIELDS})
    else:
        last = programme.phases.order_by("-order").first()
        initial["order"] = (last.order + 10) if last else 10
    form = PhaseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        done = _save(request, form, programme, services.save_phase, phase=phase)
        if done:
            return done
    title = _("Edit the phase") if phase else _("Add a phase")
    return render(
        request,
        "programmes/form.html",
        {"form": form, "programme": programme, "title": title, "deletable": phase},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transition_form(request: AuthedRequest, code: str, pk: int | None = None) -> HttpResponse:
    programme = get_programme_for_user(request.user, code, "write")
    transition = get_object_or_404(programme.transitions, pk=pk) if pk else None
    initial: dict[str, Any] = {"version": programme.version, "objection_blocks": True}
    if transition is not None:
        initial.update({name: getattr(transition, name) for name in services.TRANSITION_FIELDS})
    form = TransitionForm(request.POST or None, initial=initial, programme=programme)
    if request.method == "POST":
        done = _save(request, form, programme, services.save_transition, transition=transition)
        if done:
            return done
    title = _("Edit the transition and its gate") if transition else _("Add a transition")
    return render(
        request,
        "programmes/form.html",
        {"form": form, "programme": programme, "title": title, "deletable": transition},
    )


@login_required
@require_POST
def delete_phase(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, code, "write")
    phase = get_object_or_404(Phase, programme=programme, pk=pk)
    return _delete(request, programme, services.delete_phase, phase=phase)


@login_required
@require_POST
def delete_transition(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, code, "write")
    transition = get_object_or_404(Transition, programme=programme, pk=pk)
    return _delete(request, programme, services.delete_transition, transition=transition)


def _delete(
    request: AuthedRequest, programme: Programme, delete: Any, **target: Any
) -> HttpResponse:
    try:
        delete(
            actor=request.user,
            programme=programme,
            expected_version=int(request.POST.get("version") or 0),
            **target,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except Conflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Removed."))
    return redirect("programmes:detail", code=programme.code)
