"""Aftercare operations: the check-in schedule derived from the programme, recording
check-ins with warning indicators, and outcome events with their verification; the
recidivism figure and its definition.

Every write checks policy first and validates before touching anything, so a refusal changes
nothing; each runs in one transaction with its audit events (``@service``).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.aftercare.models import (
    NEGATIVE_OUTCOMES,
    WARNING_FIELDS,
    CheckIn,
    CheckInMethod,
    OutcomeEvent,
    OutcomeKind,
    OutcomeSource,
    Verification,
    Wellbeing,
    warned,
)
from bahali.cases.models import Case, CaseRole, PhaseChange, TeamMember
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, raise_if_errors, user_of
from bahali.core.versioning import Conflict, claim_version

Actor = User | SystemActor
MAX_TEXT = 10_000
# The schedule: monthly for the first MONTHLY_MONTHS months after return, then quarterly
# until the programme's aftercare length (Programme.aftercare_months) is reached.
MONTHLY_MONTHS = 6
QUARTER = 3
FOLLOW_UP_DAYS = 14  # a warning sign brings the next contact this close
DUE_SOON_DAYS = 7  # check-ins due this soon appear in "My work"

RECIDIVISM_DEFINITION = gettext_lazy(
    "Recidivism: the share of participants who returned to their community (entered "
    "aftercare) with at least one verified re-arrest, reconviction, re-engagement with an "
    "armed group or act of violence. Reported events not yet verified, and disproved "
    "events, do not count."
)


def _text(errors: dict[str, str], name: str, value: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        errors[name] = _("This is too long.")
    return value


def _open(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))


# --- the schedule -------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def schedule_months(aftercare_months: int) -> list[int]:
    """Months after return at which a check-in falls: monthly for the first six months,
    then quarterly until the end of aftercare (always ending on its last month)."""
    if aftercare_months <= 0:
        return []
    months = list(range(1, min(MONTHLY_MONTHS, aftercare_months) + 1))
    month = months[-1]
    while month + QUARTER <= aftercare_months:
        month += QUARTER
        months.append(month)
    if months[-1] != aftercare_months:
        months.append(aftercare_months)
    return months


def _create_schedule(case: Case, starts_on: datetime.date) -> list[CheckIn]:
    created = []
    for month in schedule_months(case.programme.aftercare_months):
        check_in = CheckIn(case=case, due_on=add_months(starts_on, month))
        check_in.save()
        created.append(check_in)
    return created


@service
def plan_check_ins(
    *, actor: Actor, case: Case, starts_on: datetime.date | None = None
) -> list[CheckIn]:
    """Plan the case's aftercare check-ins from the programme's aftercare length, counted
    from ``starts_on`` (the return home; today by default). Refused while planned check-ins
    are waiting, so a schedule is never doubled."""
    policies.require(actor, "check_in.write", case)
    _open(case)
    starts_on = starts_on or local_today()
    if case.check_ins.filter(done_on__isnull=True).exists():
        raise ValidationError(
            _("Check-ins are already planned for this case; record them as they happen.")
        )
    if case.programme.aftercare_months <= 0:
        raise ValidationError(_("This programme has no aftercare period to plan."))
    if starts_on < case.opened_on:
        raise ValidationError({"starts_on": _("The start cannot be before the case was opened.")})
    return _create_schedule(case, starts_on)


def schedule_on_entering_aftercare(case: Case, change: PhaseChange) -> None:
    """When a case enters an aftercare phase, its check-ins are planned from that day (part
    of the transition that moved it, whoever signed last)."""
    phase = change.to_phase
    if phase is None or not phase.is_aftercare or not case.is_open:
        return
    if case.check_ins.filter(done_on__isnull=True).exists():
        return
    _create_schedule(case, change.changed_on)


# --- recording check-ins ------------------------------------------------------------


@service
def record_check_in(
    *,
    actor: Actor,
    check_in: CheckIn,
    done_on: datetime.date,
    method: str,
    wellbeing: str,
    warnings: Iterable[str] = (),
    notes: str = "",
    follow_up: str = "",
    expected_version: int | None = None,
) -> CheckIn:
    """Record a planned check-in as held. Any warning indicator needs follow-up actions,
    and brings a follow-up check-in within two weeks unless one is already that close."""
    policies.require(actor, "check_in.write", check_in)
    _open(check_in.case)
    if check_in.is_done:
        raise Conflict(_("This check-in is recorded already."))
    errors: dict[str, str] = {}
    known = {name for name, _label in WARNING_FIELDS}
    warnings = set(warnings)
    if warnings - known:
        errors["warnings"] = _("Choose one of the listed options.")
    if method not in CheckInMethod.values:
        errors["method"] = _("Choose one of the listed options.")
    if wellbeing not in Wellbeing.values:
        errors["wellbeing"] = _("Choose one of the listed options.")
    if done_on is None:
        errors["done_on"] = _("Give the date.")
    elif done_on > local_today():
        errors["done_on"] = _("The date cannot be in the future.")
    elif done_on < check_in.case.opened_on:
        errors["done_on"] = _("The date cannot be before the case was opened.")
    notes = _text(errors, "notes", notes)
    follow_up = _text(errors, "follow_up", follow_up)
    if warnings and not follow_up:
        errors["follow_up"] = _("A warning sign needs the follow-up actions agreed.")
    raise_if_errors(errors)
    claim_version(check_in, expected_version)
    check_in.refresh_from_db()
    check_in.done_on = done_on
    check_in.method = method
    check_in.wellbeing = wellbeing
    for name in known:
        setattr(check_in, name, name in warnings)
    check_in.notes = notes
    check_in.follow_up = follow_up
    check_in.recorded_by = user_of(actor)
    check_in.save()
    if warnings:
        soon = done_on + datetime.timedelta(days=FOLLOW_UP_DAYS)
        planned_soon = check_in.case.check_ins.filter(
            done_on__isnull=True, due_on__lte=soon
        ).exists()
        if not planned_soon:
            CheckIn(case=check_in.case, due_on=max(soon, local_today()), is_follow_up=True).save()
    return check_in


@service
def acknowledge_warning(*, actor: Actor, check_in: CheckIn, note: str) -> CheckIn:
    """Someone on the case's team says the team has met about the check-in's warning signs,
    and what it agreed: the alert leaves the team's work lists and the case header."""
    policies.require(actor, "check_in.write", check_in)
    if not isinstance(actor, SystemActor) and not policies.on_case_team(actor, check_in.case):
        raise PermissionDenied(_("Only someone on the case's team can acknowledge a warning."))
    if not (check_in.is_done and check_in.warnings):
        raise ValidationError(_("This check-in recorded no warning sign."))
    if check_in.warning_acknowledged_at is not None:
        raise Conflict(_("Someone on the team has acknowledged this warning already."))
    errors: dict[str, str] = {}
    note = _text(errors, "note", note)
    if not note:
        errors["note"] = _("Say what the team agreed when it met.")
    raise_if_errors(errors)
    if not CheckIn.objects.filter(pk=check_in.pk, warning_acknowledged_at__isnull=True).update(
        version=models.F("version") + 1
    ):
        raise Conflict(_("Someone on the team has acknowledged this warning already."))
    check_in.refresh_from_db()
    check_in.warning_acknowledged_at = timezone.now()
    check_in.warning_acknowledged_by = user_of(actor)
    check_in.warning_note = note
    check_in.save()
    return check_in


def _memberships(user: User) -> list[int]:
    """The keys of the user's active memberships (remembered for the request): given as
    values, PostgreSQL estimates the user's places from them (through a join to the
    memberships it guessed an average member's, and walked every check-in due)."""
    return [membership.pk for membership in user.active_memberships()]


def warnings_for(user: User) -> Any:
    """Check-ins with warning signs not yet acknowledged, on open cases where the user sits
    on the team (any case role: the case worker, the psychologist, the mentor ...), oldest
    first."""
    mine = TeamMember.objects.filter(
        membership__in=_memberships(user), left_on__isnull=True
    ).values("case")
    return (
        CheckIn.objects.visible_to(user, "check_in", "read")
        .filter(warned(), warning_acknowledged_at__isnull=True)
        .filter(case__in=mine, case__closed_on__isnull=True)
        .select_related("case__participant", "case__programme")
        .order_by("done_on", "pk")
    )


def check_in_overdue() -> Any:
    """Planned check-ins past their date."""
    return CheckIn.objects.filter(done_on__isnull=True, due_on__lt=local_today())


def check_ins_due_dates(case_ids: list[int]) -> dict[int, datetime.date]:
    """The earliest planned check-in of each case: its due date (``cases.due``)."""
    planned = (
        CheckIn.objects.filter(case_id__in=case_ids, done_on__isnull=True)
        .values("case_id")
        .annotate(first=models.Min("due_on"))
        .order_by()
    )
    return {row["case_id"]: row["first"] for row in planned}


def overdue_check_ins(cases: Any) -> Any:
    """Overdue check-ins of open cases among ``cases``, oldest first."""
    return (
        check_in_overdue()
        .filter(case__in=cases.filter(closed_on__isnull=True).values("pk"))
        .select_related("case__participant", "case__programme", "case__district")
        .order_by("due_on", "pk")
    )


# Case roles whose members answer for the check-ins of a case.
CHECK_IN_ROLES = (CaseRole.LEAD_CASE_WORKER, CaseRole.CASE_WORKER, CaseRole.MENTOR)


def check_ins_due_for(user: User) -> Any:
    """Planned check-ins due within a week (or overdue) on cases where the user is the lead
    case worker, a case worker or the mentor."""
    # The user's places as a sub-select (not a list of keys: a mentor's thousands made a
    # long IN list, hashed against every check-in due in the country), from the keys of the
    # user's memberships (see ``_memberships``); My work reads the keys of every match in
    # order (``Found.of_rows(all_keys=True)``): asked for the oldest few, PostgreSQL walked
    # every planned check-in due in the country (index checkin_planned_due).
    mine = TeamMember.objects.filter(
        membership__in=_memberships(user), left_on__isnull=True, case_role__in=CHECK_IN_ROLES
    ).values("case")
    horizon = local_today() + datetime.timedelta(days=DUE_SOON_DAYS)
    return (
        CheckIn.objects.visible_to(user, "check_in", "write")
        .filter(
            done_on__isnull=True,
            due_on__lte=horizon,
            case__in=mine,
            case__closed_on__isnull=True,
        )
        .select_related("case__participant", "case__programme")
        .order_by("due_on", "pk")
    )


# --- outcome events -----------------------------------------------------------------


def _reporting_organisation(actor: Actor) -> Any:
    user = user_of(actor)
    if user is None:
        return None
    active = getattr(user, "active_organisation", None)
    if active is not None:
        return active
    memberships = user.active_memberships()
    return memberships[0].organisation if memberships else None


@service
def report_outcome(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    occurred_on: datetime.date,
    source: str,
    source_detail: str = "",
    description: str = "",
) -> OutcomeEvent:
    """Report something that happened after return. It starts as reported: a negative event
    counts as recidivism only once a programme manager has verified it."""
    policies.require(actor, "outcome_event.write", case)
    errors: dict[str, str] = {}
    if kind not in OutcomeKind.values:
        errors["kind"] = _("Choose one of the listed options.")
    if source not in OutcomeSource.values:
        errors["source"] = _("Choose one of the listed options.")
    if occurred_on is None:
        errors["occurred_on"] = _("Give the date.")
    elif occurred_on > local_today():
        errors["occurred_on"] = _("The date cannot be in the future.")
    elif occurred_on < case.opened_on:
        errors["occurred_on"] = _("The date cannot be before the case was opened.")
    source_detail = _text(errors, "source_detail", source_detail)
    if len(source_detail) > 200:
        errors["source_detail"] = _("This is too long.")
    description = _text(errors, "description", description)
    if kind in NEGATIVE_OUTCOMES and not description:
        errors["description"] = _("Describe what was reported.")
    raise_if_errors(errors)
    event = OutcomeEvent(
        case=case,
        kind=kind,
        occurred_on=occurred_on,
        source=source,
        source_detail=source_detail,
        description=description,
        reported_by=user_of(actor),
        reporting_organisation=_reporting_organisation(actor),
    )
    event.save()
    return event


@service
def verify_outcome(
    *,
    actor: Actor,
    event: OutcomeEvent,
    verification: str,
    note: str,
    expected_version: int | None = None,
) -> OutcomeEvent:
    """A programme manager verifies or disproves a reported event, saying on what basis.
    A disproved event stays on the record, marked so; it never counts."""
    policies.require(actor, "outcome_verification.write", event.case)
    errors: dict[str, str] = {}
    if verification not in (Verification.VERIFIED, Verification.DISPROVED):
        errors["verification"] = _("Verify or disprove the event.")
    note = _text(errors, "note", note)
    if not note:
        errors["note"] = _("Say on what basis the event is verified or disproved.")
    raise_if_errors(errors)
    if event.verification == verification:
        raise ValidationError(_("The event is already recorded so."))
    claim_version(event, expected_version)
    event.refresh_from_db()
    event.verification = verification
    event.verification_note = note
    event.verified_by = user_of(actor)
    event.verified_on = local_today()
    event.save(
        update_fields=[
            "verification",
            "verification_note",
            "verified_by",
            "verified_on",
            "updated_at",
        ]
    )
    return event


# --- figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recidivism:
    """The recidivism figure over a set of cases, with what it leaves out."""

    returned: int  # cases that entered aftercare
    recidivists: int  # of those, with a verified negative event
    awaiting_verification: int  # negative events reported, not yet verified
    disproved: int  # negative events disproved

    @property
    def rate(self) -> float | None:
        return self.recidivists / self.returned if self.returned else None

    @property
    def definition(self) -> Any:
        return RECIDIVISM_DEFINITION


def returned_cases(cases: Any) -> Any:
    """Cases among ``cases`` that have entered an aftercare phase (back in the community)."""
    entered = PhaseChange.objects.filter(to_phase__is_aftercare=True).values("case")
    return cases.filter(pk__in=entered)


def recidivism(cases: Any, table: dict[str, dict[str, int]] | None = None) -> Recidivism:
    """Only verified negative events count (DESIGN.md §3); the definition goes with the figure.
    ``table``: :func:`outcome_table` of the same cases, when the caller has it already."""
    table = outcome_table(cases) if table is None else table
    # the returned cases read once, each asked whether a verified negative event is recorded
    verified = OutcomeEvent.objects.filter(
        case=models.OuterRef("pk"),
        kind__in=NEGATIVE_OUTCOMES,
        verification=Verification.VERIFIED,
    )
    returned = returned_cases(cases).aggregate(
        returned=models.Count("pk"),
        recidivists=models.Count("pk", filter=models.Q(models.Exists(verified))),
    )
    return Recidivism(
        returned=returned["returned"],
        recidivists=returned["recidivists"],
        awaiting_verification=sum(
            table.get(kind, {}).get(Verification.REPORTED, 0) for kind in NEGATIVE_OUTCOMES
        ),
        disproved=sum(
            table.get(kind, {}).get(Verification.DISPROVED, 0) for kind in NEGATIVE_OUTCOMES
        ),
    )


def outcome_table(cases: Any) -> dict[str, dict[str, int]]:
    """How many outcome events of ``cases`` there are, by kind, then by verification."""
    rows = (
        OutcomeEvent.objects.filter(case__in=cases.values("pk"))
        .order_by()
        .values("kind", "verification")
        .annotate(n=models.Count("pk"))
    )
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["kind"], {})[row["verification"]] = row["n"]
    return table


def outcome_counts(
    cases: Any, table: dict[str, dict[str, int]] | None = None
) -> list[tuple[Any, int, int, int]]:
    """Per kind of event: (label, reported, verified, disproved) over ``cases`` (``table``:
    their :func:`outcome_table`, when the caller has it already)."""
    table = outcome_table(cases) if table is None else table
    return [
        (
            label,
            table.get(kind, {}).get(Verification.REPORTED, 0),
            table.get(kind, {}).get(Verification.VERIFIED, 0),
            table.get(kind, {}).get(Verification.DISPROVED, 0),
        )
        for kind, label in OutcomeKind.choices
    ]
