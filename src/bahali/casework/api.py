"""API: plans, sessions, notes, family, mentoring and support of a case.

The same services and policies as the pages: a case, goal or row the user may not reach
answers 404 like a missing one; notes come only in the classes the user may read.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.accounts import policies
from bahali.api import idempotency
from bahali.api.errors import ApiError
from bahali.api.schemas import Error, Schema
from bahali.cases.lookups import get_case_for_user
from bahali.cases.models import Case, TeamMember
from bahali.casework import services
from bahali.casework.lookups import get_goal_for_user, get_mentor_assignment_for_user
from bahali.casework.models import (
    Attendance,
    FamilyMember,
    Goal,
    GoalReview,
    MentorAssignment,
    MentorMeeting,
    Note,
    Sensitivity,
    Session,
    SupportItem,
)
from bahali.core.http import AuthedRequest
from bahali.organisations.models import Organisation

router = Router(tags=["casework"])


def _member(case: Case, member_id: int | None, field: str) -> TeamMember | None:
    if member_id is None:
        return None
    member = TeamMember.objects.filter(case=case, pk=member_id).first()
    if member is None:
        raise ValidationError({field: _("Choose someone on this case's team now.")})
    return member


def _organisation(organisation_id: int) -> Organisation:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise ValidationError({"organisation_id": _("Unknown organisation.")})
    return organisation


# --- plan ---------------------------------------------------------------------------


class ReviewOut(Schema):
    id: int
    goal_id: int
    reviewed_on: datetime.date
    progress_note: str
    status_after: str
    next_review_on: datetime.date | None
    reviewed_by: str | None

    @staticmethod
    def resolve_reviewed_by(obj: GoalReview) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by else None


class GoalOut(Schema):
    id: int
    case_id: int
    domain: str
    title: str
    interventions: str
    responsible_id: int | None
    target_on: datetime.date | None
    status: str
    review_on: datetime.date | None
    version: int
    reviews: list[ReviewOut]

    @staticmethod
    def resolve_reviews(obj: Goal) -> list[GoalReview]:
        return list(obj.reviews.all())


class GoalIn(Schema):
    domain: str
    title: str = Field(..., max_length=200)
    interventions: str = ""
    responsible_id: int | None = None
    target_on: datetime.date | None = None
    review_on: datetime.date | None = None


class GoalUpdate(GoalIn):
    status: str
    version: int


class ReviewIn(Schema):
    reviewed_on: datetime.date
    progress_note: str
    status_after: str
    next_review_on: datetime.date | None = None


def _goals() -> Any:
    return Goal.objects.prefetch_related("reviews__reviewed_by")


@router.get(
    "/cases/{case_id}/goals",
    response={200: list[GoalOut], 404: Error},
    summary="The goals of a case's plan, with their reviews",
)
def list_goals(request: AuthedRequest, case_id: int) -> Any:
    case = get_case_for_user(request.user, case_id, "plan")
    return _goals().filter(case=case)


@router.post(
    "/cases/{case_id}/goals",
    response={201: GoalOut, 404: Error, 422: Error},
    summary="Add a goal to a case's plan",
)
def create_goal(
    request: AuthedRequest,
    case_id: int,
    payload: GoalIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "plan", "write")

    def act() -> Status[Any]:
        goal = services.add_goal(
            actor=request.user,
            case=case,
            domain=payload.domain,
            title=payload.title,
            interventions=payload.interventions,
            responsible=_member(case, payload.responsible_id, "responsible_id"),
            target_on=payload.target_on,
            review_on=payload.review_on,
        )
        return Status(201, goal)

    return idempotency.once(
        request, idempotency_key, f"goal:{case.pk}", act, lambda pk: _goals().get(pk=pk)
    )


@router.put(
    "/goals/{goal_id}",
    response={200: GoalOut, 404: Error, 409: Error, 422: Error},
    summary="Edit a goal (with the version you read)",
)
def update_goal(request: AuthedRequest, goal_id: int, payload: GoalUpdate) -> Goal:
    goal = get_goal_for_user(request.user, goal_id, "write")
    services.update_goal(
        actor=request.user,
        goal=goal,
        expected_version=payload.version,
        domain=payload.domain,
        title=payload.title,
        interventions=payload.interventions,
        responsible=_member(goal.case, payload.responsible_id, "responsible_id"),
        target_on=payload.target_on,
        status=payload.status,
        review_on=payload.review_on,
    )
    return get_goal_for_user(request.user, goal_id)


@router.get(
    "/goals/{goal_id}/reviews",
    response={200: list[ReviewOut], 404: Error},
    summary="The reviews of a goal",
)
def list_goal_reviews(request: AuthedRequest, goal_id: int) -> Any:
    return list(get_goal_for_user(request.user, goal_id).reviews.all())


@router.post(
    "/goals/{goal_id}/reviews",
    response={201: ReviewOut, 404: Error, 409: Error, 422: Error},
    summary="Record a review of a goal",
)
def create_goal_review(
    request: AuthedRequest,
    goal_id: int,
    payload: ReviewIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    goal = get_goal_for_user(request.user, goal_id, "write")

    def act() -> Status[Any]:
        review = services.record_goal_review(
            actor=request.user,
            goal=goal,
            reviewed_on=payload.reviewed_on,
            progress_note=payload.progress_note,
            status_after=payload.status_after,
            next_review_on=payload.next_review_on,
        )
        return Status(201, review)

    return idempotency.once(
        request,
        idempotency_key,
        f"goal_review:{goal.pk}",
        act,
        lambda pk: goal.reviews.select_related("reviewed_by").get(pk=pk),
    )


# --- sessions -----------------------------------------------------------------------


class SessionOut(Schema):
    session_id: int
    kind: str
    format: str
    topic: str
    held_on: datetime.date
    duration_minutes: int
    facilitator: str
    organisation_id: int
    attendance: str
    goal_ids: list[int]
    family_attendee_ids: list[int]

    @staticmethod
    def resolve_kind(obj: Attendance) -> str:
        return obj.session.kind

    @staticmethod
    def resolve_format(obj: Attendance) -> str:
        return obj.session.format

    @staticmethod
    def resolve_topic(obj: Attendance) -> str:
        return obj.session.topic

    @staticmethod
    def resolve_held_on(obj: Attendance) -> datetime.date:
        return obj.session.held_on

    @staticmethod
    def resolve_duration_minutes(obj: Attendance) -> int:
        return obj.session.duration_minutes

    @staticmethod
    def resolve_facilitator(obj: Attendance) -> str:
        return obj.session.facilitator.username

    @staticmethod
    def resolve_organisation_id(obj: Attendance) -> int:
        return obj.session.organisation_id

    @staticmethod
    def resolve_attendance(obj: Attendance) -> str:
        return obj.status

    @staticmethod
    def resolve_goal_ids(obj: Attendance) -> list[int]:
        return [goal.pk for goal in obj.goals.all()]

    @staticmethod
    def resolve_family_attendee_ids(obj: Attendance) -> list[int]:
        return [member.pk for member in obj.session.family_attendees.all()]


class AttendanceIn(Schema):
    case_id: int
    status: str = "present"
    goal_ids: list[int] = []


class SessionIn(Schema):
    kind: str
    format: str = Field(..., description="individual, group or family")
    held_on: datetime.date
    duration_minutes: int
    topic: str = Field("", max_length=200)
    attendances: list[AttendanceIn]
    family_attendee_ids: list[int] = []


class SessionCreated(Schema):
    id: int
    format: str
    attendances: int


def _attendances(case: Case) -> Any:
    return (
        Attendance.objects.filter(case=case)
        .select_related("session__facilitator")
        .prefetch_related("goals", "session__family_attendees")
        .order_by("-session__held_on", "-pk")
    )


@router.get(
    "/cases/{case_id}/sessions",
    response={200: list[SessionOut], 404: Error},
    summary="Sessions a case attended (individual, group and family)",
)
def list_sessions(request: AuthedRequest, case_id: int) -> Any:
    return _attendances(get_case_for_user(request.user, case_id, "plan"))


@router.post(
    "/sessions",
    response={201: SessionCreated, 404: Error, 422: Error},
    summary="Record a session: individual, family, or a group with many participants at once",
)
def create_session(
    request: AuthedRequest,
    payload: SessionIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    return idempotency.once(
        request,
        idempotency_key,
        "session",
        lambda: _create_session(request, payload),
        lambda pk: _session_created(Session.objects.get(pk=pk)),
    )


def _session_created(session: Session) -> dict[str, Any]:
    return {"id": session.pk, "format": session.format, "attendances": session.attendances.count()}


def _create_session(request: AuthedRequest, payload: SessionIn) -> Status[Any]:
    ids = [line.case_id for line in payload.attendances]
    cases = {
        case.pk: case
        for case in Case.objects.visible_to(request.user, "plan", "write").filter(pk__in=ids)
    }
    if set(ids) - set(cases):
        raise ApiError(404, "not_found", _("Not found."))
    lines = []
    for line in payload.attendances:
        goals = list(Goal.objects.filter(case=cases[line.case_id], pk__in=line.goal_ids))
        if len(goals) != len(set(line.goal_ids)):
            raise ValidationError({"goals": _("Link only goals of the participant's own plan.")})
        lines.append(
            services.AttendanceLine(case=cases[line.case_id], status=line.status, goals=goals)
        )
    family = list(
        FamilyMember.objects.filter(case__in=list(cases), pk__in=payload.family_attendee_ids)
    )
    if len(family) != len(set(payload.family_attendee_ids)):
        raise ValidationError({"family_attendees": _("Choose relatives of this participant.")})
    session = services.record_session(
        actor=request.user,
        kind=payload.kind,
        format=payload.format,
        held_on=payload.held_on,
        duration_minutes=payload.duration_minutes,
        topic=payload.topic,
        attendances=lines,
        family_attendees=family,
    )
    return Status(201, {"id": session.pk, "format": session.format, "attendances": len(lines)})


# --- notes --------------------------------------------------------------------------


class NoteOut(Schema):
    id: int
    case_id: int
    sensitivity: str
    written_on: datetime.date
    author: str | None
    session_id: int | None
    body: str


class NoteIn(Schema):
    sensitivity: str = Field(..., description="general, clinical or security")
    body: str
    session_id: int | None = None


def _note_out(opened: services.OpenedNote) -> dict[str, Any]:
    note = opened.note
    return {
        "id": note.pk,
        "case_id": note.case_id,
        "sensitivity": note.sensitivity,
        "written_on": note.written_on,
        "author": note.author.username if note.author else None,
        "session_id": note.session_id,
        "body": opened.body,
    }


@router.get(
    "/cases/{case_id}/notes",
    response={200: list[NoteOut], 404: Error},
    summary="Notes of a case in the classes you may read (clinical reads are audited)",
)
def list_notes(request: AuthedRequest, case_id: int, sensitivity: str = "") -> Any:
    user = request.user
    reachable = Case.objects.visible_to(user, "plan") | Case.objects.visible_to(
        user, "security_note"
    )
    case = get_object_or_404(reachable, pk=case_id)
    notes = Note.objects.visible_to(user).filter(case=case).select_related("author")
    if sensitivity:
        notes = notes.filter(sensitivity=sensitivity)
    return [_note_out(o) for o in services.read_notes(actor=user, notes=notes)]


@router.post(
    "/cases/{case_id}/notes",
    response={201: NoteOut, 404: Error, 422: Error},
    summary="Write a note in a class you may write",
)
def create_note(
    request: AuthedRequest,
    case_id: int,
    payload: NoteIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    return idempotency.once(
        request,
        idempotency_key,
        f"note:{case_id}",
        lambda: _create_note(request, case_id, payload),
        lambda pk: _note_out(
            services.read_notes(
                actor=request.user,
                notes=Note.objects.visible_to(request.user).filter(pk=pk).select_related("author"),
            )[0]
        ),
    )


def _create_note(request: AuthedRequest, case_id: int, payload: NoteIn) -> Status[Any]:
    resource = {
        Sensitivity.GENERAL: "plan",
        Sensitivity.CLINICAL: "clinical_note",
        Sensitivity.SECURITY: "security_note",
    }.get(payload.sensitivity)  # type: ignore[call-overload]
    if resource is None:
        raise ValidationError({"sensitivity": _("Use general, clinical or security.")})
    case = get_case_for_user(request.user, case_id, resource, "write")
    session = None
    if payload.session_id is not None:
        session = case.attendances.filter(session=payload.session_id).first()
        if session is None:
            raise ValidationError({"session_id": _("Choose a session this participant attended.")})
    note = services.write_note(
        actor=request.user,
        case=case,
        sensitivity=payload.sensitivity,
        body=payload.body,
        session=session.session if session else None,
    )
    return Status(201, _note_out(services.OpenedNote(note=note, body=payload.body.strip())))


# --- family -------------------------------------------------------------------------


class FamilyMemberOut(Schema):
    id: int
    case_id: int
    relationship: str
    engagement: str
    is_guardian: bool
    name: str | None = Field(None, description="Only for identity readers who ask (audited)")
    contact: str | None = None


class FamilyMemberIn(Schema):
    relationship: str
    name: str = Field(..., max_length=200)
    contact: str = Field("", max_length=300)
    engagement: str = "low"
    is_guardian: bool = False


def _family_out(member: FamilyMember, contact: services.FamilyContact | None) -> dict[str, Any]:
    return {
        "id": member.pk,
        "case_id": member.case_id,
        "relationship": member.relationship,
        "engagement": member.engagement,
        "is_guardian": member.is_guardian,
        "name": contact.name if contact else None,
        "contact": contact.contact if contact else None,
    }


@router.get(
    "/cases/{case_id}/family",
    response={200: list[FamilyMemberOut], 404: Error},
    summary="A case's relatives; name and contact with contact=true, for identity readers",
)
def list_family(request: AuthedRequest, case_id: int, contact: bool = False) -> Any:
    case = get_case_for_user(request.user, case_id, "plan")
    members = list(case.family.all())
    opening = contact and policies.can(request.user, "identity.read", case.participant)
    return [
        _family_out(
            member,
            services.read_family_contact(actor=request.user, member=member) if opening else None,
        )
        for member in members
    ]


@router.post(
    "/cases/{case_id}/family",
    response={201: FamilyMemberOut, 404: Error, 422: Error},
    summary="Record a relative (name and contact are sealed)",
)
def create_family_member(
    request: AuthedRequest,
    case_id: int,
    payload: FamilyMemberIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "plan", "write")

    def act() -> Status[Any]:
        member = services.add_family_member(actor=request.user, case=case, **payload.dict())
        return Status(201, _family_out(member, None))

    return idempotency.once(
        request,
        idempotency_key,
        f"family:{case.pk}",
        act,
        lambda pk: _family_out(case.family.get(pk=pk), None),
    )


# --- mentoring ----------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    met_on: datetime.date
    duration_minutes: int
    place: str
    summary: str
    concerns: bool


class AssignmentOut(Schema):
    id: int
    case_id: int
    mentor_id: int
    mentor: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    frequency: str
    ongoing: bool = Field(
        ..., description="Neither ended early nor past its planned end, on an open case"
    )
    end_reason: str = Field(..., description="Why it ended early (empty while ongoing)")
    end_note: str
    meetings: list[MeetingOut]

    @staticmethod
    def resolve_ongoing(obj: MentorAssignment) -> bool:
        return obj.is_ongoing and obj.case.is_open

    @staticmethod
    def resolve_mentor(obj: MentorAssignment) -> str:
        return obj.mentor.membership.user.username

    @staticmethod
    def resolve_meetings(obj: MentorAssignment) -> list[MentorMeeting]:
        return list(obj.meetings.all())


class AssignmentIn(Schema):
    mentor_id: int = Field(..., description="The team member (case role mentor)")
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    frequency: str


class EndAssignmentIn(Schema):
    ends_on: datetime.date = Field(..., description="The last day, up to today")
    reason: str = Field(..., description="completed, mentor_left, new_mentor, withdrew or other")
    note: str = Field("", description="Needed when the reason is other; stored sealed")


class MeetingIn(Schema):
    met_on: datetime.date
    duration_minutes: int
    place: str = Field(..., max_length=200)
    summary: str
    concerns: bool = False


def _assignments() -> Any:
    return MentorAssignment.objects.select_related(
        "case", "mentor__membership__user"
    ).prefetch_related(Prefetch("meetings", MentorMeeting.objects.order_by("-met_on", "-pk")))


@router.get(
    "/cases/{case_id}/mentoring",
    response={200: list[AssignmentOut], 404: Error},
    summary="Mentor assignments of a case, with their meetings",
)
def list_mentoring(request: AuthedRequest, case_id: int) -> Any:
    return _assignments().filter(case=get_case_for_user(request.user, case_id, "plan"))


@router.post(
    "/cases/{case_id}/mentoring",
    response={201: AssignmentOut, 404: Error, 422: Error},
    summary="Assign a mentor from the team",
)
def create_mentor_assignment(
    request: AuthedRequest,
    case_id: int,
    payload: AssignmentIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "plan", "write")
    mentor = _member(case, payload.mentor_id, "mentor")
    assert mentor is not None  # noqa: S101 (an id was given)

    def act() -> Status[Any]:
        assignment = services.assign_mentor(
            actor=request.user,
            case=case,
            mentor=mentor,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            frequency=payload.frequency,
        )
        return Status(201, _assignments().get(pk=assignment.pk))

    return idempotency.once(
        request,
        idempotency_key,
        f"mentoring:{case.pk}",
        act,
        lambda pk: _assignments().get(pk=pk, case=case),
    )


@router.post(
    "/mentoring/{assignment_id}/meetings",
    response={201: MeetingOut, 404: Error, 422: Error},
    summary="Log a mentor meeting",
)
def create_mentor_meeting(
    request: AuthedRequest,
    assignment_id: int,
    payload: MeetingIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    assignment = get_mentor_assignment_for_user(request.user, assignment_id, "write")

    def act() -> Status[Any]:
        meeting = services.log_mentor_meeting(
            actor=request.user, assignment=assignment, **payload.dict()
        )
        return Status(201, meeting)

    return idempotency.once(
        request,
        idempotency_key,
        f"mentor_meeting:{assignment.pk}",
        act,
        lambda pk: assignment.meetings.get(pk=pk),
    )


@router.post(
    "/mentoring/{assignment_id}/end",
    response={200: AssignmentOut, 404: Error, 409: Error, 422: Error},
    summary="End a mentor assignment, with the reason (its meetings stay on the record)",
)
def end_mentor_assignment(
    request: AuthedRequest, assignment_id: int, payload: EndAssignmentIn
) -> Any:
    assignment = get_mentor_assignment_for_user(request.user, assignment_id, "write")
    services.end_mentor_assignment(actor=request.user, assignment=assignment, **payload.dict())
    return _assignments().get(pk=assignment.pk)


# --- support ------------------------------------------------------------------------


class SupportItemOut(Schema):
    id: int
    case_id: int
    kind: str
    description: str
    amount: decimal.Decimal
    provided_on: datetime.date
    organisation_id: int
    status: str


class SupportOut(Schema):
    cost_paid: decimal.Decimal = Field(..., description="Sum of paid support, PKR")
    items: list[SupportItemOut]


class SupportIn(Schema):
    kind: str
    amount: decimal.Decimal = Field(..., description="PKR, at most two decimals")
    provided_on: datetime.date
    organisation_id: int
    status: str = "planned"
    description: str = Field("", max_length=200)


@router.get(
    "/cases/{case_id}/support",
    response={200: SupportOut, 404: Error},
    summary="Support given to a case and what it has cost (paid, PKR)",
)
def list_support(request: AuthedRequest, case_id: int) -> Any:
    case = get_case_for_user(request.user, case_id, "plan")
    return {"cost_paid": services.cost_of_case(case), "items": list(case.support.all())}


@router.post(
    "/cases/{case_id}/support",
    response={201: SupportItemOut, 404: Error, 422: Error},
    summary="Record support for a case",
)
def create_support_item(
    request: AuthedRequest,
    case_id: int,
    payload: SupportIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    case = get_case_for_user(request.user, case_id, "plan", "write")

    def act() -> Status[Any]:
        item = services.record_support(
            actor=request.user,
            case=case,
            kind=payload.kind,
            amount=payload.amount,
            provided_on=payload.provided_on,
            organisation=_organisation(payload.organisation_id),
            status=payload.status,
            description=payload.description,
        )
        item.refresh_from_db()  # the amount as stored (6000.00), as a retry reads it
        return Status(201, item)

    return idempotency.once(
        request, idempotency_key, f"support:{case.pk}", act, lambda pk: case.support.get(pk=pk)
    )


@router.post(
    "/support/{item_id}/paid",
    response={200: SupportItemOut, 404: Error, 409: Error, 422: Error},
    summary="Mark planned support as paid",
)
def mark_support_paid(request: AuthedRequest, item_id: int) -> SupportItem:
    item = get_object_or_404(
        SupportItem.objects.visible_to(request.user, "plan", "write").select_related("case"),
        pk=item_id,
    )
    return services.mark_support_paid(actor=request.user, item=item)
