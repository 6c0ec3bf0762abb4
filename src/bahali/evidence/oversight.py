"""The oversight report (issue 15, item 4): what the oversight body needs to see of a period,
in one place, as a page and a printable PDF.

Gate decisions and their overrides (from the participation ledger), emergency
(break-the-glass) accesses, grievances and how long they took, consent withdrawals, people
held in a residential phase longer than their programme expects, juveniles, and the state of
the audit chain (when it was last verified, and whether the latest signed checkpoint still
holds).

For the oversight body only (``oversight_report.read``), which reads every case's summary
and sign-off records: counts here are not suppressed and the lists name cases by their
pseudonymous code, never by a person's name. Each part is a handful of grouped queries; a
list stops at ``LIST_LIMIT`` rows and says how many it left out.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Window
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bahali.audit.models import AuditChainHead, AuditEvent
from bahali.cases.models import Case, EmergencyAccess, TransitionRequest
from bahali.evidence import ledger, snapshots
from bahali.evidence.indicators import Filters
from bahali.grievances.models import Finding, Grievance, GrievanceCategory
from bahali.programmes.models import Phase
from bahali.registry.models import Consent, ConsentPurpose

LIST_LIMIT = 500

DEFINITIONS = [
    _(
        "Gate decisions: requests to move a case to another phase applied in the period; "
        "overridden: applied by a documented override without all sign-offs."
    ),
    _(
        "Emergency accesses: cases opened outside their team for a threat to life "
        "(break-the-glass) in the period; reviewed: a data steward of the case's lead "
        "organisation has reviewed the access."
    ),
    _(
        "Grievances: received in the period. In time: acknowledged by the acknowledgement "
        "date, resolved by the resolution date. Overdue: not resolved and the resolution date "
        "has passed. Days to resolution: from receipt to resolution, for those resolved."
    ),
    _("Consent withdrawals: consents for any purpose withdrawn in the period."),
    _(
        "Long residential stays: open cases today in a phase the programme marks residential "
        "(a centre, prison or halfway house), for longer than the phase's expected length."
    ),
    _("Juveniles: participants under 18 when they were registered."),
    _(
        "Audit chain: the latest verification recorded in the chain, and the latest signed "
        "checkpoint; the checkpoint holds when the chain still carries, at its sequence number, "
        "the event whose hash the checkpoint signed."
    ),
]


@dataclass
class Listed:
    """A list cut at ``LIST_LIMIT``: the rows shown and how many in all."""

    rows: list[Any]
    total: int

    @property
    def left_out(self) -> int:
        return max(self.total - len(self.rows), 0)


def _listed(queryset: QuerySet[Any], total: int) -> Listed:
    return Listed(list(queryset[:LIST_LIMIT]) if total else [], total)


@dataclass
class AuditState:
    head_seq: int
    verified: AuditEvent | None = None
    verified_ok: bool = False
    checked: int | None = None
    first_bad: int | None = None
    checkpoint: AuditEvent | None = None
    checkpoint_seq: int | None = None
    checkpoint_hash: str = ""
    checkpoint_holds: bool | None = None
    verification_covers_checkpoint: bool = False
    events_since_verification: int | None = None


@dataclass
class Report:
    start: datetime.date
    end: datetime.date
    today: datetime.date
    gates: dict[str, int]
    overrides: Listed
    emergency: dict[str, int]
    accesses: Listed
    grievances: dict[str, Any]
    grievance_categories: list[tuple[str, int]]
    grievance_findings: list[tuple[str, int]]
    withdrawals: dict[str, int]
    withdrawal_purposes: list[tuple[str, int]]
    withdrawn: Listed
    long_stays: Listed
    juveniles: dict[str, int]
    juvenile_phases: list[tuple[str, int]]
    audit: AuditState
    definitions: list[Any] = field(default_factory=lambda: list(DEFINITIONS))
    # when the gate decisions' counts were computed, when kept a few minutes (``snapshots``)
    gates_as_of: datetime.datetime | None = None


def gate_counts(filters: Filters, keep: bool = False) -> snapshots.AsOf[dict[str, int]]:
    """The period's gate decisions counted as the participation ledger counts them (read
    from every decision and its sign-offs: kept a few minutes, ``snapshots``, unless
    ``keep`` is false)."""

    def count() -> dict[str, int]:
        # grouped by status (every decision is "applied": one row), as the ledger counts: an
        # aggregate() over the Exists annotations would not see them
        found = next(
            iter(
                ledger.decisions(filters)
                .values("status")
                .annotate(
                    decisions=Count("pk"),
                    civilian=Count("pk", filter=Q(civilian=True)),
                    community=Count("pk", filter=Q(community=True)),
                    objected=Count("pk", filter=Q(objected=True)),
                    overridden=Count("pk", filter=Q(overridden_by__isnull=False)),
                )
            ),
            None,
        )
        names = ("decisions", "civilian", "community", "objected", "overridden")
        return {name: (found or {}).get(name, 0) for name in names}

    if not keep:
        return snapshots.AsOf(count(), timezone.now())
    return snapshots.remembered("oversight-gates", filters, count)


def gate_decisions(
    filters: Filters, keep: bool = False
) -> tuple[snapshots.AsOf[dict[str, int]], Listed]:
    """The period's gate decisions (counts, as the participation ledger defines them, with
    when they were counted) and the overridden ones, listed."""
    decisions = ledger.decisions(filters)
    found = gate_counts(filters, keep)
    counts = found.value
    overridden = (
        TransitionRequest.objects.filter(
            pk__in=decisions.filter(overridden_by__isnull=False).values("pk")
        )
        .select_related(
            "case__participant",
            "case__programme",
            "transition__from_phase",
            "transition__to_phase",
            "overridden_by",
        )
        .order_by("-decided_at", "-pk")
    )
    return found, _listed(overridden, counts["overridden"])


def _moment(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the local time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def opened_accesses(
    start: datetime.date, end: datetime.date, programme: int | None = None
) -> QuerySet[EmergencyAccess]:
    """The emergency accesses opened in the period (to the programme's cases)."""
    # the period's days as moments in the local time zone (a plain range on the column)
    opened = EmergencyAccess.objects.filter(
        opened_at__gte=_moment(start), opened_at__lt=_moment(end + datetime.timedelta(days=1))
    )
    return opened.filter(case__programme=programme) if programme else opened


def emergency_accesses(
    start: datetime.date, end: datetime.date, programme: int | None = None
) -> tuple[dict[str, int], Listed]:
    now = timezone.now()
    opened = opened_accesses(start, end, programme)
    counts = opened.aggregate(
        opened=Count("pk"),
        reviewed=Count("pk", filter=Q(reviewed_at__isnull=False)),
        unreviewed=Count("pk", filter=Q(reviewed_at__isnull=True)),
        running=Count("pk", filter=Q(expires_at__gt=now)),
        juvenile=Count("pk", filter=Q(case__participant__is_juvenile=True)),
        cases=Count("case", distinct=True),
    )
    listed = opened.select_related(
        "case__participant",
        "case__programme",
        "membership__user",
        "membership__organisation",
        "reviewed_by",
    ).order_by("-opened_at", "-pk")
    return counts, _listed(listed, counts["opened"])


def received_grievances(
    start: datetime.date, end: datetime.date, programme: int | None = None
) -> QuerySet[Grievance]:
    """The grievances received in the period; for one programme, those about a participant
    with a case in it (a grievance about no participant belongs to no programme)."""
    received = Grievance.objects.filter(received_on__range=(start, end))
    if programme:
        received = received.filter(
            participant__in=Case.objects.filter(programme=programme).values("participant")
        )
    return received


def grievances(
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    programme: int | None = None,
) -> tuple[dict[str, Any], list[tuple[str, int]], list[tuple[str, int]]]:
    received = received_grievances(start, end, programme)
    counts: dict[str, Any] = received.aggregate(
        received=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_on__isnull=False)),
        acknowledged_in_time=Count("pk", filter=Q(acknowledged_on__lte=F("acknowledge_by"))),
        resolved=Count("pk", filter=Q(resolved_on__isnull=False)),
        resolved_in_time=Count("pk", filter=Q(resolved_on__lte=F("resolve_by"))),
        overdue=Count("pk", filter=Q(resolved_on__isnull=True, resolve_by__lt=today)),
        open=Count("pk", filter=Q(resolved_on__isnull=True)),
    )
    days = sorted(
        (resolved - got).days
        for got, resolved in received.filter(resolved_on__isnull=False).values_list(
            "received_on", "resolved_on"
        )
        if resolved is not None
    )
    median = statistics.median(days) if days else None
    counts["median_days"] = (
        None if median is None else int(median) if median == int(median) else round(median, 1)
    )
    counts["longest_days"] = days[-1] if days else None
    open_days = [
        (today - got).days
        for got in received.filter(resolved_on__isnull=True).values_list("received_on", flat=True)
    ]
    counts["oldest_open_days"] = max(open_days) if open_days else None
    by_category = dict(received.values_list("category").annotate(n=Count("pk")).order_by())
    categories = [
        (str(label), by_category.get(key, 0))
        for key, label in GrievanceCategory.choices
        if by_category.get(key)
    ]
    by_finding = dict(
        received.exclude(finding="").values_list("finding").annotate(n=Count("pk")).order_by()
    )
    findings = [
        (str(label), by_finding.get(key, 0))
        for key, label in Finding.choices
        if by_finding.get(key)
    ]
    return counts, categories, findings


def withdrawn_consents(
    start: datetime.date, end: datetime.date, programme: int | None = None
) -> QuerySet[Consent]:
    """Consents withdrawn in the period (by participants with a case in the programme)."""
    withdrawn = Consent.objects.filter(withdrawn_on__range=(start, end))
    if programme:
        withdrawn = withdrawn.filter(
            participant__in=Case.objects.filter(programme=programme).values("participant")
        )
    return withdrawn


def consent_withdrawals(
    start: datetime.date, end: datetime.date, programme: int | None = None
) -> tuple[dict[str, int], list[tuple[str, int]], Listed]:
    withdrawn = withdrawn_consents(start, end, programme)
    counts = withdrawn.aggregate(
        withdrawn=Count("pk"),
        people=Count("participant", distinct=True),
        by_guardian=Count("pk", filter=Q(given_by=Consent.GivenBy.GUARDIAN)),
        juvenile=Count("pk", filter=Q(participant__is_juvenile=True)),
    )
    by_purpose = dict(withdrawn.values_list("purpose").annotate(n=Count("pk")).order_by())
    purposes = [
        (str(label), by_purpose.get(key, 0))
        for key, label in ConsentPurpose.choices
        if by_purpose.get(key)
    ]
    listed = withdrawn.select_related("participant").order_by("-withdrawn_on", "-pk")
    return counts, purposes, _listed(listed, counts["withdrawn"])


def held_too_long(today: datetime.date, programme: int | None = None) -> QuerySet[Case]:
    """Open cases in a residential phase since before today minus the phase's expected
    length (one condition per residential phase with a length: a handful; one query)."""
    phases = Phase.objects.filter(is_residential=True, expected_days__isnull=False)
    if programme:
        phases = phases.filter(programme=programme)
    condition = Q(pk__in=[])
    for phase_id, days in phases.values_list("pk", "expected_days"):
        condition |= Q(phase=phase_id, phase_entered_on__lt=today - datetime.timedelta(days=days))
    return Case.objects.filter(condition, closed_on__isnull=True)


def with_stay(cases: list[Any], today: datetime.date) -> list[Any]:
    """Each case with its days in the phase and its days over the expected length."""
    for case in cases:
        case.stay_days = (today - case.phase_entered_on).days
        case.days_over = case.stay_days - (case.phase.expected_days or 0)
    return cases


def long_stays(today: datetime.date, programme: int | None = None) -> tuple[Listed, int]:
    """The long residential stays (``held_too_long``), listed, and how many of them are
    juveniles."""
    held = held_too_long(today, programme)
    # the page's keys and how many in all, in one query from the cases' index
    # (``case_open_phase_since``; the count a window over the rows)
    found = list(
        held.order_by("phase_entered_on", "pk")
        .annotate(total=Window(Count("pk")))
        .values_list("pk", "total")[:LIST_LIMIT]
    )
    keys = [pk for pk, _total in found]
    total = found[0][1] if found else 0
    # the juveniles among them (the registry's few juveniles from ``participant_juvenile``)
    juvenile = held.filter(participant__is_juvenile=True).count() if total else 0
    # the page's rows read as plain values (a code, an age group, the programme's code, the
    # phase): never the sealed identity, and no model instances (five hundred cases with
    # their participants cost more to build than to read)
    found_rows = list(
        Case.objects.filter(pk__in=keys)
        .order_by("phase_entered_on", "pk")
        .values_list(
            "pk",
            "phase_entered_on",
            "participant__code",
            "participant__is_juvenile",
            "programme__code",
            "phase",
        )
    )
    phases = Phase.objects.in_bulk({row[5] for row in found_rows})
    rows = [
        SimpleNamespace(
            pk=pk,
            phase_entered_on=since,
            participant=SimpleNamespace(code=code, is_juvenile=young),
            programme=SimpleNamespace(code=programme_code),
            phase=phases[phase_id],
        )
        for pk, since, code, young, programme_code, phase_id in found_rows
    ]
    listed = Listed(rows, total)
    with_stay(listed.rows, today)
    return listed, juvenile


def juvenile_cases(programme: int | None = None) -> QuerySet[Case]:
    young = Case.objects.filter(participant__is_juvenile=True)
    return young.filter(programme=programme) if programme else young


def juveniles(
    start: datetime.date, end: datetime.date, long_juveniles: int, programme: int | None = None
) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """The juveniles' cases: open, enrolled and closed in the period, open in a residential
    phase, and open by phase — one query grouped by phase (the counts are its sums)."""
    by_phase = list(
        juvenile_cases(programme)
        .values("phase")
        .annotate(
            open=Count("pk", filter=Q(closed_on__isnull=True)),
            enrolled=Count("pk", filter=Q(opened_on__range=(start, end))),
            closed=Count("pk", filter=Q(closed_on__range=(start, end))),
        )
        .order_by()
    )
    phases = {
        p.pk: p
        for p in Phase.objects.filter(pk__in=[row["phase"] for row in by_phase]).select_related(
            "programme"
        )
    }
    counts = {name: sum(row[name] for row in by_phase) for name in ("open", "enrolled", "closed")}
    counts["residential"] = sum(
        row["open"] for row in by_phase if phases[row["phase"]].is_residential
    )
    counts["long_stays"] = long_juveniles
    shown = sorted(
        (row for row in by_phase if row["open"]),
        key=lambda row: (
            phases[row["phase"]].programme.code,
            phases[row["phase"]].order,
            row["phase"],
        ),
    )
    return counts, [
        (f"{phases[row['phase']].programme.code} · {phases[row['phase']].label}", row["open"])
        for row in shown
    ]


def _changed(event: AuditEvent | None, name: str) -> Any:
    if event is None:
        return None
    value = (event.changes or {}).get(name)
    return value[1] if isinstance(value, list) and len(value) == 2 else value


def audit_state() -> AuditState:
    """The chain's head, its latest recorded verification and its latest signed checkpoint,
    and whether the chain still holds the event that checkpoint signed (one look-up)."""
    head = AuditChainHead.objects.first()
    state = AuditState(head_seq=head.seq if head else 0)
    verified = (
        AuditEvent.objects.filter(action__in=["audit.verified", "audit.verify_failed"])
        .order_by("-seq")
        .first()
    )
    if verified is not None:
        state.verified = verified
        state.verified_ok = verified.action == "audit.verified"
        state.checked = _changed(verified, "checked")
        state.first_bad = _changed(verified, "first_bad")
        state.events_since_verification = state.head_seq - verified.seq
    checkpoint = AuditEvent.objects.filter(action="audit.checkpoint").order_by("-seq").first()
    if checkpoint is not None:
        state.checkpoint = checkpoint
        state.checkpoint_seq = _changed(checkpoint, "seq")
        state.checkpoint_hash = str(_changed(checkpoint, "hash") or "")
        if state.checkpoint_seq:
            signed = (
                AuditEvent.objects.filter(seq=state.checkpoint_seq)
                .values_list("hash", flat=True)
                .first()
            )
            state.checkpoint_holds = signed == state.checkpoint_hash
        state.verification_covers_checkpoint = bool(
            verified is not None
            and state.verified_ok
            and state.checkpoint_seq is not None
            and (state.checked or 0) >= state.checkpoint_seq
        )
    return state


def build(
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
    programme: int | None = None,
    keep: bool = False,
) -> Report:
    """The report for the period; with ``programme``, of that programme's cases only. With
    ``keep`` (the report's page, which says as of when), the gate counts may be a few
    minutes old; otherwise (the printed report, the API, the dashboard) every count is
    fresh."""
    today = today or timezone.localdate()
    # oversight counts every case
    filters = Filters(programme=programme, start=start, end=end, statistical=False)
    counted, overrides = gate_decisions(filters, keep)
    emergency, accesses = emergency_accesses(start, end, programme)
    grievance_counts, categories, findings = grievances(start, end, today, programme)
    withdrawals, purposes, withdrawn = consent_withdrawals(start, end, programme)
    long, long_juveniles = long_stays(today, programme)
    young, young_phases = juveniles(start, end, long_juveniles, programme)
    return Report(
        start=start,
        end=end,
        today=today,
        gates=counted.value,
        overrides=overrides,
        emergency=emergency,
        accesses=accesses,
        grievances=grievance_counts,
        grievance_categories=categories,
        grievance_findings=findings,
        withdrawals=withdrawals,
        withdrawal_purposes=purposes,
        withdrawn=withdrawn,
        long_stays=long,
        juveniles=young,
        juvenile_phases=young_phases,
        audit=audit_state(),
        gates_as_of=counted.computed_at if keep and snapshots.max_age() > 0 else None,
    )


# --- the oversight dashboard: the same parts at a glance, with their course by quarter ----


@dataclass
class QuarterPoint:
    start: datetime.date
    label: str
    total: int
    part: int

    @property
    def share(self) -> float | None:
        return self.part / self.total if self.total else None


@dataclass
class Course:
    """A share by quarter: ``part`` of ``total`` in each of the last quarters."""

    slug: str
    title: Any
    definition: Any
    points: list[QuarterPoint]


def courses(today: datetime.date, programme: int | None = None) -> list[Course]:
    """Two shares by quarter over the last eight quarters, one grouped query each: gate
    decisions with civilian approval, and grievances resolved within their limit."""
    from django.db.models.functions import TruncQuarter

    from bahali.evidence.dashboard import quarter_label, quarters

    starts = quarters(today)
    first = starts[0]
    filters = Filters(programme=programme, start=first, end=today, statistical=False)
    by = "quarter"  # annotated by ``ledger.decisions``
    gates = {
        row[by].date() if isinstance(row[by], datetime.datetime) else row[by]: row
        for row in ledger.decisions(filters)
        .values(by)
        .annotate(total=Count("pk"), part=Count("pk", filter=Q(civilian=True)))
        .order_by()
    }
    received = (
        received_grievances(first, today, programme)
        .annotate(quarter=TruncQuarter("received_on"))
        .values("quarter")
        .annotate(total=Count("pk"), part=Count("pk", filter=Q(resolved_on__lte=F("resolve_by"))))
        .order_by()
    )
    grieved = {row["quarter"]: row for row in received}

    def points(found: dict[Any, Any]) -> list[QuarterPoint]:
        return [
            QuarterPoint(
                start=start,
                label=quarter_label(start),
                total=(found.get(start) or {}).get("total", 0),
                part=(found.get(start) or {}).get("part", 0),
            )
            for start in starts
        ]

    return [
        Course(
            slug="civilian-share",
            title=_("Gate decisions with civilian approval"),
            definition=ledger.DEFINITIONS[1],
            points=points(gates),
        ),
        Course(
            slug="grievances-in-time",
            title=_("Grievances resolved within their limit"),
            definition=_(
                "Of the grievances received in the quarter, the share resolved by their "
                "resolution date."
            ),
            points=points(grieved),
        ),
    ]
