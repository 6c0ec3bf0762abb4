"""The district gap analysis (issue 16, item 8) for every district of Pakistan.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
     .venv/bin/python benchmarks/bench_gaps.py [initiatives] [activities] [--keep|--reuse]

Defaults: 20,000 initiatives (each in one to three districts, about half with a grant and a
disbursement) and 1,000,000 activities over two years, with population and returnees for
every district and the factor counts of 200,000 cases (``DriverCount``: what
``services.refresh_driver_counts`` keeps from the cases' factors assessments, so the
analysis never opens a sealed answer and reads ten rows per district whatever the number of
cases), and the districts' days of activities (``ActivityDay``, what ``record_activity``
keeps: a year's reach is summed from at most 366 rows per district). Seeded with ``INSERT … SELECT generate_series`` straight into a throw-away database
(``test_bahali_bench_gaps`` or ``$BENCH_GAPS_DB``; never the one pytest uses): the audit
trail is not what is measured. Then ``gaps.analyse`` runs for all districts (and for one
province) 20 times; prints p50/p95/max in milliseconds and the number of SQL queries, which
must not grow with the data. Floor: p95 under 500 ms.
"""

# ruff: noqa: S608, E501  (SQL built from constants and integers of this script)
from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings")

TEST_DB = os.environ.get("BENCH_GAPS_DB", "test_bahali_bench_gaps")
FACTORS = (
    "socio_economic", "political_marginalisation", "identity_crisis", "ideological_manipulation",
    "governance_grievance", "online_radicalisation", "coercion", "family_peer_ties", "trauma",
    "status_belonging",
)  # fmt: skip
KINDS = (
    "counter_narrative", "religious_education", "digital_literacy", "livelihood",
    "youth_engagement", "women_empowerment", "interfaith_dialogue", "sports_arts",
    "psychosocial", "cve_curricula", "family_networks",
)  # fmt: skip


def seed(initiatives: int, activities: int, cases: int = 200_000) -> None:
    from django.db import connection

    from bahali.core.context import SYSTEM
    from bahali.geography.services import load_pakistan_geography
    from bahali.organisations.models import Organisation
    from bahali.prevention import services

    load_pakistan_geography(actor=SYSTEM)
    population = services.define_indicator(actor=SYSTEM, code="population", name="Population",
                                       higher_is_need=True)  # fmt: skip
    returnees = services.define_indicator(actor=SYSTEM, code="returnees", name="Returnees",
                                      higher_is_need=True)  # fmt: skip
    from bahali.organisations.services import register_organisation

    for n in range(200):
        register_organisation(actor=SYSTEM, name=f"Bench group {n}", kind="civil_society")
    orgs = list(Organisation.objects.values_list("pk", flat=True))
    kinds = "ARRAY[" + ",".join(f"'{k}'" for k in KINDS) + "]"
    factors = "ARRAY[" + ",".join(f"'{f}'" for f in FACTORS) + "]"
    with connection.cursor() as c:
        c.execute("SELECT array_agg(id ORDER BY id) FROM geography_district")
        districts = c.fetchone()[0]
        n_d = len(districts)
        c.execute(
            """INSERT INTO prevention_districtvalue (created_at, updated_at, district_id, indicator_id, year, value)
               SELECT now(), now(), d.id, %s, 2025, 200000 + (d.id * 7919) %% 4000000 FROM geography_district d
               UNION ALL
               SELECT now(), now(), d.id, %s, 2025, (d.id * 104729) %% 900 FROM geography_district d""",
            [population.pk, returnees.pk],
        )
        c.execute(
            f"""INSERT INTO prevention_initiative (created_at, updated_at, name, lead_organisation_id, kind, starts_on,
                  ends_on, status, target_groups, frameworks, has_state_partner, coordinated,
                  description, messages, channels, version)
               SELECT now(), now(), 'Bench ' || g, (ARRAY{orgs})[1 + g %% {len(orgs)}],
                      ({kinds})[1 + g %% {len(KINDS)}], DATE '2024-01-01' + (g %% 700),
                      CASE WHEN g %% 3 = 0 THEN NULL ELSE DATE '2026-06-01' + (g %% 900) END,
                      CASE WHEN g %% 10 = 0 THEN 'ended' ELSE 'active' END,
                      '[]', (CASE WHEN g %% 2 = 0 THEN '["nap_14"]' ELSE '[]' END)::jsonb,
                      g %% 4 = 0, g %% 2 = 0 OR g %% 4 = 0, '', '', '[]', 1
               FROM generate_series(1, %s) g""",
            [initiatives],
        )
        c.execute(
            f"""INSERT INTO prevention_initiative_districts (initiative_id, district_id)
               SELECT DISTINCT i.id, (ARRAY{districts})[1 + ((i.id * k) % {n_d})]
               FROM prevention_initiative i, generate_series(1, 1 + (i.id % 3)::int) k"""
        )
        c.execute(
            """INSERT INTO prevention_grant (created_at, updated_at, initiative_id, funder_kind, funder_name, amount,
                  starts_on, ends_on)
               SELECT now(), now(), id, 'donor', '', 1000000 + id * 10, DATE '2025-01-01' + (id % 300)::int,
                      DATE '2026-01-01' + (id % 700)::int
               FROM prevention_initiative WHERE id % 2 = 0"""
        )
        c.execute(
            """INSERT INTO prevention_disbursement (created_at, updated_at, grant_id, paid_on, amount)
               SELECT now(), now(), id, starts_on, amount / 2 FROM prevention_grant"""
        )
        c.execute(
            f"""INSERT INTO prevention_activity (created_at, updated_at, initiative_id, held_on, district_id, kind,
                  channel, female_under_15, female_youth, female_30_plus, male_under_15,
                  male_youth, male_30_plus, reach)
               SELECT now(), now(), l.initiative_id, CURRENT_DATE - (g %% 730), l.district_id, 'session',
                      'in_person', g %% 3, g %% 11, g %% 5, g %% 4, g %% 13, g %% 7,
                      g %% 3 + g %% 11 + g %% 5 + g %% 4 + g %% 13 + g %% 7
               FROM generate_series(1, %s) g
               JOIN (SELECT initiative_id, district_id,
                            row_number() OVER (ORDER BY initiative_id, district_id) AS r
                     FROM prevention_initiative_districts) l
                 ON l.r = 1 + g %% {initiatives}""",
            [activities],
        )
        # the districts' days, as record_activity keeps them (the migration's backfill)
        c.execute(
            """INSERT INTO prevention_activityday (created_at, updated_at, district_id, held_on,
                  activities, female_under_15, female_youth, female_30_plus, male_under_15,
                  male_youth, male_30_plus, reach)
               SELECT now(), now(), district_id, held_on, count(*), sum(female_under_15),
                      sum(female_youth), sum(female_30_plus), sum(male_under_15),
                      sum(male_youth), sum(male_30_plus), sum(reach)
               FROM prevention_activity GROUP BY district_id, held_on"""
        )
        per_district = cases // n_d
        c.execute(
            f"""INSERT INTO prevention_drivercount (created_at, updated_at, district_id, factor, label, cases, assessed)
               SELECT now(), now(), d.id, f, f, ((d.id * 31 + length(f) * 17) % {per_district}), {per_district}
               FROM geography_district d, unnest({factors}) f"""
        )
        c.execute("ANALYZE")


def measure() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bahali.geography.models import District, Province
    from bahali.prevention import gaps
    from bahali.prevention.models import Indicator

    need = Indicator.objects.get(code="returnees")
    for label, districts in (
        ("all districts", District.objects.all()),
        ("one province (KP)", District.objects.filter(province=Province.objects.get(code="KP"))),
    ):
        times = []
        for _ in range(20):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                analysis = gaps.analyse(districts, need)
                times.append((time.perf_counter() - start) * 1000)
        flagged = sum(1 for g in analysis.districts if g.flags)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{label}: {len(analysis.districts)} districts, {flagged} flagged, "
              f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms, "
              f"{len(queries.captured_queries)} queries")  # fmt: skip


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from bahali.core.context import SYSTEM, acting_as

    if connection.vendor != "postgresql":
        sys.exit("bench_gaps needs PostgreSQL: set DATABASE_URL (see the docstring).")
    numbers = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    initiatives = numbers[0] if numbers else 20_000
    activities = numbers[1] if len(numbers) > 1 else 1_000_000
    if "--reuse" in sys.argv:
        connection.close()
        connection.settings_dict["NAME"] = TEST_DB
        measure()
        return
    connection.settings_dict.setdefault("TEST", {})["NAME"] = TEST_DB
    config = setup_databases(verbosity=0, interactive=False)
    try:
        start = time.perf_counter()
        with acting_as(SYSTEM):
            seed(initiatives, activities)
        print(f"seeding: {time.perf_counter() - start:.0f}s")
        measure()
    finally:
        connection.close()
        if "--keep" not in sys.argv:
            teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
