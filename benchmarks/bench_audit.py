"""Audit trail throughput: appending events and verifying the chain.

Run: .venv/bin/python benchmarks/bench_audit.py [events]   (DATABASE_URL picks the engine)
Uses a throw-away database (SQLite in a temp dir unless DATABASE_URL is set) and prints
events per second for appends (each in its own transaction, as services do) and for verify.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")
if not os.environ.get("DATABASE_URL"):
    os.environ["BAHALI_VAR_DIR"] = tempfile.mkdtemp(prefix="bahali-bench-")


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_databases, teardown_databases

    from bahali.audit.services import record, verify_chain
    from bahali.core.context import SYSTEM, acting_as

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    config = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        for n in range(count):
            with acting_as(SYSTEM):
                record("bench.event", changes={"n": [None, n]})
        append = time.perf_counter() - start
        start = time.perf_counter()
        report = verify_chain()
        verify = time.perf_counter() - start
        if not report.ok:
            raise SystemExit(f"chain broken: {report}")
        print(f"engine: {django.db.connection.vendor}")
        print(f"append: {count} events in {append:.2f}s = {count / append:,.0f} events/s")
        rate = report.checked / verify
        print(f"verify: {report.checked} events in {verify:.2f}s = {rate:,.0f} events/s")
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
