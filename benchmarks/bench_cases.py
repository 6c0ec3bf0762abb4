"""The case list and the case page against a large pathway (issue 4).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
     .venv/bin/python benchmarks/bench_cases.py [cases] [sessions_and_notes] [--keep]

Defaults: 200,000 cases and 5,000,000 sessions and notes (about 7 minutes of seeding on two
cores). Creates a throw-away test database of its own (``test_bahali_bench_cases``, or
``$BENCH_CASES_DB``; never the one pytest uses), seeds it, then requests pages through the
whole HTTP stack (``django.test.Client``: middleware, sessions, sign-in through the sign-in
page, templates) and prints p50/p95/max in milliseconds, the time spent in SQL and the number
of SQL queries per request. Floors: p95 under 150 ms, and a query count that does not grow
with the data. ``--keep`` leaves the database behind; ``--reuse`` measures it again without
seeding (after a migration, say); drop it with ``dropdb``.

Who is measured (case list and case pages):

* a programme manager of the lead agency covering Swat and Buner (district scope: tens of
  thousands of visible cases, all three programmes);
* a case worker of a rehabilitation centre on a few hundred case teams (team scope);
* an oversight monitor (sees every case);
* and, for the notes tab, the psychologist of each large probe case (who opens the clinical
  notes, each read audited).

The data, printed before the figures:

* the three blueprint programmes (``load_blueprint``), led by one directorate;
* organisations of every kind, a few hundred memberships; teams of five from the lead
  organisation and a CSO, some members who left;
* cases spread over phases (weighted towards the early ones), districts (most in Swat, then
  a handful of Malakand-division and merged districts), risk bands; a quarter closed;
* the phase history of each case, the applied transition requests behind it with their
  sign-offs, and pending requests (some overdue, some with an open objection);
* plan goals (some with an overdue review) and a few reviews;
* sessions (individual, plus group sessions of four) with attendance, and notes in the three
  sensitivity classes. Per-case counts are skewed (most cases a few dozen, a long tail);
  probe cases have exactly 5 ("small") or 300 ("large") sessions and notes.

Then the home page, My work (page and ``GET /api/v1/me/work``) and the sign-off queue
(page and ``GET /api/v1/sign-offs``) for a user of every role (``work_users``).

This is benchmark data, not product data. It is written with PostgreSQL ``COPY`` (psycopg),
so ``AuditedModel.save`` and the services are bypassed and no audit events are written for
it; organisations, users and programmes go through the services or ``bulk_create``. Note
bodies are sealed like production, each bound to its own row (tens of microseconds per note,
a few minutes for 2.5 million; the text comes from a pool of distinct bodies).
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")

PASSWORD = "bench-cases password 42"  # noqa: S105
TEST_DB = os.environ.get("BENCH_CASES_DB", "test_bahali_bench_cases")
STATE = Path(tempfile.gettempdir()) / f"{TEST_DB}.json"
SMALL, LARGE = 5, 300  # sessions and notes on a probe case
PROBES = 20  # probe cases of each size
RUNS = int(os.environ.get("BENCH_RUNS", "20"))  # timed requests per page and variant
WARMUP = 2
FLOOR_MS = 150.0

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
RISK_WEIGHTS = {"low": 45, "moderate": 35, "high": 12, "": 8}


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        sys.exit("bench_cases needs PostgreSQL: set DATABASE_URL (see the docstring).")
    numbers = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    cases = numbers[0] if numbers else 200_000
    items = numbers[1] if len(numbers) > 1 else 5_000_000
    if "--reuse" in sys.argv:  # measure again on the database a --keep run left behind
        connection.close()
        connection.settings_dict["NAME"] = TEST_DB
        measure(Seeded.load())
        return
    connection.settings_dict.setdefault("TEST", {})["NAME"] = TEST_DB
    config = setup_databases(verbosity=0, interactive=False)
    keep = "--keep" in sys.argv
    try:
        start = time.perf_counter()
        seeded = Seeder(cases, items).run()
        print(f"seeding: {time.perf_counter() - start:.0f}s (including VACUUM ANALYZE)")
        if keep:
            seeded.save()
        measure(seeded)
    finally:
        connection.close()
        if not keep:
            teardown_databases(config, verbosity=0)
        else:
            print(f"kept the database {TEST_DB}; --reuse measures it again, dropdb removes it")


# --- seeding --------------------------------------------------------------------------


@dataclass
class CaseRow:
    pk: int
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
    manager: Any
    case_worker: Any
    monitor: Any
    probes: dict[str, list[int]]
    programmes: dict[str, Any]
    swat: Any
    counts: dict[str, int]

    def save(self) -> None:
        state = {
            "users": [self.manager.pk, self.case_worker.pk, self.monitor.pk],
            "probes": self.probes,
            "programmes": {key: p.pk for key, p in self.programmes.items()},
            "swat": self.swat.pk,
        }
        STATE.write_text(json.dumps(state))

    @classmethod
    def load(cls) -> Seeded:
        from bahali.accounts.models import User
        from bahali.geography.models import District
        from bahali.programmes.models import Programme

        state = json.loads(STATE.read_text())
        manager, case_worker, monitor = (User.objects.get(pk=pk) for pk in state["users"])
        return cls(
            manager=manager,
            case_worker=case_worker,
            monitor=monitor,
            probes=state["probes"],
            programmes={k: Programme.objects.get(pk=pk) for k, pk in state["programmes"].items()},
            swat=District.objects.get(pk=state["swat"]),
            counts={},
        )


def _now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def copy_rows(model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY rows into ``model``'s table; concrete fields not named get their default
    (NULL, the field default, or "" for blank text; a callable default, such as a row's
    UUID, is drawn for each row)."""
    from django.db import connection

    meta = model._meta
    names = [meta.get_field(name).column for name in columns]
    given = {meta.get_field(name).attname for name in columns}
    extra: list[Any] = []
    fresh: list[Any] = []
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
        names.append(f.column)
        extra.append(value)
    tail = tuple(extra)
    names.extend(f.column for f in fresh)
    count = 0
    quoted = ", ".join(f'"{name}"' for name in names)
    sql = f'COPY "{meta.db_table}" ({quoted}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row + tail + tuple(f.get_default() for f in fresh))
            count += 1
    return count


def reset_sequences(*models: Any) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


def next_pk(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


class Seeder:
    def __init__(self, cases: int, items: int) -> None:
        from django.utils import timezone

        self.n_cases = cases
        self.n_items = items
        self.rng = random.Random(4)  # noqa: S311 (synthetic data, reproducible)
        self.today = timezone.localdate()
        self.counts: dict[str, int] = {}
        self.timings: list[tuple[str, float]] = []

    def step(self, label: str, started: float) -> None:
        self.timings.append((label, time.perf_counter() - started))

    def run(self) -> Seeded:
        started = time.perf_counter()
        from bahali.core.context import SYSTEM, acting_as

        with acting_as(SYSTEM):  # users and memberships are bulk-created, audited models
            self.reference_data()
        self.step("organisations, users, programmes", started)
        for label, work in (
            ("participants and cases", self.cases),
            ("teams", self.teams),
            ("phase history, requests, sign-offs", self.pathway),
            ("plan goals and reviews", self.goals),
            ("sessions and attendance", self.sessions),
            ("notes", self.notes),
            ("due dates (bahali cases refresh-due)", self.due_dates),
        ):
            started = time.perf_counter()
            work()
            self.step(label, started)
        started = time.perf_counter()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.step("VACUUM ANALYZE", started)
        self.report()
        return Seeded(
            manager=self.manager,
            case_worker=self.case_worker,
            monitor=self.monitor,
            probes=self.probes,
            programmes=self.programmes,
            swat=self.districts["SWT"],
            counts=self.counts,
        )

    def due_dates(self) -> None:
        """Rows copied in bypass the hooks that keep ``Case.next_due_on``: as after a restore."""
        from bahali.cases import due

        self.counts["cases due"] = due.refresh()

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

        password = make_password(PASSWORD)
        users: list[User] = []
        plan: list[tuple[int, str, list[str]]] = []  # organisation, role, districts

        def person(organisation: Any, role: str, districts: Iterable[str] = ("SWT",)) -> None:
            plan.append((organisation.pk, role, list(districts)))

        team_roles = [
            (Role.CASE_WORKER, 12),
            (Role.PSYCHOLOGIST, 5),
            (Role.RELIGIOUS_SCHOLAR, 5),
            (Role.TRAINER, 4),
            (Role.MENTOR, 4),
        ]
        for organisation in [*self.centres, *self.prisons, *self.csos]:
            for role, count in team_roles:
                for _ in range(count if organisation not in self.csos else count // 2 + 1):
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
                    username=f"bench{n:04d}",
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

    def _opened(self) -> datetime.date:
        return self.today - datetime.timedelta(days=int(self.rng.triangular(5, 1500, 200)))

    def cases(self) -> None:
        from bahali.cases.models import Case
        from bahali.registry.codes import make_code
        from bahali.registry.models import Participant

        rng = self.rng
        rows: list[CaseRow] = []
        participant_rows = []
        case_rows = []
        p0, c0 = next_pk(Participant), next_pk(Case)
        serials: dict[str, int] = {}
        year = self.today.year % 100
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
            serial = serials.get(district, 0) + 1
            serials[district] = serial
            code_year = year - (serial - 1) // 99_999
            code_serial = (serial - 1) % 99_999 + 1
            participant_rows.append(
                (
                    p0 + n,
                    make_code(district, code_year, code_serial),
                    self.districts[district].pk,
                    code_serial,
                    code_year,
                    rng.choice("mmmmf"),
                    rng.choice(["15-17", "18-24", "18-24", "25-34", "35-49"]),
                    self.centres[0].pk,
                )
            )
            source = rng.choice(["security_forces", "police", "prison", "family", "community"])
            phase = phases[index]
            case_rows.append(
                (
                    row.pk,
                    p0 + n,
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
        self.counts["participants"] = copy_rows(
            Participant,
            [
                "id",
                "code",
                "district_id",
                "serial",
                "code_year",
                "sex",
                "age_band",
                "registered_by_id",
            ],
            participant_rows,
        )
        self.counts["cases"] = copy_rows(
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
            case_rows,
        )
        reset_sequences(Participant, Case)
        self.rows = rows
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

        self.counts["team members"] = copy_rows(
            TeamMember,
            ["id", "case_id", "membership_id", "case_role", "joined_on", "left_on"],
            generate(),
        )
        reset_sequences(TeamMember)

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
        self.counts["transition requests"] = copy_rows(
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
        self.counts["sign-offs"] = copy_rows(
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
        self.counts["phase changes"] = copy_rows(
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
        reset_sequences(PhaseChange, TransitionRequest, SignOff)

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
        self.counts["plan goals"] = copy_rows(
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
        self.counts["goal reviews"] = copy_rows(
            GoalReview,
            ["goal_id", "reviewed_on", "progress_note", "status_after", "reviewed_by_id"],
            reviews,
        )
        reset_sequences(Goal, GoalReview)

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

        def session_rows() -> Iterator[tuple[Any, ...]]:
            pk = s0
            for row, count in plan:
                for _ in range(count):
                    user = row.team[rng.randrange(5)][2]
                    organisation = row.lead if rng.random() < 0.6 else row.cso
                    yield (
                        pk,
                        rng.choice(kinds),
                        "individual",
                        "",
                        user,
                        organisation,
                        held(row.pk),
                        rng.choice([45, 60, 60, 90]),
                    )
                    pk += 1
            for group in groups:
                row = group[0]
                yield (
                    pk,
                    "education",
                    "group",
                    "Group class",
                    row.team[2][2],
                    row.lead,
                    held(row.pk),
                    120,
                )
                pk += 1

        statuses = ["present"] * 17 + ["absent", "absent", "excused"]

        def attendance_rows() -> Iterator[tuple[Any, ...]]:
            pk, session = a0, s0
            for row, count in plan:
                for _ in range(count):
                    yield (pk, session, row.pk, rng.choice(statuses))
                    pk += 1
                    session += 1
            for group in groups:
                for r in group:
                    yield (pk, session, r.pk, rng.choice(statuses))
                    pk += 1
                session += 1

        self.counts["sessions"] = copy_rows(
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
        self.counts["attendance"] = copy_rows(
            Attendance, ["id", "session_id", "case_id", "status"], attendance_rows()
        )
        reset_sequences(Session, Attendance)

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

        self.counts["notes"] = copy_rows(
            Note,
            ["case_id", "sensitivity", "row_uuid", "sealed_body", "written_on", "author_id"],
            generate(),
        )
        reset_sequences(Note)

    def report(self) -> None:
        from bahali.cases.models import TeamMember

        on_timelines = self.counts["attendance"] + self.counts["notes"]
        print(f"engine: postgresql; {on_timelines:,} sessions and notes on case timelines")
        print("  (attendance rows: one per case at a session; group sessions count per case)")
        for label, value in self.counts.items():
            print(f"  {label:<22} {value:>11,}")
        open_cases = sum(1 for r in self.rows if r.closed is None)
        print(f"  {'open cases':<22} {open_cases:>11,}")
        for code in DISTRICT_WEIGHTS:
            print(f"  {'cases in ' + code:<22} {sum(r.district == code for r in self.rows):>11,}")
        sizes = sorted(r.sessions + r.notes for r in self.rows)
        print(
            "  sessions and notes per case: median "
            f"{sizes[len(sizes) // 2]}, p95 {sizes[int(len(sizes) * 0.95)]}, max {sizes[-1]}"
        )
        teams = TeamMember.objects.filter(
            membership=self.case_worker_membership, left_on__isnull=True
        ).count()
        print(f"  measured case worker on {teams} teams")
        for label, seconds in self.timings:
            print(f"  seeding {label:<38} {seconds:6.1f}s")


# --- measuring ------------------------------------------------------------------------


@dataclass
class Result:
    who: str
    page: str
    variant: str
    timings: list[float]
    queries: list[int]
    db: list[float] = field(default_factory=list)
    rows: str = ""

    def add(self, elapsed: float, queries: int, db: float) -> None:
        self.timings.append(elapsed)
        self.queries.append(queries)
        self.db.append(db)

    @property
    def p95(self) -> float:
        ordered = sorted(self.timings)
        return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def request(client: Any, url: str, **headers: str) -> tuple[float, int, float, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url, **headers)
        elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise AssertionError(f"GET {url}: {response.status_code}")
    db = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    return elapsed, len(captured.captured_queries), db, response


def sign_in(user: Any) -> Any:
    from django.test import Client

    from bahali.testing import sign_in as sign_in_client

    client = Client()
    response = sign_in_client(client, user, PASSWORD)  # the password, then a one-time code
    if response.status_code != 302:
        raise AssertionError(f"sign-in of {user.username} failed: {response.status_code}")
    return client


def measure(seeded: Seeded) -> None:
    import re

    if "--work" in sys.argv:  # only home, My work and the sign-off queue
        print_table(work_pages(seeded))
        return

    programme = seeded.programmes["centre"]
    variants = [
        ("unfiltered", ""),
        ("programme", f"?programme={programme.pk}"),
        ("phase", "?phase=rehabilitation"),
        ("district", f"?district={seeded.swat.pk}"),
        ("risk band", "?risk_band=high"),
        ("overdue", "?overdue=on"),
        ("waiting", "?waiting=on"),
        ("combined", f"?programme={programme.pk}&phase=rehabilitation&risk_band=moderate"),
        ("page 50", "?page=50"),
    ]
    users = [
        ("manager", seeded.manager),
        ("case worker", seeded.case_worker),
        ("monitor", seeded.monitor),
    ]
    results: list[Result] = []
    for who, user in users:
        client = sign_in(user)
        for variant, query in variants:
            result = Result(who, "case list", variant, [], [])
            for n in range(WARMUP + RUNS):
                elapsed, queries, db, response = request(client, f"/cases/{query}")
                if n >= WARMUP:
                    result.add(elapsed, queries, db)
            found = re.search(rb'data-testid="case-count">([^<]*)<', response.content)
            result.rows = found.group(1).decode().strip() if found else "?"
            results.append(result)
        for size, suffix, page in (
            ("small", "", "case page"),
            ("large", "", "case page"),
            ("large", "sessions/", "sessions tab"),
            ("large", "notes/", "notes tab"),
        ):
            result = Result(who, page, f"{size} ({SMALL if size == 'small' else LARGE})", [], [])
            for pk in seeded.probes[size][:WARMUP]:
                request(client, f"/cases/{pk}/{suffix}")
            for pk in seeded.probes[size]:
                elapsed, queries, db, _response = request(client, f"/cases/{pk}/{suffix}")
                result.add(elapsed, queries, db)
            results.append(result)
    results.append(psychologist_notes(seeded))
    results.extend(work_pages(seeded))
    print_table(results)


# Home, My work (page and API) and the sign-off queue (page and API), for every role.
WORK_PAGES = [
    ("home", "/"),
    ("my work", "/cases/my-work/"),
    ("my work API", "/api/v1/me/work"),
    ("sign-offs", "/cases/sign-offs/"),
    ("sign-offs API", "/api/v1/sign-offs"),
]


def _busiest(role: str, **extra: Any) -> Any:
    """The user of ``role`` on the most case teams (the heaviest My work of the role)."""
    from django.db.models import Count, Q

    from bahali.accounts.models import Membership

    membership = (
        Membership.objects.filter(role=role, is_active=True, **extra)
        .annotate(places=Count("case_teams", filter=Q(case_teams__left_on__isnull=True)))
        .order_by("-places", "pk")
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def work_users(seeded: Seeded) -> list[tuple[str, Any]]:
    """One user of every role: the measured manager, case worker and monitor; the busiest
    psychologist, scholar, trainer and mentor; a Swat committee member, liaison and data
    steward; an analyst (added here when the seeded data has none)."""
    from django.contrib.auth.hashers import make_password

    from bahali.accounts.models import Membership, User
    from bahali.accounts.roles import Role

    users: list[tuple[str, Any]] = [
        ("manager", seeded.manager),
        ("case worker", seeded.case_worker),
        ("monitor", seeded.monitor),
    ]
    for who, role in (
        ("psychologist", Role.PSYCHOLOGIST),
        ("scholar", Role.RELIGIOUS_SCHOLAR),
        ("trainer", Role.TRAINER),
        ("mentor", Role.MENTOR),
    ):
        users.append((who, _busiest(role)))
    for who, role in (
        ("committee", Role.COMMITTEE_MEMBER),
        ("liaison", Role.SECURITY_LIAISON),
        ("steward", Role.DATA_STEWARD),
    ):
        found = (
            Membership.objects.filter(role=role, is_active=True, districts__code="SWT")
            .select_related("user")
            .order_by("pk")
            .first()
        ) or Membership.objects.filter(role=role).select_related("user").order_by("pk").first()
        users.append((who, found.user if found else None))
    analyst = Membership.objects.filter(role=Role.ANALYST).select_related("user").first()
    if analyst is None:
        from bahali.core.context import SYSTEM, acting_as

        with acting_as(SYSTEM):
            user = User.objects.create(username="bench-analyst", password=make_password(PASSWORD))
            lead = seeded.manager.memberships.first().organisation
            analyst = Membership.objects.create(user=user, organisation=lead, role=Role.ANALYST)
    users.append(("analyst", analyst.user))
    return [(who, user) for who, user in users if user is not None]


def work_pages(seeded: Seeded) -> list[Result]:
    """Each page RUNS times for each role's user (the API with a bearer token); a page a
    role may not open (the sign-off queue of an analyst) is left out."""
    from bahali.accounts.services import issue_api_token
    from bahali.testing import verified

    results: list[Result] = []
    for who, user in work_users(seeded):
        client = sign_in(user)
        token = issue_api_token(actor=verified(user), name="bench").secret
        for page, url in WORK_PAGES:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if "/api/" in url else {}
            if client.get(url, **headers).status_code != 200:
                continue
            result = Result(who, page, "", [], [])
            for n in range(WARMUP + RUNS):
                elapsed, queries, db, response = request(client, url, **headers)
                if n >= WARMUP:
                    result.add(elapsed, queries, db)
            result.rows = _work_rows(response)
            results.append(result)
    return results


def _work_rows(response: Any) -> str:
    """How much the page listed: items of the API's answer, or the page's total."""
    import re

    if response["Content-Type"].startswith("application/json"):  # a page: items and count
        return f"{response.json()['count']} items"
    found = re.search(rb'data-testid="(?:work-total|queue-count)">([^<]*)<', response.content)
    return found.group(1).decode().strip() if found else ""


def psychologist_notes(seeded: Seeded) -> Result:
    """The notes tab as each large probe case's psychologist, who opens the clinical notes:
    the page's clinical notes are read in one audited event (naming each note), a write on
    every view, by design."""
    from bahali.cases.models import CaseRole, TeamMember

    result = Result("psychologist", "notes tab", f"large ({LARGE})", [], [])
    clients: dict[int, Any] = {}
    for pk in seeded.probes["large"]:
        member = TeamMember.objects.select_related("membership__user").get(
            case=pk, case_role=CaseRole.PSYCHOLOGIST, left_on__isnull=True
        )
        user = member.membership.user
        if user.pk not in clients:
            clients[user.pk] = sign_in(user)
            request(clients[user.pk], f"/cases/{pk}/notes/")  # warm up
        elapsed, queries, db, _response = request(clients[user.pk], f"/cases/{pk}/notes/")
        result.add(elapsed, queries, db)
    return result


def print_table(results: list[Result]) -> None:
    print()
    header = (
        f"{'user':<12} {'page':<13} {'variant':<11} {'matching':>12} "
        f"{'p50':>7} {'p95':>7} {'max':>7} {'SQL p50':>8} {'queries':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        low, high = min(r.queries), max(r.queries)
        queries = f"{low}" if low == high else f"{low}-{high}"
        mark = "" if r.p95 < FLOOR_MS else "  << over the floor"
        print(
            f"{r.who:<12} {r.page:<13} {r.variant:<11} {r.rows:>12} "
            f"{statistics.median(r.timings):7.1f} {r.p95:7.1f} {max(r.timings):7.1f} "
            f"{statistics.median(r.db):8.1f} {queries:>8}{mark}"
        )
    worst = max(results, key=lambda r: r.p95)
    print(
        f"\nms per request through the HTTP stack (case list: {RUNS} requests per row; case "
        f"pages and tabs: {PROBES} different cases); SQL p50: time spent in SQL per request."
    )
    print(
        f"worst p95: {worst.p95:.1f} ms ({worst.who}, {worst.page}, {worst.variant}); "
        f"floor {FLOOR_MS:.0f} ms"
    )


if __name__ == "__main__":
    main()
