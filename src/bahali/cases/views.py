"""Case pages: the list, the case with its timeline, team and gate, the sign-off queue and
"My work". Thin: services decide, policies scope."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.accounts.models import Membership
from bahali.cases import alerts, services, timeline, work
from bahali.cases.filters import CaseFilter
from bahali.cases.forms import (
    AnswerForm,
    CloseForm,
    EmergencyAccessForm,
    EmergencyReviewForm,
    EnrolForm,
    OverrideForm,
    ReasonForm,
    SignOffForm,
    TeamMemberForm,
    TransitionRequestForm,
)
from bahali.cases.lookups import get_case_for_user
from bahali.cases.models import (
    Case,
    Closure,
    EmergencyAccess,
    RiskBand,
    SignOff,
    TeamMember,
    TransitionRequest,
)
from bahali.cases.tabs import tabs_for
from bahali.cases.timeline import labelled
from bahali.core.dates import format_day
from bahali.core.forms import apply_validation_error, message_refusal
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.paging import KeysFirstPaginator
from bahali.core.versioning import Conflict
from bahali.organisations.models import Organisation
from bahali.registry.models import Participant

PAGE_SIZE = 25
# What the case list shows, and no more (a case and its five related rows carry some 80
# columns, each read and converted per row).
_NAMES = ("name_en", "name_ur", "name_ps")
LIST_COLUMNS = (
    "phase_entered_on",
    "closed_on",
    "closure",
    "risk_band",
    "next_due_on",
    "opened_on",
    "participant__code",
    *(f"programme__{name}" for name in _NAMES),
    *(f"phase__{name}" for name in _NAMES),
    "district__name",
    "district__name_ur",
    "lead_organisation__name",
    "lead_organisation__short_name",
)

# What the sign-off queue shows of each request.
QUEUE_COLUMNS = (
    "reason",
    "created_at",
    "case__participant__code",
    *(f"case__programme__{name}" for name in _NAMES),
    "case__district__name",
    "case__district__name_ur",
    *(f"transition__from_phase__{name}" for name in _NAMES),
    *(f"transition__to_phase__{name}" for name in _NAMES),
    "requested_by__username",
    "requested_by__first_name",
    "requested_by__last_name",
)


def case_context(request: AuthedRequest, case: Case, active_tab: str) -> dict[str, Any]:
    """What every tab of a case page needs: the case, its tabs, which one is active."""
    return {
        "case": case,
        "case_tabs": tabs_for(request.user, case),
        "active_tab": active_tab,
        "case_alerts": alerts.alerts_for(request.user, case),
    }


def render_case_tab(
    request: AuthedRequest, case: Case, tab: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Render one tab of a case's pages: the case header and tabs, then the tab's context."""
    return render(request, template, {**case_context(request, case, tab), **context})


@login_required
@require_GET
def case_list(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "case_summary.read"):
        raise Http404
    form = CaseFilter(request.GET or None, user=request.user)
    cases = form.filter(Case.objects.visible_to(request.user))
    cases = (
        cases.select_related("participant", "programme", "phase", "district", "lead_organisation")
        .only(*LIST_COLUMNS)
        .order_by("-opened_on", "-pk")
    )
    paginator = KeysFirstPaginator(cases, PAGE_SIZE)
    paginator.count  # noqa: B018 (count once; the page below reuses it)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # Dates due are beyond the case summary: shown only on the rows whose detail one reads.
    detail_ids = set(
        Case.objects.visible_to(request.user, "case_detail")
        .filter(pk__in=[case.pk for case in page.object_list])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "rows": _list_rows(page.object_list, detail_ids),
            "form": form,
            "query_string": query.urlencode(),
            "can_enrol": policies.can(request.user, "enrolment.write"),
            "can_break_glass": bool(services.emergency_memberships(request.user)),
        },
    )


def _list_rows(cases: Iterable[Case], detail_ids: set[int]) -> list[dict[str, Any]]:
    """The case list's cells, each worked out once here rather than by template tags per
    row ({% url %}, {% blocktranslate %}, ``get_..._display``, ``|day``): the same text, at a
    fraction of the cost (25 rows took some 20 ms of template rendering)."""
    detail_url = reverse("cases:detail", args=[0])[: -len("0/")]
    closures, risk_bands = dict(Closure.choices), dict(RiskBand.choices)
    today = timezone.localdate()
    days: dict[Any, str] = {}  # the same date reads the same on every row
    rows = []
    for case in cases:
        in_phase = case.days_in_phase
        shows_detail = case.pk in detail_ids
        due = case.next_due_on if shows_detail else None
        if due is not None and due not in days:
            days[due] = format_day(due)
        organisation = case.lead_organisation
        rows.append(
            {
                "url": f"{detail_url}{case.pk}/",
                "code": case.participant.code,
                "programme": case.programme.label,
                "phase": case.phase.label,
                "closed": bool(case.closed_on),
                "closure": str(closures.get(case.closure, case.closure)),
                # {% blocktranslate count days=... %}{{ days }} day{% plural %}...: the
                # same message, its number localised and escaped as the tag does
                "days": mark_safe(  # noqa: S308 (a translation and an escaped number)
                    ngettext("%(days)s day", "%(days)s days", in_phase)
                    % {"days": conditional_escape(formats.localize(in_phase))}
                ),
                "risk_band": case.risk_band,
                "risk_label": str(risk_bands.get(case.risk_band, case.risk_band)),
                "due": due,
                "due_iso": due.isoformat() if due is not None else "",
                "due_day": days.get(due, ""),
                "overdue": due is not None and due < today,
                "district": case.district.local_name,
                "organisation": (organisation.short_name or organisation.name)
                if shows_detail
                else None,
            }
        )
    return rows


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    user = request.user
    context = case_context(request, case, "overview")
    # Who reads the summary only (a security liaison) sees no team, no pending request with
    # its reasons and sign-offs, no dates due: DESIGN.md §2, "case summary".
    shows_detail = policies.can(user, "case_detail.read", case)
    pending = (
        case.transition_requests.filter(status=TransitionRequest.Status.PENDING)
        .select_related("transition__to_phase", "transition__from_phase", "requested_by")
        # its sign-offs read once, for the gate's status and for who may still sign
        .prefetch_related(
            Prefetch("sign_offs", SignOff.objects.select_related("organisation", "signed_by"))
        )
        .first()
        if shows_detail
        else None
    )
    can_move = policies.can(user, "transition.write", case)
    whole_history = request.GET.get("history") == "all"
    context.update(
        {
            "shows_detail": shows_detail,
            "team": _current_team(case) if shows_detail else None,
            "can_manage_team": case.is_open and policies.can(user, "case_team.write", case),
            "can_move": case.is_open and can_move,
            "pending": pending,
            "timeline": timeline.entries(
                case,
                user,
                timeline.HISTORY_ENTRIES if whole_history else timeline.PAGE_ENTRIES,
            ),
            "whole_history": whole_history,
            "page_entries": timeline.PAGE_ENTRIES,
        }
    )
    if pending is not None:
        status = services.gate_status(pending)
        signers = services.signing_memberships(user, pending)
        signed = {s.organisation_id for s in status.sign_offs}
        unsigned = [m.organisation for m in signers if m.organisation_id not in signed]
        context.update(
            {
                "gate": status,
                "sign_form": SignOffForm(
                    organisations=Organisation.objects.filter(
                        pk__in=[m.organisation_id for m in signers]
                    )
                )
                if signers
                else None,
                "unsigned": unsigned,
                "my_organisations": {m.organisation_id for m in user.active_memberships()},
                "can_override": policies.can(user, "gate_override.write", case),
                "answer_form": AnswerForm(),
                "override_form": OverrideForm(),
                "cancel_form": ReasonForm(),
            }
        )
    elif case.is_open and can_move:
        context["request_form"], context["has_onward"] = _request_form(case)
        context["close_form"] = CloseForm()
    if shows_detail:
        _load_organisation_links(case)
    return render(request, "cases/detail.html", context)


def _current_team(case: Case) -> list[TeamMember]:
    """The team panel's members, with the columns it shows (their names, role, organisation).
    All rows are of one case: ordered as ``TeamMember.Meta.ordering`` without joining it."""
    return list(
        case.team.filter(left_on__isnull=True)
        .select_related("membership__user", "membership__organisation")
        .only(
            "case",  # the related manager reads it to attach the case: deferred, a query each
            "case_role",
            "membership__user__first_name",
            "membership__user__last_name",
            "membership__user__username",
            "membership__organisation__name",
        )
        .order_by("joined_on", "pk")
    )


def _request_form(case: Case) -> tuple[TransitionRequestForm, bool]:
    """The form asking to move the case on, and whether its phase has a way onward: the
    phase's transitions read once (a model choice field reads its queryset again for each
    time it is rendered or asked whether it has a first choice)."""
    transitions = case.programme.transitions.filter(from_phase=case.phase)
    # "programme" too: the related manager sets each row's programme from its key (deferred,
    # that key was read again, a query per transition)
    onward = list(transitions.select_related("to_phase").only("programme", *labelled("to_phase")))
    form = TransitionRequestForm(transitions=transitions)
    form.fields["transition"].choices = [  # type: ignore[attr-defined]
        (transition.pk, transition.to_phase.label) for transition in onward
    ]
    return form, bool(onward)


def _load_organisation_links(case: Case) -> None:
    """The referring organisation and the receiving committee the summary names, in one
    query (not one each when the template first reaches them)."""
    wanted = {case.referred_by_id, case.receiving_committee_id} - {None}
    if not wanted:
        return
    found = Organisation.objects.in_bulk(wanted)
    if case.referred_by_id in found:
        case.referred_by = found[case.referred_by_id]
    if case.receiving_committee_id in found:
        case.receiving_committee = found[case.receiving_committee_id]


def _team_candidates(case: Case) -> Any:
    """Members who could join: a team role, active, working in the case's district."""
    from bahali.cases.services import CASE_ROLES_FOR

    return (
        Membership.objects.filter(
            is_active=True,
            organisation__is_active=True,
            role__in=[str(role) for role in CASE_ROLES_FOR],
            districts=case.district_id,
        )
        .exclude(case_teams__case=case, case_teams__left_on__isnull=True)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__last_name")
    )


def _back(case: Case) -> HttpResponse:
    return redirect("cases:detail", pk=case.pk)


def _submit(
    request: AuthedRequest,
    form: Any,
    run: Callable[[dict[str, Any]], object],
    *,
    done: str,
    invalid: str,
    level: int = messages.SUCCESS,
) -> None:
    """Run a service from a posted form; say what happened, or why nothing did."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        run(form.cleaned_data)
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as conflict:  # decided by someone else meanwhile
        messages.error(request, str(conflict))
    else:
        messages.add_message(request, level, done)


@login_required
@require_http_methods(["GET", "POST"])
def add_member(request: AuthedRequest, pk: int) -> HttpResponse:
    """Its own page: the list of possible members is long, so the case page only links here."""
    case = get_case_for_user(request.user, pk, "case_team", "write")
    candidates = _team_candidates(case)
    initial: dict[str, Any] = {}
    chosen = request.GET.get("member", "")
    if request.method == "GET" and chosen.isdigit():  # shown for one member: their case role
        membership = candidates.filter(pk=int(chosen)).first()
        if membership is not None:
            initial = {
                "membership": membership,
                "case_role": services.default_case_role(case, membership),
            }
    form = TeamMemberForm(request.POST or None, memberships=candidates, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_team_member(
                actor=request.user,
                case=case,
                membership=form.cleaned_data["membership"],
                case_role=form.cleaned_data["case_role"] or None,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Added to the team."))
            return _back(case)
    context = case_context(request, case, "overview")
    context["form"] = form
    return render(request, "cases/add_member.html", context)


@login_required
@require_POST
def remove_member(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "case_team", "write")
    member = get_object_or_404(case.team.filter(left_on__isnull=True), pk=member_pk)
    services.remove_team_member(actor=request.user, member=member)
    messages.success(request, _("They have left the team; their work stays on the case."))
    return _back(case)


@login_required
@require_POST
def request_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "transition", "write")
    form = TransitionRequestForm(
        request.POST, transitions=case.programme.transitions.filter(from_phase=case.phase)
    )
    if form.is_valid():
        try:
            made = services.request_transition(
                actor=request.user,
                case=case,
                transition=form.cleaned_data["transition"],
                reason=form.cleaned_data["reason"],
                expected_version=int(request.POST.get("version", case.version)),
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as error:
            messages.error(request, str(error))
        else:
            if made.status == TransitionRequest.Status.APPLIED:
                messages.success(request, _("The case has moved on."))
            else:
                messages.success(
                    request, _("Requested: the organisations that must sign see it now.")
                )
    else:
        messages.error(request, _("Choose where the case should move and say why."))
    return _back(case)


def _pending_for(request: AuthedRequest, pk: int, request_pk: int) -> TransitionRequest:
    case = get_case_for_user(request.user, pk)
    return get_object_or_404(
        case.transition_requests.select_related("case", "transition__to_phase"), pk=request_pk
    )


@login_required
@require_POST
def sign(request: AuthedRequest, pk: int, request_pk: int) -> HttpResponse:
    pending = _pending_for(request, pk, request_pk)
    if pending.status != TransitionRequest.Status.PENDING:  # decided while the page was open
        messages.error(request, _("This request has been decided already."))
        return _back(pending.case)
    signers = services.signing_memberships(request.user, pending)
    if not signers:
        raise Http404
    form = SignOffForm(
        request.POST,
        organisations=Organisation.objects.filter(pk__in=[m.organisation_id for m in signers]),
    )
    if form.is_valid():
        try:
            services.record_sign_off(
                actor=request.user,
                request=pending,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                organisation=form.cleaned_data.get("organisation"),
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as conflict:  # someone decided first, meanwhile
            messages.error(request, str(conflict))
        else:
            pending.refresh_from_db()
            if pending.status == TransitionRequest.Status.APPLIED:
                messages.success(request, _("Signed. The gate is met: the case has moved on."))
            else:
                messages.success(request, _("Your decision is recorded."))
    else:
        messages.error(request, _("Choose approve or object, and give your reason."))
    return _back(pending.case)


@login_required
@require_POST
def answer(request: AuthedRequest, pk: int, sign_off_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "transition", "write")
    sign_off = get_object_or_404(
        SignOff.objects.select_related("request__case"), pk=sign_off_pk, request__case=case
    )
    _submit(
        request,
        AnswerForm(request.POST),
        lambda data: services.answer_objection(
            actor=request.user, sign_off=sign_off, answer=data["answer"]
        ),
        done=_("The objection is answered."),
        invalid=_("Write the answer to the objection."),
    )
    return _back(case)


@login_required
@require_POST
def withdraw(request: AuthedRequest, pk: int, sign_off_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk)
    sign_off = get_object_or_404(
        SignOff.objects.select_related("request__case"), pk=sign_off_pk, request__case=case
    )
    if not any(
        m.organisation_id == sign_off.organisation_id for m in request.user.active_memberships()
    ):
        raise Http404
    try:
        services.withdraw_objection(actor=request.user, sign_off=sign_off)
        messages.success(request, _("Your objection is withdrawn."))
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as conflict:
        messages.error(request, str(conflict))
    return _back(case)


@login_required
@require_POST
def cancel(request: AuthedRequest, pk: int, request_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "transition", "write")
    pending = get_object_or_404(case.transition_requests, pk=request_pk)
    _submit(
        request,
        ReasonForm(request.POST),
        lambda data: services.cancel_request(
            actor=request.user, request=pending, reason=data["reason"]
        ),
        done=_("The request is withdrawn."),
        invalid=_("Say why the request is withdrawn."),
    )
    return _back(case)


@login_required
@require_POST
def override(request: AuthedRequest, pk: int, request_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "gate_override", "write")
    pending = get_object_or_404(case.transition_requests, pk=request_pk)
    _submit(
        request,
        OverrideForm(request.POST),
        lambda data: services.override_gate(
            actor=request.user, request=pending, reason=data["reason"], reference=data["reference"]
        ),
        done=_("Override recorded. It is flagged to oversight."),
        invalid=_("An override needs its reason and the authorising document."),
        level=messages.WARNING,
    )
    return _back(case)


@login_required
@require_POST
def close(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "transition", "write")
    _submit(
        request,
        CloseForm(request.POST),
        lambda data: services.close_case(
            actor=request.user, case=case, closure=data["closure"], note=data["note"]
        ),
        done=_("The case is closed."),
        invalid=_("Choose how the case closes and say why."),
    )
    return _back(case)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def enrol(request: AuthedRequest, code: str) -> HttpResponse:
    if not policies.can(request.user, "enrolment.write"):
        raise Http404
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user, "participant_record", "write").active(),
        code=code,
    )
    form = EnrolForm(request.POST or None, initial={"district": participant.district})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.enrol_participant(
                actor=request.user,
                participant=participant,
                programme=data["programme"],
                entry_phase=data.get("entry_phase"),
                referral_source=data["referral_source"],
                referred_by=data.get("referred_by"),
                district=data.get("district"),
                receiving_community=data.get("receiving_community"),
                receiving_committee=data.get("receiving_committee"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if policies.can(request.user, "case_team.write", case):
                messages.success(request, _("Enrolled. Build the team next."))
            else:
                messages.success(
                    request,
                    _("Enrolled. The team is built by: %(roles)s.")
                    % {"roles": ", ".join(policies.roles_that_may("case_team.write"))},
                )
            if policies.can(request.user, "case_summary.read", case):
                return redirect("cases:detail", pk=case.pk)
            return redirect("cases:list")
    return render(request, "cases/enrol.html", {"form": form, "participant": participant})


@login_required
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "sign_off.write"):
        raise Http404
    paginator = KeysFirstPaginator(
        services.waiting_for_sign_off(request.user).only(*QUEUE_COLUMNS),
        PAGE_SIZE,
        count_in_order=True,
    )
    page = paginator.get_page(request.GET.get("page"))
    detail_url = reverse("cases:detail", args=[0])[: -len("0/")]
    days: dict[Any, str] = {}
    rows = []
    for waiting in page.object_list:
        case, transition, requester = waiting.case, waiting.transition, waiting.requested_by
        if waiting.created_at not in days:
            days[waiting.created_at] = format_day(waiting.created_at)
        rows.append(
            {
                "code": case.participant.code,
                "programme": case.programme.label,
                "district": case.district.local_name,
                "from_phase": transition.from_phase.label,
                "to_phase": transition.to_phase.label,
                "reason": waiting.reason,
                "asked": days[waiting.created_at],
                # a move the platform itself asked for has no requester
                "requester": (requester.get_full_name() or requester.username)
                if requester is not None
                else "",
                "url": f"{detail_url}{waiting.case_id}/#gate",
            }
        )
    return render(
        request,
        "cases/queue.html",
        {"requests": page.object_list, "rows": rows, "page": page, "query": ""},
    )


# My work lists this many items a page, warnings first, then the oldest.
WORK_PAGE_SIZE = 50


@login_required
@require_GET
def my_work(request: AuthedRequest) -> HttpResponse:
    """A page of everything waiting, read before the count so both come from the same
    questions (``work.Pages``: each source asked for its oldest up to the page's end)."""
    pages = work.Pages(request.user)
    requested = request.GET.get("page", "")
    number = int(requested) if requested.isdigit() and 0 < int(requested) <= 10_000 else 1
    items = pages[(number - 1) * WORK_PAGE_SIZE : number * WORK_PAGE_SIZE]
    # the page links count positions only: the total comes from the questions just asked
    paginator = Paginator(range(pages.count()), WORK_PAGE_SIZE)
    if not items and number > 1:  # past the last page: the last page
        number = paginator.num_pages
        items = pages[(number - 1) * WORK_PAGE_SIZE : number * WORK_PAGE_SIZE]
    context = {
        "summary": pages.summary,
        "items": items,
        "page": paginator.get_page(number),
        "query": "",
    }
    return render(request, "cases/work.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def emergency(request: AuthedRequest) -> HttpResponse:
    """Break-the-glass: open a case outside one's teams for a threat to life, with a reason."""
    if not services.emergency_memberships(request.user):
        raise Http404
    form = EmergencyAccessForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        case = services.emergency_case(form.cleaned_data["code"])
        if case is None:
            form.add_error("code", _("No open case has this participant code."))
        else:
            try:
                access = services.open_emergency_access(
                    actor=request.user, case=case, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.warning(
                    request,
                    _(
                        "Emergency access is open until %(until)s. The team and a data "
                        "steward see that you opened this case, and why."
                    )
                    % {
                        "until": formats.date_format(
                            timezone.localtime(access.expires_at), "SHORT_DATETIME_FORMAT"
                        )
                    },
                )
                return redirect("cases:detail", case.pk)
    return render(
        request,
        "cases/emergency.html",
        {"form": form, "hours": settings.BAHALI_EMERGENCY_ACCESS_HOURS},
        status=status,
    )


@login_required
@require_GET
def emergency_review(request: AuthedRequest) -> HttpResponse:
    """Emergency accesses the user may read: a data steward's review queue (not reviewed
    first), oversight's full list, a team's accesses to its cases."""
    if not policies.can(request.user, "emergency_access.read"):
        raise Http404
    accesses = (
        EmergencyAccess.objects.visible_to(request.user, "emergency_access")
        .select_related(
            "case__participant", "membership__user", "membership__organisation", "reviewed_by"
        )
        .order_by(F("reviewed_at").asc(nulls_first=True), "-opened_at", "-pk")
    )
    page = KeysFirstPaginator(accesses, PAGE_SIZE).get_page(request.GET.get("page"))
    reviewable = set(
        EmergencyAccess.objects.visible_to(request.user, "emergency_review", "write")
        .filter(pk__in=[access.pk for access in page.object_list], reviewed_at__isnull=True)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "cases/emergency_review.html",
        {
            "page": page,
            "reviewable": reviewable,
            "review_form": EmergencyReviewForm(),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def review_emergency(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_object_or_404(
        EmergencyAccess.objects.visible_to(request.user, "emergency_review", "write"), pk=pk
    )
    form = EmergencyReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what you found; nothing was recorded."))
    else:
        try:
            services.review_emergency_access(
                actor=request.user, access=access, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The review is recorded."))
    return redirect("cases:emergency_review")
