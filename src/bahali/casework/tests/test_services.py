"""Casework services: happy paths, refusals that change nothing, stale edits, group sessions,
sealed notes and family contacts, cost per case, reviews due, a timeline of fixed cost."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.cases import due, timeline, work
from bahali.cases import services as cases
from bahali.cases.models import Case, TeamMember
from bahali.casework import services
from bahali.casework.models import (
    Attendance,
    FamilyMember,
    Goal,
    GoalReview,
    MentorAssignment,
    Note,
    Session,
    SupportItem,
)
from bahali.casework.timeline import casework_entries
from bahali.core.context import SYSTEM, acting_as
from bahali.core.versioning import Conflict, Stale
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def member_of(case: Case, user):
    return case.team.get(membership__user=user, left_on__isnull=True)


def _goal(world, case, **kwargs):
    kwargs.setdefault("domain", "vocational")
    kwargs.setdefault("title", "Electrician training")
    return services.add_goal(actor=world.case_worker, case=case, **kwargs)


# --- plan ---------------------------------------------------------------------------


def test_add_goal_with_owner_and_review_date(world):
    case = world.case()
    owner = member_of(case, world.trainer)
    goal = _goal(world, case, responsible=owner, review_on=world.today + 30 * DAY)
    assert goal.version == 1 and goal.is_open and goal.responsible == owner
    assert AuditEvent.objects.filter(object_type="casework.goal", action="create").exists()


@pytest.mark.parametrize("who", ["committee_member", "liaison", "outsider", "manager", "monitor"])
def test_only_the_team_writes_the_plan(world, who):
    case = world.case()
    with pytest.raises(PermissionDenied):
        services.add_goal(
            actor=getattr(world, who), case=case, domain="family", title="Family sessions"
        )
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("domain", {"domain": "astrology"}),
        ("title", {"title": "  "}),
        ("review_on", {"review_on": datetime.date(2000, 1, 1)}),
    ],
)
def test_bad_goal_is_refused_and_nothing_changes(world, field, kwargs):
    case = world.case()
    with pytest.raises(ValidationError) as error:
        _goal(world, case, **kwargs)
    assert field in error.value.message_dict
    assert not Goal.objects.exists()


def test_goal_from_another_team_is_not_a_valid_owner(world):
    case, other = world.case(), world.case()
    with pytest.raises(ValidationError) as error:
        _goal(world, case, responsible=member_of(other, world.trainer))
    assert "responsible" in error.value.message_dict
    assert not Goal.objects.exists()


def test_stale_goal_edit_is_refused(world):
    case = world.case()
    goal = _goal(world, case)
    fields = {
        "domain": goal.domain,
        "interventions": "",
        "responsible": None,
        "target_on": None,
        "review_on": None,
        "status": "in_progress",
    }
    services.update_goal(
        actor=world.case_worker, goal=goal, expected_version=1, title="Electrician", **fields
    )
    with pytest.raises(Stale):
        services.update_goal(
            actor=world.trainer,
            goal=Goal.objects.get(pk=goal.pk),
            expected_version=1,
            title="Plumber",
            **fields,
        )
    goal.refresh_from_db()
    assert (goal.title, goal.version, goal.status) == ("Electrician", 2, "in_progress")


def test_review_moves_the_goal_and_sets_the_next_review(world):
    case = world.case()
    goal = _goal(world, case, review_on=world.today)
    review = services.record_goal_review(
        actor=world.trainer,
        goal=goal,
        reviewed_on=world.today,
        progress_note="Attends every class",
        status_after="in_progress",
        next_review_on=world.today + 60 * DAY,
    )
    goal.refresh_from_db()
    assert goal.status == "in_progress" and goal.review_on == world.today + 60 * DAY
    assert goal.version == 2 and review.reviewed_by == world.trainer
    services.record_goal_review(
        actor=world.trainer,
        goal=goal,
        reviewed_on=world.today,
        progress_note="Certificate obtained",
        status_after="achieved",
    )
    goal.refresh_from_db()
    assert goal.status == "achieved" and goal.review_on is None


def test_open_goal_review_needs_next_date_and_changes_nothing(world):
    case = world.case()
    goal = _goal(world, case, review_on=world.today)
    with pytest.raises(ValidationError) as error:
        services.record_goal_review(
            actor=world.trainer,
            goal=goal,
            reviewed_on=world.today,
            progress_note="Some progress",
            status_after="in_progress",
        )
    assert "next_review_on" in error.value.message_dict
    goal.refresh_from_db()
    assert not GoalReview.objects.exists() and goal.status == "not_started" and goal.version == 1


def test_reviews_due_are_work_items_of_the_responsible_member_and_overdue(world):
    case = world.case(opened_on=world.today - 30 * DAY)
    _goal(world, case, responsible=member_of(case, world.psychologist), review_on=world.today - DAY)
    _goal(
        world,
        case,
        title="Later",
        responsible=member_of(case, world.psychologist),
        review_on=world.today + 100 * DAY,
    )
    items = [item for item in work.items_for(world.psychologist) if item.kind == "plan_review"]
    assert len(items) == 1 and items[0].overdue and items[0].url == f"/cases/{case.pk}/plan/"
    assert not [i for i in work.items_for(world.case_worker) if i.kind == "plan_review"]
    assert list(Case.objects.filter(due.overdue())) == [case]
    case.refresh_from_db()
    assert case.next_due_on == world.today - DAY


def test_the_stored_due_date_follows_goals_requests_and_closure(world):
    # intake schedules no progress assessment: only goals and requests give dates here
    case = world.case(phase="intake", opened_on=world.today - 60 * DAY)

    def stored():
        case.refresh_from_db()
        assert case.next_due_on == due.due_dates([case.pk]).get(case.pk) or case.closed_on
        return case.next_due_on

    assert stored() is None
    _goal(world, case, review_on=world.today + 40 * DAY)
    assert stored() == world.today + 40 * DAY
    sooner = _goal(world, case, title="Sooner", review_on=world.today + 10 * DAY)
    assert stored() == world.today + 10 * DAY
    services.record_goal_review(
        actor=world.case_worker,
        goal=sooner,
        reviewed_on=world.today,
        progress_note="Attends every class.",
        status_after="achieved",
    )
    assert stored() == world.today + 40 * DAY  # an achieved goal is due on nothing
    transition = case.programme.transitions.get(
        from_phase=case.phase, to_phase__code="rehabilitation"
    )
    cases.request_transition(
        actor=world.case_worker, case=case, transition=transition, reason="Ready."
    )
    assert stored() == world.today + 14 * DAY  # the request is due before the goal
    cases.close_case(actor=world.case_worker, case=case, closure="withdrawn", note="Moved away.")
    case.refresh_from_db()
    assert case.next_due_on is None


def test_each_team_place_keeps_its_earliest_review(world):
    """``TeamMember.reviews_from`` (what a member's plan reviews due start from) follows
    the goals a place answers for: added, handed to another member, achieved; and a bulk
    recompute (``bahali cases refresh-due``) puts back a value written around it."""
    case = world.case(opened_on=world.today - 30 * DAY)
    psychologist, trainer = member_of(case, world.psychologist), member_of(case, world.trainer)

    def kept():
        psychologist.refresh_from_db()
        trainer.refresh_from_db()
        return psychologist.reviews_from, trainer.reviews_from

    assert kept() == (None, None)
    later = _goal(world, case, responsible=psychologist, review_on=world.today + 40 * DAY)
    sooner = _goal(
        world, case, title="Sooner", responsible=psychologist, review_on=world.today + 5 * DAY
    )
    assert kept() == (world.today + 5 * DAY, None)
    services.update_goal(
        actor=world.case_worker,
        goal=sooner,
        expected_version=sooner.version,
        domain=sooner.domain,
        title=sooner.title,
        interventions=sooner.interventions,
        responsible=trainer,
        target_on=sooner.target_on,
        status=sooner.status,
        review_on=sooner.review_on,
    )
    assert kept() == (world.today + 40 * DAY, world.today + 5 * DAY)
    sooner.refresh_from_db()
    services.record_goal_review(
        actor=world.case_worker,
        goal=sooner,
        reviewed_on=world.today,
        progress_note="Done.",
        status_after="achieved",
    )
    assert kept() == (world.today + 40 * DAY, None)
    mine = [i for i in work.items_for(world.psychologist) if i.kind == "plan_review"]
    assert mine == []  # 40 days away: past the horizon
    TeamMember.objects.filter(pk=psychologist.pk).update(reviews_from=None)
    due.refresh()
    assert kept() == (later.review_on, None)


# --- sessions -----------------------------------------------------------------------


def test_group_session_records_every_participant_at_once(world):
    first, second, third = world.case(), world.case(), world.case()
    goal = _goal(world, first, domain="dialogue", title="Dialogue on jihad")
    session = services.record_session(
        actor=world.scholar,
        kind="dialogue",
        format="group",
        held_on=world.today,
        duration_minutes=90,
        topic="Paigham-e-Pakistan",
        attendances=[
            services.AttendanceLine(case=first, goals=[goal]),
            services.AttendanceLine(case=second, status="absent"),
            services.AttendanceLine(case=third, status="excused"),
        ],
    )
    rows = {a.case_id: a for a in session.attendances.all()}
    assert {c: rows[c].status for c in rows} == {
        first.pk: "present",
        second.pk: "absent",
        third.pk: "excused",
    }
    assert list(rows[first.pk].goals.all()) == [goal]
    assert session.facilitator == world.scholar and session.organisation == world.centre
    assert AuditEvent.objects.filter(action="attendance.goals").count() == 1
    # each row carries the session's day and type ("sessions per case" reads them alone)
    assert {(a.held_on, a.kind) for a in rows.values()} == {(world.today, "dialogue")}
    with acting_as(SYSTEM):  # the session's day or type corrected: its rows follow
        session.held_on = world.today - datetime.timedelta(days=3)
        session.kind = "education"
        session.save()
    assert set(session.attendances.values_list("held_on", "kind")) == {
        (world.today - datetime.timedelta(days=3), "education")
    }


def test_group_session_is_visible_through_any_visible_case_only(world):
    first, second = world.case(), world.case()
    cases.remove_team_member(actor=SYSTEM, member=member_of(second, world.trainer))
    session = services.record_session(
        actor=world.scholar,
        kind="dialogue",
        format="group",
        held_on=world.today,
        duration_minutes=60,
        attendances=[services.AttendanceLine(case=first), services.AttendanceLine(case=second)],
    )
    trainer_sessions = Session.objects.visible_to(world.trainer)
    assert list(trainer_sessions) == [session]  # one row, no duplicates
    visible = Attendance.objects.visible_to(world.trainer, "plan")
    assert list(visible.values_list("case", flat=True)) == [first.pk]
    assert not Session.objects.visible_to(world.outsider).exists()
    assert not Session.objects.visible_to(world.committee_member).exists()


def test_group_session_refused_whole_when_one_case_is_out_of_reach(world):
    first, second = world.case(), world.case()
    cases.remove_team_member(actor=SYSTEM, member=member_of(second, world.scholar))
    with pytest.raises(PermissionDenied):
        services.record_session(
            actor=world.scholar,
            kind="dialogue",
            format="group",
            held_on=world.today,
            duration_minutes=60,
            attendances=[services.AttendanceLine(case=first), services.AttendanceLine(case=second)],
        )
    assert not Session.objects.exists() and not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("goals", "foreign_goal"),
        ("attendances", "one_in_group"),
        ("held_on", "future"),
        ("duration_minutes", "zero"),
        ("family_attendees", "family_without_relatives"),
    ],
)
def test_bad_session_is_refused_and_nothing_changes(world, field, change):
    first, second = world.case(), world.case()
    foreign = _goal(world, second)
    kwargs = {
        "actor": world.scholar,
        "kind": "dialogue",
        "format": "group",
        "held_on": world.today,
        "duration_minutes": 60,
        "attendances": [services.AttendanceLine(case=first), services.AttendanceLine(case=second)],
    }
    if change == "foreign_goal":
        kwargs["attendances"] = [
            services.AttendanceLine(case=first, goals=[foreign]),
            services.AttendanceLine(case=second),
        ]
    elif change == "one_in_group":
        kwargs["attendances"] = [services.AttendanceLine(case=first)]
    elif change == "future":
        kwargs["held_on"] = world.today + DAY
    elif change == "zero":
        kwargs["duration_minutes"] = 0
    else:
        kwargs["format"] = "family"
        kwargs["attendances"] = [services.AttendanceLine(case=first)]
    with pytest.raises(ValidationError) as error:
        services.record_session(**kwargs)
    assert field in error.value.message_dict
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_family_session_with_relatives(world):
    case = world.case()
    mother = services.add_family_member(
        actor=world.case_worker, case=case, relationship="mother", name="Bibi Jan"
    )
    session = services.record_session(
        actor=world.case_worker,
        kind="family",
        format="family",
        held_on=world.today,
        duration_minutes=45,
        attendances=[services.AttendanceLine(case=case)],
        family_attendees=[mother],
    )
    assert list(session.family_attendees.all()) == [mother]
    other = world.case()
    with pytest.raises(ValidationError):
        services.record_session(
            actor=world.case_worker,
            kind="family",
            format="family",
            held_on=world.today,
            duration_minutes=45,
            attendances=[services.AttendanceLine(case=other)],
            family_attendees=[mother],
        )
    assert Session.objects.count() == 1


# --- notes --------------------------------------------------------------------------


def test_note_bodies_are_sealed_and_clinical_reads_audited(world):
    case = world.case()
    clinical = services.write_note(
        actor=world.psychologist,
        case=case,
        sensitivity="clinical",
        body="Flood trauma, sleeps badly",
    )
    general = services.write_note(
        actor=world.case_worker, case=case, sensitivity="general", body="Came on time"
    )
    stored = Note.objects.get(pk=clinical.pk)
    assert "trauma" not in stored.sealed_body and stored.sealed_body
    audited = AuditEvent.objects.get(object_type="casework.note", object_id=str(clinical.pk))
    assert "trauma" not in str(audited.changes)
    before = AuditEvent.objects.filter(action="clinical_note.read").count()
    opened = services.read_notes(actor=world.psychologist, notes=[stored, general])
    assert [o.body for o in opened] == ["Flood trauma, sleeps badly", "Came on time"]
    assert AuditEvent.objects.filter(action="clinical_note.read").count() == before + 1


@pytest.mark.parametrize(
    ("who", "sensitivity"),
    [
        ("case_worker", "clinical"),
        ("scholar", "clinical"),
        ("manager", "clinical"),
        ("case_worker", "security"),
        ("psychologist", "security"),
        ("monitor", "security"),
        ("liaison", "general"),
        ("committee_member", "general"),
    ],
)
def test_notes_are_written_only_in_classes_the_role_may_write(world, who, sensitivity):
    case = world.case()
    with pytest.raises(PermissionDenied):
        services.write_note(
            actor=getattr(world, who), case=case, sensitivity=sensitivity, body="text"
        )
    assert not Note.objects.exists()


def test_reading_a_note_of_a_forbidden_class_is_refused_without_audit(world):
    case = world.case()
    clinical = services.write_note(
        actor=world.psychologist, case=case, sensitivity="clinical", body="x"
    )
    for user in (world.case_worker, world.manager, world.liaison, world.monitor):
        with pytest.raises(PermissionDenied):
            services.read_notes(actor=user, notes=[clinical])
    assert not AuditEvent.objects.filter(action="clinical_note.read").exists()


def test_security_notes_by_liaison_and_manager(world):
    case = world.case()
    note = services.write_note(
        actor=world.liaison, case=case, sensitivity="security", body="Cousin seen in Matta"
    )
    services.write_note(actor=world.manager, case=case, sensitivity="security", body="Noted")
    for reader in (world.liaison, world.manager, world.monitor):
        assert Note.objects.visible_to(reader).filter(pk=note.pk).exists()
    for other in (world.case_worker, world.psychologist, world.mentor, world.committee_member):
        assert not Note.objects.visible_to(other).filter(sensitivity="security").exists()


# --- family -------------------------------------------------------------------------


def test_family_contact_is_sealed_and_opened_under_audit(world):
    case = world.case()
    member = services.add_family_member(
        actor=world.case_worker,
        case=case,
        relationship="mother",
        name="Bibi Jan",
        contact="0300-1234567",
        engagement="strong",
        is_guardian=True,
    )
    stored = FamilyMember.objects.get(pk=member.pk)
    assert "Bibi" not in stored.sealed_name and "1234567" not in stored.sealed_contact
    contact = services.read_family_contact(actor=world.manager, member=stored)
    assert contact == services.FamilyContact(name="Bibi Jan", contact="0300-1234567")
    assert AuditEvent.objects.filter(action="family_contact.read", actor=world.manager).exists()
    with pytest.raises(PermissionDenied):  # reads the plan, not identity
        services.read_family_contact(actor=world.monitor, member=stored)
    with pytest.raises(PermissionDenied):
        services.read_family_contact(actor=world.liaison, member=stored)


# --- mentoring ----------------------------------------------------------------------


def test_mentor_assignment_and_meetings(world):
    case = world.case("community", phase="mentoring")
    mentor = member_of(case, world.mentor)
    assignment = services.assign_mentor(
        actor=world.case_worker,
        case=case,
        mentor=mentor,
        starts_on=world.today - 30 * DAY,
        frequency="fortnightly",
    )
    meeting = services.log_mentor_meeting(
        actor=world.mentor,
        assignment=assignment,
        met_on=world.today,
        duration_minutes=60,
        place="Tea stall, Matta bazaar",
        summary="Lost his job; seen with old associates",
        concerns=True,
    )
    assert meeting.concerns
    with pytest.raises(ValidationError) as error:
        services.assign_mentor(
            actor=world.case_worker,
            case=case,
            mentor=member_of(case, world.trainer),
            starts_on=world.today,
            frequency="weekly",
        )
    assert "mentor" in error.value.message_dict
    assert MentorAssignment.objects.count() == 1


def _mentoring(world, *, started_days_ago=30):
    case = world.case("community", phase="mentoring")
    assignment = services.assign_mentor(
        actor=world.case_worker,
        case=case,
        mentor=member_of(case, world.mentor),
        starts_on=world.today - started_days_ago * DAY,
        frequency="weekly",
    )
    services.log_mentor_meeting(
        actor=world.mentor,
        assignment=assignment,
        met_on=world.today - 3 * DAY,
        duration_minutes=45,
        place="Community hall",
        summary="Talked about the tailoring course",
    )
    return case, assignment


def test_ending_a_mentor_assignment_keeps_its_meetings_and_stops_new_ones(world):
    case, assignment = _mentoring(world)
    ended = services.end_mentor_assignment(
        actor=world.case_worker,
        assignment=assignment,
        ends_on=world.today - DAY,
        reason="mentor_left",
        note="Moved to Peshawar for work",
    )
    ended = MentorAssignment.objects.get(pk=ended.pk)
    assert not ended.is_ongoing and ended.end_reason == "mentor_left"
    assert ended.end_note == "Moved to Peshawar for work"
    assert "Peshawar" not in ended.sealed_end_note
    assert ended.meetings.count() == 1
    with pytest.raises(ValidationError) as error:
        services.log_mentor_meeting(
            actor=world.mentor,
            assignment=ended,
            met_on=world.today,
            duration_minutes=30,
            place="Hall",
            summary="After the end",
        )
    assert "met_on" in error.value.message_dict
    with pytest.raises(Conflict, match="already ended"):
        services.end_mentor_assignment(
            actor=world.case_worker, assignment=ended, ends_on=world.today, reason="completed"
        )
    event = AuditEvent.objects.filter(object_type="casework.mentorassignment").order_by("-pk")[0]
    assert "Peshawar" not in str(event.changes) and "sealed_end_note" in event.changes
    entries = casework_entries(case, world.case_worker, 20)
    assert any(e.kind == "mentoring" and "ended" in str(e.title) for e in entries)


@pytest.mark.parametrize(
    ("ends_in_days", "reason", "note", "field"),
    [
        (1, "completed", "", "ends_on"),  # in the future
        (-40, "completed", "", "ends_on"),  # before the start
        (-5, "completed", "", "ends_on"),  # before the last meeting, three days ago
        (0, "retired", "", "reason"),
        (0, "other", "", "note"),  # "other" needs a note
    ],
)
def test_ending_a_mentor_assignment_refuses_bad_input_and_changes_nothing(
    world, ends_in_days, reason, note, field
):
    _case, assignment = _mentoring(world)
    with pytest.raises(ValidationError) as error:
        services.end_mentor_assignment(
            actor=world.case_worker,
            assignment=assignment,
            ends_on=world.today + ends_in_days * DAY,
            reason=reason,
            note=note,
        )
    assert field in error.value.message_dict
    stored = MentorAssignment.objects.get(pk=assignment.pk)
    assert stored.ends_on is None and stored.end_reason == "" and stored.is_ongoing


def test_only_those_who_write_the_plan_end_a_mentor_assignment(world):
    _case, assignment = _mentoring(world)
    for user in (world.committee_member, world.liaison, world.monitor):
        with pytest.raises(PermissionDenied):
            services.end_mentor_assignment(
                actor=user, assignment=assignment, ends_on=world.today, reason="completed"
            )
    assert MentorAssignment.objects.get(pk=assignment.pk).is_ongoing


# --- support ------------------------------------------------------------------------


def test_cost_per_case_sums_paid_support_only(world):
    case, other = world.case(), world.case()
    stipend = services.record_support(
        actor=world.case_worker,
        case=case,
        kind="stipend",
        amount=Decimal("5000.50"),
        provided_on=world.today,
        organisation=world.centre,
        status="paid",
    )
    toolkit = services.record_support(
        actor=world.trainer,
        case=case,
        kind="toolkit",
        amount=Decimal("12000"),
        provided_on=world.today,
        organisation=world.cso,
    )
    services.record_support(
        actor=world.case_worker,
        case=other,
        kind="grant",
        amount=Decimal("99999"),
        provided_on=world.today,
        organisation=world.cso,
        status="paid",
    )
    assert services.cost_of_case(case) == Decimal("5000.50")
    services.mark_support_paid(actor=world.trainer, item=toolkit)
    assert services.cost_of_case(case) == Decimal("17000.50")
    with pytest.raises(Conflict):  # paid once
        services.mark_support_paid(actor=world.trainer, item=toolkit)
    assert stipend.amount == Decimal("5000.50")
    assert services.cost_of_case(world.case()) == Decimal("0.00")


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("1.005")])
def test_bad_amount_is_refused(world, amount):
    case = world.case()
    with pytest.raises(ValidationError) as error:
        services.record_support(
            actor=world.case_worker,
            case=case,
            kind="stipend",
            amount=amount,
            provided_on=world.today,
            organisation=world.centre,
        )
    assert "amount" in error.value.message_dict
    assert not SupportItem.objects.exists()


def test_closed_case_refuses_casework(world):
    case = world.case()
    case.closed_on = world.today
    with pytest.raises(ValidationError):
        _goal(world, case)
    assert not Goal.objects.exists()


# --- timeline -----------------------------------------------------------------------


def _fill(world, case, rows: int) -> None:
    mentor = member_of(case, world.mentor)
    assignment = services.assign_mentor(
        actor=world.case_worker, case=case, mentor=mentor, starts_on=world.today, frequency="weekly"
    )
    mother = services.add_family_member(
        actor=world.case_worker, case=case, relationship="mother", name="Bibi Jan"
    )
    for n in range(rows):
        goal = _goal(world, case, title=f"Goal {n}", review_on=world.today)
        services.record_goal_review(
            actor=world.case_worker,
            goal=goal,
            reviewed_on=world.today,
            progress_note="ok",
            status_after="achieved",
        )
        services.record_session(
            actor=world.scholar,
            kind="dialogue",
            format="individual",
            held_on=world.today,
            duration_minutes=30,
            attendances=[services.AttendanceLine(case=case, goals=[goal])],
        )
        services.record_session(
            actor=world.case_worker,
            kind="family",
            format="family",
            held_on=world.today,
            duration_minutes=30,
            attendances=[services.AttendanceLine(case=case)],
            family_attendees=[mother],
        )
        for sensitivity, author in (
            ("general", world.case_worker),
            ("clinical", world.psychologist),
            ("security", world.liaison),
        ):
            services.write_note(actor=author, case=case, sensitivity=sensitivity, body="text")
        services.log_mentor_meeting(
            actor=world.mentor,
            assignment=assignment,
            met_on=world.today,
            duration_minutes=30,
            place="Home",
            summary="Fine",
        )
        services.record_support(
            actor=world.case_worker,
            case=case,
            kind="stipend",
            amount=Decimal(1000),
            provided_on=world.today,
            organisation=world.centre,
        )


@pytest.mark.parametrize("who", ["case_worker", "psychologist", "manager", "liaison", "monitor"])
def test_timeline_source_costs_the_same_for_1_or_20_rows(world, who):
    user = getattr(world, who)
    small, large = world.case(), world.case()
    _fill(world, small, 1)
    _fill(world, large, 20)
    counts = []
    for case in (small, large):
        user.forget_memberships()
        with CaptureQueriesContext(connection) as captured:
            entries = casework_entries(case, user, 100)
        counts.append(len(captured))
        assert entries
    assert counts[0] == counts[1], counts


def test_timeline_shows_clinical_notes_restricted_to_the_team_and_hides_the_rest(world):
    case = world.case()
    services.write_note(actor=world.psychologist, case=case, sensitivity="clinical", body="x")
    services.write_note(actor=world.liaison, case=case, sensitivity="security", body="y")

    def notes(user):
        return [e for e in timeline.entries(case, user) if e.kind == "note"]

    # The team learns a clinical note exists; that security notes exist stays hidden.
    assert {str(e.title): e.restricted for e in notes(world.psychologist)} == {
        "Clinical note": False,
    }
    by_title = {str(e.title): e.restricted for e in notes(world.case_worker)}
    assert by_title == {"Clinical note": True}
    assert {str(e.title): e.restricted for e in notes(world.liaison)} == {"Security note": False}
    assert {str(e.title): e.restricted for e in notes(world.monitor)} == {
        "Clinical note": True,
        "Security note": False,
    }
    assert notes(world.committee_member) == []


def test_reading_many_clinical_notes_writes_one_event_naming_each(world):
    case = world.case()
    notes = [
        services.write_note(
            actor=world.psychologist, case=case, sensitivity="clinical", body=f"Session {n}"
        )
        for n in range(3)
    ]
    before = AuditEvent.objects.filter(action="clinical_note.read").count()
    services.read_notes(actor=world.psychologist, notes=notes)
    events = AuditEvent.objects.filter(action="clinical_note.read").order_by("-seq")
    assert events.count() == before + 1
    assert events[0].object_type == "cases.case"
    assert events[0].changes["notes"][1] == sorted(n.pk for n in notes)


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_readable_notes_agree_with_the_visible_notes_for_every_role(world, role):
    """The notes page and ``read_notes`` ask per case and class (``readable_notes``); the
    answer must be the one the lists give (``Note.objects.visible_to``)."""
    for case in (world.case(), world.stranger_case()):
        for sensitivity in ("general", "clinical", "security"):
            services.write_note(actor=SYSTEM, case=case, sensitivity=sensitivity, body="x")
    user = world.user_for(role)
    notes = list(Note.objects.select_related("case"))
    assert len(notes) == 6
    readable = {note.pk for note in services.readable_notes(user, notes)}
    assert readable == set(Note.objects.visible_to(user).values_list("pk", flat=True))


def test_a_mentor_leaving_the_team_ends_their_mentoring(world):
    case, assignment = _mentoring(world)
    cases.remove_team_member(actor=world.manager, member=member_of(case, world.mentor))
    ended = MentorAssignment.objects.get(pk=assignment.pk)
    assert not ended.is_ongoing
    assert ended.end_reason == "mentor_left" and ended.ends_on == world.today


def test_a_mentor_meeting_falls_due_by_the_agreed_frequency(world):
    case, assignment = _mentoring(world)  # weekly; last met three days ago
    assert services.meetings_due([case.pk]) == {case.pk: world.today + 4 * DAY}
    items = [item for item in work.items_for(world.mentor) if item.kind == "mentor_meeting"]
    assert [(item.case_label, item.due) for item in items] == [
        (case.participant.code, world.today + 4 * DAY)
    ]
    assert not [i for i in work.items_for(world.case_worker) if i.kind == "mentor_meeting"]
    case.refresh_from_db()
    assert case.next_due_on <= world.today + 4 * DAY
    services.log_mentor_meeting(
        actor=world.mentor,
        assignment=assignment,
        met_on=world.today,
        duration_minutes=30,
        place="Hall",
        summary="Weekly meeting",
    )
    assert services.meetings_due([case.pk]) == {case.pk: world.today + 7 * DAY}
    services.end_mentor_assignment(
        actor=world.case_worker, assignment=assignment, ends_on=world.today, reason="completed"
    )
    assert services.meetings_due([case.pk]) == {}
    assert not [i for i in work.items_for(world.mentor) if i.kind == "mentor_meeting"]


def test_an_overdue_mentor_meeting_makes_the_case_overdue(world):
    case, _assignment = _mentoring(world, started_days_ago=60)
    late = services.assign_mentor(
        actor=world.case_worker,
        case=case,
        mentor=member_of(case, world.mentor),
        starts_on=world.today - 40 * DAY,
        frequency="monthly",
    )
    assert services.meetings_due([case.pk])[case.pk] == late.starts_on + 30 * DAY
    case.refresh_from_db()
    assert case.next_due_on <= world.today - 10 * DAY
    assert Case.objects.filter(pk=case.pk).filter(due.overdue()).exists()
