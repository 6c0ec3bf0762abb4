"""Signing in and out, the profile page with API tokens, and a data steward's members page."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bahali.accounts import policies, services
from bahali.accounts.forms import (
    ApiTokenForm,
    NewMemberForm,
    ResetSecondFactorForm,
    SecondFactorForm,
    SignInForm,
)
from bahali.accounts.middleware import SESSION_KEY
from bahali.accounts.models import ApiToken, Membership, User
from bahali.core.forms import apply_validation_error
from bahali.core.http import AuthedRequest, client_address
from bahali.organisations.models import Organisation


def _safe_next(request: HttpRequest, fallback: str = "core:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = SignInForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.check_credentials(
                form.cleaned_data["username"],
                form.cleaned_data["password"],
                client_address(request),
            )
        except services.SignInRefused as refusal:
            form.add_error(None, str(refusal))
            if refusal.throttled:
                status = 429
        else:
            if services.second_factor_needed(user):
                services.await_second_factor(request, user, _safe_next(request))
                return redirect("accounts:second_factor")
            services.start_session(actor=user, request=request)
            return redirect(_safe_next(request))
    return render(request, "accounts/sign_in.html", {"form": form}, status=status)


def _after_sign_in(request: HttpRequest, wanted: str) -> str:
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("core:home")


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    pending = services.pending_sign_in(request)
    if pending is None:
        if request.user.is_authenticated:
            return redirect("core:home")
        messages.info(request, _("Sign in with your username and password first."))
        return redirect("accounts:login")
    user, wanted = pending
    if not services.has_second_factor(user):
        return redirect("accounts:enrol")
    form = SecondFactorForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            device = services.check_second_factor(
                user, form.cleaned_data["code"], client_address(request)
            )
        except services.SignInRefused as refusal:
            form.add_error(None, str(refusal))
            if refusal.throttled:
                status = 429
        else:
            services.start_session(actor=user, request=request, device=device)
            if services.recovery_codes_left(user) <= 3 and isinstance(device, StaticDevice):
                messages.warning(
                    request,
                    _("You have %(count)s recovery codes left. Make new ones on your profile.")
                    % {"count": services.recovery_codes_left(user)},
                )
            return redirect(_after_sign_in(request, wanted))
    return render(
        request, "accounts/second_factor.html", {"form": form, "pending": user}, status=status
    )


def _qr_svg(text: str) -> str:
    """The QR code of ``text`` as an inline SVG element (no script, no image request)."""
    return segno.make(text, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)


def _grouped(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: its key as a QR code and in letters, confirmed with a
    code it shows; then the recovery codes, shown once. Reached from the code step by
    someone who must have a second factor and has none, or from the profile."""
    pending = services.pending_sign_in(request)
    if pending is not None:
        user, wanted = pending
    elif isinstance(request.user, User):
        user, wanted = request.user, reverse("accounts:profile")
    else:
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:profile" if pending is None else "accounts:second_factor")
    verified = pending is None and getattr(request.user, "is_verified", lambda: False)()
    if services.has_second_factor(user) and not verified:
        # recovery codes but no authenticator: the codes come first, then the set-up
        return redirect("accounts:second_factor")
    form = SecondFactorForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.confirm_enrolment(
                actor=user, code=form.cleaned_data["code"], address=client_address(request)
            )
        except services.SignInRefused as refusal:
            form.add_error(None, str(refusal))
            if refusal.throttled:
                status = 429
        else:
            if pending is not None:
                services.start_session(actor=user, request=request, device=device)
            else:
                django_otp.login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "continue_to": _after_sign_in(request, wanted)},
            )
    device = services.enrolment_device(user)
    key = b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url),
            "key": _grouped(key),
            "pending": pending is not None,
            "required": policies.requires_second_factor(user),
        },
        status=status,
    )


@login_required
@require_POST
def renew_recovery_codes(request: AuthedRequest) -> HttpResponse:
    try:
        codes = services.renew_recovery_codes(actor=request.user)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "continue_to": reverse("accounts:profile")},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        services.end_session(actor=request.user, request=request)
    return redirect("accounts:login")


@login_required
@require_POST
def switch_organisation(request: AuthedRequest) -> HttpResponse:
    wanted = request.POST.get("organisation", "")
    for membership in request.user.active_memberships():
        if str(membership.organisation_id) == wanted:
            request.session[SESSION_KEY] = membership.organisation_id
            messages.success(
                request,
                _("You are now acting for %(organisation)s.")
                % {"organisation": membership.organisation.name},
            )
            break
    else:
        messages.error(request, _("You have no role in that organisation."))
    return redirect(_safe_next(request))


def _profile_context(request: AuthedRequest, **extra: Any) -> dict[str, Any]:
    return {
        "authenticator": TOTPDevice.objects.filter(user=request.user, confirmed=True).first(),
        "recovery_codes_left": services.recovery_codes_left(request.user),
        "second_factor_required": policies.requires_second_factor(request.user),
        "memberships": request.user.active_memberships(),
        "access": policies.access_summary(request.user),
        "tokens": ApiToken.objects.visible_to(request.user).order_by("-created_at"),
        "token_form": ApiTokenForm(),
        **extra,
    }


def _tokens_response(request: AuthedRequest, **extra: Any) -> HttpResponse:
    template = (
        "accounts/_tokens.html" if request.headers.get("HX-Request") else "accounts/profile.html"
    )
    status = 400 if "token_form" in extra and extra["token_form"].errors else 200
    return render(request, template, _profile_context(request, **extra), status=status)


@login_required
@require_GET
def profile(request: AuthedRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", _profile_context(request))


@login_required
@require_POST
def create_token(request: AuthedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            services.count_token_request(client_address(request))
            issued = services.issue_api_token(actor=request.user, name=form.cleaned_data["name"])
        except services.SignInRefused as refusal:
            form.add_error(None, str(refusal))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _tokens_response(request, new_secret=issued.secret, new_token=issued.token)
    return _tokens_response(request, token_form=form)


@login_required
@require_POST
def revoke_token(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    services.revoke_api_token(actor=request.user, token=token)
    return _tokens_response(request, revoked=token)


def _stewarded_organisation(request: AuthedRequest) -> Organisation:
    """The organisation whose members this steward manages: the active one, if allowed."""
    candidates = [request.user.active_organisation] + [
        m.organisation for m in request.user.active_memberships()
    ]
    for organisation in candidates:
        if organisation is not None and policies.can(
            request.user, "organisation.write", organisation
        ):
            return organisation
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def members(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "membership.write"):
        raise Http404
    organisation = _stewarded_organisation(request)
    form = NewMemberForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.add_member(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s.")
                % {"user": membership.user.username, "role": membership.get_role_display()},
            )
            return redirect("accounts:members")
    memberships = (
        Membership.objects.visible_to(request.user)
        .filter(organisation=organisation)
        .select_related("user", "organisation")
        .prefetch_related("districts")
        .order_by("-is_active", "user__username", "role")
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "form": form,
            "with_second_factor": set(
                TOTPDevice.objects.filter(
                    confirmed=True, user__in=memberships.values("user")
                ).values_list("user_id", flat=True)
            )
            | set(
                StaticDevice.objects.filter(
                    confirmed=True, user__in=memberships.values("user")
                ).values_list("user_id", flat=True)
            ),
            "reset_form": ResetSecondFactorForm(),
        },
        status=status,
    )


@login_required
@require_POST
def reset_second_factor(request: AuthedRequest, pk: int) -> HttpResponse:
    """A data steward resets a member's two-factor sign-in (a lost phone), with a reason."""
    user = get_object_or_404(
        policies.filter_visible(User.objects.all(), request.user, "user", "write").distinct(),
        pk=pk,
    )
    form = ResetSecondFactorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the two-factor sign-in is reset; nothing was changed."))
        return redirect("accounts:members")
    try:
        services.reset_second_factor(
            actor=request.user, user=user, reason=form.cleaned_data["reason"]
        )
    except (PermissionDenied, ValidationError) as refusal:
        text = "; ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("Two-factor sign-in of %(user)s was reset: they set it up at their next sign-in.")
            % {"user": user.username},
        )
    return redirect("accounts:members")


@login_required
@require_POST
def revoke_member(request: AuthedRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(
        policies.filter_visible(Membership.objects.all(), request.user, "membership", "write"),
        pk=pk,
    )
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot end your own role; ask another data steward."))
    else:
        services.revoke_membership(actor=request.user, membership=membership)
        messages.success(
            request,
            _("The role %(role)s of %(user)s has ended.")
            % {"role": membership.get_role_display(), "user": membership.user.username},
        )
    return redirect("accounts:members")
