"""National-scale synthetic data (``bahali seed --scale national``), written in bulk.

At ``national`` scale: 1,000,000 participants (registered about twice each on average, as
:func:`bahali.registry.synthetic.generate` makes them: realistic duplicates for the
matcher), 200,000 cases over the three blueprint programmes with their teams, phase
history, transition requests and sign-offs, plan goals, 5,000,000 sessions (with
attendance) and notes, 1,000,000 aftercare check-ins, completed assessments, about 50,000
outcome events and grievances; the organisations and staff that work them. Smaller scales
(``province``, ``district``, or a factor such as ``0.001``) are the same data, scaled down.

The rows are written with PostgreSQL ``COPY`` (a batched ``INSERT`` on SQLite, for small
scales and tests), not through the services, but they are stored as the services store them:

* identity fields, notes, assessments and complainants are sealed with the field keys,
  each value bound to its row and field (``registry.services.seal_identity_in_bulk``,
  :func:`bahali.core.sealing.context_for`); the CNIC's blind index and the matcher's keyed
  blocking keys are written beside them. Sealing and blocking keys are computed in worker
  processes (one per core), the parent writes;
* every table load is recorded in the audit chain: one ``seed.loaded`` event per load
  naming the model, the rows and their id range (a per-row event, as the services'
  ``bulk_create`` writes, would be 13 million events: the chain would be larger than the
  data), then one ``seed.national`` event with the counts;
* the stored due dates are computed afterwards (``bahali cases refresh-due``), as after a
  restore.

Organisations, users and programmes go through the services or ``bulk_create``. Progress
goes to stderr on one line (phase, rows, rows/s), the counts and the time of each phase
to the caller (:class:`Seeded`).
"""

from __future__ import annotations

import array
import datetime
import itertools
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import connection

from bahali.core import batches

# The whole national data set; other scales multiply these.
NATIONAL = {
    "participants": 1_000_000,
    "cases": 200_000,
    "items": 5_000_000,  # sessions and notes on case timelines
    "check_ins": 1_000_000,
    "outcomes": 50_000,
    "assessments": 200_000,
    "grievances": 20_000,
}
SCALES = {"national": 1.0, "province": 0.25, "division": 0.05, "district": 0.01}
SMALL, LARGE = 5, 300  # sessions and notes on a probe case
PROBES = 20  # probe cases of each size

# Where the cases are worked: most in Swat, then a few other districts.
DISTRICT_WEIGHTS = {
    "SWT": 55,
    "BNR": 8,
    "LDR": 7,
    "UDR": 5,
    "SHG": 5,
    "MLK": 5,
    "BJR": 5,
    "PEW": 5,
    "KHY": 3,
    "MRD": 2,
}
PROGRAMME_WEIGHTS = {"centre": 45, "prison": 25, "community": 30}
# Each team role: the fewest an organisation employs, and the open cases one of them carries
# (a case worker a few dozen, as programmes staff them; the others in proportion).
CASELOAD = {
    "case_worker": (12, 50),
    "psychologist": (5, 100),
    "religious_scholar": (5, 100),
    "trainer": (4, 120),
    "mentor": (4, 50),
}
RISK_WEIGHTS = {"low": 45, "moderate": 35, "high": 12, "": 8}


def scale_factor(scale: str) -> float:
    """``national``, ``province``, ``division``, ``district``, or a factor (``0.002``)."""
    if scale in SCALES:
        return SCALES[scale]
    try:
        factor = float(scale)
    except ValueError:
        raise ValueError(scale) from None
    if not 0 < factor <= 1:
        raise ValueError(scale)
    return factor


def sizes(factor: float) -> dict[str, int]:
    """How many of each at ``factor`` (never fewer than the probes need)."""
    found = {key: max(1, round(value * factor)) for key, value in NATIONAL.items()}
    found["cases"] = max(found["cases"], 4 * PROBES)
    found["participants"] = max(found["participants"], found["cases"])
    found["items"] = max(found["items"], found["cases"] + PROBES * (SMALL + LARGE))
    return found


class Progress:
    """One line on stderr, rewritten in place: the phase, rows written, rows/s, time."""

    def __init__(self, phases: int, stream: TextIO | None = None, every: float = 0.5) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.phases = phases
        self.every = every
        self.number = 0
        self.label = ""
        self.rows = 0
        self.started = self.phase_started = time.monotonic()
        self.shown = 0.0
        self.width = 0

    def phase(self, label: str) -> None:
        self.number += 1
        self.label = label
        self.rows = 0
        self.phase_started = time.monotonic()
        self.show(force=True)

    def advance(self, rows: int) -> None:
        self.rows += rows
        self.show()

    def show(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.shown < self.every:
            return
        self.shown = now
        spent = now - self.phase_started
        rate = self.rows / spent if spent > 0 else 0.0
        total = int(now - self.started)
        text = (
            f"[{self.number}/{self.phases}] {self.label}: {self.rows:,} rows, "
            f"{rate:,.0f} rows/s; {total // 60}m{total % 60:02d}s"
        )
        self.stream.write("\r" + text.ljust(self.width))
        self.width = len(text)
        self.stream.flush()

    def finish(self) -> None:
        self.show(force=True)
        self.stream.write("\n")
        self.stream.flush()


class Quiet(Progress):
    def show(self, *, force: bool = False) -> None:
        return

    def finish(self) -> None:
        return


# --- seeding --------------------------------------------------------------------------


@dataclass
class CaseRow:
    pk: int
    participant: int
    programme: str
    district: str
    phase_index: int
    opened: datetime.date
    closed: datetime.date | None
    lead: int  # organisation
    cso: int  # organisation
    committee: int
    team: list[tuple[int, int, int]] = field(default_factory=list)  # member pk, membership, user
    sessions: int = 0
    notes: int = 0


@dataclass
class Seeded:
    """What was seeded: the people a benchmark measures as, the counts, each phase's time."""

    manager: Any
    case_worker: Any
    monitor: Any
    probes: dict[str, list[int]]
    programmes: dict[str, Any]
    swat: Any
    counts: dict[str, int]
    timings: list[tuple[str, float]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def copy_rows(
    model: Any,
    columns: list[str],
    rows: Iterable[tuple[Any, ...]],
    advance: Callable[[int], None] | None = None,
) -> int:
    """Write rows into ``model``'s table: ``COPY`` on PostgreSQL, batched ``INSERT`` on
    SQLite. Concrete fields not named get their default (NULL, the field default, or ""
    for blank text; a callable default, such as a row's UUID, is drawn for each row)."""
    meta = model._meta
    named = [meta.get_field(name) for name in columns]
    given = {f.attname for f in named}
    extra: list[Any] = []
    fresh: list[Any] = []
    rest: list[Any] = []
    now = _now()
    for f in meta.concrete_fields:
        if f.attname in given or f.primary_key:
            continue
        if f.has_default() and callable(f.default):
            fresh.append(f)
            continue
        if f.attname in ("created_at", "updated_at"):
            value: Any = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif f.blank and f.empty_strings_allowed:
            value = ""
        else:
            raise ValueError(f"{meta.label}.{f.attname} needs a value")
        rest.append(f)
        extra.append(value)
    tail = tuple(extra)
    fields = [*named, *rest, *fresh]
    quoted = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    count = 0
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row + tail + tuple(f.get_default() for f in fresh))
                count += 1
                if advance and not count % 10_000:
                    advance(10_000)
        if advance:
            advance(count % 10_000)
        return count
    # SQLite (small scales): values prepared by their fields, as the ORM would
    places = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({places})"  # noqa: S608 - a model's table
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        if advance:
            advance(len(batch))
        batch.clear()

    for row in rows:
        values = row + tail + tuple(f.get_default() for f in fresh)
        batch.append(
            tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True))
        )
        count += 1
        if len(batch) >= 2000:
            flush()
    if batch:
        flush()
    return count


def reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def next_pk(model: Any) -> int:
    from django.db.models import Max

    return int(models_qs(model).aggregate(top=Max("pk"))["top"] or 0) + 1


def models_qs(model: Any) -> Any:
    """All rows through a plain queryset (no scoped or audited manager in the way)."""
    from django.db.models import QuerySet

    return QuerySet(model=model)


# A participant's columns as the seed writes them, before its sealed identity.
PARTICIPANT_COLUMNS = [
    "id",
    "row_uuid",
    "code",
    "district_id",
    "serial",
    "code_year",
    "sex",
    "age_band",
    "is_juvenile",
    "is_youth",
    "cnic_index",
    "registered_by_id",
]

# The identity columns, in the order the workers return them.
SEALED_IDENTITY = [
    "sealed_name",
    "sealed_name_native",
    "sealed_father_name",
    "sealed_father_name_native",
    "sealed_cnic",
    "sealed_birth_date",
    "sealed_birth_year",
]


def _invent_and_seal(task: tuple[int, int, int, datetime.date]) -> tuple[int, list[Any]]:
    """A worker's share: ``count`` registrations of invented people (duplicates among them),
    each sealed for a new row id and keyed for blocking. No database."""
    from bahali.registry.services import seal_identity_in_bulk
    from bahali.registry.synthetic import generate

    seed, count, start, today = task
    records: list[Any] = []
    truth: dict[str, str] = {}
    round_ = 0
    while len(records) < count:
        more, found = generate(max(1, (count - len(records)) // 2 + 1), seed=seed + round_)
        prefix = f"{seed}.{round_}."
        records.extend(replace_id(record, prefix) for record in more)
        truth.update({prefix + key: value for key, value in found.items()})
        round_ += 1
    out = []
    for record in records[:count]:
        row_uuid = uuid.uuid4()
        sealed = seal_identity_in_bulk(
            record, row_uuid=row_uuid, code=record.record_id, district=record.district, today=today
        )
        person = f"{seed}.{truth[record.record_id]}"
        out.append((person, row_uuid, record.district, record.sex or "m", sealed))
    return start, out


def replace_id(record: Any, prefix: str) -> Any:
    import dataclasses

    return dataclasses.replace(record, record_id=prefix + record.record_id)


class Seeder:
    """Seeds ``size`` (see :func:`sizes`) into the default database; :meth:`run` once."""

    def __init__(
        self,
        size: dict[str, int],
        *,
        password: str | None = None,
        seed: int = 4,
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> None:
        from django.utils import timezone

        self.size = size
        self.n_cases = size["cases"]
        self.n_items = size["items"]
        self.password = password
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible)
        self.today = timezone.localdate()
        self.counts: dict[str, int] = {}
        self.timings: list[tuple[str, float]] = []
        self.progress = progress or Quiet(0)
        self.workers = workers or max(1, min(2, os.cpu_count() or 1))

    def load(self, model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Write ``rows`` in bulk, move the table's id sequence past them, and record the
        load in the audit chain (one event naming the model, the rows and the id range)."""
        from django.db.models import Max, Min

        from bahali.audit.services import record_many

        first = next_pk(model)
        count = copy_rows(model, columns, rows, self.progress.advance)
        reset_sequences(model)
        span = models_qs(model).filter(pk__gte=first).aggregate(low=Min("pk"), high=Max("pk"))
        record_many(
            [
                (
                    "seed.loaded",
                    None,
                    {
                        "model": [None, model._meta.label_lower],
                        "rows": [None, count],
                        "ids": [None, f"{span['low']}-{span['high']}" if count else ""],
                    },
                )
            ]
        )
        return count

    def run(self) -> Seeded:
        from bahali.aftercare.models import CheckIn, OutcomeEvent
        from bahali.assessments.models import Assessment
        from bahali.audit.services import record
        from bahali.cases.models import Case, PhaseChange, SignOff, TeamMember, TransitionRequest
        from bahali.casework.models import Attendance, Goal, GoalReview, Note, Session
        from bahali.core.context import SYSTEM, acting_as
        from bahali.registry.models import BlockingKey, Participant, ParticipantLink

        phases: list[tuple[str, Callable[[], None]]] = [
            ("organisations, users, programmes", self.reference_data),
            ("participants (sealed identities, blocking keys)", self.participants),
            ("cases", self.cases),
            ("teams", self.teams),
            ("phase history, requests, sign-offs", self.pathway),
            ("plan goals and reviews", self.goals),
            ("sessions and attendance", self.sessions),
            ("notes (sealed)", self.notes),
            ("check-ins", self.check_ins),
            ("assessments (sealed), outcome events", self.assessments_and_outcomes),
            ("grievances (sealed)", self.grievances),
            ("research consents", self.research_consents),
            ("due dates (bahali cases refresh-due)", self.due_dates),
            (
                "stored evidence figures and ratings (bahali evidence figures, ratings)",
                self.evidence_figures,
            ),
        ]
        # the tables of millions of rows: their indexes and foreign keys are made once,
        # after the phase has copied its rows in (:func:`indexes_deferred`)
        bulk: dict[Callable[[], None], tuple[Any, ...]] = {
            self.participants: (Participant, BlockingKey, ParticipantLink),
            self.cases: (Case,),
            self.teams: (TeamMember,),
            self.pathway: (PhaseChange, TransitionRequest, SignOff),
            self.goals: (Goal, GoalReview),
            self.sessions: (Session, Attendance),
            self.notes: (Note,),
            self.check_ins: (CheckIn,),
            self.assessments_and_outcomes: (Assessment, OutcomeEvent),
        }
        after = [("VACUUM ANALYZE", self.analyse)] if connection.vendor == "postgresql" else []
        self.progress.phases = len(phases) + len(after)

        def run(label: str, work: Callable[[], None]) -> None:
            self.progress.phase(label)
            started = time.perf_counter()
            with batches.indexes_deferred(*bulk.get(work, ())):
                work()
            self.timings.append((label, time.perf_counter() - started))

        # One transaction (acting_as): all of it, or nothing if a phase fails.
        with acting_as(SYSTEM, reason="synthetic data (bahali seed)"):
            for label, work in phases:
                run(label, work)
            record("seed.national", changes={"counts": [None, self.counts]})
        for label, work in after:  # VACUUM runs outside a transaction
            run(label, work)
        self.progress.finish()
        return Seeded(
            manager=self.manager,
            case_worker=self.case_worker,
            monitor=self.monitor,
            probes=self.probes,
            programmes=self.programmes,
            swat=self.districts["SWT"],
            counts=self.counts,
            timings=self.timings,
            lines=self.report(),
        )

    def analyse(self) -> None:
        """VACUUM ANALYZE; inside a caller's transaction (a test's), ANALYZE alone."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")

    def due_dates(self) -> None:
        """Rows copied in bypass the hooks that keep ``Case.next_due_on``: as after a restore."""
        from bahali.cases import due

        self.counts["cases due"] = due.refresh()

    def evidence_figures(self) -> None:
        """Rows copied in bypass the hooks that keep the stored per-case figures and rating
        comparisons too."""
        from bahali.evidence import figures, ratings

        self.counts["cases with stored figures"] = figures.refresh()
        self.counts["assessments read for rating comparisons"] = ratings.refresh()

    # organisations, memberships, programmes: small, through services / bulk_create
    def reference_data(self) -> None:
        from django.contrib.auth.hashers import make_password

        from bahali.accounts.models import Membership, User
        from bahali.accounts.roles import Role
        from bahali.core.context import SYSTEM
        from bahali.geography.models import District
        from bahali.organisations.models import OrganisationKind as Kind
        from bahali.organisations.services import register_organisation
        from bahali.programmes.services import load_blueprint

        rng = self.rng
        self.districts = {d.code: d for d in District.objects.filter(code__in=DISTRICT_WEIGHTS)}

        def org(name: str, kind: str, district: str = "SWT") -> Any:
            return register_organisation(
                actor=SYSTEM, name=name, kind=kind, district=self.districts[district]
            )

        self.lead = org("KP Rehabilitation Directorate", Kind.LEAD_AGENCY, "PEW")
        self.centres = [
            org(f"{name} Centre", Kind.REHABILITATION_CENTRE)
            for name in ("Sabaoon", "Mishal", "Rastoon", "Sparlay")
        ]
        self.prisons = [
            org(f"{name} Prison", Kind.PRISON_SERVICE, "PEW") for name in ("Central", "District")
        ]
        self.csos = [
            org(f"Community Organisation {n}", Kind.CIVIL_SOCIETY, d)
            for n, d in zip(range(1, 11), itertools.cycle(DISTRICT_WEIGHTS), strict=False)
        ]
        self.committees: dict[str, list[Any]] = {}
        for n, code in enumerate(itertools.islice(itertools.cycle(DISTRICT_WEIGHTS), 30)):
            committee = org(
                f"Reintegration Committee {n + 1} ({code})", Kind.COMMUNITY_COMMITTEE, code
            )
            self.committees.setdefault(code, []).append(committee)
        self.security = [
            org(f"Security Liaison Office {n}", Kind.SECURITY_LIAISON) for n in (1, 2, 3)
        ]
        self.oversight = org("Human Rights Commission", Kind.OVERSIGHT_BODY, "PEW")

        password = make_password(self.password)
        users: list[User] = []
        plan: list[tuple[int, str, list[str]]] = []  # organisation, role, districts

        def person(organisation: Any, role: str, districts: Iterable[str] = ("SWT",)) -> None:
            plan.append((organisation.pk, role, list(districts)))

        for organisation, role, count in self._staffing():
            for _ in range(count):
                person(organisation, role)
        for code in DISTRICT_WEIGHTS:
            person(self.lead, Role.PROGRAMME_MANAGER, [code])
        for organisation in self.security:
            for code in DISTRICT_WEIGHTS:
                person(organisation, Role.SECURITY_LIAISON, [code])
        for code, committees in self.committees.items():
            for committee in committees:
                for _ in range(2):
                    person(committee, Role.COMMITTEE_MEMBER, [code])
        for _ in range(3):
            person(self.oversight, Role.OVERSIGHT_MONITOR)
            person(self.lead, Role.DATA_STEWARD)
        # the measured ones: listed last, so they are easy to find
        person(self.lead, Role.PROGRAMME_MANAGER, ["SWT", "BNR"])
        person(self.centres[0], Role.CASE_WORKER)
        person(self.oversight, Role.OVERSIGHT_MONITOR)
        for n, _entry in enumerate(plan):
            users.append(
                User(
                    username=f"staff{n:04d}",
                    first_name=rng.choice(["Ayesha", "Bilal", "Farhan", "Gul", "Hina", "Imran"]),
                    last_name=rng.choice(["Khan", "Yousafzai", "Shah", "Afridi", "Bibi", "Ali"]),
                    password=password,
                )
            )
        users = User.objects.bulk_create(users)
        memberships = Membership.objects.bulk_create(
            [
                Membership(user=user, organisation_id=organisation, role=role)
                for user, (organisation, role, _d) in zip(users, plan, strict=True)
            ]
        )
        through = Membership.districts.through
        through.objects.bulk_create(
            [
                through(membership_id=m.pk, district_id=self.districts[code].pk)
                for m, (_o, _r, codes) in zip(memberships, plan, strict=True)
                for code in codes
            ]
        )
        self.manager, self.case_worker, self.monitor = users[-3:]
        self.case_worker_membership = memberships[-2]
        self.counts["memberships"] = len(memberships)
        # team pools per organisation and role (the measured case worker is placed by hand)
        self.pool: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for m in memberships[:-3]:
            self.pool.setdefault((m.organisation_id, m.role), []).append((m.pk, m.user_id))
        self.users_of: dict[int, list[int]] = {}
        for m in memberships:
            self.users_of.setdefault(m.organisation_id, []).append(m.user_id)

        self.programmes = {
            key: load_blueprint(
                actor=SYSTEM,
                blueprint=key,
                lead_organisation=self.lead,
                districts=list(self.districts.values()),
            )
            for key in PROGRAMME_WEIGHTS
        }
        self.phases: dict[str, list[Any]] = {}
        self.transitions: dict[tuple[int, int], Any] = {}
        for key, programme in self.programmes.items():
            phases = list(programme.phases.order_by("order"))
            first = next(i for i, p in enumerate(phases) if p.is_entry)
            self.phases[key] = phases[first:]
            for t in programme.transitions.all():
                self.transitions[(t.from_phase_id, t.to_phase_id)] = t

    def _staffing(self) -> list[tuple[Any, str, int]]:
        """How many of each team role every centre, prison and community organisation
        employs: enough for a caseload of a few dozen open cases each (``CASELOAD``), from
        the open cases it is expected to hold (``_plan_cases``: a quarter of the cases
        closed; a centre or prison leads its programme's cases, a community organisation the
        community programme's and provides the trainer and mentor of every case), and never
        fewer than a small team. The measured case worker alone holds a few hundred."""
        from bahali.accounts.roles import Role

        open_cases = self.n_cases * 0.75
        weight = sum(PROGRAMME_WEIGHTS.values())
        led = {
            **{
                o.pk: open_cases * PROGRAMME_WEIGHTS["centre"] / weight / len(self.centres)
                for o in self.centres
            },
            **{
                o.pk: open_cases * PROGRAMME_WEIGHTS["prison"] / weight / len(self.prisons)
                for o in self.prisons
            },
            **{
                o.pk: open_cases * PROGRAMME_WEIGHTS["community"] / weight / len(self.csos)
                for o in self.csos
            },
        }
        supported = open_cases / len(self.csos)  # a community organisation's trainees
        staffing = []
        for organisation in [*self.centres, *self.prisons, *self.csos]:
            community = organisation in self.csos
            for role, (smallest, caseload) in CASELOAD.items():
                cases = supported if role in (Role.TRAINER, Role.MENTOR) else led[organisation.pk]
                if role in (Role.TRAINER, Role.MENTOR) and not community:
                    cases = 0  # a centre's or prison's own trainers and mentors: no cases
                count = max(smallest // 2 + 1 if community else smallest, round(cases / caseload))
                staffing.append((organisation, role, count))
        return staffing

    def _opened(self) -> datetime.date:
        return self.today - datetime.timedelta(days=int(self.rng.triangular(5, 1500, 200)))

    def _plan_cases(self, p0: int) -> None:
        """Where each case is worked and how far it went; its participant is one of the
        first registered (``p0`` on), whose registration district is the case's."""
        from bahali.cases.models import Case

        rng = self.rng
        rows: list[CaseRow] = []
        case_rows = []
        c0 = next_pk(Case)
        for n in range(self.n_cases):
            programme = _pick(rng, PROGRAMME_WEIGHTS)
            district = _pick(rng, DISTRICT_WEIGHTS)
            phases = self.phases[programme]
            closed = rng.random() < 0.25
            if closed:
                index = len(phases) - 1 if rng.random() < 0.6 else rng.randrange(len(phases) - 1)
            else:  # most open cases sit in the early and middle phases
                index = min(int(rng.expovariate(0.7)), len(phases) - 2)
            opened = self._opened()
            closed_on = opened + datetime.timedelta(days=rng.randrange(1, 400)) if closed else None
            if closed_on and closed_on > self.today:
                closed_on = self.today
            lead = (
                rng.choice(self.centres).pk
                if programme == "centre"
                else rng.choice(self.prisons).pk
                if programme == "prison"
                else rng.choice(self.csos).pk
            )
            row = CaseRow(
                pk=c0 + n,
                participant=p0 + n,
                programme=programme,
                district=district,
                phase_index=index,
                opened=opened,
                closed=closed_on,
                lead=lead,
                cso=rng.choice(self.csos).pk,
                committee=rng.choice(self.committees[district]).pk,
            )
            rows.append(row)
            source = rng.choice(["security_forces", "police", "prison", "family", "community"])
            phase = phases[index]
            case_rows.append(
                (
                    row.pk,
                    row.participant,
                    self.programmes[programme].pk,
                    phase.pk,
                    min(
                        self.today,
                        closed_on or opened + datetime.timedelta(days=rng.randrange(120)),
                    ),
                    lead,
                    self.districts[district].pk,
                    source,
                    rng.choice(self.security).pk
                    if source in ("security_forces", "police")
                    else None,
                    row.committee,
                    _pick(rng, RISK_WEIGHTS),
                    opened,
                    closed_on,
                    (
                        "completed"
                        if index == len(phases) - 1
                        else rng.choice(["withdrawn", "exited", "transferred"])
                    )
                    if closed_on
                    else "",
                )
            )
        self.rows = rows
        self.case_rows = case_rows

    def participants(self) -> None:
        """The registry: people invented in chunks (each chunk with its own duplicates),
        sealed and keyed in worker processes, written here in order. The first ``cases``
        participants are registered in their case's district."""
        from django.db.models import Max

        from bahali.audit.services import record
        from bahali.geography.models import District
        from bahali.registry import rekeying
        from bahali.registry.codes import make_code
        from bahali.registry.matching.blocking import KEY_SCHEME
        from bahali.registry.models import Participant, ParticipantLink

        p0 = next_pk(Participant)
        self._plan_cases(p0)
        case_district = [row.district for row in self.rows]
        districts = {d.code: d.pk for d in District.objects.all()}
        year = self.today.year % 100
        serials: dict[str, int] = {}
        for code, top in (
            models_qs(Participant)
            .filter(code_year=year)
            .values_list("district__code")
            .annotate(top=Max("serial"))
        ):
            serials[code] = top
        total = self.size["participants"]
        chunk = 10_000  # records per task: about 5,000 people registered twice on average
        tasks = [
            (self.seed * 1_000_003 + n, min(chunk, total - start), start, self.today)
            for n, start in enumerate(range(0, total, chunk))
        ]
        participant_rows: list[tuple[Any, ...]] = []
        key_rows: list[tuple[Any, ...]] = []
        people: set[str] = set()
        self.counts["participants"] = 0
        self.counts["blocking keys"] = 0
        registered_by = self.centres[0].pk
        # Forked workers inherit this process's open connection but never use it, and leave
        # with os._exit (no finaliser says goodbye to the server on it).
        context = multiprocessing.get_context("fork")
        with context.Pool(self.workers) as pool:
            for start, records in pool.imap(_invent_and_seal, tasks):
                for offset, (person, row_uuid, district, sex, sealed) in enumerate(records):
                    n = start + offset
                    pk = p0 + n
                    people.add(person)
                    code_district = case_district[n] if n < len(case_district) else district
                    if code_district not in districts:
                        code_district = "SWT"
                    serial = serials.get(code_district, 0) + 1
                    serials[code_district] = serial
                    code_year = year - (serial - 1) // 99_999
                    code_serial = (serial - 1) % 99_999 + 1
                    participant_rows.append(
                        (
                            pk,
                            row_uuid,
                            make_code(code_district, code_year, code_serial),
                            districts[code_district],
                            code_serial,
                            code_year,
                            sex,
                            sealed.age_band,
                            sealed.is_juvenile,
                            sealed.is_youth,
                            sealed.cnic_index,
                            registered_by,
                            *(sealed.sealed[name] for name in SEALED_IDENTITY),
                        )
                    )
                    key_rows.extend((pk, key) for key in sealed.blocking_keys)
                if len(participant_rows) >= 50_000 or start + len(records) >= total:
                    self._write_participants(participant_rows, key_rows)
                    participant_rows, key_rows = [], []
        if participant_rows:
            self._write_participants(participant_rows, key_rows)
        self.counts["people (before duplicates)"] = len(people)
        self.counts["participant links"] = self.load(
            ParticipantLink,
            ["participant_id", "organisation_id"],
            ((pk, registered_by) for pk in range(p0, p0 + self.counts["participants"])),
        )
        # The seed fills an empty registry (it refuses any other), every key made by the
        # current scheme: said as the re-keying says it, so no upgrade step is asked for.
        record(
            rekeying.COMPLETE,
            changes={
                "scheme": [None, KEY_SCHEME],
                "participants": [None, self.counts["participants"]],
            },
        )

    def _write_participants(
        self, participant_rows: list[tuple[Any, ...]], key_rows: list[tuple[Any, ...]]
    ) -> None:
        from bahali.registry.models import BlockingKey, Participant

        columns = [*PARTICIPANT_COLUMNS, *SEALED_IDENTITY]
        self.counts["participants"] += self.load(Participant, columns, participant_rows)
        self.counts["blocking keys"] += self.load(BlockingKey, ["participant_id", "key"], key_rows)

    def cases(self) -> None:
        from bahali.cases.models import Case

        self.counts["cases"] = self.load(
            Case,
            [
                "id",
                "participant_id",
                "programme_id",
                "phase_id",
                "phase_entered_on",
                "lead_organisation_id",
                "district_id",
                "referral_source",
                "referred_by_id",
                "receiving_committee_id",
                "risk_band",
                "opened_on",
                "closed_on",
                "closure",
            ],
            self.case_rows,
        )
        del self.case_rows
        self._choose_probes()

    def _choose_probes(self) -> None:
        """Open centre cases in Swat: the measured case worker sits on a few hundred of them,
        among them the probe cases; every measured user sees the probes."""
        rng = self.rng
        eligible = [
            r
            for r in self.rows
            if r.programme == "centre" and r.district == "SWT" and r.closed is None
        ]
        chosen = rng.sample(
            eligible, min(len(eligible), max(2 * PROBES, self.n_cases * 300 // 200_000))
        )
        self.on_worker_team = {r.pk for r in chosen}
        self.probes = {
            "small": [r.pk for r in chosen[:PROBES]],
            "large": [r.pk for r in chosen[PROBES : 2 * PROBES]],
        }

    def teams(self) -> None:
        from bahali.cases.models import CaseRole, TeamMember

        rng = self.rng
        roles = [
            ("case_worker", CaseRole.LEAD_CASE_WORKER, "lead"),
            ("psychologist", CaseRole.PSYCHOLOGIST, "lead"),
            ("religious_scholar", CaseRole.RELIGIOUS_SCHOLAR, "lead"),
            ("trainer", CaseRole.TRAINER, "cso"),
            ("mentor", CaseRole.MENTOR, "cso"),
        ]
        t0 = next_pk(TeamMember)
        worker = (self.case_worker_membership.pk, self.case_worker.pk)

        def generate() -> Iterator[tuple[Any, ...]]:
            pk = t0
            for row in self.rows:
                joined = row.opened + datetime.timedelta(days=rng.randrange(0, 10))
                for role, case_role, where in roles:
                    organisation = row.lead if where == "lead" else row.cso
                    membership, user = rng.choice(self.pool[(organisation, role)])
                    if role == "case_worker" and row.pk in self.on_worker_team:
                        membership, user = worker
                    row.team.append((pk, membership, user))
                    yield (pk, row.pk, membership, case_role, joined, None)
                    pk += 1
                if rng.random() < 0.08:  # someone left: history on the timeline
                    membership, user = rng.choice(self.pool[(row.cso, "case_worker")])
                    left = joined + datetime.timedelta(days=rng.randrange(10, 200))
                    yield (
                        pk,
                        row.pk,
                        membership,
                        CaseRole.CASE_WORKER,
                        joined,
                        min(left, self.today),
                    )
                    pk += 1

        self.counts["team members"] = self.load(
            TeamMember,
            ["id", "case_id", "membership_id", "case_role", "joined_on", "left_on"],
            generate(),
        )

    def _signer(self, kind: str, row: CaseRow) -> tuple[int, int]:
        organisation = {
            "rehabilitation_centre": row.lead,
            "prison_service": row.lead,
            "civil_society": row.cso,
            "community_committee": row.committee,
            "security_liaison": self.security[0].pk,
            "oversight_body": self.oversight.pk,
        }.get(kind, row.lead)
        return organisation, self.rng.choice(self.users_of[organisation])

    def pathway(self) -> None:
        from bahali.cases.models import PhaseChange, SignOff, TransitionRequest

        rng = self.rng
        changes: list[tuple[Any, ...]] = []
        requests: list[tuple[Any, ...]] = []
        sign_offs: list[tuple[Any, ...]] = []
        ch, rq, so = next_pk(PhaseChange), next_pk(TransitionRequest), next_pk(SignOff)
        kinds_of = {
            "rehabilitation_centre": "rehabilitation_centre",
            "prison_service": "prison_service",
            "civil_society": "civil_society",
            "community_committee": "community_committee",
        }
        for row in self.rows:
            phases = self.phases[row.programme]
            requester = row.team[0][2]
            when = datetime.datetime.combine(row.opened, datetime.time(9), datetime.UTC)
            changes.append((ch, row.pk, None, phases[0].pk, "", row.opened, requester, None, when))
            ch += 1
            span = max(1, ((row.closed or self.today) - row.opened).days)
            for i in range(row.phase_index):
                moved = row.opened + datetime.timedelta(
                    days=span * (i + 1) // (row.phase_index + 1)
                )
                at = datetime.datetime.combine(moved, datetime.time(11), datetime.UTC)
                transition = self.transitions.get((phases[i].pk, phases[i + 1].pk))
                request_pk = None
                if transition is not None:
                    request_pk = rq
                    requests.append(
                        (
                            rq,
                            row.pk,
                            transition.pk,
                            requester,
                            "Ready for the next phase.",
                            "applied",
                            at,
                            at - datetime.timedelta(days=5),
                            at,
                        )
                    )
                    rq += 1
                    for kind in transition.required_kinds:
                        organisation, user = self._signer(kinds_of.get(kind, kind), row)
                        sign_offs.append(
                            (
                                so,
                                request_pk,
                                organisation,
                                kind,
                                user,
                                "approve",
                                "Agreed.",
                                "",
                                at,
                                at,
                            )
                        )
                        so += 1
                changes.append(
                    (
                        ch,
                        row.pk,
                        phases[i].pk,
                        phases[i + 1].pk,
                        "",
                        moved,
                        requester,
                        request_pk,
                        at,
                    )
                )
                ch += 1
            if row.closed is not None and row.phase_index < len(phases) - 1:
                at = datetime.datetime.combine(row.closed, datetime.time(12), datetime.UTC)
                changes.append(
                    (
                        ch,
                        row.pk,
                        phases[row.phase_index].pk,
                        None,
                        "withdrawn",
                        row.closed,
                        requester,
                        None,
                        at,
                    )
                )
                ch += 1
            # pending requests: about one open case in ten, some of them long overdue
            if row.closed is None and (
                rng.random() < 0.1 or row.pk in self.probes["large"][: PROBES // 2]
            ):
                transition = self.transitions.get(
                    (phases[row.phase_index].pk, phases[row.phase_index + 1].pk)
                )
                if transition is None:
                    continue
                age = rng.choice([1, 3, 7, 10, 20, 35, 60])
                at = _now() - datetime.timedelta(days=age)
                requests.append(
                    (
                        rq,
                        row.pk,
                        transition.pk,
                        requester,
                        "Ready for the next phase.",
                        "pending",
                        None,
                        at,
                        at,
                    )
                )
                for kind in transition.required_kinds[
                    : rng.randrange(0, len(transition.required_kinds) + 1)
                ]:
                    organisation, user = self._signer(kinds_of.get(kind, kind), row)
                    objection = rng.random() < 0.15
                    sign_offs.append(
                        (
                            so,
                            rq,
                            organisation,
                            kind,
                            user,
                            "object" if objection else "approve",
                            "The family is not ready yet." if objection else "Agreed.",
                            "open" if objection else "",
                            at,
                            at,
                        )
                    )
                    so += 1
                rq += 1
        self.counts["transition requests"] = self.load(
            TransitionRequest,
            [
                "id",
                "case_id",
                "transition_id",
                "requested_by_id",
                "reason",
                "status",
                "decided_at",
                "created_at",
                "updated_at",
            ],
            requests,
        )
        self.counts["pending requests"] = sum(1 for r in requests if r[5] == "pending")
        self.counts["sign-offs"] = self.load(
            SignOff,
            [
                "id",
                "request_id",
                "organisation_id",
                "organisation_kind",
                "signed_by_id",
                "decision",
                "reason",
                "objection",
                "created_at",
                "updated_at",
            ],
            sign_offs,
        )
        self.counts["phase changes"] = self.load(
            PhaseChange,
            [
                "id",
                "case_id",
                "from_phase_id",
                "to_phase_id",
                "closure",
                "changed_on",
                "changed_by_id",
                "request_id",
                "created_at",
            ],
            changes,
        )

    def goals(self) -> None:
        from bahali.casework.models import Domain, Goal, GoalReview

        rng = self.rng
        g0 = next_pk(Goal)
        goals: list[tuple[Any, ...]] = []
        reviews: list[tuple[Any, ...]] = []
        for row in self.rows:
            for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
                pk = g0 + len(goals)
                status = rng.choice(
                    ["not_started", "in_progress", "in_progress", "achieved", "discontinued"]
                )
                review_on = self.today + datetime.timedelta(days=rng.randrange(-20, 90))
                at = datetime.datetime.combine(row.opened, datetime.time(10), datetime.UTC)
                goals.append(
                    (
                        pk,
                        row.pk,
                        rng.choice(Domain.values),
                        "Steady work and a place in the village",
                        row.team[rng.randrange(5)][0],
                        status,
                        review_on,
                        at,
                    )
                )
                if rng.random() < 0.4:
                    reviews.append(
                        (
                            pk,
                            max(row.opened, review_on - datetime.timedelta(days=30)),
                            "Going well.",
                            status,
                            row.team[0][2],
                        )
                    )
        self.counts["plan goals"] = self.load(
            Goal,
            [
                "id",
                "case_id",
                "domain",
                "title",
                "responsible_id",
                "status",
                "review_on",
                "created_at",
            ],
            goals,
        )
        self.counts["goal reviews"] = self.load(
            GoalReview,
            ["goal_id", "reviewed_on", "progress_note", "status_after", "reviewed_by_id"],
            reviews,
        )

    def _plan_items(self) -> None:
        """How many sessions and notes each case has: skewed, summing to the target."""
        rng = self.rng
        probe_size = dict.fromkeys(self.probes["small"], SMALL)
        probe_size.update(dict.fromkeys(self.probes["large"], LARGE))
        remaining = self.n_items - sum(probe_size.values())
        others = [r for r in self.rows if r.pk not in probe_size]
        weights = [rng.lognormvariate(0, 0.9) for _ in others]
        scale = remaining / sum(weights)
        for row, weight in zip(others, weights, strict=True):
            total = max(1, round(weight * scale))
            row.sessions = total // 2
            row.notes = total - row.sessions
        for row in self.rows:
            if row.pk in probe_size:
                row.sessions = probe_size[row.pk] // 2
                row.notes = probe_size[row.pk] - row.sessions

    def sessions(self) -> None:
        from bahali.casework.models import Attendance, Session

        self._plan_items()
        rng = self.rng
        kinds = ["counselling", "dialogue", "education", "vocational", "life_skills", "recreation"]
        s0, a0 = next_pk(Session), next_pk(Attendance)
        probes = set(self.probes["small"]) | set(self.probes["large"])
        # a twentieth of the session items of ordinary cases are group sessions of four
        group_slots = [
            row for row in self.rows if row.pk not in probes for _ in range(row.sessions // 20)
        ]
        rng.shuffle(group_slots)
        groups = [group_slots[i : i + 4] for i in range(0, len(group_slots) - 3, 4)]
        groups = [g for g in groups if len({r.pk for r in g}) == 4]
        in_groups: dict[int, int] = {}
        for group in groups:
            for r in group:
                in_groups[r.pk] = in_groups.get(r.pk, 0) + 1
        dates: dict[int, tuple[datetime.date, int]] = {}
        for row in self.rows:
            dates[row.pk] = (row.opened, max(1, ((row.closed or self.today) - row.opened).days))

        def held(row_pk: int) -> datetime.date:
            opened, span = dates[row_pk]
            return opened + datetime.timedelta(days=rng.randrange(span))

        plan: list[tuple[CaseRow, int]] = [
            (row, row.sessions - in_groups.get(row.pk, 0)) for row in self.rows
        ]

        # each session's day (ordinal) and type (index in ``kinds``), in order: its
        # attendance rows carry both (``Attendance.held_on``, ``kind``)
        session_days = array.array("i")
        session_kinds = bytearray()

        def session_rows() -> Iterator[tuple[Any, ...]]:
            pk = s0
            for row, count in plan:
                for _ in range(count):
                    user = row.team[rng.randrange(5)][2]
                    organisation = row.lead if rng.random() < 0.6 else row.cso
                    kind, day = rng.choice(kinds), held(row.pk)
                    session_days.append(day.toordinal())
                    session_kinds.append(kinds.index(kind))
                    yield (
                        pk,
                        kind,
                        "individual",
                        "",
                        user,
                        organisation,
                        day,
                        rng.choice([45, 60, 60, 90]),
                    )
                    pk += 1
            for group in groups:
                row = group[0]
                day = held(row.pk)
                session_days.append(day.toordinal())
                session_kinds.append(kinds.index("education"))
                yield (
                    pk,
                    "education",
                    "group",
                    "Group class",
                    row.team[2][2],
                    row.lead,
                    day,
                    120,
                )
                pk += 1

        statuses = ["present"] * 17 + ["absent", "absent", "excused"]

        def of(session: int) -> tuple[datetime.date, str]:
            n = session - s0
            return datetime.date.fromordinal(session_days[n]), kinds[session_kinds[n]]

        def attendance_rows() -> Iterator[tuple[Any, ...]]:
            pk, session = a0, s0
            for row, count in plan:
                for _ in range(count):
                    yield (pk, session, row.pk, rng.choice(statuses), *of(session))
                    pk += 1
                    session += 1
            for group in groups:
                for r in group:
                    yield (pk, session, r.pk, rng.choice(statuses), *of(session))
                    pk += 1
                session += 1

        self.counts["sessions"] = self.load(
            Session,
            [
                "id",
                "kind",
                "format",
                "topic",
                "facilitator_id",
                "organisation_id",
                "held_on",
                "duration_minutes",
            ],
            session_rows(),
        )
        self.counts["group sessions"] = len(groups)
        self.counts["attendance"] = self.load(
            Attendance,
            ["id", "session_id", "case_id", "status", "held_on", "kind"],
            attendance_rows(),
        )

    def notes(self) -> None:
        from bahali.casework.models import Note
        from bahali.core import crypto, sealing

        rng = self.rng
        bodies = [
            f"Met at the centre (#{n}). Talked about work, family and the mosque."
            for n in range(200)
        ]
        classes = ["general"] * 14 + ["clinical"] * 4 + ["security"] * 2

        def generate() -> Iterator[tuple[Any, ...]]:
            for row in self.rows:
                opened, span = row.opened, max(1, ((row.closed or self.today) - row.opened).days)
                for _ in range(row.notes):
                    row_uuid = uuid.uuid4()
                    context = sealing.context_for(Note, row_uuid, "sealed_body")
                    yield (
                        row.pk,
                        rng.choice(classes),
                        row_uuid,
                        crypto.seal(rng.choice(bodies), context=context),
                        opened + datetime.timedelta(days=rng.randrange(span)),
                        row.team[rng.randrange(5)][2],
                    )

        self.counts["notes"] = self.load(
            Note,
            ["case_id", "sensitivity", "row_uuid", "sealed_body", "written_on", "author_id"],
            generate(),
        )

    def _spread(self, total: int, weigh: Callable[[CaseRow], float]) -> list[int]:
        """``total`` things over the cases, in proportion to ``weigh`` (skewed, summing to
        about ``total``)."""
        rng = self.rng
        weights = [weigh(row) * rng.lognormvariate(0, 0.6) for row in self.rows]
        scale = total / (sum(weights) or 1)
        counts = [int(w * scale) for w in weights]
        short = total - sum(counts)
        for index in rng.sample(range(len(counts)), min(len(counts), max(0, short))):
            counts[index] += 1
        return counts

    def check_ins(self) -> None:
        """Aftercare contacts, monthly from a date in the case: recorded when past (mostly),
        planned when ahead; a few past ones never recorded (overdue), some with warnings."""
        from bahali.aftercare.models import CheckIn

        rng = self.rng
        counts = self._spread(
            self.size["check_ins"], lambda row: 2.0 if row.phase_index >= 2 else 1.0
        )
        methods = ["home_visit", "phone", "phone", "community_report"]
        wellbeing = ["good", "good", "fair", "fair", "poor"]

        def generate() -> Iterator[tuple[Any, ...]]:
            for row, count in zip(self.rows, counts, strict=True):
                first = row.opened + datetime.timedelta(days=rng.randrange(30, 120))
                for n in range(count):
                    due = first + datetime.timedelta(days=30 * n)
                    past = due <= self.today
                    recorded = past and (row.closed is not None or rng.random() < 0.93)
                    warning = recorded and rng.random() < 0.06
                    yield (
                        row.pk,
                        due,
                        due + datetime.timedelta(days=rng.randrange(0, 6)) if recorded else None,
                        rng.choice(methods) if recorded else "",
                        rng.choice(wellbeing) if recorded else "",
                        warning and rng.random() < 0.5,
                        warning and rng.random() < 0.3,
                        warning and rng.random() < 0.4,
                        "Spoke with the family; all well at home." if recorded else "",
                        row.team[0][2] if recorded else None,
                    )

        self.counts["check-ins"] = self.load(
            CheckIn,
            [
                "case_id",
                "due_on",
                "done_on",
                "method",
                "wellbeing",
                "lost_job",
                "threats_received",
                "family_conflict",
                "notes",
                "recorded_by_id",
            ],
            generate(),
        )

    def assessments_and_outcomes(self) -> None:
        """Completed assessments with published built-in instruments (answers and ratings
        sealed per row), and outcome events after return, reported, verified or disproved."""
        from bahali.aftercare.models import OutcomeEvent
        from bahali.assessments import definition as spec
        from bahali.assessments.models import Assessment, InstrumentVersion
        from bahali.core import crypto, sealing

        rng = self.rng
        versions = list(
            models_qs(InstrumentVersion).filter(published_at__isnull=False).order_by("pk")
        )
        bands = ["low", "low", "moderate", "moderate", "high"]

        def answers_of(version: Any) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for item in spec.items(version.definition):
                choices = spec.choices_for(version.definition, item)
                if choices:
                    found[item["name"]] = rng.choice(choices)["name"]
            return found

        def generate() -> Iterator[tuple[Any, ...]]:
            if not versions:
                return
            counts = self._spread(self.size["assessments"], lambda row: 1.0)
            for row, count in zip(self.rows, counts, strict=True):
                for _ in range(count):
                    version = rng.choice(versions)
                    row_uuid = uuid.uuid4()
                    ratings = {
                        domain["name"]: {
                            "rating": rng.choice(bands),
                            "rationale": "Seen over several sessions; family confirms.",
                        }
                        for domain in spec.rated_domains(version.definition)
                    }
                    overall = bool(version.definition.get("overall"))
                    assessed = row.opened + datetime.timedelta(
                        days=rng.randrange(max(1, ((row.closed or self.today) - row.opened).days))
                    )
                    at = datetime.datetime.combine(assessed, datetime.time(15), datetime.UTC)

                    def sealed(name: str, text: str, row_uuid: uuid.UUID = row_uuid) -> str:
                        return crypto.seal(
                            text, context=sealing.context_for(Assessment, row_uuid, name)
                        )

                    yield (
                        row_uuid,
                        row.pk,
                        version.pk,
                        row.team[1][2],
                        assessed,
                        "completed",
                        sealed("sealed_answers", _dumps(answers_of(version))),
                        sealed("sealed_domain_ratings", _dumps(ratings)),
                        rng.choice(bands) if overall else "",
                        sealed("sealed_overall_rationale", "Steady progress.") if overall else "",
                        at,
                    )

        self.counts["assessments"] = self.load(
            Assessment,
            [
                "row_uuid",
                "case_id",
                "instrument_version_id",
                "assessor_id",
                "assessed_on",
                "status",
                "sealed_answers",
                "sealed_domain_ratings",
                "overall_rating",
                "sealed_overall_rationale",
                "completed_at",
            ],
            generate(),
        )
        kinds = [
            ("employment", 30),
            ("family_reunification", 20),
            ("community_acceptance", 20),
            ("education_completed", 10),
            ("re_arrest", 8),
            ("reconviction", 3),
            ("re_engagement", 2),
            ("violence", 3),
        ]
        kind_names, kind_weights = zip(*kinds, strict=True)
        sources = ["police", "court", "team", "committee", "family", "employer"]

        def outcomes() -> Iterator[tuple[Any, ...]]:
            returned = [row for row in self.rows if row.phase_index >= 2 or row.closed]
            for _ in range(self.size["outcomes"] if returned else 0):
                row = rng.choice(returned)
                start = row.closed or row.opened
                occurred = min(self.today, start + datetime.timedelta(days=rng.randrange(1, 700)))
                verification = rng.choice(["reported", "verified", "verified", "disproved"])
                checked = verification != "reported"
                yield (
                    row.pk,
                    rng.choices(kind_names, weights=kind_weights)[0],
                    occurred,
                    rng.choice(sources),
                    verification,
                    row.team[0][2],
                    row.lead,
                    row.team[0][2] if checked else None,
                    min(self.today, occurred + datetime.timedelta(days=14)) if checked else None,
                )

        self.counts["outcome events"] = self.load(
            OutcomeEvent,
            [
                "case_id",
                "kind",
                "occurred_on",
                "source",
                "verification",
                "reported_by_id",
                "reporting_organisation_id",
                "verified_by_id",
                "verified_on",
            ],
            outcomes(),
        )

    def grievances(self) -> None:
        """Complaints over the districts, the complainant sealed; most acknowledged in time,
        many resolved, some late."""
        from bahali.core import crypto, sealing
        from bahali.grievances.models import Grievance

        rng = self.rng
        categories = ["mistreatment", "rights_violation", "support_not_paid", "stigma_threats"]
        categories += ["data_misuse", "other"]
        steward = self.users_of[self.lead.pk][0]

        def generate() -> Iterator[tuple[Any, ...]]:
            for n in range(self.size["grievances"]):
                row = rng.choice(self.rows)
                row_uuid = uuid.uuid4()
                received = self.today - datetime.timedelta(days=rng.randrange(0, 900))
                status = rng.choice(["received", "acknowledged", "resolved", "resolved"])
                acknowledged = (
                    received + datetime.timedelta(days=rng.randrange(0, 12))
                    if status != "received"
                    else None
                )
                resolved = (
                    received + datetime.timedelta(days=rng.randrange(5, 60))
                    if status == "resolved"
                    else None
                )
                yield (
                    row_uuid,
                    f"GRV-{n // 10_000:04d}-{n % 10_000:04d}-{self.seed:x}"[:20],
                    rng.choice(["public_form", "staff"]),
                    rng.choice(categories),
                    rng.choice(["participant", "family", "community", "other"]),
                    crypto.seal(
                        "Complainant " + str(n),
                        context=sealing.context_for(Grievance, row_uuid, "sealed_name"),
                    ),
                    crypto.seal(
                        f"03{rng.randrange(10**8, 10**9)}",
                        context=sealing.context_for(Grievance, row_uuid, "sealed_contact"),
                    ),
                    row.participant if rng.random() < 0.5 else None,
                    self.districts[row.district].pk,
                    row.lead,
                    "The support payment was three months late.",
                    received,
                    received + datetime.timedelta(days=7),
                    received + datetime.timedelta(days=30),
                    status,
                    min(acknowledged, self.today) if acknowledged else None,
                    steward if acknowledged else None,
                    min(resolved, self.today) if resolved else None,
                    steward if resolved else None,
                )

        self.counts["grievances"] = self.load(
            Grievance,
            [
                "row_uuid",
                "reference",
                "channel",
                "category",
                "complainant",
                "sealed_name",
                "sealed_contact",
                "participant_id",
                "district_id",
                "about_organisation_id",
                "description",
                "received_on",
                "acknowledge_by",
                "resolve_by",
                "status",
                "acknowledged_on",
                "acknowledged_by_id",
                "resolved_on",
                "resolved_by_id",
            ],
            generate(),
        )

    # about a third of participants agree to research at enrolment (issue 15, item 6)
    RESEARCH_SHARE = 0.35

    def research_consents(self) -> None:
        """A research consent, signed at enrolment, for about a third of the participants
        with a case (a generator of its own, so the rest of the data stays as it was)."""
        from bahali.registry.models import Consent

        rng = random.Random(self.seed + 15)  # noqa: S311 (synthetic data, reproducible)
        first: dict[int, datetime.date] = {}
        for row in self.rows:
            if row.participant not in first or row.opened < first[row.participant]:
                first[row.participant] = row.opened

        def generate() -> Iterator[tuple[Any, ...]]:
            for participant, opened in sorted(first.items()):
                if rng.random() < self.RESEARCH_SHARE:
                    yield (participant, "research", "self", "signed", opened)

        self.counts["research consents"] = self.load(
            Consent, ["participant_id", "purpose", "given_by", "method", "given_on"], generate()
        )

    def report(self) -> list[str]:
        """The counts and each phase's time, as lines to print."""
        lines = [f"engine: {connection.vendor}"]
        for label, value in self.counts.items():
            lines.append(f"  {label:<28} {value:>11,}")
        open_cases = sum(1 for r in self.rows if r.closed is None)
        lines.append(f"  {'open cases':<28} {open_cases:>11,}")
        for code in DISTRICT_WEIGHTS:
            in_district = sum(r.district == code for r in self.rows)
            lines.append(f"  {'cases in ' + code:<28} {in_district:>11,}")
        items = sorted(r.sessions + r.notes for r in self.rows)
        lines.append(
            "  sessions and notes per case: median "
            f"{items[len(items) // 2]}, p95 {items[int(len(items) * 0.95)]}, max {items[-1]}"
        )
        for label, seconds in self.timings:
            lines.append(f"  {label:<50} {seconds:7.1f}s")
        lines.append(f"  {'total':<50} {sum(s for _l, s in self.timings):7.1f}s")
        return lines


def _dumps(value: Any) -> str:
    """A sealed JSON value's text, as ``bahali.core.sealing.Sealed`` writes it."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
