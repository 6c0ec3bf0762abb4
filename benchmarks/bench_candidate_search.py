"""Candidate search at registration against a large registry.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
     .venv/bin/python benchmarks/bench_candidate_search.py [participants] [probes]

Creates a throw-away test database, bulk-registers synthetic participants
(``seed_participants``: sealed identity and keyed blocking keys, as in production), then
times ``find_candidates`` for probes that are spelling variants of registered people, and
prints p50/p95/max in milliseconds (the page render is not included). Target: p95 < 50 ms
at 200,000 participants on PostgreSQL.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")
if not os.environ.get("DATABASE_URL"):
    os.environ["BAHALI_VAR_DIR"] = tempfile.mkdtemp(prefix="bahali-bench-")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from bahali.core.context import SYSTEM
    from bahali.geography.models import District
    from bahali.organisations.services import register_organisation
    from bahali.registry import services
    from bahali.registry.models import Participant
    from bahali.registry.synthetic import generate

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    probes = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    config = setup_databases(verbosity=0, interactive=False)
    try:
        organisation = register_organisation(
            actor=SYSTEM, name="Benchmark CSO", kind="civil_society"
        )
        records, truth = generate(count, seed=7)
        # The registry holds each person once; the probes are their other records
        # (spelling variants, native script only, CNIC typos, year off by one...).
        seen: set[str] = set()
        registered, others = [], []
        for record in records:
            person = truth[record.record_id]
            (others if person in seen else registered).append(record)
            seen.add(person)
        start = time.perf_counter()
        services.seed_participants(actor=SYSTEM, records=registered, organisation=organisation)
        seeded = time.perf_counter() - start
        ids = Participant.objects.order_by("pk").values_list("pk", flat=True)
        person_of = {pk: truth[r.record_id] for pk, r in zip(ids, registered, strict=True)}
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        step = max(1, len(others) // probes)
        candidates_pool = others[::step]
        districts = {d.code: d for d in District.objects.all()}
        timings = []
        found = 0
        for record in candidates_pool[:probes]:
            identity = services.Identity(
                name=record.name,
                name_native=record.name_native,
                father_name=record.father_name,
                father_name_native=record.father_name_native,
                cnic=record.cnic,
                birth_date=record.birth_date,
                birth_year=record.birth_year,
            )
            district = districts.get(record.district) or districts["SWT"]
            start = time.perf_counter()
            result = services.find_candidates(identity, sex=record.sex or "m", district=district)
            timings.append((time.perf_counter() - start) * 1000)
            found += any(person_of[c.participant.pk] == truth[record.record_id] for c in result)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"engine: {connection.vendor}; participants: {count:,}; probes: {len(timings)}")
        print(f"seeding: {seeded:.1f}s ({count / seeded:,.0f} participants/s)")
        print(
            f"find_candidates: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
            f"max {timings[-1]:.1f} ms; true person among candidates: {found}/{len(timings)}"
        )
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
