"""Casework pages, one tab of the case each: plan, sessions, notes, security notes, family,
mentoring and support; plus recording a group session across cases. Thin: services decide,
policies scope, and anything out of reach answers 404 like anything missing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.cases.lookups import get_case_for_user
from bahali.cases.models import Case, CaseRole
from bahali.cases.tabs import tabs_for
from bahali.cases.views import render_case_tab
from bahali.casework import services
from bahali.casework.forms import (
    EditGoalForm,
    EndMentoringForm,
    FamilyMemberForm,
    GoalForm,
    GroupSessionForm,
    MeetingForm,
    MentorForm,
    NoteForm,
    ReviewForm,
    SecurityNoteForm,
    SessionForm,
    SupportForm,
)
from bahali.casework.models import (
    Attendance,
    GoalReview,
    MentorMeeting,
    Note,
    Sensitivity,
    Session,
    SessionFormat,
    SupportStatus,
)
from bahali.core.forms import (
    apply_validation_error,
    message_form_errors,
    message_refusal,
    show_conflict,
)
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict
from bahali.organisations.models import Organisation


def _can_write(request: AuthedRequest, case: Case, resource: str = "plan") -> bool:
    if request.method == "GET":  # the page's questions in one query, this one among them
        tabs_for(request.user, case)
    return case.is_open and policies.can(request.user, f"{resource}.write", case)


def _writable_case(request: AuthedRequest, pk: int, resource: str = "plan") -> Case:
    """The case for a write: 404 unless the user may write ``resource`` on it."""
    return get_case_for_user(request.user, pk, resource, "write")


def _tab_case(request: AuthedRequest, pk: int, resource: str = "plan") -> Case:
    """The case of a tab: posting needs write on ``resource``, looking needs read."""
    if request.method == "POST":
        return _writable_case(request, pk, resource)
    return get_case_for_user(request.user, pk, resource)


def _team(case: Case) -> Any:
    return case.team.filter(left_on__isnull=True).select_related("membership__user")


SESSIONS_PER_PAGE = 25
NOTES_PER_PAGE = 25


# --- plan ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _tab_case(request, pk)
    can_write = _can_write(request, case)
    form = GoalForm(request.POST or None, team=_team(case)) if can_write else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_goal(
                actor=request.user,
                case=case,
                domain=data["domain"],
                title=data["title"],
                interventions=data["interventions"],
                responsible=data.get("responsible"),
                target_on=data.get("target_on"),
                review_on=data.get("review_on"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The goal is added to the plan."))
            return redirect("casework:plan", pk=case.pk)
    goals = case.goals.select_related("responsible__membership__user").prefetch_related(
        Prefetch("reviews", GoalReview.objects.select_related("reviewed_by"))
    )
    return render_case_tab(
        request,
        case,
        "plan",
        "casework/plan.html",
        {
            "goals": goals,
            "form": form,
            "can_write": can_write,
            "review_form": ReviewForm(initial={"reviewed_on": timezone.localdate()}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_goal(request: AuthedRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = _writable_case(request, pk)
    goal = get_object_or_404(case.goals.all(), pk=goal_pk)
    initial = {
        "domain": goal.domain,
        "title": goal.title,
        "interventions": goal.interventions,
        "responsible": goal.responsible_id,
        "target_on": goal.target_on,
        "review_on": goal.review_on,
        "status": goal.status,
        "version": goal.version,
    }
    form = EditGoalForm(request.POST or None, initial=initial, team=_team(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_goal(
                actor=request.user,
                goal=goal,
                expected_version=data["version"],
                domain=data["domain"],
                title=data["title"],
                interventions=data["interventions"],
                responsible=data.get("responsible"),
                target_on=data.get("target_on"),
                status=data["status"],
                review_on=data.get("review_on"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except Conflict as stale:
            show_conflict(form, stale)
        else:
            messages.success(request, _("The goal is saved."))
            return redirect("casework:plan", pk=case.pk)
    return render_case_tab(
        request, case, "plan", "casework/edit_goal.html", {"form": form, "goal": goal}
    )


@login_required
@require_POST
def review_goal(request: AuthedRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = _writable_case(request, pk)
    goal = get_object_or_404(case.goals.all(), pk=goal_pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_goal_review(
                actor=request.user,
                goal=goal,
                reviewed_on=data["reviewed_on"],
                progress_note=data["progress_note"],
                status_after=data["status_after"],
                next_review_on=data.get("next_review_on"),
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The review is recorded."))
    else:
        message_form_errors(request, form)
    return redirect("casework:plan", pk=case.pk)


# --- sessions -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def sessions(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _tab_case(request, pk)
    can_write = _can_write(request, case)
    form = None
    if can_write:
        form = SessionForm(
            request.POST or None,
            initial={"held_on": timezone.localdate()},
            goals=case.goals.all(),
            family=case.family.all(),
        )
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        family = list(data.get("family_attendees") or [])
        try:
            services.record_session(
                actor=request.user,
                kind=data["kind"],
                format=SessionFormat.FAMILY if family else SessionFormat.INDIVIDUAL,
                held_on=data["held_on"],
                duration_minutes=data["duration_minutes"],
                topic=data["topic"],
                attendances=[
                    services.AttendanceLine(
                        case=case, status=data["status"], goals=list(data.get("goals") or [])
                    )
                ],
                family_attendees=family,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The session is recorded."))
            return redirect("casework:sessions", pk=case.pk)
    attendances = (
        Attendance.objects.filter(case=case)
        .select_related("session__facilitator", "session__organisation")
        .prefetch_related("goals", "session__family_attendees")
        .order_by("-session__held_on", "-pk")
    )
    page = Paginator(attendances, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render_case_tab(
        request,
        case,
        "sessions",
        "casework/sessions.html",
        {"attendances": page.object_list, "page": page, "form": form, "can_write": can_write},
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def group_session(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "plan.write"):
        raise Http404
    cases = (
        Case.objects.visible_to(request.user, "plan", "write")
        .open()
        .select_related("participant", "programme")
        .order_by("participant__code")
    )
    form = GroupSessionForm(
        request.POST or None, initial={"held_on": timezone.localdate()}, cases=cases
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines = [
            services.AttendanceLine(case=case, status=status)
            for status in ("present", "absent", "excused")
            for case in data.get(status) or []
        ]
        try:
            session = services.record_session(
                actor=request.user,
                kind=data["kind"],
                format=SessionFormat.GROUP,
                held_on=data["held_on"],
                duration_minutes=data["duration_minutes"],
                topic=data["topic"],
                attendances=lines,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("The group session is recorded for %(count)d participants.")
                % {"count": session.attendances.count()},
            )
            return redirect("casework:group_session")
    return render(request, "casework/group_session.html", {"form": form})


# --- notes --------------------------------------------------------------------------


def _opened(request: AuthedRequest, notes: Any) -> list[services.OpenedNote]:
    return services.read_notes(actor=request.user, notes=notes)


# A note is linked to one of the case's latest sessions: a long case's whole list would be
# hundreds of options, slow to render and to pick from.
RECENT_SESSIONS = 30


def _recent_sessions(case: Case) -> Any:
    latest = Session.objects.filter(attendances__case=case).order_by("-held_on", "-pk")
    keys = list(latest.values_list("pk", flat=True)[:RECENT_SESSIONS])
    return Session.objects.filter(pk__in=keys).order_by("-held_on", "-pk")


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def notes(request: AuthedRequest, pk: int) -> HttpResponse:
    """General and clinical notes: clinical ones only for psychologists (each read audited);
    the rest of the team sees that a clinical note exists."""
    case = get_case_for_user(request.user, pk, "plan")
    user = request.user
    writable: list[str] = [
        str(sensitivity)
        for sensitivity, resource in (
            (Sensitivity.GENERAL, "plan"),
            (Sensitivity.CLINICAL, "clinical_note"),
        )
        if _can_write(request, case, resource)
    ]
    if request.method == "POST" and not writable:
        raise Http404
    form = (
        NoteForm(request.POST or None, classes=writable, sessions=_recent_sessions(case))
        if writable
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.write_note(
                actor=user,
                case=case,
                sensitivity=data["sensitivity"],
                body=data["body"],
                session=data.get("session"),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The note is saved."))
            return redirect("casework:notes", pk=case.pk)
    classes = [Sensitivity.GENERAL, Sensitivity.CLINICAL]
    page = Paginator(
        case.notes.filter(sensitivity__in=classes)  # each note knows its case: no query
        .select_related("author", "session")
        .order_by("-written_on", "-pk"),
        NOTES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    all_notes = list(page.object_list)
    opened = {o.note.pk: o.body for o in _opened(request, services.readable_notes(user, all_notes))}
    rows = [
        {"note": n, "body": opened.get(n.pk), "restricted": n.pk not in opened} for n in all_notes
    ]
    return render_case_tab(
        request, case, "notes", "casework/notes.html", {"rows": rows, "form": form, "page": page}
    )


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def security_notes(request: AuthedRequest, pk: int) -> HttpResponse:
    """Security notes: security liaisons and programme managers write, oversight reads."""
    case = _tab_case(request, pk, "security_note")
    can_write = _can_write(request, case, "security_note")
    form = SecurityNoteForm(request.POST or None) if can_write else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.write_note(
                actor=request.user,
                case=case,
                sensitivity=Sensitivity.SECURITY,
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The security note is saved."))
            return redirect("casework:security_notes", pk=case.pk)
    found = Note.objects.visible_to(request.user, "security_note").filter(case=case)
    opened = _opened(request, found.select_related("author"))
    return render_case_tab(
        request,
        case,
        "security_notes",
        "casework/security_notes.html",
        {"opened": opened, "form": form},
    )


# --- family -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def family(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _tab_case(request, pk)
    can_write = _can_write(request, case)
    form = FamilyMemberForm(request.POST or None) if can_write else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_family_member(actor=request.user, case=case, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The relative is recorded."))
            return redirect("casework:family", pk=case.pk)
    family_sessions = (
        Session.objects.filter(attendances__case=case, format=SessionFormat.FAMILY)
        .select_related("facilitator")
        .prefetch_related("family_attendees")
    )
    return render_case_tab(
        request,
        case,
        "family",
        "casework/family.html",
        {
            "members": case.family.all(),
            "family_sessions": family_sessions,
            "form": form,
            "can_see_contact": policies.can(request.user, "identity.read", case.participant),
        },
    )


@login_required
@require_GET
def family_contact(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "plan")
    member = get_object_or_404(case.family.all(), pk=member_pk)
    if not policies.can(request.user, "identity.read", case.participant):
        raise Http404
    contact = services.read_family_contact(actor=request.user, member=member)
    return render(request, "casework/_family_contact.html", {"contact": contact})


# --- mentoring ----------------------------------------------------------------------


def _mentors(case: Case) -> Any:
    return _team(case).filter(case_role=CaseRole.MENTOR)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def mentoring(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _tab_case(request, pk)
    can_write = _can_write(request, case)
    form = MentorForm(request.POST or None, mentors=_mentors(case)) if can_write else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.assign_mentor(
                actor=request.user,
                case=case,
                mentor=data["mentor"],
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
                frequency=data["frequency"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The mentor is assigned."))
            return redirect("casework:mentoring", pk=case.pk)
    assignments = case.mentor_assignments.select_related(
        "mentor__membership__user"
    ).prefetch_related(Prefetch("meetings", MentorMeeting.objects.order_by("-met_on", "-pk")))
    return render_case_tab(
        request,
        case,
        "mentoring",
        "casework/mentoring.html",
        {
            "assignments": assignments,
            "form": form,
            "can_write": can_write,
            "meeting_form": MeetingForm(initial={"met_on": timezone.localdate()}),
            "end_form": EndMentoringForm(initial={"ends_on": timezone.localdate()}),
        },
    )


@login_required
@require_POST
@one_time_form
def log_meeting(request: AuthedRequest, pk: int, assignment_pk: int) -> HttpResponse:
    case = _writable_case(request, pk)
    assignment = get_object_or_404(case.mentor_assignments.all(), pk=assignment_pk)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.log_mentor_meeting(
                actor=request.user, assignment=assignment, **form.cleaned_data
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The meeting is logged."))
    else:
        message_form_errors(request, form)
    return redirect("casework:mentoring", pk=case.pk)


@login_required
@require_POST
def end_mentoring(request: AuthedRequest, pk: int, assignment_pk: int) -> HttpResponse:
    case = _writable_case(request, pk)
    assignment = get_object_or_404(case.mentor_assignments.all(), pk=assignment_pk)
    form = EndMentoringForm(request.POST)
    if form.is_valid():
        try:
            services.end_mentor_assignment(
                actor=request.user, assignment=assignment, **form.cleaned_data
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as conflict:
            messages.error(request, str(conflict))
        else:
            messages.success(request, _("The mentor assignment has ended."))
    else:
        message_form_errors(request, form)
    return redirect("casework:mentoring", pk=case.pk)


# --- support ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def support(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _tab_case(request, pk)
    can_write = _can_write(request, case)
    form = None
    if can_write:
        form = SupportForm(
            request.POST or None,
            initial={"provided_on": timezone.localdate(), "status": SupportStatus.PLANNED},
            organisations=Organisation.objects.filter(is_active=True).order_by("name"),
        )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.record_support(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The support is recorded."))
            return redirect("casework:support", pk=case.pk)
    return render_case_tab(
        request,
        case,
        "support",
        "casework/support.html",
        {
            "items": case.support.select_related("organisation"),
            "cost": services.cost_of_case(case),
            "form": form,
            "can_write": can_write,
        },
    )


@login_required
@require_POST
def mark_paid(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    case = _writable_case(request, pk)
    item = get_object_or_404(case.support.all(), pk=item_pk)
    try:
        services.mark_support_paid(actor=request.user, item=item)
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, _("Marked as paid."))
    return redirect("casework:support", pk=case.pk)
