"""Registry pages: list, register (duplicate check first), detail, identity, consent, merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bahali.accounts import policies
from bahali.cases.models import Case
from bahali.core.forms import apply_validation_error
from bahali.core.http import AuthedRequest
from bahali.registry import services
from bahali.registry.codes import is_valid_code
from bahali.registry.forms import (
    ConsentForm,
    EditIdentityForm,
    MergeForm,
    PledgeForm,
    ReasonForm,
    RegistrationForm,
)
from bahali.registry.models import Consent, Merge, Participant


def _participant(request: AuthedRequest, code: str, resource: str = "case_summary") -> Participant:
    """One participant the user may see; 404 alike for missing and out of scope."""
    return get_object_or_404(
        Participant.objects.visible_to(request.user, resource).select_related(
            "district", "home_community__tehsil", "merged_into", "registered_by"
        ),
        code=code,
    )


@login_required
def participant_list(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "case_summary.read"):
        raise Http404
    participants = (
        Participant.objects.visible_to(request.user)
        .active()
        .select_related("district", "home_community")
        .order_by("-created_at")
    )
    query = request.GET.get("q", "").strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        if len(digits) == 13 and policies.can(request.user, "identity.read"):
            participants = Participant.objects.visible_to(request.user, "identity").filter(
                cnic_index=services.cnic_index(digits)
            )
        else:
            participants = participants.filter(code__icontains=query.upper())
    page = Paginator(participants, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/list.html",
        {
            "page": page,
            "query": query,
            "query_string": f"q={query}" if query else "",
            "can_register": policies.can(request.user, "registration.write"),
            "code_typo": bool(query) and len(query) >= 14 and not is_valid_code(query),
        },
    )


def _registration_form(request: AuthedRequest) -> RegistrationForm:
    initial: dict[str, Any] = {}
    memberships = request.user.active_memberships()
    for membership in memberships:
        districts = list(membership.districts.all())
        if districts:
            initial["district"] = districts[0]
            break
    return RegistrationForm(request.POST or None, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "registration.write"):
        raise Http404
    form = _registration_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = form.identity()
        decision = request.POST.get("decision", "check")
        shown = [int(pk) for pk in request.POST.getlist("candidate") if pk.isdigit()]
        try:
            if decision.startswith("same:"):
                existing = get_object_or_404(Participant.objects.active(), pk=decision[5:])
                try:
                    services.confirm_same_person(
                        actor=request.user,
                        participant=existing,
                        identity=identity,
                        sex=data["sex"],
                        district=data["district"],
                    )
                except Participant.DoesNotExist:
                    raise Http404 from None
                messages.success(
                    request,
                    _("No new record was made: your organisation now works with %(code)s.")
                    % {"code": existing.code},
                )
                return redirect("registry:detail", code=existing.code)
            if decision == "check":
                candidates = services.find_candidates(
                    identity, sex=data["sex"], district=data["district"]
                )
                if candidates:
                    services.record_candidate_views(
                        actor=request.user, participants=[c.participant for c in candidates]
                    )
                    return render(
                        request,
                        "registry/candidates.html",
                        {"form": form, "identity": identity, "candidates": candidates},
                    )
            participant = services.register_participant(
                actor=request.user,
                identity=identity,
                sex=data["sex"],
                district=data["district"],
                home_community=data.get("home_community"),
                languages=",".join(data.get("languages") or []),
                different_from=Participant.objects.filter(pk__in=shown),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Registered as %(code)s.") % {"code": participant.code})
            return redirect("registry:detail", code=participant.code)
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/register.html", {"form": form}, status=status)


@login_required
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    participant = _participant(request, code)
    user = request.user
    context = {
        "participant": participant,
        "links": participant.links.select_related("organisation").order_by("created_at"),
        "consents": participant.consents.select_related("recorded_by"),
        "pledges": participant.pledges.all(),
        "merges": Merge.objects.filter(kept=participant).select_related("merged"),
        "can_see_identity": policies.can(user, "identity.read", participant),
        "can_write": policies.can(user, "participant_record.write", participant),
        "can_merge": policies.can(user, "merge.write", participant),
        "consent_form": ConsentForm(),
        "pledge_form": PledgeForm(),
        "cases": Case.objects.visible_to(user)
        .filter(participant=participant)
        .select_related("programme", "phase", "lead_organisation"),
        "can_enrol": policies.can(user, "enrolment.write")
        and policies.can(user, "participant_record.write", participant)
        and not participant.merged_into_id,
    }
    return render(request, "registry/detail.html", context)


@login_required
def identity_panel(request: AuthedRequest, code: str) -> HttpResponse:
    participant = _participant(request, code, "identity")
    identity = services.read_identity(actor=request.user, participant=participant)
    # Relatives and witnesses named in consents and pledges identify the person too: shown
    # with the identity (this read is the audited one), never to a committee's name-only view.
    full = not services.names_only(request.user, participant)
    consents = list(participant.consents.all()) if full else []
    return render(
        request,
        "registry/_identity.html",
        {
            "participant": participant,
            "identity": identity,
            "guardians": [c for c in consents if c.guardian_name],
            "witnessed": [c for c in consents if c.witness],
            "pledges": list(participant.pledges.all()) if full else [],
            "names_only": not full,
            "can_correct": policies.can(request.user, "participant_record.write", participant),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_identity(request: AuthedRequest, code: str) -> HttpResponse:
    participant = _participant(request, code, "identity")
    if not policies.can(request.user, "participant_record.write", participant):
        raise Http404
    if request.method == "POST":
        form = EditIdentityForm(request.POST)
        if form.is_valid():
            try:
                services.update_identity(
                    actor=request.user,
                    participant=participant,
                    identity=form.identity(),
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data.get("reason") or "",
                )
            except services.StaleEdit as stale:
                form.add_error(None, str(stale))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Identity corrected."))
                return redirect("registry:detail", code=participant.code)
        status = 400
    else:
        identity = services.read_identity(
            actor=request.user, participant=participant, purpose="edit"
        )
        form = EditIdentityForm(initial={**identity.__dict__, "version": participant.version})
        status = 200
    return render(
        request, "registry/edit.html", {"participant": participant, "form": form}, status=status
    )


def _write_target(request: AuthedRequest, code: str) -> Participant:
    participant = _participant(request, code)
    if not policies.can(request.user, "participant_record.write", participant):
        raise Http404
    return participant


@login_required
@require_POST
def add_consent(request: AuthedRequest, code: str) -> HttpResponse:
    participant = _write_target(request, code)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.record_consent(
                actor=request.user, participant=participant, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("registry:detail", code=participant.code)
    return render(
        request,
        "registry/form_page.html",
        {"participant": participant, "form": form, "title": _("Record consent")},
        status=400,
    )


@login_required
@require_POST
def withdraw_consent(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    participant = _write_target(request, code)
    consent = get_object_or_404(Consent, pk=pk, participant=participant)
    services.withdraw_consent(
        actor=request.user, consent=consent, note=request.POST.get("note", "")
    )
    messages.success(request, _("Consent withdrawn; the record stays in the history."))
    return redirect("registry:detail", code=participant.code)


@login_required
@require_POST
def add_pledge(request: AuthedRequest, code: str) -> HttpResponse:
    participant = _write_target(request, code)
    form = PledgeForm(request.POST)
    if form.is_valid():
        try:
            services.record_pledge(actor=request.user, participant=participant, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Pledge recorded."))
            return redirect("registry:detail", code=participant.code)
    return render(
        request,
        "registry/form_page.html",
        {"participant": participant, "form": form, "title": _("Record the pledge")},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: AuthedRequest, code: str) -> HttpResponse:
    kept = _participant(request, code)
    if not policies.can(request.user, "merge.write", kept):
        raise Http404
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        other = (
            Participant.objects.visible_to(request.user)
            .filter(code=form.cleaned_data["other_code"].strip().upper())
            .first()
        )
        if other is None:
            form.add_error("other_code", _("No record you may see has this code."))
        else:
            try:
                services.merge_participants(
                    actor=request.user, kept=kept, merged=other, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(merged)s was merged into %(kept)s.")
                    % {"merged": other.code, "kept": kept.code},
                )
                return redirect("registry:detail", code=kept.code)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registry/form_page.html",
        {"participant": kept, "form": form, "title": _("Merge a duplicate into this record")},
        status=status,
    )


@login_required
def duplicates(request: AuthedRequest, code: str) -> HttpResponse:
    """For a data steward: records that may be the same person, to merge or mark different."""
    participant = _participant(request, code)
    if not policies.can(request.user, "merge.write", participant):
        raise Http404
    candidates = [
        c
        for c in services.duplicates_of(participant)
        if policies.can(request.user, "merge.write", c.participant)
    ]
    services.record_candidate_views(
        actor=request.user, participants=[c.participant for c in candidates]
    )
    return render(
        request,
        "registry/_duplicates.html",
        {"participant": participant, "candidates": candidates, "merge_form": MergeForm()},
    )


@login_required
@require_POST
def mark_different(request: AuthedRequest, code: str) -> HttpResponse:
    participant = _participant(request, code)
    other = get_object_or_404(
        Participant.objects.visible_to(request.user), code=request.POST.get("other_code", "")
    )
    if not policies.can(request.user, "merge.write", participant):
        raise Http404
    services.mark_different(actor=request.user, first=participant, second=other)
    messages.success(
        request,
        _("%(a)s and %(b)s are recorded as different people.")
        % {"a": participant.code, "b": other.code},
    )
    return redirect("registry:detail", code=participant.code)


@login_required
@require_POST
def undo_merge(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    kept = _participant(request, code)
    merge_row = get_object_or_404(Merge, pk=pk, kept=kept)
    if not policies.can(request.user, "merge.write", kept):
        raise Http404
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.undo_merge(
                actor=request.user, merge=merge_row, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The merge was undone."))
    else:
        messages.error(request, _("Give a reason to undo the merge."))
    return redirect("registry:detail", code=kept.code)
