"""Casework on the case timeline: goals and reviews, sessions (family ones too), notes,
mentor meetings and support.

One source, a fixed number of queries whatever the number of rows: the permissions are
asked once, then one query per kind of row. Clinical notes the viewer may not read show as
restricted entries to those who read the plan (the team sees a session was written up,
never its content, JOURNEYS.md 2); security notes are invisible to anyone who may not read
them — that security work exists on a case is itself sensitive.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bahali.accounts import policies
from bahali.cases.timeline import TimelineEntry, as_datetime, display, name_of, person, rows
from bahali.casework.models import (
    Attendance,
    AttendanceStatus,
    FamilyMember,
    Goal,
    GoalReview,
    MentorAssignment,
    MentorMeeting,
    Note,
    Sensitivity,
    Session,
    SessionFormat,
    SupportItem,
    SupportStatus,
)

NOTE_TITLES = {
    Sensitivity.GENERAL: gettext_lazy("General note"),
    Sensitivity.CLINICAL: gettext_lazy("Clinical note"),
    Sensitivity.SECURITY: gettext_lazy("Security note"),
}


def _name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.username)


def _plan_entries(case: Any, limit: int) -> list[TimelineEntry]:
    domain = display(Goal, "domain")
    found = [
        TimelineEntry(
            when=goal["created_at"],
            kind="goal",
            icon="bullseye",
            title=_("Plan goal: %(domain)s") % {"domain": domain(goal["domain"])},
            detail=goal["title"],
            actor=name_of(goal, "responsible__membership__user"),
        )
        for goal in rows(
            Goal.objects.filter(case=case).order_by("-created_at")[:limit],
            "created_at",
            "domain",
            "title",
            *person("responsible__membership__user"),
        )
    ]
    if not found:
        return found  # no goal, so no review either
    status_after = display(GoalReview, "status_after")
    reviews = rows(
        GoalReview.objects.filter(goal__case=case).order_by("-reviewed_on")[:limit],
        "reviewed_on",
        "status_after",
        "goal__title",
        *person("reviewed_by"),
    )
    for review in reviews:
        found.append(
            TimelineEntry(
                when=as_datetime(review["reviewed_on"]),
                kind="goal_review",
                icon="clipboard-check",
                title=_("Goal reviewed: %(status)s")
                % {"status": status_after(review["status_after"])},
                detail=review["goal__title"],
                actor=name_of(review, "reviewed_by"),
            )
        )
    return found


def _session_entries(case: Any, limit: int) -> list[TimelineEntry]:
    found: list[TimelineEntry] = []
    attendances = rows(
        Attendance.objects.filter(case=case).order_by("-session__held_on", "-pk")[:limit],
        "status",
        "session",
        "session__held_on",
        "session__format",
        "session__kind",
        "session__duration_minutes",
        "session__organisation__name",
        *person("session__facilitator"),
    )
    # the relatives present, for family sessions only (no query when there is none), in
    # the order of ``FamilyMember.Meta.ordering``
    family_sessions = [
        a["session"] for a in attendances if a["session__format"] == SessionFormat.FAMILY
    ]
    relatives: dict[int, list[str]] = {}
    if family_sessions:
        relationship = display(FamilyMember, "relationship")
        for session_pk, value in FamilyMember.objects.filter(
            sessions__in=family_sessions
        ).values_list("sessions", "relationship"):
            relatives.setdefault(session_pk, []).append(relationship(value))
    status = display(Attendance, "status")
    kind = display(Session, "kind")
    session_format = display(Session, "format")
    for attendance in attendances:
        family = attendance["session__format"] == SessionFormat.FAMILY
        minutes = attendance["session__duration_minutes"]
        detail = ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {
            "minutes": minutes
        }
        if family:
            detail = f"{detail} · {', '.join(relatives.get(attendance['session'], []))}"
        if attendance["status"] != AttendanceStatus.PRESENT:
            detail = f"{detail} · {status(attendance['status'])}"
        found.append(
            TimelineEntry(
                when=as_datetime(attendance["session__held_on"]),
                kind="family_session" if family else "session",
                icon={"group": "people", "family": "house-heart"}.get(
                    attendance["session__format"], "person"
                ),
                title=_("%(kind)s (%(format)s)")
                % {
                    "kind": kind(attendance["session__kind"]),
                    "format": session_format(attendance["session__format"]),
                },
                detail=detail,
                actor=f"{name_of(attendance, 'session__facilitator')} · "
                f"{attendance['session__organisation__name']}",
                flagged=attendance["status"] == AttendanceStatus.ABSENT,
            )
        )
    return found


def _note_entries(case: Any, readable: set[str], plan: bool, limit: int) -> list[TimelineEntry]:
    classes = set(readable) | ({Sensitivity.CLINICAL.value} if plan else set())
    if not classes:
        return []
    found: list[TimelineEntry] = []
    notes = rows(
        Note.objects.filter(case=case, sensitivity__in=classes).order_by("-written_on", "-pk")[
            :limit
        ],
        "written_on",
        "sensitivity",
        *person("author"),
    )
    for note in notes:
        if note["sensitivity"] in readable:
            found.append(
                TimelineEntry(
                    when=as_datetime(note["written_on"]),
                    kind="note",
                    icon="journal-text",
                    title=NOTE_TITLES[Sensitivity(note["sensitivity"])],
                    actor=name_of(note, "author"),
                )
            )
        else:
            found.append(
                TimelineEntry(
                    when=as_datetime(note["written_on"]),
                    kind="note",
                    icon="lock",
                    title=NOTE_TITLES[Sensitivity(note["sensitivity"])],
                    detail=_("Restricted: only those allowed to read this class of note see it."),
                    restricted=True,
                )
            )
    return found


def _mentoring_entries(case: Any, limit: int) -> list[TimelineEntry]:
    entries = _assignment_entries(case, limit)
    if not entries:
        return entries  # never mentored, so no meeting either
    meetings = (
        MentorMeeting.objects.filter(assignment__case=case)
        .select_related("assignment__mentor__membership__user")
        .only(
            "met_on",
            "concerns",
            "place",
            "duration_minutes",
            *person("assignment__mentor__membership__user"),
        )
        .order_by("-met_on", "-pk")[:limit]
    )
    return entries + [
        TimelineEntry(
            when=as_datetime(meeting.met_on),
            kind="mentor_meeting",
            icon="person-walking",
            title=_("Mentor meeting") if not meeting.concerns else _("Mentor meeting: concerns"),
            detail=ngettext(
                "%(place)s · %(minutes)d minute",
                "%(place)s · %(minutes)d minutes",
                meeting.duration_minutes,
            )
            % {"place": meeting.place, "minutes": meeting.duration_minutes},
            actor=_name(meeting.assignment.mentor.membership.user),
            flagged=meeting.concerns,
        )
        for meeting in meetings
    ]


def _assignment_entries(case: Any, limit: int) -> list[TimelineEntry]:
    """A mentor assignment's start and, once it has ended early, its end with the reason."""
    assignments = (
        MentorAssignment.objects.filter(case=case)
        .select_related("mentor__membership__user")
        .only(
            "starts_on",
            "ends_on",
            "end_reason",
            "frequency",
            *person("mentor__membership__user"),
        )
        .order_by("-starts_on", "-pk")[:limit]
    )
    today = timezone.localdate()
    entries = []
    for assignment in assignments:
        mentor = _name(assignment.mentor.membership.user)
        entries.append(
            TimelineEntry(
                when=as_datetime(assignment.starts_on),
                kind="mentoring",
                icon="people",
                title=_("%(mentor)s began mentoring") % {"mentor": mentor},
                detail=str(assignment.get_frequency_display()),
            )
        )
        if assignment.end_reason and assignment.ends_on and assignment.ends_on <= today:
            entries.append(
                TimelineEntry(
                    when=as_datetime(assignment.ends_on),
                    kind="mentoring",
                    icon="person-x",
                    title=_("%(mentor)s's mentoring ended") % {"mentor": mentor},
                    detail=str(assignment.get_end_reason_display()),
                )
            )
    return entries


def _support_entries(case: Any, limit: int) -> list[TimelineEntry]:
    kind, status = display(SupportItem, "kind"), display(SupportItem, "status")
    return [
        TimelineEntry(
            when=as_datetime(item["provided_on"]),
            kind="support",
            icon="cash-coin",
            title=_("%(kind)s: PKR %(amount)s")
            % {"kind": kind(item["kind"]), "amount": f"{item['amount']:,.0f}"},
            detail=status(item["status"])
            if item["status"] == SupportStatus.PLANNED
            else item["description"],
            actor=item["organisation__name"],
        )
        for item in rows(
            SupportItem.objects.filter(case=case).order_by("-provided_on", "-pk")[:limit],
            "provided_on",
            "kind",
            "amount",
            "status",
            "description",
            "organisation__name",
        )
    ]


def casework_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    """Everything casework put on the case that ``user`` may know of."""
    plan = policies.can(user, "plan.read", case)
    readable: set[str] = {
        str(sensitivity)
        for sensitivity, resource in (
            (Sensitivity.GENERAL, "plan"),
            (Sensitivity.CLINICAL, "clinical_note"),
            (Sensitivity.SECURITY, "security_note"),
        )
        if (plan if resource == "plan" else policies.can(user, f"{resource}.read", case))
    }
    found = _note_entries(case, readable, plan, limit)
    if plan:
        found += _plan_entries(case, limit)
        found += _session_entries(case, limit)
        found += _mentoring_entries(case, limit)
        found += _support_entries(case, limit)
    return found
