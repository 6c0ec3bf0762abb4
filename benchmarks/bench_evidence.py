"""Evidence: Kaplan–Meier with Greenwood bands over a whole caseload, and secondary
suppression of a large table — the pure-Python parts, no database.

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_evidence.py [people]
Prints the time for the estimate over ``people`` (default 200,000) follow-ups with about
a quarter of them ending in an event, days as the time unit (so up to ~1,800 distinct
times), and for suppressing a 40 × 12 table with a tenth of its cells small.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")


def main() -> None:
    import django

    django.setup()
    from bahali.core.suppression import suppress_table
    from bahali.evidence.survival import kaplan_meier

    people = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rng = random.Random(15)  # noqa: S311 - synthetic data, not secrets
    durations = [rng.randint(0, 1800) for _ in range(people)]
    observed = [rng.random() < 0.25 for _ in range(people)]
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        curve = kaplan_meier(durations, observed)
        runs.append(time.perf_counter() - started)
    print(
        f"Kaplan–Meier, {people:,} people, {len(curve.steps):,} distinct times: "
        f"median {statistics.median(runs) * 1000:.0f} ms, worst {max(runs) * 1000:.0f} ms"
    )
    cells = [
        [rng.choice([1, 2, 3, 4]) if rng.random() < 0.1 else rng.randint(5, 400) for _ in range(12)]
        for _ in range(40)
    ]
    started = time.perf_counter()
    table = suppress_table(cells)
    elapsed = time.perf_counter() - started
    hidden = sum(c.hidden for row in table.cells for c in row)
    print(f"Suppression, 40 × 12 table: {hidden} cells hidden in {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
