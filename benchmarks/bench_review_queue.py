"""The data steward's review queue with 20,000 clusters waiting (issue 20).

Run: [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] \\
     .venv/bin/python benchmarks/bench_review_queue.py [clusters] [requests]

Creates a throw-away test database, a data steward and an import batch holding ``clusters``
waiting review clusters (bulk-created: the queue reads only their score, decision and
members), then requests the queue's first page, its page 400 and a cluster page through the
whole HTTP stack (signed in, middleware, template) and prints p50/p95 in milliseconds.
Target: p95 < 200 ms with 20,000 clusters.
"""

from __future__ import annotations

import os
import random
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
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases

    from bahali.accounts.roles import Role
    from bahali.core.context import SYSTEM, acting_as
    from bahali.geography.services import load_pakistan_geography
    from bahali.imports import services
    from bahali.imports.models import ReviewCluster
    from bahali.testing import make_member, membership_of, sign_in

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    config = setup_databases(verbosity=0, interactive=False)
    try:
        load_pakistan_geography(actor=SYSTEM)
        steward = make_member(Role.DATA_STEWARD)
        rows = "Full Name,Gender,District\n" + "\n".join(
            f"Person {i} Afridi,M,SWT" for i in range(2)
        )
        batch = services.upload_sheet(
            actor=steward,
            organisation=membership_of(steward).organisation,
            filename="bench.csv",
            content=rows.encode(),
        )
        services.check_uploaded(
            actor=steward,
            batch=batch,
            mapping={"name": "Full Name", "sex": "Gender", "district": "District"},
        )
        batch = services.run_import(actor=steward, batch=batch)
        members = list(batch.rows.values_list("participant", flat=True))
        rng = random.Random(1)  # noqa: S311 (invented scores, not secrets)
        with acting_as(SYSTEM):
            ReviewCluster.objects.bulk_create(
                [
                    ReviewCluster(
                        batch=batch,
                        members=members,
                        score=round(rng.uniform(15, 40), 3),
                        decision=rng.choice(("match", "review")),
                        pairs=[{"a": members[0], "b": members[1], "score": 20.0, "reasons": []}],
                    )
                    for _ in range(count)
                ],
                batch_size=2000,
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = Client()
        sign_in(client, steward)  # the password, then a one-time code
        queries: dict[str, list[str]] = {}
        sample = ReviewCluster.objects.order_by("-score").values_list("pk", flat=True)[100]
        for label, url in [
            ("baseline: the imports page (no clusters read)", "/imports/"),
            ("queue, first page", "/imports/review/"),
            ("queue, page 400", "/imports/review/?page=400"),
            ("a cluster", f"/imports/review/{sample}/"),
        ]:
            timings = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    sys.exit(f"{url}: {response.status_code}")
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            queries[label] = [query["sql"] for query in captured.captured_queries]
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"{connection.vendor}, {count:,} clusters, {label}: "
                f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
                f"{len(queries[label])} queries"
            )
        if os.environ.get("BENCH_SHOW_QUERIES"):
            for label, sqls in queries.items():
                print(f"--- {label}")
                for sql in sqls:
                    print("   ", sql[:300])
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
