"""The stored per-case figures behind the slowest indicators and the recidivism curves
(``CaseFigures``, ``PhaseStay``, ``ReassessmentFigure``; see their docstrings).

Kept current the way ``evidence.ratings`` keeps the rating comparisons: whenever a phase
change, a check-in, an outcome event, an assessment, a transition request or a sign-off of
a case is saved or deleted, that
case's rows are worked out again from its records, in the same transaction, the case locked
first (two writes to one case at once are read together by whichever refresh comes second).
A phase whose aftercare flag or reassessment interval is edited refreshes the cases that
ever entered it. Bulk loads that bypass ``save()`` (a restore, the benchmarks' COPY) call
:func:`refresh`; ``bahali evidence figures`` rebuilds every case, and the ``migrate`` that
adds the tables fills them (``fill_after_migrate``).

Each figure is the indicator's own reading, made once per case:

* the day of return: the first move into an aftercare phase; the last contact: the latest
  held check-in; the first *verified* behavioural (and any) negative outcome, employment
  and education on or after the day of return (``recidivism``, "employment and education
  after return");
* each move into a phase, with the day of the case's next move (ordered by date, then by
  the order they were recorded), for "people in each phase" and "median days in each phase";
* each progress reassessment (a completed progress assessment in force after an earlier
  one, ordered by date, then by the order they were recorded), the date then due
  (``assessments.services.reassessment_due`` as the case's schedule gave it the day before)
  and whether it was done by then, for "reassessments on time";
* each applied gate decision, its day, the kinds of organisation that approved it, whether
  a civilian organisation and the community committee were among them, its objections by
  how they ended and whether it was overridden, for the civilian-participation ledger.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import threading
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

from bahali.core.batches import in_batches

BATCH = 500
FULL_BATCH = 5000  # a rebuild of every case: fewer, larger batches (a few MB each)
# the migration that adds the tables: once a ``migrate`` run applied it, the rows are filled
FILLED_AFTER = {("evidence", "0004_stored_case_figures")}
# the migrations that add the stored gate decisions and sessions per year: each filled
# alone when it is applied after the others
GATES_FILLED_AFTER = {("evidence", "0005_stored_gate_decisions")}
SESSIONS_FILLED_AFTER = {("evidence", "0006_stored_session_years")}


# the parts of a case's stored figures, worked out apart: each write changes only some
STAYS = "stays"  # phase stays (phase changes)
FIGURES = "figures"  # return, contact, outcomes; reassessments (phase changes, check-ins,
# outcome events, assessments)
GATES = "gates"  # gate decisions (transition requests, sign-offs)
SESSIONS = "sessions"  # sessions per year (attendance, a session's day or type)
EVERY = frozenset({STAYS, FIGURES, GATES, SESSIONS})
# which parts a saved or deleted row of each model changes
CHANGES = {
    "cases.phasechange": frozenset({STAYS, FIGURES}),
    "aftercare.checkin": frozenset({FIGURES}),
    "aftercare.outcomeevent": frozenset({FIGURES}),
    "assessments.assessment": frozenset({FIGURES}),
    "cases.transitionrequest": frozenset({GATES}),
    "cases.signoff": frozenset({GATES}),
    "casework.attendance": frozenset({SESSIONS}),
    "casework.session": frozenset({SESSIONS}),
}


def refresh(
    case_ids: Iterable[int] | None = None,
    stays: bool = True,
    parts: Iterable[str] | None = None,
) -> int:
    """Work out the stored figures of ``case_ids`` again (every case when None); return how
    many cases were read. ``parts``: which of them (``EVERY`` when None); ``stays`` false:
    their phase stays are left as they are (a check-in, an outcome or an assessment changes
    none)."""
    from bahali.cases.models import Case

    wanted = set(EVERY if parts is None else parts)
    if not stays:
        wanted.discard(STAYS)
    ids: Iterable[int]
    size = BATCH
    if case_ids is None:
        _fill_stays()
        fill_session_years()
        wanted -= {STAYS, SESSIONS}  # both filled in the database at once, above
        ids = in_batches(Case.objects.values_list("pk", flat=True), FULL_BATCH)
        size = FULL_BATCH
    else:
        ids = case_ids
    read = 0
    walk = iter(ids)
    while batch := list(itertools.islice(walk, size)):
        # no savepoint of its own inside a write's transaction: a failure undoes the write
        with transaction.atomic(savepoint=False):
            _refresh_locked(batch, frozenset(wanted))
        read += len(batch)
    return read


def fill_session_years() -> None:
    """Every case's sessions per year at once, in the database (a rebuild of every case;
    as :func:`_session_years` works them out)."""
    from django.db import connection

    from bahali.casework.models import Attendance, AttendanceStatus, SessionKind
    from bahali.evidence.models import SessionYear

    attendance = Attendance._meta.db_table
    years = SessionYear._meta.db_table
    kinds = [str(kind) for kind in SessionKind.values]
    if connection.vendor == "sqlite":
        year = "CAST(strftime('%Y', held_on) AS INTEGER)"
    else:
        year = "CAST(EXTRACT(YEAR FROM held_on) AS INTEGER)"
    sums = ", ".join("SUM(CASE WHEN kind = %s THEN 1 ELSE 0 END)" for _kind in kinds)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # as for the stays (see ``_fill_stays``)
            cursor.execute(f"LOCK TABLE {years} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {years}")  # noqa: S608 - table names from the models
        cursor.execute(
            f"INSERT INTO {years} (case_id, year, {', '.join(kinds)}) "  # noqa: S608
            f"SELECT case_id, {year}, {sums} FROM {attendance} WHERE status = %s "
            f"GROUP BY case_id, {year}",
            [*kinds, AttendanceStatus.PRESENT.value],
        )


def _fill_stays() -> None:
    """Every stay at once, in the database (a rebuild of every case: the phase changes in
    order per case, each with the date of the next; as :func:`_stays` works them out)."""
    from django.db import connection

    from bahali.cases.models import PhaseChange
    from bahali.evidence.models import PhaseStay

    changes = PhaseChange._meta.db_table
    stays = PhaseStay._meta.db_table
    if connection.vendor == "sqlite":
        days = "CAST(julianday(left_on) - julianday(entered_on) AS INTEGER)"
    else:
        days = "left_on - entered_on"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # a case's stays rewritten by a write meanwhile would meet the rebuild's rows
            # (the same change ids): writers wait for the rebuild, and it for them
            cursor.execute(f"LOCK TABLE {stays} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {stays}")  # noqa: S608 - table names from the models
        cursor.execute(
            f"INSERT INTO {stays} (change_id, case_id, phase_id, entered_on, left_on, days) "  # noqa: S608
            f"SELECT change_id, case_id, phase_id, entered_on, left_on, {days} FROM ("
            "SELECT id AS change_id, case_id, to_phase_id AS phase_id, changed_on AS entered_on,"
            " LEAD(changed_on) OVER (PARTITION BY case_id ORDER BY changed_on, id) AS left_on"
            f" FROM {changes} WHERE to_phase_id IS NOT NULL) AS ordered"
        )


def _refresh_locked(case_ids: list[int], parts: frozenset[str] = EVERY) -> None:
    from bahali.cases.models import Case, PhaseChange

    list(Case.objects.select_for_update().filter(pk__in=case_ids).values_list("pk", flat=True))
    if parts & {STAYS, FIGURES}:
        moves: dict[int, list[tuple[int, int, datetime.date, bool, int | None]]] = {}
        for pk, case_id, phase, day, aftercare, every in (
            PhaseChange.objects.filter(case__in=case_ids, to_phase__isnull=False)
            .order_by("case_id", "changed_on", "pk")
            .values_list(
                "pk",
                "case_id",
                "to_phase_id",
                "changed_on",
                "to_phase__is_aftercare",
                "to_phase__reassess_every_days",
            )
        ):
            moves.setdefault(case_id, []).append((pk, phase, day, aftercare, every))
        if STAYS in parts:
            _stays(case_ids, moves)
        if FIGURES in parts:
            _case_figures(case_ids, moves)
            _reassessments(case_ids, moves)
    if GATES in parts:
        _gates(case_ids)
    if SESSIONS in parts:
        _session_years(case_ids)


def _session_years(case_ids: list[int]) -> None:
    """The present attendance of ``case_ids`` counted per calendar year and type."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from bahali.casework.models import Attendance, AttendanceStatus
    from bahali.evidence.models import SessionYear

    rows: dict[tuple[int, int], SessionYear] = {}
    for case_id, year, kind, n in (
        Attendance.objects.filter(case__in=case_ids, status=AttendanceStatus.PRESENT)
        .annotate(year=ExtractYear("held_on"))
        .order_by()
        .values("case_id", "year", "kind")
        .annotate(n=Count("pk"))
        .values_list("case_id", "year", "kind", "n")
    ):
        row = rows.setdefault((case_id, year), SessionYear(case_id=case_id, year=year))
        setattr(row, kind, n)
    SessionYear.objects.filter(case_id__in=case_ids).delete()
    SessionYear.objects.bulk_create(rows.values(), batch_size=2000)


def refresh_gates() -> int:
    """Work out the stored gate decisions of every case again (the others left as they
    are); return how many cases were read."""
    from bahali.cases.models import Case

    read = 0
    walk = iter(in_batches(Case.objects.values_list("pk", flat=True), FULL_BATCH))
    while batch := list(itertools.islice(walk, FULL_BATCH)):
        with transaction.atomic():
            list(Case.objects.select_for_update().filter(pk__in=batch).values_list("pk"))
            _gates(batch)
        read += len(batch)
    return read


def _gates(case_ids: list[int]) -> None:
    """The applied gate decisions of ``case_ids`` with their sign-offs' facts (see
    ``GateDecision``): who approved, whether anyone objected and how each objection ended."""
    from django.db.models.functions import TruncDate

    from bahali.cases.models import SignOff, TransitionRequest
    from bahali.evidence.ledger import CIVILIAN_KINDS
    from bahali.evidence.models import GateDecision
    from bahali.organisations.models import OrganisationKind

    rows: dict[int, GateDecision] = {}
    approved: dict[int, set[str]] = {}
    for pk, case_id, day, overridden in (
        TransitionRequest.objects.filter(
            case__in=case_ids,
            status=TransitionRequest.Status.APPLIED,
            decided_at__isnull=False,
        )
        .annotate(day=TruncDate("decided_at"))  # the day in the site's time zone
        .order_by()
        .values_list("pk", "case_id", "day", "overridden_by_id")
    ):
        rows[pk] = GateDecision(
            request_id=pk,
            case_id=case_id,
            decided_on=day,
            civilian=False,
            community=False,
            objected=False,
            overridden=overridden is not None,
        )
        approved[pk] = set()
    if rows:
        for request, kind, decision, objection in (
            SignOff.objects.filter(request__in=list(rows))
            .order_by()
            .values_list("request_id", "organisation_kind", "decision", "objection")
        ):
            row = rows[request]
            if decision == SignOff.Decision.APPROVE:
                approved[request].add(kind)
                row.civilian = row.civilian or kind in CIVILIAN_KINDS
                row.community = row.community or kind == OrganisationKind.COMMUNITY_COMMITTEE
            elif decision == SignOff.Decision.OBJECT:
                row.objected = True
                if objection == SignOff.ObjectionState.ANSWERED:
                    row.objections_answered += 1
                elif objection == SignOff.ObjectionState.WITHDRAWN:
                    row.objections_withdrawn += 1
                else:  # open, or never marked: still open
                    row.objections_open += 1
        for pk, row in rows.items():
            row.approved_by = ",".join(sorted(approved[pk]))
    GateDecision.objects.filter(case_id__in=case_ids).delete()
    GateDecision.objects.bulk_create(rows.values(), batch_size=2000)


def _stays(case_ids: list[int], moves: dict[int, list[Any]]) -> None:
    from bahali.evidence.models import PhaseStay

    stays = []
    for case_id, found in moves.items():
        for (pk, phase, day, _aftercare, _every), following in itertools.zip_longest(
            found, found[1:]
        ):
            left = following[2] if following else None
            stays.append(
                PhaseStay(
                    change_id=pk,
                    case_id=case_id,
                    phase_id=phase,
                    entered_on=day,
                    left_on=left,
                    days=(left - day).days if left else None,
                )
            )
    PhaseStay.objects.filter(case_id__in=case_ids).delete()
    PhaseStay.objects.bulk_create(stays, batch_size=2000)


def _case_figures(case_ids: list[int], moves: dict[int, list[Any]]) -> None:
    from bahali.aftercare.models import CheckIn, OutcomeEvent, OutcomeKind, Verification
    from bahali.evidence.models import CaseFigures
    from bahali.evidence.recidivism import ANY_NEGATIVE, BEHAVIOURAL

    returned = {
        case_id: min(day for _pk, _phase, day, aftercare, _every in found if aftercare)
        for case_id, found in moves.items()
        if any(aftercare for *_rest, aftercare, _every in found)
    }
    rows: dict[int, CaseFigures] = {
        case_id: CaseFigures(case_id=case_id, returned_on=day) for case_id, day in returned.items()
    }
    if rows:
        for case_id, last in (
            CheckIn.objects.filter(case__in=list(rows), done_on__isnull=False)
            .order_by()
            .values("case")
            .annotate(last=Max("done_on"))
            .values_list("case", "last")
        ):
            rows[case_id].last_contact_on = last
        for case_id, kind, day in (
            OutcomeEvent.objects.filter(
                case__in=list(rows),
                verification=Verification.VERIFIED,
                kind__in=[*ANY_NEGATIVE, OutcomeKind.EMPLOYMENT, OutcomeKind.EDUCATION],
            )
            .order_by("case_id", "occurred_on")
            .values_list("case_id", "kind", "occurred_on")
        ):
            row = rows[case_id]
            if day < row.returned_on:
                continue
            after = (day - row.returned_on).days
            if kind in BEHAVIOURAL and row.behavioural_on is None:
                row.behavioural_on = day
            if kind in ANY_NEGATIVE and row.negative_on is None:
                row.negative_on = day
            if kind == OutcomeKind.EMPLOYMENT and row.employment_after is None:
                row.employment_after = after
            if kind == OutcomeKind.EDUCATION and row.education_after is None:
                row.education_after = after
    CaseFigures.objects.filter(case_id__in=case_ids).delete()
    CaseFigures.objects.bulk_create(rows.values(), batch_size=2000)


def _reassessments(case_ids: list[int], moves: dict[int, list[Any]]) -> None:
    from bahali.aftercare.models import WARNING_FIELDS, CheckIn
    from bahali.assessments import services as assessing
    from bahali.assessments.models import Assessment, InstrumentKind
    from bahali.evidence.models import ReassessmentFigure

    done: dict[int, list[tuple[int, datetime.date]]] = {}
    for pk, case_id, day in (
        assessing.effective(Assessment.objects.filter(case__in=case_ids))
        .filter(instrument_version__instrument__kind=InstrumentKind.PROGRESS)
        .order_by("case_id", "assessed_on", "pk")
        .values_list("pk", "case_id", "assessed_on")
    ):
        done.setdefault(case_id, []).append((pk, day))
    again = [case_id for case_id, found in done.items() if len(found) > 1]
    warned_any = Q()
    for name, _label in WARNING_FIELDS:
        warned_any |= Q(**{name: True})
    warnings: dict[int, list[datetime.date]] = {}
    if again:
        for case_id, day in (
            CheckIn.objects.filter(warned_any, case__in=again, done_on__isnull=False)
            .order_by("case_id", "done_on")
            .values_list("case_id", "done_on")
        ):
            warnings.setdefault(case_id, []).append(day)
    rows = []
    for case_id in again:
        for (_first, previous), (pk, day) in itertools.pairwise(done[case_id]):
            # the phase the case was in the day before, and when it entered it
            before = [m for m in moves.get(case_id, []) if m[2] < day]
            if not before or not before[-1][4]:
                continue  # that phase scheduled no reassessment: nothing was due
            entered, every = before[-1][2], before[-1][4]
            state = SimpleNamespace(
                phase=SimpleNamespace(reassess_every_days=every),
                is_open=True,
                phase_entered_on=entered,
            )
            warned = [w for w in warnings.get(case_id, []) if previous < w < day]
            due = assessing.reassessment_due(
                state,  # type: ignore[arg-type]
                previous,
                warned[-1] if warned else None,
            )
            rows.append(
                ReassessmentFigure(
                    assessment_id=pk,
                    case_id=case_id,
                    assessed_on=day,
                    due_on=due,
                    on_time=due is not None and day <= due,
                )
            )
    ReassessmentFigure.objects.filter(case_id__in=case_ids).delete()
    ReassessmentFigure.objects.bulk_create(rows, batch_size=2000)


# --- keeping them current ---------------------------------------------------------------


_deferred = threading.local()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within this block, a save that changes a case's figures only notes the case (and
    which parts of its figures); each noted case is worked out once when the outermost
    block ends — still inside the write's transaction, so the figures are never seen stale.
    For a write that saves several rows of one case (a field assessment is started, then
    completed: two saves, one refresh). Nothing is refreshed when the block ends by an
    error (its transaction is undone)."""
    noted: dict[int, set[str]] | None = getattr(_deferred, "cases", None)
    if noted is not None:  # nested: the outermost block refreshes
        yield
        return
    _deferred.cases = noted = {}
    try:
        yield
    finally:
        _deferred.cases = None
    groups: dict[frozenset[str], list[int]] = {}
    for case, changed in noted.items():
        groups.setdefault(frozenset(changed), []).append(case)
    for parts, cases in sorted(groups.items(), key=lambda item: sorted(item[0])):
        refresh(sorted(cases), parts=parts)


def _noted(case_id: int, parts: frozenset[str]) -> None:
    """``parts`` of ``case_id``'s figures changed: worked out now, or noted for the end of
    a :func:`deferred` block."""
    noted: dict[int, set[str]] | None = getattr(_deferred, "cases", None)
    if noted is not None:
        noted.setdefault(case_id, set()).update(parts)
        return
    refresh([case_id], parts=parts)


def _case_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or not getattr(instance, "case_id", None):
        return
    written = kwargs.get("update_fields")
    sealed = set(getattr(instance, "sealed_fields", ()) or ())
    if written and sealed and set(written) <= sealed:
        return  # re-sealed under a new key (``sealing.rotate``): nothing counted changed
    _noted(instance.case_id, CHANGES[sender._meta.label_lower])


def _session_changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A session's day or type corrected (its attendance rows follow in ``Session.save``):
    the sessions per year of every case that attended it follow."""
    if kwargs.get("raw") or created:
        return
    from bahali.casework.models import Attendance

    cases = sorted(
        set(Attendance.objects.filter(session=instance).values_list("case_id", flat=True))
    )
    for case_id in cases:
        _noted(case_id, CHANGES["casework.session"])


def _sign_off_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A sign-off changes its request's stored gate decision."""
    if kwargs.get("raw"):
        return
    from bahali.cases.models import TransitionRequest

    case_id = (
        TransitionRequest.objects.filter(pk=instance.request_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is None:  # its request was deleted with it (its stored row went too)
        return
    _noted(case_id, CHANGES["cases.signoff"])


def _phase_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None:
        return
    instance._evidence_before = (
        sender.objects.filter(pk=instance.pk)
        .values_list("is_aftercare", "reassess_every_days")
        .first()
    )


def _phase_changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    from bahali.cases.models import PhaseChange

    if kwargs.get("raw") or created:
        return
    before = getattr(instance, "_evidence_before", None)
    if before == (instance.is_aftercare, instance.reassess_every_days):
        return
    entered = PhaseChange.objects.filter(to_phase=instance).values("case").distinct()
    refresh(in_batches(entered.values_list("case", flat=True), BATCH * 10, key="case"))


def fill_after_migrate(
    sender: Any, plan: Any = None, using: str = "default", **kwargs: Any
) -> None:
    """After ``migrate``: fill the stored figures when this run added their tables."""
    from bahali.core.migrating import applied

    if applied(plan, FILLED_AFTER):
        refresh()
        return
    if applied(plan, GATES_FILLED_AFTER):
        refresh_gates()
    if applied(plan, SESSIONS_FILLED_AFTER):
        fill_session_years()


def connect(app_config: Any) -> None:
    """Keep the stored figures current (called from the app's ``ready``)."""
    from bahali.aftercare.models import CheckIn, OutcomeEvent
    from bahali.assessments.models import Assessment
    from bahali.cases.models import PhaseChange, SignOff, TransitionRequest
    from bahali.casework.models import Attendance, Session
    from bahali.programmes.models import Phase

    uid = "bahali.evidence.figures"
    for model in (PhaseChange, CheckIn, OutcomeEvent, Assessment, TransitionRequest):
        name = f"{uid}:{model.__name__}"
        post_save.connect(_case_changed, sender=model, dispatch_uid=name + ":save")
        post_delete.connect(_case_changed, sender=model, dispatch_uid=name + ":delete")
    post_save.connect(_case_changed, sender=Attendance, dispatch_uid=uid + ":Attendance:save")
    post_delete.connect(_case_changed, sender=Attendance, dispatch_uid=uid + ":Attendance:delete")
    post_save.connect(_session_changed, sender=Session, dispatch_uid=uid + ":Session:save")
    post_save.connect(_sign_off_changed, sender=SignOff, dispatch_uid=uid + ":SignOff:save")
    post_delete.connect(_sign_off_changed, sender=SignOff, dispatch_uid=uid + ":SignOff:delete")
    pre_save.connect(_phase_before, sender=Phase, dispatch_uid=uid + ":phase-before")
    post_save.connect(_phase_changed, sender=Phase, dispatch_uid=uid + ":phase")
    post_migrate.connect(fill_after_migrate, sender=app_config, dispatch_uid=uid + ":migrate")
