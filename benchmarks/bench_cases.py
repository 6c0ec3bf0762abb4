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

The data is seeded by ``bahali.evidence.national`` (``bahali seed --scale``'s seeder), with
one participant per case: PostgreSQL ``COPY``, sealed values sealed as the services seal
them, one audit event per table load; organisations, users and programmes go through the
services or ``bulk_create``. Check-ins, assessments, outcome events and grievances come at
the national data set's proportions.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")

PASSWORD = "bench-cases password 42"  # noqa: S105
TEST_DB = os.environ.get("BENCH_CASES_DB", "test_bahali_bench_cases")
STATE = Path(tempfile.gettempdir()) / f"{TEST_DB}.json"
SMALL, LARGE, PROBES = 5, 300, 20  # probe cases, as bahali.evidence.national seeds them
RUNS = int(os.environ.get("BENCH_RUNS", "20"))  # timed requests per page and variant
WARMUP = 2
FLOOR_MS = 150.0


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
        measure(load())
        return
    connection.settings_dict.setdefault("TEST", {})["NAME"] = TEST_DB
    config = setup_databases(verbosity=0, interactive=False)
    keep = "--keep" in sys.argv
    try:
        start = time.perf_counter()
        seeded = seed(cases, items)
        print(f"seeding: {time.perf_counter() - start:.0f}s (including VACUUM ANALYZE)")
        if keep:
            save(seeded)
        measure(seeded)
    finally:
        connection.close()
        if not keep:
            teardown_databases(config, verbosity=0)
        else:
            print(f"kept the database {TEST_DB}; --reuse measures it again, dropdb removes it")


# --- seeding (bahali.evidence.national, as ``bahali seed --scale`` does) ---------------


def seed(cases: int, items: int) -> Any:
    """The national data set's cases, scaled to ``cases`` and ``items`` sessions and notes;
    one participant per case (the registry's size is not what is measured here)."""
    from bahali.cases.models import TeamMember
    from bahali.evidence import national

    size = national.sizes(cases / national.NATIONAL["cases"])
    size.update(participants=cases, cases=cases, items=items)
    seeded = national.Seeder(size, password=PASSWORD, progress=national.Progress(0)).run()
    for line in seeded.lines:
        print(line)
    teams = TeamMember.objects.filter(
        membership__user=seeded.case_worker, left_on__isnull=True
    ).count()
    print(f"  measured case worker on {teams} teams")
    return seeded


def save(seeded: Any) -> None:
    state = {
        "users": [seeded.manager.pk, seeded.case_worker.pk, seeded.monitor.pk],
        "probes": seeded.probes,
        "programmes": {key: p.pk for key, p in seeded.programmes.items()},
        "swat": seeded.swat.pk,
    }
    STATE.write_text(json.dumps(state))


def load() -> Any:
    from bahali.accounts.models import User
    from bahali.evidence.national import Seeded
    from bahali.geography.models import District
    from bahali.programmes.models import Programme

    state = json.loads(STATE.read_text())
    manager, case_worker, monitor = (User.objects.get(pk=pk) for pk in state["users"])
    return Seeded(
        manager=manager,
        case_worker=case_worker,
        monitor=monitor,
        probes=state["probes"],
        programmes={k: Programme.objects.get(pk=pk) for k, pk in state["programmes"].items()},
        swat=District.objects.get(pk=state["swat"]),
        counts={},
    )


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


def measure(seeded: Any) -> None:
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


def work_users(seeded: Any) -> list[tuple[str, Any]]:
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


def work_pages(seeded: Any) -> list[Result]:
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


def psychologist_notes(seeded: Any) -> Result:
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
