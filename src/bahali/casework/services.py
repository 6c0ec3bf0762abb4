"""Casework operations: the plan and its reviews, sessions and attendance, notes by
sensitivity, the family strand, mentoring and support.

Every write checks policy first and validates before touching anything, so a refusal
changes nothing; each runs in one transaction with its audit events (``@service``).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import DecimalField, Max, Min, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.audit.services import record
from bahali.cases.models import Case, CaseRole, TeamMember
from bahali.casework.models import (
    NOTE_RESOURCE,
    OPEN_GOAL_STATUSES,
    Attendance,
    AttendanceStatus,
    Domain,
    Engagement,
    FamilyMember,
    Frequency,
    Goal,
    GoalReview,
    GoalStatus,
    MentorAssignment,
    MentoringEnd,
    MentorMeeting,
    Note,
    Relationship,
    Sensitivity,
    Session,
    SessionFormat,
    SessionKind,
    SupportItem,
    SupportKind,
    SupportStatus,
)
from bahali.core import sealing
from bahali.core.batches import set_columns
from bahali.core.context import SystemActor, service
from bahali.core.dates import format_day
from bahali.core.services import local_today, raise_if_errors, user_of
from bahali.core.versioning import Conflict, claim_version
from bahali.core.work import case_columns
from bahali.organisations.models import Organisation

Actor = User | SystemActor
MAX_MINUTES = 12 * 60
MAX_TEXT = 20_000


def _open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))


def _choice(errors: dict[str, str], name: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        errors[name] = _("Choose one of the listed options.")


def _not_future(errors: dict[str, str], name: str, value: datetime.date | None) -> None:
    if value is None:
        errors[name] = _("Give the date.")
    elif value > local_today():
        errors[name] = _("The date cannot be in the future.")


def _minutes(errors: dict[str, str], name: str, value: int | None) -> None:
    if value is None or not 1 <= value <= MAX_MINUTES:
        errors[name] = _("Give the duration in minutes, between 1 and %(max)s.") % {
            "max": MAX_MINUTES
        }


def _text(errors: dict[str, str], name: str, value: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("This cannot be empty.")
    elif len(value) > MAX_TEXT:
        errors[name] = _("This is too long.")
    return value


# --- the individual plan ------------------------------------------------------------


def _check_responsible(errors: dict[str, str], case: Case, member: TeamMember | None) -> None:
    if member is not None and (member.case_id != case.pk or member.left_on is not None):
        errors["responsible"] = _("Choose someone on this case's team now.")


def _check_goal(
    errors: dict[str, str],
    case: Case,
    *,
    domain: str,
    status: str,
    responsible: TeamMember | None,
    target_on: datetime.date | None,
    review_on: datetime.date | None,
) -> None:
    _choice(errors, "domain", domain, Domain)
    _choice(errors, "status", status, GoalStatus)
    _check_responsible(errors, case, responsible)
    if target_on is not None and target_on < case.opened_on:
        errors["target_on"] = _("The target date cannot be before the case was opened.")
    if review_on is not None and review_on < case.opened_on:
        errors["review_on"] = _("The review date cannot be before the case was opened.")


@service
def add_goal(
    *,
    actor: Actor,
    case: Case,
    domain: str,
    title: str,
    interventions: str = "",
    responsible: TeamMember | None = None,
    target_on: datetime.date | None = None,
    review_on: datetime.date | None = None,
) -> Goal:
    """Add a goal to the case's individual plan, with who answers for it and when to review."""
    policies.require(actor, "plan.write", case)
    _open(case)
    errors: dict[str, str] = {}
    title = _text(errors, "title", title)
    if len(title) > 200:
        errors["title"] = _("Keep the goal under 200 characters; put detail in interventions.")
    interventions = _text(errors, "interventions", interventions, required=False)
    _check_goal(
        errors,
        case,
        domain=domain,
        status=GoalStatus.NOT_STARTED,
        responsible=responsible,
        target_on=target_on,
        review_on=review_on,
    )
    raise_if_errors(errors)
    goal = Goal(
        case=case,
        domain=domain,
        title=title,
        interventions=interventions,
        responsible=responsible,
        target_on=target_on,
        review_on=review_on,
    )
    goal.save()
    return goal


@service
def update_goal(
    *,
    actor: Actor,
    goal: Goal,
    expected_version: int,
    domain: str,
    title: str,
    interventions: str,
    responsible: TeamMember | None,
    target_on: datetime.date | None,
    status: str,
    review_on: datetime.date | None,
) -> Goal:
    """Edit a goal; refused when someone else saved it since the form was opened."""
    case = goal.case
    policies.require(actor, "plan.write", goal)
    _open(case)
    errors: dict[str, str] = {}
    title = _text(errors, "title", title)
    if len(title) > 200:
        errors["title"] = _("Keep the goal under 200 characters; put detail in interventions.")
    interventions = _text(errors, "interventions", interventions, required=False)
    _check_goal(
        errors,
        case,
        domain=domain,
        status=status,
        responsible=responsible,
        target_on=target_on,
        review_on=review_on,
    )
    raise_if_errors(errors)
    claim_version(goal, expected_version)
    goal.refresh_from_db()
    goal.domain, goal.title, goal.interventions = domain, title, interventions
    goal.responsible, goal.target_on, goal.status, goal.review_on = (
        responsible,
        target_on,
        status,
        review_on,
    )
    goal.save()
    return goal


@service
def record_goal_review(
    *,
    actor: Actor,
    goal: Goal,
    reviewed_on: datetime.date,
    progress_note: str,
    status_after: str,
    next_review_on: datetime.date | None = None,
) -> GoalReview:
    """Record a review: the goal takes the new status and its next review date."""
    policies.require(actor, "plan.write", goal)
    _open(goal.case)
    errors: dict[str, str] = {}
    progress_note = _text(errors, "progress_note", progress_note)
    _choice(errors, "status_after", status_after, GoalStatus)
    _not_future(errors, "reviewed_on", reviewed_on)
    if next_review_on is not None and reviewed_on is not None and next_review_on <= reviewed_on:
        errors["next_review_on"] = _("The next review comes after this one.")
    if status_after in OPEN_GOAL_STATUSES and next_review_on is None:
        errors["next_review_on"] = _("An open goal needs its next review date.")
    raise_if_errors(errors)
    review = GoalReview(
        goal=goal,
        reviewed_on=reviewed_on,
        progress_note=progress_note,
        status_after=status_after,
        next_review_on=next_review_on,
        reviewed_by=user_of(actor),
    )
    review.save()
    claim_version(goal)
    goal.refresh_from_db()
    goal.status = status_after
    goal.review_on = next_review_on if status_after in OPEN_GOAL_STATUSES else None
    goal.save(update_fields=["status", "review_on", "updated_at"])
    return review


# --- sessions -----------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceLine:
    """One case's attendance at a session being recorded."""

    case: Case
    status: str = AttendanceStatus.PRESENT
    goals: Sequence[Goal] = field(default_factory=tuple)


def _facilitation(
    actor: Actor, facilitator: User | None, organisation: Organisation | None
) -> tuple[User, Organisation]:
    """Who facilitated and for which organisation: by default the actor, for the
    organisation they act for; a facilitator must hold an active role in the organisation."""
    facilitator = facilitator or user_of(actor)
    if facilitator is None:
        raise ValidationError({"facilitator": _("Name who facilitated the session.")})
    memberships = facilitator.active_memberships()
    if organisation is None:
        active = getattr(facilitator, "active_organisation", None)
        chosen = next(
            (m for m in memberships if active is not None and m.organisation_id == active.pk),
            memberships[0] if memberships else None,
        )
        if chosen is None:
            raise ValidationError({"organisation": _("Name the facilitating organisation.")})
        return facilitator, chosen.organisation
    if not any(m.organisation_id == organisation.pk for m in memberships):
        raise ValidationError(
            {"organisation": _("The facilitator does not work for this organisation.")}
        )
    return facilitator, organisation


@service
def record_session(
    *,
    actor: Actor,
    kind: str,
    format: str,
    held_on: datetime.date,
    duration_minutes: int,
    attendances: Sequence[AttendanceLine],
    topic: str = "",
    facilitator: User | None = None,
    organisation: Organisation | None = None,
    family_attendees: Iterable[FamilyMember] = (),
) -> Session:
    """Record one intervention delivered: an individual, family or group session.

    A group session records many participants at once, one attendance row per case; the
    actor must be allowed to write the plan of every case in it. Goals linked from an
    attendance must be that case's own.
    """
    lines = list(attendances)
    for line in lines:
        policies.require(actor, "plan.write", line.case)
    errors: dict[str, str] = {}
    _choice(errors, "kind", kind, SessionKind)
    _choice(errors, "format", format, SessionFormat)
    _not_future(errors, "held_on", held_on)
    _minutes(errors, "duration_minutes", duration_minutes)
    topic = _text(errors, "topic", topic, required=False)[:200]
    family = list(family_attendees)
    case_ids = [line.case.pk for line in lines]
    if not lines:
        errors["attendances"] = _("Record at least one participant's attendance.")
    elif len(set(case_ids)) != len(case_ids):
        errors["attendances"] = _("Each participant appears once in a session.")
    elif format == SessionFormat.GROUP and len(lines) < 2:
        errors["attendances"] = _("A group session has at least two participants.")
    elif format in (SessionFormat.INDIVIDUAL, SessionFormat.FAMILY) and len(lines) != 1:
        errors["attendances"] = _("An individual or family session is for one participant.")
    if any(not line.case.is_open for line in lines):
        errors["attendances"] = _("A closed case cannot be added to a session.")
    for line in lines:
        if line.status not in AttendanceStatus.values:
            errors["attendances"] = _("Attendance is present, absent or excused.")
        if any(goal.case_id != line.case.pk for goal in line.goals):
            errors["goals"] = _("Link only goals of the participant's own plan.")
    if format == SessionFormat.FAMILY:
        if not family:
            errors["family_attendees"] = _("A family session needs at least one relative.")
        elif lines and any(member.case_id != lines[0].case.pk for member in family):
            errors["family_attendees"] = _("Choose relatives of this participant.")
    elif family:
        errors["family_attendees"] = _("Relatives attend family sessions only.")
    raise_if_errors(errors)
    facilitator, organisation = _facilitation(actor, facilitator, organisation)
    session = Session(
        kind=kind,
        format=format,
        topic=topic,
        facilitator=facilitator,
        organisation=organisation,
        held_on=held_on,
        duration_minutes=duration_minutes,
    )
    session.save()
    if family:
        session.family_attendees.set(family)
        record(
            "session.family_attendees",
            obj=session,
            changes={"family_attendees": [None, sorted(m.pk for m in family)]},
        )
    # In the order of the cases' keys: each attendance saved locks its case until the end
    # (its kept figures), so two group sessions recorded at once lock in the same order
    for line in sorted(lines, key=lambda line: line.case.pk):
        attendance = Attendance(session=session, case=line.case, status=line.status)
        attendance.save()
        if line.goals:
            attendance.goals.set(line.goals)
            record(
                "attendance.goals",
                obj=attendance,
                changes={"goals": [None, sorted(g.pk for g in line.goals)]},
            )
    return session


# --- notes --------------------------------------------------------------------------


def open_note(note: Note) -> str:
    """Decrypt a note's body. Internal: callers showing it use ``read_notes``."""
    return sealing.open_field(note, "sealed_body")


@service
def write_note(
    *,
    actor: Actor,
    case: Case,
    sensitivity: str,
    body: str,
    session: Session | None = None,
    written_on: datetime.date | None = None,
) -> Note:
    """Write a note in a sensitivity class the actor may write on this case."""
    if sensitivity not in Sensitivity.values:
        policies.require(actor, "plan.write", case)
        raise ValidationError({"sensitivity": _("Choose one of the listed options.")})
    policies.require(actor, f"{NOTE_RESOURCE[sensitivity]}.write", case)
    _open(case)
    errors: dict[str, str] = {}
    body = _text(errors, "body", body)
    written_on = written_on or local_today()
    _not_future(errors, "written_on", written_on)
    if session is not None and not session.attendances.filter(case=case).exists():
        errors["session"] = _("Choose a session this participant attended.")
    raise_if_errors(errors)
    note = Note(
        case=case,
        session=session,
        sensitivity=sensitivity,
        written_on=written_on,
        author=user_of(actor),
    )
    sealing.seal_field(note, "sealed_body", body)
    note.save()
    return note


@dataclass(frozen=True)
class OpenedNote:
    note: Note
    body: str


def readable_notes(user: Any, notes: Iterable[Note]) -> list[Note]:
    """The notes ``user`` may read: those whose class's resource (``Note.resource``) the
    user may read on the note's case, the rule ``Note.objects.visible_to`` applies (a note
    reaches its case's scope). Asked once per case and class, so a page of one case's notes
    costs at most a query per class, and none when the page's answers are remembered."""
    allowed: dict[tuple[int, str], bool] = {}
    found = []
    for note in notes:
        key = (note.case_id, note.resource)
        if key not in allowed:
            allowed[key] = policies.can(user, f"{note.resource}.read", note.case)
        if allowed[key]:
            found.append(note)
    return found


@service
def read_notes(*, actor: Actor, notes: Iterable[Note]) -> list[OpenedNote]:
    """Open notes for someone allowed to read each one's class; clinical reads are audited.

    Refuses the whole read when any note is of a class or case the actor may not read.
    """
    notes = list(notes)
    if not isinstance(actor, SystemActor) and len(readable_notes(actor, notes)) != len(notes):
        raise PermissionDenied(_("You are not allowed to do this."))
    clinical: dict[int, list[Note]] = {}
    for note in notes:
        if note.sensitivity == Sensitivity.CLINICAL:
            clinical.setdefault(note.case_id, []).append(note)
    # One event per case read, naming every clinical note opened: each read is on record
    # without a page of many notes writing many events.
    for same_case in clinical.values():
        if len(same_case) == 1:
            record("clinical_note.read", obj=same_case[0])
        else:
            record(
                "clinical_note.read",
                obj=same_case[0].case,
                changes={"notes": [None, sorted(note.pk for note in same_case)]},
            )
    return [OpenedNote(note=note, body=open_note(note)) for note in notes]


# --- family -------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyContact:
    """A relative's name and contact in the clear: only ever held in memory."""

    name: str
    contact: str


@service
def add_family_member(
    *,
    actor: Actor,
    case: Case,
    relationship: str,
    name: str,
    contact: str = "",
    engagement: str = Engagement.LOW,
    is_guardian: bool = False,
) -> FamilyMember:
    """Record a relative for the family strand; name and contact are sealed like identity."""
    policies.require(actor, "plan.write", case)
    _open(case)
    errors: dict[str, str] = {}
    _choice(errors, "relationship", relationship, Relationship)
    _choice(errors, "engagement", engagement, Engagement)
    name = " ".join((name or "").split())
    contact = (contact or "").strip()
    if not name:
        errors["name"] = _("Give the relative's name.")
    elif len(name) > 200:
        errors["name"] = _("This is too long.")
    if len(contact) > 300:
        errors["contact"] = _("This is too long.")
    raise_if_errors(errors)
    member = FamilyMember(
        case=case,
        relationship=relationship,
        engagement=engagement,
        is_guardian=is_guardian,
    )
    sealing.seal_field(member, "sealed_name", name)
    sealing.seal_field(member, "sealed_contact", contact)
    member.save()
    return member


@service
def read_family_contact(*, actor: Actor, member: FamilyMember) -> FamilyContact:
    """Open a relative's name and contact for someone who may read the participant's
    identity, and audit the read."""
    policies.require(actor, "plan.read", member)
    policies.require(actor, "identity.read", member.case.participant)
    record("family_contact.read", obj=member)
    return FamilyContact(
        name=sealing.open_field(member, "sealed_name"),
        contact=sealing.open_field(member, "sealed_contact"),
    )


# --- mentoring ----------------------------------------------------------------------


@service
def assign_mentor(
    *,
    actor: Actor,
    case: Case,
    mentor: TeamMember,
    starts_on: datetime.date,
    frequency: str,
    ends_on: datetime.date | None = None,
) -> MentorAssignment:
    """A mentor on the team takes the participant on, meeting at the agreed frequency."""
    policies.require(actor, "plan.write", case)
    _open(case)
    errors: dict[str, str] = {}
    if mentor.case_id != case.pk or mentor.left_on is not None:
        errors["mentor"] = _("Choose a mentor on this case's team now.")
    elif mentor.case_role != CaseRole.MENTOR:
        errors["mentor"] = _("Only a team member in the mentor role can be assigned as mentor.")
    _choice(errors, "frequency", frequency, Frequency)
    if starts_on is None:
        errors["starts_on"] = _("Give the date.")
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The end cannot come before the start.")
    raise_if_errors(errors)
    assignment = MentorAssignment(
        case=case, mentor=mentor, starts_on=starts_on, ends_on=ends_on, frequency=frequency
    )
    assignment.save()
    return assignment


@service
def end_mentor_assignment(
    *,
    actor: Actor,
    assignment: MentorAssignment,
    ends_on: datetime.date,
    reason: str,
    note: str = "",
) -> MentorAssignment:
    """End an ongoing mentor assignment on a day up to today, with the reason: no meeting
    can be logged after it. Ending it is not deleting it: its meetings stay on the record."""
    policies.require(actor, "plan.write", assignment)
    _open(assignment.case)
    # Two people ending it at once: the second waits for the first, then is told it ended.
    assignment = MentorAssignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_ongoing:
        raise Conflict(_("This mentor assignment has already ended."))
    errors: dict[str, str] = {}
    _not_future(errors, "ends_on", ends_on)
    if ends_on is not None and ends_on < assignment.starts_on:
        errors["ends_on"] = _("The end cannot come before the start.")
    last = assignment.meetings.aggregate(last=Max("met_on"))["last"]
    if ends_on is not None and last is not None and ends_on < last:
        errors["ends_on"] = _("A meeting was logged after that day (%(date)s).") % {
            "date": format_day(last)
        }
    _choice(errors, "reason", reason, MentoringEnd)
    note = _text(errors, "note", note, required=reason == MentoringEnd.OTHER)
    raise_if_errors(errors)
    assignment.ends_on = ends_on
    assignment.end_reason = reason
    assignment.end_note = note
    assignment.save()
    return assignment


def end_mentoring_of_leaving_member(member: TeamMember) -> None:
    """A mentor who leaves the team stops mentoring that day (``cases.services.MEMBER_LEFT``):
    their ongoing assignments end, the reason "the mentor left", inside the same service."""
    assert member.left_on is not None  # noqa: S101 (called once the member has left)
    for assignment in member.mentor_assignments.all():
        if assignment.is_ongoing:
            assignment.ends_on = max(member.left_on, assignment.starts_on)
            assignment.end_reason = MentoringEnd.MENTOR_LEFT
            assignment.save(update_fields=["ends_on", "end_reason", "updated_at"])


@service
def log_mentor_meeting(
    *,
    actor: Actor,
    assignment: MentorAssignment,
    met_on: datetime.date,
    duration_minutes: int,
    place: str,
    summary: str,
    concerns: bool = False,
) -> MentorMeeting:
    """Log a meeting of mentor and participant; concerns are flagged on the timeline."""
    policies.require(actor, "plan.write", assignment)
    _open(assignment.case)
    errors: dict[str, str] = {}
    _not_future(errors, "met_on", met_on)
    if met_on is not None and met_on < assignment.starts_on:
        errors["met_on"] = _("The meeting cannot come before the assignment started.")
    if met_on is not None and assignment.ends_on is not None and met_on > assignment.ends_on:
        errors["met_on"] = _("The assignment had ended by then.")
    _minutes(errors, "duration_minutes", duration_minutes)
    place = _text(errors, "place", place)[:200]
    summary = _text(errors, "summary", summary)
    raise_if_errors(errors)
    meeting = MentorMeeting(
        assignment=assignment,
        met_on=met_on,
        duration_minutes=duration_minutes,
        place=place,
        concerns=concerns,
    )
    meeting.summary = summary  # sealed: assigned, not a constructor argument
    meeting.save()
    return meeting


# --- support ------------------------------------------------------------------------


@service
def record_support(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    amount: decimal.Decimal,
    provided_on: datetime.date,
    organisation: Organisation,
    status: str = SupportStatus.PLANNED,
    description: str = "",
) -> SupportItem:
    """Record support given or planned for a participant, with its amount in PKR."""
    policies.require(actor, "plan.write", case)
    _open(case)
    errors: dict[str, str] = {}
    _choice(errors, "kind", kind, SupportKind)
    _choice(errors, "status", status, SupportStatus)
    if not isinstance(amount, decimal.Decimal) or not amount.is_finite() or amount <= 0:
        errors["amount"] = _("Give an amount in rupees above zero.")
    elif amount.as_tuple().exponent < -2 or amount >= decimal.Decimal("1e10"):  # type: ignore[operator]
        errors["amount"] = _("Give the amount in rupees and paisa, at most two decimals.")
    if provided_on is None:
        errors["provided_on"] = _("Give the date.")
    elif status == SupportStatus.PAID and provided_on > local_today():
        errors["provided_on"] = _("Support paid cannot be dated in the future.")
    if organisation is None or not organisation.is_active:
        errors["organisation"] = _("Choose an active organisation.")
    description = _text(errors, "description", description, required=False)[:200]
    raise_if_errors(errors)
    item = SupportItem(
        case=case,
        kind=kind,
        description=description,
        amount=amount,
        provided_on=provided_on,
        organisation=organisation,
        status=status,
    )
    item.save()
    return item


@service
def mark_support_paid(
    *, actor: Actor, item: SupportItem, paid_on: datetime.date | None = None
) -> SupportItem:
    """Planned support has been paid: it now counts in the cost of the case."""
    policies.require(actor, "plan.write", item)
    _open(item.case)
    # Paid twice at once: the second waits for the first's lock, then finds it paid.
    item.refresh_from_db(from_queryset=SupportItem.objects.select_for_update())
    if item.status == SupportStatus.PAID:
        raise Conflict(_("This support is already recorded as paid."))
    paid_on = paid_on or local_today()
    errors: dict[str, str] = {}
    _not_future(errors, "provided_on", paid_on)
    raise_if_errors(errors)
    item.status = SupportStatus.PAID
    item.provided_on = paid_on
    item.save(update_fields=["status", "provided_on", "updated_at"])
    return item


def cost_of_case(case: Case) -> decimal.Decimal:
    """What the case has cost in support paid, in PKR (planned support does not count)."""
    total = SupportItem.objects.filter(case=case, status=SupportStatus.PAID).aggregate(
        total=Coalesce(
            Sum("amount"),
            Value(decimal.Decimal("0.00")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )["total"]
    return decimal.Decimal(total).quantize(decimal.Decimal("0.01"))


# --- derived: reviews due -----------------------------------------------------------

REVIEW_HORIZON_DAYS = 14


def reviews_due_for(user: User) -> Any:
    """Open goals the user answers for whose review is due within the horizon (or passed)."""
    horizon = local_today() + datetime.timedelta(days=REVIEW_HORIZON_DAYS)
    # The user's places with a review due first (each place keeps its earliest,
    # ``TeamMember.reviews_from``; index team_places_reviews_from), on cases whose plans the
    # user may write, then their open goals by review date (index goal_open_by_responsible):
    # not every open goal due. On 200,000 cases a mentor's six oldest of 368 took 90-140 ms
    # from every open goal due, about 20 ms from their 501 places with one.
    memberships = [membership.pk for membership in user.active_memberships()]
    places = (
        TeamMember.objects.visible_to(user, "plan", "write")
        .filter(membership__in=memberships, left_on__isnull=True, reviews_from__lte=horizon)
        .values("pk")
    )
    return (
        Goal.objects.filter(
            status__in=OPEN_GOAL_STATUSES,
            review_on__lte=horizon,
            responsible__in=places,
            case__closed_on__isnull=True,
        )
        .select_related("case__participant", "case__programme")
        .order_by("review_on", "pk")
    )


def keep_reviews_from(case_ids: list[int]) -> None:
    """Keep each team place of ``case_ids`` knowing its earliest open goal review
    (``TeamMember.reviews_from``; ``cases.due`` runs this whenever it recomputes the cases'
    dates). Two reads and one write for the batch."""
    firsts = {
        row["responsible_id"]: row["first"]
        for row in Goal.objects.filter(
            case_id__in=case_ids, status__in=OPEN_GOAL_STATUSES, responsible__isnull=False
        )
        .values("responsible_id")
        .annotate(first=Min("review_on"))
        .order_by()
    }
    stale = []
    for pk, reviews_from in TeamMember.objects.filter(case_id__in=case_ids).values_list(
        "pk", "reviews_from"
    ):
        wanted = firsts.get(pk)
        if reviews_from != wanted:
            stale.append((pk, wanted))
    set_columns(TeamMember, ["reviews_from"], stale)


def reviews_due(case_ids: list[int]) -> dict[int, datetime.date]:
    """The earliest review date of each case's open goals (``cases.due``)."""
    reviews = (
        Goal.objects.filter(case_id__in=case_ids, status__in=OPEN_GOAL_STATUSES)
        .values("case_id")
        .annotate(first=Min("review_on"))
        .order_by()
    )
    return {row["case_id"]: row["first"] for row in reviews if row["first"] is not None}


# --- mentor meetings due ------------------------------------------------------------

FREQUENCY_DAYS = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14, Frequency.MONTHLY: 30}
MEETING_HORIZON_DAYS = 7


def _ongoing_assignments() -> Any:
    """Assignments not ended early, not past a planned end, on open cases."""
    today = local_today()
    return MentorAssignment.objects.filter(end_reason="", case__closed_on__isnull=True).filter(
        models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today)
    )


def _next_meetings(assignments: Any) -> list[tuple[MentorAssignment, datetime.date]]:
    """Each assignment with the day its next meeting falls due: the frequency after the last
    meeting, or after the start when none was held; none once that is past a planned end."""
    found = []
    for assignment in assignments.annotate(last_met=Max("meetings__met_on")):
        since = assignment.last_met or assignment.starts_on
        due = since + datetime.timedelta(days=FREQUENCY_DAYS[Frequency(assignment.frequency)])
        if assignment.ends_on is None or due <= assignment.ends_on:
            found.append((assignment, due))
    return found


def meetings_due(case_ids: list[int]) -> dict[int, datetime.date]:
    """The earliest mentor meeting due on each case (``cases.due``)."""
    earliest: dict[int, datetime.date] = {}
    for assignment, due in _next_meetings(_ongoing_assignments().filter(case_id__in=case_ids)):
        if assignment.case_id not in earliest or due < earliest[assignment.case_id]:
            earliest[assignment.case_id] = due
    return earliest


def meetings_due_for(user: User) -> list[tuple[MentorAssignment, datetime.date]]:
    """The user's own mentoring whose next meeting falls due within the horizon (or passed),
    soonest first."""
    horizon = local_today() + datetime.timedelta(days=MEETING_HORIZON_DAYS)
    mine = (
        _ongoing_assignments()
        .filter(mentor__membership__user=user, mentor__left_on__isnull=True)
        .select_related("case__participant", "case__programme")
        # what the next meeting's date and "My work" read: not every column of every row
        .only("starts_on", "ends_on", "frequency", *case_columns("case"))
    )
    due = [(a, when) for a, when in _next_meetings(mine) if when <= horizon]
    due.sort(key=lambda pair: (pair[1], pair[0].pk))
    return due
