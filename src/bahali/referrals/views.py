"""Referral pages: the service directory, a case's referrals tab, and the provider's inbox of
referrals received. Thin: services decide, policies scope, out of reach answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.cases.lookups import get_case_for_user
from bahali.cases.views import case_context
from bahali.core.forms import (
    apply_validation_error,
    message_form_errors,
    message_refusal,
    show_conflict,
)
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict, Stale
from bahali.referrals import services
from bahali.referrals.filters import ServiceFilter
from bahali.referrals.forms import (
    AnswerForm,
    CancelForm,
    CompleteForm,
    FamilyConsentForm,
    FamilyPlanForm,
    FamilyReferralForm,
    ReferralForm,
    ServiceForm,
)
from bahali.referrals.lookups import get_received_referral_for_user
from bahali.referrals.models import FamilyConsent, FamilySupportPlan, ReferralStatus, Service

PER_PAGE = 25


def network_tabs(user: Any, active: str) -> list[dict[str, Any]]:
    """The pills shared by the community and service pages (one entry in the navigation):
    communities, the service directory, and referrals received for providers."""
    tabs: list[dict[str, Any]] = []
    if policies.can(user, "community_readiness.read"):
        tabs.append({"key": "communities", "label": _("Communities"), "url": "communities:list"})
    tabs.append({"key": "services", "label": _("Service directory"), "url": "referrals:directory"})
    if services.provider_organisations(user):
        tabs.append({"key": "inbox", "label": _("Referrals received"), "url": "referrals:inbox"})
    for tab in tabs:
        tab["active"] = tab["key"] == active
    return tabs


# --- the directory ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def directory(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "service_directory.read"):
        raise Http404
    can_write = policies.can(request.user, "service_directory.write")
    if request.method == "POST" and not can_write:
        raise Http404
    form = ServiceForm(request.POST or None) if can_write else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.register_service(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The service is in the directory."))
            return redirect("referrals:directory")
    filters = ServiceFilter(request.GET or None)
    listed = filters.filter(Service.objects.visible_to(request.user))
    if not can_write:
        listed = listed.filter(is_active=True)
    listed = listed.select_related("provider").prefetch_related("districts")
    page = Paginator(listed.order_by("category", "name"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "referrals/directory.html",
        {
            "page": page,
            "services": page.object_list,
            "filters": filters,
            "form": form,
            "can_write": can_write,
            "network_tabs": network_tabs(request.user, "services"),
        },
    )


@login_required
@require_POST
def toggle_service(request: AuthedRequest, service_pk: int) -> HttpResponse:
    if not policies.can(request.user, "service_directory.write"):
        raise Http404
    item = get_object_or_404(Service.objects.visible_to(request.user, "write"), pk=service_pk)
    services.set_service_active(actor=request.user, service_item=item, active=not item.is_active)
    if item.is_active:
        messages.success(request, _("The service is back in the directory."))
    else:
        messages.success(request, _("The service no longer takes referrals."))
    return redirect("referrals:directory")


# --- a case's referrals -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def case_referrals(request: AuthedRequest, pk: int) -> HttpResponse:
    verb = "write" if request.method == "POST" else "read"
    case = get_case_for_user(request.user, pk, "referral", verb)
    can_write = case.is_open and policies.can(request.user, "referral.write", case)
    available = (
        Service.objects.visible_to(request.user)
        .active()
        .filter(districts=case.district)
        .select_related("provider")
        .order_by("category", "name")
    )
    form = ReferralForm(request.POST or None, services=available) if can_write else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.refer(
                actor=request.user,
                case=case,
                service_item=form.cleaned_data["service"],
                need=form.cleaned_data["need"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The referral is sent."))
            return redirect("referrals:case", pk=case.pk)
    referrals = services.with_consent_state(
        case.referrals.select_related(
            "service", "provider", "sent_by", "responded_by", "family_member"
        )
    )
    kinds = services.consented_kinds(case.participant) if can_write else set()
    service_consents = [(item, item.provider.kind in kinds) for item in available]
    full = case_context(request, case, "referrals")
    full.update(
        {
            "referrals": referrals,
            "form": form,
            "can_write": can_write,
            "service_consents": service_consents if can_write else [],
            "cancel_form": CancelForm(),
        }
    )
    return render(request, "referrals/case.html", full)


@login_required
@require_POST
def cancel(request: AuthedRequest, pk: int, referral_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "referral", "write")
    referral = get_object_or_404(case.referrals.all(), pk=referral_pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_referral(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The referral is withdrawn."))
    else:
        message_form_errors(request, form)
    return redirect("referrals:case", pk=case.pk)


# --- the provider's inbox -----------------------------------------------------------


@login_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    if not services.provider_organisations(request.user):
        raise Http404
    status = request.GET.get("status", "open")
    received = services.received_by(request.user)
    if status == "open":
        received = received.filter(status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED])
    elif status in ReferralStatus.values:
        received = received.filter(status=status)
    page = Paginator(received.order_by("-sent_on", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    services.record_partner_reads(actor=request.user, referrals=page.object_list)
    return render(
        request,
        "referrals/inbox.html",
        {
            "page": page,
            "referrals": page.object_list,
            "status": status,
            "statuses": ReferralStatus.choices,
            "today": timezone.localdate(),
            "network_tabs": network_tabs(request.user, "inbox"),
        },
    )


@login_required
@require_POST
def respond(request: AuthedRequest, referral_pk: int) -> HttpResponse:
    referral = get_received_referral_for_user(request.user, referral_pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.respond_to_referral(
                actor=request.user,
                referral=referral,
                accept=data["decision"] == "accept",
                note=data["note"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as stale:
            messages.error(request, str(stale))
        else:
            messages.success(request, _("Your answer is sent to the case team."))
    else:
        message_form_errors(request, form)
    return redirect("referrals:inbox")


@login_required
@require_POST
def complete(request: AuthedRequest, referral_pk: int) -> HttpResponse:
    referral = get_received_referral_for_user(request.user, referral_pk)
    form = CompleteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.complete_referral(
                actor=request.user,
                referral=referral,
                feedback=data["feedback"],
                completed_on=data["completed_on"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as stale:
            messages.error(request, str(stale))
        else:
            messages.success(request, _("The referral is completed; the team sees your feedback."))
    else:
        message_form_errors(request, form)
    return redirect("referrals:inbox")


# --- the family's support -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def family_support(request: AuthedRequest, pk: int) -> HttpResponse:
    """The family as a beneficiary: its support plan, its sessions, the services its
    members receive, and each relative's own consent to being referred."""
    verb = "write" if request.method == "POST" else "read"
    case = get_case_for_user(request.user, pk, "family_support", verb)
    can_write = case.is_open and policies.can(request.user, "family_support.write", case)
    can_refer = can_write and policies.can(request.user, "referral.write", case)
    plan = FamilySupportPlan.objects.filter(case=case).select_related("recorded_by").first()
    members = case.family.order_by("pk")
    available = (
        Service.objects.visible_to(request.user)
        .active()
        .filter(districts=case.district)
        .select_related("provider")
        .order_by("category", "name")
    )
    posted = request.POST.get("which") if request.method == "POST" else None
    plan_form = consent_form = refer_form = None
    if can_write:
        plan_form = FamilyPlanForm(
            request.POST if posted == "plan" else None,
            initial={
                "needs": plan.needs if plan else "",
                "agreed_on": plan.agreed_on if plan else timezone.localdate(),
                "review_on": plan.review_on if plan else None,
                "version": plan.version if plan else 0,
            },
        )
        consent_form = FamilyConsentForm(
            request.POST if posted == "consent" else None,
            members=members,
            initial={"given_on": timezone.localdate()},
        )
    if can_refer:
        refer_form = FamilyReferralForm(
            request.POST if posted == "refer" else None, members=members, services=available
        )
    if request.method == "POST":
        done = _family_post(request, case, posted, plan_form, consent_form, refer_form)
        if done:
            messages.success(request, done)
            return redirect("referrals:family", pk=case.pk)
    consents = FamilyConsent.objects.filter(member__case=case).order_by("member", "-given_on")
    current: dict[int, list[FamilyConsent]] = {}
    for consent in consents:
        if consent.withdrawn_on is None:
            current.setdefault(consent.member_id, []).append(consent)
    full = case_context(request, case, "family_support")
    full.update(
        {
            "plan": plan,
            "members": [(member, current.get(member.pk, [])) for member in members],
            "sessions": services.family_sessions(case),
            "family_referrals": services.family_referrals(case),
            "plan_form": plan_form,
            "consent_form": consent_form,
            "refer_form": refer_form,
            "can_write": can_write,
        }
    )
    return render(request, "referrals/family.html", full)


def _family_post(
    request: AuthedRequest,
    case: Any,
    posted: str | None,
    plan_form: FamilyPlanForm | None,
    consent_form: FamilyConsentForm | None,
    refer_form: FamilyReferralForm | None,
) -> str:
    """Apply the form that was sent; the success message, or "" with the errors on it."""
    if posted == "plan" and plan_form is not None and plan_form.is_valid():
        data = plan_form.cleaned_data
        try:
            services.save_family_plan(
                actor=request.user,
                case=case,
                needs=data["needs"],
                agreed_on=data["agreed_on"],
                review_on=data["review_on"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            apply_validation_error(plan_form, error)
        except Stale as stale:
            show_conflict(plan_form, stale)
        else:
            return str(_("The family's support plan is saved."))
    elif posted == "consent" and consent_form is not None and consent_form.is_valid():
        try:
            data = consent_form.cleaned_data
            services.record_family_consent(
                actor=request.user,
                member=data["member"],
                share_with=data["share_with"],
                method=data["method"],
                given_on=data["given_on"],
            )
        except ValidationError as error:
            apply_validation_error(consent_form, error)
        else:
            return str(_("The relative's consent is recorded."))
    elif posted == "refer" and refer_form is not None and refer_form.is_valid():
        data = refer_form.cleaned_data
        try:
            services.refer(
                actor=request.user,
                case=case,
                service_item=data["service"],
                need=data["need"],
                family_member=data["member"],
            )
        except ValidationError as error:
            apply_validation_error(refer_form, error)
        else:
            return str(_("The referral is sent."))
    elif posted not in {"plan", "consent", "refer"} or (posted == "refer" and refer_form is None):
        raise Http404
    return ""


@login_required
@require_POST
def withdraw_family_consent(request: AuthedRequest, pk: int, consent_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "family_support", "write")
    consent = get_object_or_404(FamilyConsent.objects.filter(member__case=case), pk=consent_pk)
    try:
        services.withdraw_family_consent(actor=request.user, consent=consent)
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, _("The relative's consent is withdrawn."))
    return redirect("referrals:family", pk=case.pk)
