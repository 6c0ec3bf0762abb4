"""Grievance pages: the public form (no login, rate-limited, answers only a reference),
lodging through a staff member, the oversight queue with its figures, a grievance's page
with acknowledgement and resolution, and "grievances about us" for the organisation
complained about. Thin: services decide, policies scope, out of reach answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.core import throttle
from bahali.core.context import SYSTEM
from bahali.core.forms import apply_validation_error, message_form_errors, message_refusal
from bahali.core.http import AuthedRequest, client_address
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict
from bahali.grievances import services
from bahali.grievances.filters import GrievanceFilter
from bahali.grievances.forms import (
    AcknowledgeForm,
    PublicGrievanceForm,
    ResolveForm,
    StaffGrievanceForm,
)
from bahali.grievances.lookups import get_grievance_for_user, get_handled_grievance_for_user
from bahali.grievances.models import Channel, Grievance
from bahali.registry.models import Participant

PER_PAGE = 25
# The public form takes at most this many submissions per client address per window.
PUBLIC_LIMIT = 5
PUBLIC_WINDOW_SECONDS = 60 * 60


PUBLIC_FORM_LIMIT = throttle.Limit("grievance-form", PUBLIC_LIMIT, PUBLIC_WINDOW_SECONDS)


def _over_limit(request: HttpRequest) -> bool:
    """Count this submission; true once the client's address (behind a trusted proxy, the
    address it names) went past the limit in the window."""
    return throttle.hit(PUBLIC_FORM_LIMIT, client_address(request))


@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest) -> HttpResponse:
    """Anyone may lodge a grievance here, signed in or not; the answer is a reference only."""
    form = PublicGrievanceForm(request.POST or None)
    if request.method == "POST":
        if _over_limit(request):
            return render(
                request,
                "grievances/public.html",
                {"form": PublicGrievanceForm(), "limited": True},
                status=429,
            )
        if form.is_valid():
            try:
                grievance = services.lodge_grievance(
                    actor=SYSTEM, channel=Channel.PUBLIC_FORM, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return render(
                    request, "grievances/received.html", {"reference": grievance.reference}
                )
        return render(request, "grievances/public.html", {"form": form}, status=400)
    return render(request, "grievances/public.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def lodge(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "grievance.write"):
        raise Http404
    form = StaffGrievanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("participant_code", "").strip().upper()
        participant = None
        if code:
            participant = Participant.objects.filter(code=code).first()
            if participant is None:
                form.add_error("participant_code", _("No participant has this code."))
        if not form.errors:
            try:
                grievance = services.lodge_grievance(
                    actor=request.user, channel=Channel.STAFF, participant=participant, **data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "The grievance is with the oversight body. Its reference is "
                        "%(reference)s: give it to the complainant."
                    )
                    % {"reference": grievance.reference},
                )
                return redirect("grievances:lodge")
    return render(
        request,
        "grievances/lodge.html",
        {
            "form": form,
            "ack_days": services.ACKNOWLEDGE_DAYS,
            "resolve_days": services.RESOLVE_DAYS,
        },
    )


@login_required
@require_GET
def grievance_list(request: AuthedRequest) -> HttpResponse:
    """The oversight queue; those who may only lodge are taken to the form, everyone else to
    the grievances about their own organisation."""
    if not policies.can(request.user, "grievance.read"):
        if policies.can(request.user, "grievance.write"):
            return redirect("grievances:lodge")
        if policies.can(request.user, "grievance_notice.read"):
            return redirect("grievances:about_us")
        raise Http404
    visible = Grievance.objects.visible_to(request.user)
    filters = GrievanceFilter(request.GET or None)
    listed = filters.filter(visible)
    listed = listed.select_related("about_organisation", "district").order_by("resolve_by", "pk")
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "grievances/list.html",
        {
            "page": page,
            "grievances": page.object_list,
            "filters": filters,
            "figures": services.figures(visible),
            "can_lodge": policies.can(request.user, "grievance.write"),
            "query": request.GET.urlencode().replace("page=", "_="),
        },
    )


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for_user(request.user, pk)
    handles = policies.can(request.user, "grievance.write", grievance)
    return render(
        request,
        "grievances/detail.html",
        {
            "grievance": grievance,
            "handles": handles and grievance.is_open,
            "can_see_complainant": policies.can(
                request.user, "grievance_complainant.read", grievance
            ),
            "acknowledge_form": AcknowledgeForm(
                initial={
                    "version": grievance.version,
                    "about_organisation": grievance.about_organisation_id,
                    "district": grievance.district_id,
                }
            ),
            "resolve_form": ResolveForm(initial={"version": grievance.version}),
        },
    )


@login_required
@require_GET
def complainant(request: AuthedRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for_user(request.user, pk, "grievance_complainant")
    details = services.read_complainant(actor=request.user, grievance=grievance)
    return render(
        request, "grievances/complainant.html", {"grievance": grievance, "details": details}
    )


@login_required
@require_POST
def acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    grievance = get_handled_grievance_for_user(request.user, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.acknowledge_grievance(
                actor=request.user,
                grievance=grievance,
                note=form.cleaned_data["note"],
                about_organisation=form.cleaned_data.get("about_organisation"),
                district=form.cleaned_data.get("district"),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as stale:
            messages.error(request, str(stale))
        else:
            messages.success(request, _("The grievance is acknowledged."))
    else:
        message_form_errors(request, form)
    return redirect("grievances:detail", pk=grievance.pk)


@login_required
@require_POST
def resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    grievance = get_handled_grievance_for_user(request.user, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_grievance(
                actor=request.user,
                grievance=grievance,
                finding=form.cleaned_data["finding"],
                resolution=form.cleaned_data["resolution"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as stale:
            messages.error(request, str(stale))
        else:
            messages.success(request, _("The grievance is resolved."))
    else:
        message_form_errors(request, form)
    return redirect("grievances:detail", pk=grievance.pk)


@login_required
@require_GET
def about_us(request: AuthedRequest) -> HttpResponse:
    """Grievances about the user's organisations: that they exist and where they stand."""
    if not policies.can(request.user, "grievance_notice.read"):
        raise Http404
    about = (
        Grievance.objects.visible_to(request.user, "grievance_notice")
        .select_related("about_organisation")
        .order_by("-received_on", "-pk")
    )
    page = Paginator(about, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "grievances/about_us.html", {"page": page, "grievances": page.object_list}
    )
