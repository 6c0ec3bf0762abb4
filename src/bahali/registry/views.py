"""Registry pages: list, register (duplicate check first), detail, identity, consent, merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.core.forms import apply_validation_error, show_conflict
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict
from bahali.organisations.models import OrganisationKind
from bahali.registry import panels, services
from bahali.registry.codes import is_valid_code
from bahali.registry.forms import (
    ConsentForm,
    EditIdentityForm,
    IdentityRequestForm,
    MergeForm,
    PledgeForm,
    ReasonForm,
    RegistrationForm,
)
from bahali.registry.lookups import get_participant_for_user
from bahali.registry.models import Consent, LinkRequest, Merge, Participant


@login_required
@require_GET
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
    prefetch_related_objects(memberships, "districts")
    for membership in memberships:
        districts = list(membership.districts.all())
        if districts:
            initial["district"] = districts[0]
            break
    return RegistrationForm(request.POST or None, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
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
                    outcome = services.confirm_same_person(
                        actor=request.user,
                        participant=existing,
                        identity=identity,
                        sex=data["sex"],
                        district=data["district"],
                    )
                except Participant.DoesNotExist:
                    raise Http404 from None
                if outcome.pending:
                    messages.info(
                        request,
                        _(
                            "This person is registered already as %(code)s. No new record "
                            "was made. Your organisation will work with the record once a "
                            "data steward of an organisation holding it approves, or once "
                            "the person consents to sharing with your kind of organisation."
                        )
                        % {"code": existing.code},
                    )
                    return redirect("registry:register")
                messages.success(
                    request,
                    _("No new record was made: your organisation now works with %(code)s.")
                    % {"code": existing.code},
                )
                return redirect("registry:detail", code=existing.code)
            if decision == "check":
                candidates = services.in_scope(
                    request.user,
                    services.find_candidates(
                        identity, sex=data["sex"], district=data["district"], weaker=True
                    ),
                )
                if candidates:
                    services.record_candidate_views(
                        actor=request.user, participants=[c.participant for c in candidates]
                    )
                    likely = [c for c in candidates if c.comparison.decision != "none"]
                    return render(
                        request,
                        "registry/candidates.html",
                        {
                            "form": form,
                            "identity": identity,
                            "candidates": candidates,
                            "likely": likely,
                            "less_likely": [
                                c for c in candidates if c.comparison.decision == "none"
                            ],
                        },
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
@require_GET
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    participant = get_participant_for_user(request.user, code)
    user = request.user
    context = {
        "participant": participant,
        "links": participant.links.select_related("organisation").order_by("created_at"),
        "consents": participant.consents.select_related("recorded_by"),
        "pledges": participant.pledges.all(),
        "merges": Merge.objects.filter(kept=participant).select_related("merged"),
        "can_see_identity": policies.can(user, "identity.read", participant),
        "identity_on_request": policies.identity_needs_purpose(user, participant),
        "identity_request_form": IdentityRequestForm(),
        "can_write": policies.can(user, "participant_record.write", participant),
        "can_merge": policies.can(user, "merge.write", participant),
        "consent_form": ConsentForm(),
        "pledge_form": PledgeForm(),
        "panels": panels.render(request, participant, user),
    }
    return render(request, "registry/detail.html", context)


def _identity_request(
    request: AuthedRequest, participant: Participant, form: IdentityRequestForm, status: int
) -> HttpResponse:
    """The form asking why the identity is needed (nothing opened, nothing recorded). HTMX
    swaps only successful answers, so a refused form comes back as 200 to an HTMX request."""
    if request.headers.get("HX-Request"):
        status = 200
    return render(
        request,
        "registry/_identity_request.html",
        {
            "form": form,
            "action": reverse("registry:identity", args=[participant.code]),
            "hx_target": "#identity .card-body",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity_panel(request: AuthedRequest, code: str) -> HttpResponse:
    """The identity, audited. Those whose access is "on request" (programme managers) get
    the form asking why first (GET), and the identity once they post a purpose; a stated
    purpose is recorded with the read, whoever states it."""
    participant = get_participant_for_user(request.user, code, "identity")
    stated: dict[str, str] = {}
    if request.method == "POST":
        form = IdentityRequestForm(request.POST)
        if not form.is_valid():
            return _identity_request(request, participant, form, 400)
        stated = {
            "stated_purpose": form.cleaned_data["purpose"],
            "statement": form.cleaned_data["statement"],
        }
    elif policies.identity_needs_purpose(request.user, participant):
        return _identity_request(request, participant, IdentityRequestForm(), 200)
    try:
        identity = services.read_identity(actor=request.user, participant=participant, **stated)
    except ValidationError as error:
        form = IdentityRequestForm(request.POST)
        apply_validation_error(form, error)
        return _identity_request(request, participant, form, 400)
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
    participant = get_participant_for_user(request.user, code, "identity")
    if not policies.can(request.user, "participant_record.write", participant):
        raise Http404
    on_request = policies.identity_needs_purpose(request.user, participant)
    if on_request and (request.method == "GET" or "request_identity" in request.POST):
        return _edit_after_purpose(request, participant)
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
            except Conflict as stale:
                show_conflict(form, stale)
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


def _edit_after_purpose(request: AuthedRequest, participant: Participant) -> HttpResponse:
    """Correcting an identity shows it: for those whose access is "on request", the form
    asking why comes first, and the filled-in edit form once a purpose is stated."""
    request_form = IdentityRequestForm(request.POST if request.method == "POST" else None)
    if request_form.is_bound and request_form.is_valid():
        try:
            identity = services.read_identity(
                actor=request.user,
                participant=participant,
                purpose="edit",
                stated_purpose=request_form.cleaned_data["purpose"],
                statement=request_form.cleaned_data["statement"],
            )
        except ValidationError as error:
            apply_validation_error(request_form, error)
        else:
            form = EditIdentityForm(initial={**identity.__dict__, "version": participant.version})
            return render(request, "registry/edit.html", {"participant": participant, "form": form})
    return render(
        request,
        "registry/edit.html",
        {"participant": participant, "request_form": request_form},
        status=400 if request_form.is_bound else 200,
    )


def _write_target(request: AuthedRequest, code: str) -> Participant:
    participant = get_participant_for_user(request.user, code)
    if not policies.can(request.user, "participant_record.write", participant):
        raise Http404
    return participant


@login_required
@require_POST
@one_time_form
def add_consent(request: AuthedRequest, code: str) -> HttpResponse:
    participant = _write_target(request, code)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            recorded = services.record_consents(
                actor=request.user, participant=participant, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Consent recorded.",
                    "Consent recorded for %(count)d purposes.",
                    len(recorded),
                )
                % {"count": len(recorded)},
            )
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
@one_time_form
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
    kept = get_participant_for_user(request.user, code)
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
@require_GET
def duplicates(request: AuthedRequest, code: str) -> HttpResponse:
    """For a data steward: records that may be the same person, to merge or mark different."""
    participant = get_participant_for_user(request.user, code)
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
    participant = get_participant_for_user(request.user, code)
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
    kept = get_participant_for_user(request.user, code)
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


@login_required
@require_GET
def link_requests(request: AuthedRequest) -> HttpResponse:
    """A data steward's queue: organisations asking to work with a participant their own
    organisation holds, whose consent to sharing does not cover the asker's kind."""
    if not policies.can(request.user, "link_review.read"):
        raise Http404
    visible = LinkRequest.objects.visible_to(request.user).select_related(
        "participant", "organisation", "requested_by", "decided_by"
    )
    pending = list(visible.pending().order_by("created_at", "pk"))
    sharing = services.sharing_kinds([r.participant for r in pending])
    kinds = dict(OrganisationKind.choices)
    return render(
        request,
        "registry/link_requests.html",
        {
            "pending": [
                (r, [kinds.get(kind, kind) for kind in sharing.get(r.participant_id, [])])
                for r in pending
            ],
            "decided": visible.exclude(status=LinkRequest.Status.PENDING).order_by(
                "-decided_at", "-pk"
            )[:20],
            "can_decide": policies.can(request.user, "link_review.write"),
        },
    )


@login_required
@require_POST
def decide_link_request(request: AuthedRequest, pk: int) -> HttpResponse:
    link_request = get_object_or_404(LinkRequest.objects.visible_to(request.user), pk=pk)
    if not policies.can(request.user, "link_review.write", link_request):
        raise Http404
    decision = request.POST.get("decision", "")
    if decision not in {"approve", "refuse"}:
        messages.error(request, _("Choose to approve or refuse the request."))
        return redirect("registry:link_requests")
    try:
        version = int(request.POST.get("version") or 0)
    except ValueError:
        version = 0
    try:
        services.decide_link_request(
            actor=request.user,
            request=link_request,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
            expected_version=version,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        if decision == "approve":
            messages.success(
                request,
                _("%(organisation)s now works with %(code)s.")
                % {
                    "organisation": link_request.organisation.name,
                    "code": link_request.participant.code,
                },
            )
        else:
            messages.success(
                request,
                _("The request was refused; %(organisation)s does not see %(code)s.")
                % {
                    "organisation": link_request.organisation.name,
                    "code": link_request.participant.code,
                },
            )
    return redirect("registry:link_requests")
