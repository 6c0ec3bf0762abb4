"""Retention: rules per programme, legal holds, and anonymising what is due.

What is due (:func:`due`) is computed from the rules, the cases' closing dates, withdrawals
of consent to participate and the legal holds, without writing anything: the dry run shows
it, the run (:func:`run_due`, from ``bahali retention run`` or the worker) applies it.

Anonymising keeps the pseudonymous record: the participant's code, sex, age band, home
community and languages, every case with its phases and dates, assessments' ratings,
sessions, support, outcomes. So the evidence indicators, which count those, give the same
figures after as before. What goes:

* **notes** (``notes_years`` after a case closed): every free-text note of the case —
  case notes (deleted), closure note, reasons in requests, sign-offs and phase changes,
  emergency-access reasons, plan interventions and progress notes, check-in notes,
  outcome descriptions, referral texts, the family's needs, relatives' names and contacts,
  mentor notes and meeting places, descriptions of support given, assessment rationales,
  forms submitted from the field;
* **identity** (``identity_years`` after the last case closed, or the grace period after a
  withdrawal of consent to participate): the above for every case, plus the sealed identity,
  its CNIC blind index and blocking keys (``registry.services.anonymise_participant``), the
  intake referral's free text, the values of the imported sheet row the person came from
  and the texts of lifted legal holds.

Every erasure is recorded without the values erased (``AuditedQuerySet.erase``); a standing
legal hold stops both.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.assessments.models import Assessment
from bahali.audit.services import record
from bahali.cases.models import Case, EmergencyAccess, PhaseChange, SignOff, TransitionRequest
from bahali.casework.models import (
    FamilyMember,
    Goal,
    GoalReview,
    MentorAssignment,
    MentorMeeting,
    Note,
    SupportItem,
)
from bahali.core import crypto, sealing
from bahali.core.context import SystemActor, service
from bahali.core.versioning import Conflict, Stale, claim_version
from bahali.field.models import Submission
from bahali.imports.models import ImportRow
from bahali.intake.models import Referral as IntakeReferral
from bahali.programmes.models import Programme
from bahali.referrals.models import FamilySupportPlan, Referral
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose, Participant
from bahali.retention.models import (
    MAX_YEARS,
    Cause,
    Erasure,
    LegalHold,
    RetentionRule,
    Scope,
)
from bahali.retention.scopes import participants_for

Actor = User | SystemActor

# The free text of a case, by model: (model, path from the row to its case, plain text
# fields, sealed fields). Each is erased when the case's notes go; case notes are deleted.
CASE_TEXT: list[tuple[type[models.Model], str, tuple[str, ...], tuple[str, ...]]] = [
    (Case, "pk", ("closure_note",), ()),
    (TransitionRequest, "case", ("reason", "override_reason", "override_reference"), ()),
    (SignOff, "request__case", ("reason", "answer"), ()),
    (PhaseChange, "case", ("reason",), ()),
    (EmergencyAccess, "case", ("reason", "review_note"), ()),
    (Goal, "case", ("interventions",), ()),
    (GoalReview, "goal__case", ("progress_note",), ()),
    (CheckIn, "case", ("notes", "follow_up", "warning_note"), ()),
    (OutcomeEvent, "case", ("description", "source_detail", "verification_note"), ()),
    (Referral, "case", ("need", "response_note", "feedback", "cancel_reason"), ()),
    (FamilySupportPlan, "case", ("needs",), ()),
    (FamilyMember, "case", (), ("sealed_name", "sealed_contact")),
    (MentorAssignment, "case", (), ("sealed_end_note",)),
    (MentorMeeting, "assignment__case", ("place",), ("sealed_summary",)),
    (SupportItem, "case", ("description",), ()),
    (Assessment, "case", (), ("sealed_overall_rationale",)),
    (Submission, "case", (), ("sealed_xml", "sealed_values")),
]


def grace_days() -> int:
    """Days between a withdrawal of consent to participate and anonymisation."""
    return int(getattr(settings, "BAHALI_RETENTION_GRACE_DAYS", 30))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


# --- rules ---------------------------------------------------------------------------------


@service
def save_rule(
    *,
    actor: Actor,
    programme: Programme,
    identity_years: int,
    notes_years: int,
    expected_version: int,
) -> RetentionRule:
    """Set how long ``programme`` keeps identity and notes after closure. ``expected_version``
    is the rule's version the form showed (0: there was no rule yet); a rule changed or
    created by someone else meanwhile is refused (:class:`Stale`) and nothing changes."""
    policies.require(actor, "retention_rule.write", programme)
    errors: dict[str, str] = {}
    for name, value in (("identity_years", identity_years), ("notes_years", notes_years)):
        if not 0 <= value <= MAX_YEARS:
            errors[name] = _("Give a number of years from 0 to %(max)d.") % {"max": MAX_YEARS}
    if not errors and notes_years > identity_years:
        errors["notes_years"] = _(
            "Notes cannot be kept longer than identity: anonymising the identity removes them."
        )
    if errors:
        raise ValidationError(errors)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # one writer at once
    rule = RetentionRule.objects.filter(programme=programme).first()
    if rule is None:
        if expected_version:
            raise Stale
        try:
            rule = RetentionRule(
                programme=programme, identity_years=identity_years, notes_years=notes_years
            )
            rule.save()
        except IntegrityError:
            raise Stale from None
        return rule
    claim_version(rule, expected_version)
    rule.identity_years, rule.notes_years = identity_years, notes_years
    rule.save(update_fields=["identity_years", "notes_years", "updated_at"])
    return rule


# --- legal holds ---------------------------------------------------------------------------


def standing_hold(participant: Participant) -> LegalHold | None:
    return LegalHold.objects.filter(participant=participant, lifted_on__isnull=True).first()


def is_anonymised(participant: Participant) -> bool:
    return Erasure.objects.filter(participant=participant, scope=Scope.IDENTITY).exists()


@service
def place_hold(*, actor: Actor, participant: Participant, reason: str, reference: str) -> LegalHold:
    """Keep ``participant``'s records as they are, for a documented legal reason: neither a
    rule nor a withdrawal anonymises them until the hold is lifted."""
    _require_participant(actor, "legal_hold.write", participant)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("Say why the records must be kept.")
    if not reference.strip():
        errors["reference"] = _("Name the order or document the hold rests on.")
    if errors:
        raise ValidationError(errors)
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    if is_anonymised(participant):
        raise ValidationError(_("This participant's identity was already anonymised."))
    if standing_hold(participant) is not None:
        raise ValidationError(_("A legal hold already stands on this participant."))
    hold = LegalHold(
        participant=participant,
        reason=reason.strip(),
        reference=reference.strip()[:200],
        placed_by=actor if isinstance(actor, User) else None,
        placed_on=timezone.localdate(),
    )
    hold.save()
    return hold


@service
def lift_hold(*, actor: Actor, hold: LegalHold, reason: str, expected_version: int) -> LegalHold:
    """End a legal hold (the order expired, the case was decided), saying why. What was due
    meanwhile is anonymised by the next run."""
    policies.require(actor, "legal_hold.write", hold)
    if not reason.strip():
        raise ValidationError({"lift_reason": _("Say why the hold ends.")})
    claim_version(hold, expected_version)
    if hold.lifted_on is not None:
        raise Conflict(_("This hold was already lifted."))
    hold.lifted_on = timezone.localdate()
    hold.lifted_by = actor if isinstance(actor, User) else None
    hold.lift_reason = reason.strip()
    hold.save(update_fields=["lifted_on", "lifted_by", "lift_reason", "updated_at"])
    return hold


# --- what is due ---------------------------------------------------------------------------


@dataclass
class Due:
    """One participant's records that are due to go, and why; ``hold`` when a legal hold
    keeps them (listed, never anonymised)."""

    participant: Participant
    scope: str
    cause: str
    since: datetime.date
    cases: list[Case] = field(default_factory=list)
    hold: LegalHold | None = None

    @property
    def held(self) -> bool:
        return self.hold is not None

    def get_scope_display(self) -> str:
        return str(Scope(self.scope).label)

    def get_cause_display(self) -> str:
        return str(Cause(self.cause).label)


def due(
    participants: QuerySet[Participant] | None = None, *, today: datetime.date | None = None
) -> list[Due]:
    """Everything due for anonymisation on ``today`` among ``participants`` (all by default),
    oldest first. Reads only; a handful of queries whatever the number of people."""
    today = today or timezone.localdate()
    base = (participants if participants is not None else Participant.objects.all()).filter(
        merged_into__isnull=True
    )
    base = base.exclude(pk__in=Erasure.objects.filter(scope=Scope.IDENTITY).values("participant"))
    rules = {rule.programme_id: rule for rule in RetentionRule.objects.all()}
    notes_done = set(
        Erasure.objects.filter(scope=Scope.NOTES, case__isnull=False).values_list(
            "case_id", flat=True
        )
    )
    cases_of: dict[int, list[dict[str, Any]]] = {}
    for row in Case.objects.filter(participant__in=base.values("pk")).values(
        "pk", "participant_id", "programme_id", "closed_on"
    ):
        cases_of.setdefault(row["participant_id"], []).append(row)
    participation = Consent.objects.filter(
        participant__in=base.values("pk"), purpose=ConsentPurpose.PARTICIPATION
    )
    still_given = set(
        participation.filter(withdrawn_on__isnull=True).values_list("participant_id", flat=True)
    )
    withdrawn = {
        row["participant_id"]: row["last"]
        for row in participation.filter(withdrawn_on__isnull=False)
        .values("participant_id")
        .annotate(last=Max("withdrawn_on"))
        if row["participant_id"] not in still_given
    }
    grace = datetime.timedelta(days=grace_days())
    found: list[tuple[int, str, str, datetime.date, list[int]]] = []
    for pid in set(cases_of) | set(withdrawn):
        rows = cases_of.get(pid, [])
        if pid in withdrawn and withdrawn[pid] + grace <= today:
            found.append(
                (pid, Scope.IDENTITY, Cause.WITHDRAWAL, withdrawn[pid] + grace, _pks(rows))
            )
            continue
        if rows and all(r["closed_on"] and r["programme_id"] in rules for r in rows):
            since = max(
                add_years(r["closed_on"], rules[r["programme_id"]].identity_years) for r in rows
            )
            if since <= today:
                found.append((pid, Scope.IDENTITY, Cause.RULE, since, _pks(rows)))
                continue
        notes = [
            (r, add_years(r["closed_on"], rules[r["programme_id"]].notes_years))
            for r in rows
            if r["closed_on"] and r["programme_id"] in rules and r["pk"] not in notes_done
        ]
        notes = [(r, since) for r, since in notes if since <= today]
        if notes:
            since = max(since for _r, since in notes)
            found.append((pid, Scope.NOTES, Cause.RULE, since, [r["pk"] for r, _s in notes]))
    people = Participant.objects.select_related("district").in_bulk([f[0] for f in found])
    cases = Case.objects.select_related("programme").in_bulk([pk for f in found for pk in f[4]])
    holds = {
        hold.participant_id: hold
        for hold in LegalHold.objects.filter(
            lifted_on__isnull=True, participant__in=[f[0] for f in found]
        )
    }
    items = [
        Due(
            participant=people[pid],
            scope=scope,
            cause=cause,
            since=since,
            cases=[cases[pk] for pk in sorted(case_pks)],
            hold=holds.get(pid),
        )
        for pid, scope, cause, since, case_pks in found
    ]
    items.sort(key=lambda item: (item.since, item.participant.code))
    return items


def _pks(rows: Iterable[dict[str, Any]]) -> list[int]:
    return [r["pk"] for r in rows]


def due_for(actor: Actor, *, today: datetime.date | None = None) -> list[Due]:
    """What is due among the participants ``actor`` may run retention for (a data steward:
    those in their organisation's care, ``scopes.stewarded``; the system: everyone)."""
    return due(participants_for(actor, "retention_run.write"), today=today)


def _require_participant(actor: Actor, action: str, participant: Participant) -> None:
    if not participants_for(actor, action).filter(pk=participant.pk).exists():
        raise PermissionDenied(_("You are not allowed to do this."))


# --- anonymising ---------------------------------------------------------------------------


def _erase_rows(queryset: QuerySet[Any], plain: tuple[str, ...], sealed: tuple[str, ...]) -> None:
    """Blank ``plain`` fields and seal the empty text into ``sealed`` ones, row by row where
    sealed values are bound to their row; bump the stale-edit counter so a form opened
    before cannot write the old text back."""
    model = queryset.model
    bump = {"version": models.F("version") + 1} if _has_field(model, "version") else {}
    if not sealed:
        if plain:
            queryset.erase(**dict.fromkeys(plain, ""), **bump)  # type: ignore[attr-defined]
        return
    for row in queryset.only("pk", "row_uuid").order_by("pk"):
        values: dict[str, Any] = dict.fromkeys(plain, "")
        for name in sealed:
            values[name] = crypto.seal("", context=sealing.bound_context(row, name))
        model._default_manager.filter(pk=row.pk).erase(**values, **bump)


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _erase_case_text(case_pks: list[int]) -> None:
    Note.objects.filter(case__in=case_pks).delete()
    for model, path, plain, sealed in CASE_TEXT:
        lookup = "pk__in" if path == "pk" else f"{path}__in"
        _erase_rows(model._default_manager.filter(**{lookup: case_pks}), plain, sealed)


@service
def anonymise(*, actor: Actor, item: Due, today: datetime.date | None = None) -> bool:
    """Apply one due item: the notes of its cases, or the participant's identity and every
    note. Checked again inside the transaction (a hold placed, a consent given again, a
    concurrent run), so it applies once or not at all; returns whether it applied."""
    participant = Participant.objects.select_for_update().get(pk=item.participant.pk)
    _require_participant(actor, "retention_run.write", participant)
    today = today or timezone.localdate()
    still = [
        d
        for d in due(Participant.objects.filter(pk=participant.pk), today=today)
        if d.scope == item.scope and not d.held
    ]
    if not still:
        return False
    current = still[0]
    case_pks = [case.pk for case in current.cases]
    if current.scope == Scope.IDENTITY:
        merged = list(Participant.objects.filter(merged_into=participant).order_by("pk"))
        for person in [participant, *merged]:
            registry.anonymise_participant(actor=actor, participant=person)
        everyone = [participant.pk, *(p.pk for p in merged)]
        case_pks = list(Case.objects.filter(participant__in=everyone).values_list("pk", flat=True))
        _erase_rows(
            IntakeReferral.objects.filter(participant__in=everyone),
            ("referrer", "from_place", "note"),
            (),
        )
        _erase_rows(ImportRow.objects.filter(participant__in=everyone), (), ("sealed_values",))
        _erase_rows(
            LegalHold.objects.filter(participant__in=everyone),
            ("reason", "reference", "lift_reason"),
            (),
        )
    _erase_case_text(case_pks)
    done_notes = set(
        Erasure.objects.filter(case__in=case_pks, scope=Scope.NOTES).values_list(
            "case_id", flat=True
        )
    )
    erasures = [
        Erasure(
            participant=participant,
            case_id=pk,
            scope=Scope.NOTES,
            cause=current.cause,
            done_on=today,
        )
        for pk in sorted(set(case_pks) - done_notes)
    ]
    if current.scope == Scope.IDENTITY:
        erasures.append(
            Erasure(
                participant=participant, scope=Scope.IDENTITY, cause=current.cause, done_on=today
            )
        )
    Erasure.objects.bulk_create(erasures)
    return True


@dataclass
class RunReport:
    """What a run found and did: items applied, items kept by a legal hold."""

    done: list[Due] = field(default_factory=list)
    held: list[Due] = field(default_factory=list)
    dry_run: bool = False

    @property
    def identities(self) -> int:
        return sum(1 for item in self.done if item.scope == Scope.IDENTITY)

    @property
    def notes(self) -> int:
        return sum(1 for item in self.done if item.scope == Scope.NOTES)


def run_due(
    *,
    actor: Actor,
    dry_run: bool = False,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Anonymise everything due that ``actor`` may (each participant in a transaction of its
    own, so a long run keeps what it finished); with ``dry_run``, only say what would go."""
    items = due_for(actor, today=today)
    report = RunReport(dry_run=dry_run)
    report.held = [item for item in items if item.held]
    todo = [item for item in items if not item.held]
    if dry_run:
        report.done = todo
        return report
    for position, item in enumerate(todo, start=1):
        if anonymise(actor=actor, item=item, today=today):
            report.done.append(item)
        if progress is not None:
            progress(position, len(todo))
    _record_run(actor=actor, report=report)
    return report


@service
def _record_run(*, actor: Actor, report: RunReport) -> None:
    record(
        "retention.run",
        changes={
            "identities": [None, report.identities],
            "notes": [None, report.notes],
            "held": [None, len(report.held)],
        },
    )
