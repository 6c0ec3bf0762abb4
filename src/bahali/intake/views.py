"""Intake pages: the referral queue, recording a referral for a registered person, a
referral's page with its screenings, screening against a programme's criteria, enrolling
from an eligible referral, a programme's criteria (every version) and the refusal rates.
Thin: services decide, policies scope, out of reach answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.core import suppression
from bahali.core.forms import apply_validation_error, message_form_errors, message_refusal
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.services import local_today
from bahali.core.versioning import Conflict
from bahali.intake import criteria, services, women
from bahali.intake.forms import (
    ClassificationForm,
    ConfirmForm,
    CriteriaForm,
    EnrolForm,
    GroupForm,
    LegalBasisForm,
    ReferralFilter,
    ReferralForm,
    ScreeningForm,
)
from bahali.intake.lookups import (
    get_handled_referral_for_user,
    get_programme_for_user,
    get_referral_for_user,
)
from bahali.intake.models import (
    ArmedGroup,
    Involvement,
    LegalBasis,
    Referral,
    ReferralStatus,
    Screening,
)
from bahali.programmes.models import Programme
from bahali.registry.models import Participant

PER_PAGE = 25


@login_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "intake_referral.read"):
        raise Http404
    filters = ReferralFilter(request.GET or None)
    listed = (
        filters.filter(Referral.objects.visible_to(request.user))
        .select_related("participant", "receiving_organisation", "district", "eligible_for")
        .order_by("referred_on", "pk")
    )
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "intake/queue.html",
        {
            "page": page,
            "referrals": page.object_list,
            "filters": filters,
            "query": request.GET.urlencode().replace("page=", "_="),
            "can_see_rates": policies.can(request.user, "eligibility_figures.read"),
            "can_see_groups": policies.can(request.user, "armed_group.read"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def new_referral(request: AuthedRequest, code: str) -> HttpResponse:
    if not policies.can(request.user, "intake_referral.write"):
        raise Http404
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user, "participant_record", "write").active(),
        code=code,
    )
    form = ReferralForm(
        request.POST or None,
        initial={"referred_on": local_today(), "from_district": participant.district},
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.record_referral(
                actor=request.user, participant=participant, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Referral %(reference)s is in the queue for screening.")
                % {"reference": referral.reference},
            )
            return redirect("intake:detail", pk=referral.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "intake/new.html",
        {"form": form, "participant": participant},
        status=status,
    )


def _screenings(referral: Referral) -> list[dict[str, Any]]:
    found = []
    for screening in referral.screenings.select_related(
        "programme", "criteria_version", "screened_by"
    ).order_by("-screened_on", "-pk"):
        found.append(
            {
                "screening": screening,
                "answers": criteria.answer_lines(screening.answers),
                "failed": [criteria.label(key) for key in screening.failed],
            }
        )
    return found


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    handles = policies.can(request.user, "intake_referral.write", referral)
    return render(
        request,
        "intake/detail.html",
        {
            "referral": referral,
            "screenings": _screenings(referral),
            "can_screen": handles and referral.is_open,
            "can_enrol": handles
            and referral.status == ReferralStatus.ELIGIBLE
            and policies.can(request.user, "enrolment.write"),
            "enrol_form": EnrolForm(initial={"version": referral.version}),
            "awaiting_confirmation": referral.status == ReferralStatus.ELIGIBLE
            and referral.needs_confirmation
            and referral.confirmed_on is None,
            "can_confirm": policies.can(request.user, "eligibility_confirmation.write", referral),
            "confirm_form": ConfirmForm(initial={"version": referral.version}),
            "can_see_case": referral.case_id is not None
            and policies.can(request.user, "case_summary.read", referral.case),
        },
    )


def _shown_programme(request: AuthedRequest, referral: Referral, form: ScreeningForm) -> Any:
    code = request.POST.get("programme") or request.GET.get("programme")
    if code and str(code).isdigit():
        return Programme.objects.filter(pk=code, is_active=True).first()
    if code:
        return Programme.objects.filter(code=code, is_active=True).first()
    return referral.programme


@login_required
@require_http_methods(["GET", "POST"])
def screen(request: AuthedRequest, pk: int) -> HttpResponse:
    referral = get_handled_referral_for_user(request.user, pk)
    if not referral.is_open:
        messages.info(request, _("This referral has been decided already."))
        return redirect("intake:detail", pk=referral.pk)
    form = ScreeningForm(
        request.POST or None,
        initial={
            "version": referral.version,
            "programme": referral.programme,
            "residence": referral.participant.district,
        },
    )
    programme = _shown_programme(request, referral, form)
    if programme is not None and request.method == "GET":
        form.initial["programme"] = programme
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answers = services.Answers(
            age=data.get("age"),
            involvement=data.get("involvement") or "",
            accountability=data.get("accountability") or "",
            voluntary={"yes": True, "no": False}.get(data.get("voluntary") or ""),
            residence=data.get("residence"),
        )
        try:
            screening = services.screen_referral(
                actor=request.user,
                referral=referral,
                outcome=data["outcome"],
                grounds=data["grounds"],
                answers=answers,
                programme=data.get("programme"),
                referred_to=data.get("referred_to") or "",
                expected_version=data["version"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except Conflict as stale:
            messages.error(request, str(stale))
            return redirect("intake:detail", pk=referral.pk)
        else:
            messages.success(
                request,
                _("Screening recorded: %(outcome)s.")
                % {"outcome": screening.get_outcome_display()},
            )
            return redirect("intake:detail", pk=referral.pk)
    version = services.current_criteria(programme) if programme is not None else None
    return render(
        request,
        "intake/screen.html",
        {
            "referral": referral,
            "form": form,
            "programme": programme,
            "criteria_version": version,
            "criteria": criteria.criteria_of(version) if version else [],
            "programmes": Programme.objects.filter(is_active=True).order_by("code"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def enrol(request: AuthedRequest, pk: int) -> HttpResponse:
    referral = get_handled_referral_for_user(request.user, pk)
    if not policies.can(request.user, "enrolment.write"):
        raise Http404
    form = EnrolForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("intake:detail", pk=referral.pk)
    try:
        case = services.enrol_from_referral(
            actor=request.user, referral=referral, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as stale:
        messages.error(request, str(stale))
    else:
        messages.success(request, _("Enrolled from the referral. Build the team next."))
        if policies.can(request.user, "case_summary.read", case):
            return redirect("cases:detail", pk=case.pk)
    return redirect("intake:detail", pk=referral.pk)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def programme_criteria(request: AuthedRequest, code: str) -> HttpResponse:
    programme = get_programme_for_user(request.user, code)
    may_publish = policies.may_configure_programmes_of(request.user, programme.lead_organisation)
    if request.method == "POST" and not may_publish:
        raise Http404
    current = services.current_criteria(programme)
    initial: dict[str, Any] = {"voluntary_required": True, "confirm_levels": ["leader"]}
    if current is not None:
        initial = {
            "min_age": current.min_age,
            "max_age": current.max_age,
            "sex": current.sex,
            "involvement_levels": current.involvement_levels,
            "accountability": current.accountability,
            "voluntary_required": current.voluntary_required,
            "juvenile_programme": current.juvenile_programme,
            "confirm_levels": current.confirm_levels,
            "residence": list(current.residence.all()),
        }
    form = CriteriaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            published = services.publish_criteria(
                actor=request.user, programme=programme, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(
                request,
                _("Version %(number)s of the criteria applies to new screenings from now on.")
                % {"number": published.number},
            )
            return redirect("intake:criteria", code=programme.code)
    versions = [
        {
            "version": v,
            "criteria": criteria.criteria_of(v),
            "used": v.screenings.count(),
            "confirm": [str(Involvement(level).label) for level in v.confirm_levels],
        }
        for v in programme.criteria_versions.select_related("published_by")
        .prefetch_related("residence")
        .order_by("-number")
    ]
    return render(
        request,
        "intake/criteria.html",
        {
            "programme": programme,
            "versions": versions,
            "form": form if may_publish else None,
            "legal_basis": LegalBasis.objects.filter(programme=programme).first(),
            "legal_form": _legal_form(programme) if may_publish else None,
            "women_rule": women.rule_applies(programme.pk),
            "may_publish": may_publish,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def refusal_rates(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "eligibility_figures.read"):
        raise Http404
    rates = services.refusal_rates(Screening.objects.all())
    return render(
        request,
        "intake/rates.html",
        {
            "rates": [
                (_("By programme"), rates["programme"]),
                (_("By district"), rates["district"]),
                (_("By sex"), rates["sex"]),
                (_("By age band"), rates["age_band"]),
                (_("By group"), rates["group"]),
            ],
            "small_cell": suppression.minimum(),
            "programmes": [
                (p, getattr(p, "legal_basis", None))
                for p in Programme.objects.select_related("legal_basis").order_by("code")
            ],
        },
    )


@login_required
@require_POST
def confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    if not policies.can(request.user, "eligibility_confirmation.write", referral):
        raise Http404
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("intake:detail", pk=referral.pk)
    try:
        services.confirm_eligibility(
            actor=request.user, referral=referral, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as stale:
        messages.error(request, str(stale))
    else:
        messages.success(request, _("Eligibility confirmed: enrolment may follow."))
    return redirect("intake:detail", pk=referral.pk)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def groups(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "armed_group.read"):
        raise Http404
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_group(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The group is on the list."))
            return redirect("intake:groups")
    return render(
        request,
        "intake/groups.html",
        {"form": form, "groups": ArmedGroup.objects.order_by("name")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def classification(request: AuthedRequest, code: str) -> HttpResponse:
    """Who the person was in the group: only for the roles granted it (404 otherwise)."""
    participant = get_object_or_404(Participant.objects.active(), code=code)
    if not policies.can(request.user, "classification.read", participant):
        raise Http404
    may_write = policies.can(request.user, "classification.write", participant)
    if request.method == "POST" and not may_write:
        raise Http404
    found = services.read_classification(actor=request.user, participant=participant)
    initial: dict[str, Any] = {}
    if found is not None:
        row, details = found
        initial = {
            "group": details.group,
            "involvement": details.involvement,
            "roles": details.roles,
            "joined": details.joined,
            "age_at_first_involvement": details.age_at_first_involvement,
            "months_in_group": details.months_in_group,
            "version": row.version,
        }
    form = ClassificationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.record_classification(
                actor=request.user, participant=participant, expected_version=version, **data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except Conflict as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(request, _("Classification recorded."))
            return redirect("intake:classification", code=participant.code)
    return render(
        request,
        "intake/classification.html",
        {
            "participant": participant,
            "details": found[1] if found else None,
            "labels": found[1].labels() if found else {},
            "form": form if may_write else None,
        },
        status=400 if request.method == "POST" else 200,
    )


def _legal_form(programme: Programme, data: Any = None) -> LegalBasisForm:
    basis = LegalBasis.objects.filter(programme=programme).first()
    initial = (
        {
            "kind": basis.kind,
            "reference": basis.reference,
            "reports_to": basis.reports_to,
            "version": basis.version,
        }
        if basis
        else {}
    )
    return LegalBasisForm(data, initial=initial)


@login_required
@require_POST
def legal_basis(request: AuthedRequest, code: str) -> HttpResponse:
    programme = get_programme_for_user(request.user, code)
    if not policies.may_configure_programmes_of(request.user, programme.lead_organisation):
        raise Http404
    form = _legal_form(programme, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.set_legal_basis(
                actor=request.user, programme=programme, expected_version=version, **data
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as stale:
            messages.error(request, str(stale))
        else:
            messages.success(request, _("The legal basis is recorded."))
    else:
        message_form_errors(request, form)
    return redirect("intake:criteria", code=programme.code)


@login_required
@require_POST
def women_rule(request: AuthedRequest, code: str) -> HttpResponse:
    programme = get_programme_for_user(request.user, code)
    if not policies.may_configure_programmes_of(request.user, programme.lead_organisation):
        raise Http404
    services.set_women_rule(
        actor=request.user, programme=programme, applies=request.POST.get("applies") == "on"
    )
    messages.success(request, _("The women and girls rule is saved."))
    return redirect("intake:criteria", code=programme.code)


@login_required
@require_http_methods(["GET", "POST"])
def staff_sex(request: AuthedRequest) -> HttpResponse:
    """A data steward records their organisation's staff's sex, for the women-and-girls
    rule only."""
    from bahali.accounts.models import User
    from bahali.intake.models import StaffSex

    if not policies.can(request.user, "user.write"):
        raise Http404
    users = User.objects.filter(
        pk__in=policies.filter_visible(User.objects.all(), request.user, "user", "write")
        .exclude(pk=request.user.pk)
        .values("pk")
    ).order_by("first_name", "last_name", "username")
    if request.method == "POST":
        target = get_object_or_404(users, pk=request.POST.get("user") or 0)
        try:
            services.record_staff_sex(
                actor=request.user, user=target, sex=request.POST.get("sex", "")
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("Saved."))
        return redirect("intake:staff_sex")
    recorded = dict(StaffSex.objects.filter(user__in=users).values_list("user", "sex"))
    return render(
        request,
        "intake/staff_sex.html",
        {"staff": [(user, recorded.get(user.pk, "")) for user in users]},
    )
