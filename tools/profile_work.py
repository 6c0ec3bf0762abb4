"""Where a user's "My work" spends its SQL: each registered source's queries and time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> PYTHONPATH=src \\
        .venv/bin/python tools/profile_work.py USERNAME [LIMIT] [--explain]

Runs every ``core.work`` source for the user with the limit (default 6, as the home page)
three times and prints the best time and query count of each; ``--explain [KIND]``
prints ``EXPLAIN ANALYZE`` of each query of that source, or the slowest (PostgreSQL).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings")


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from bahali.core import work

    username = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 6
    user = get_user_model().objects.get(username=username)
    rows = []
    for source in work.SOURCES:
        best, queries, found = float("inf"), [], None
        for _ in range(3):
            captured: list[tuple[str, object, float]] = []

            def wrapper(execute, sql, params, many, context, captured=captured):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    captured.append((sql, params, time.perf_counter() - start))

            start = time.perf_counter()
            with connection.execute_wrapper(wrapper):
                found = source.find(user, limit)
            spent = time.perf_counter() - start
            if spent < best:
                best, queries = spent, captured
        rows.append((best, source.kind, len(queries), found.count if found else 0, queries))
    rows.sort(reverse=True)
    for best, kind, count, items, _queries in rows:
        print(f"{kind:20} {best * 1000:8.1f} ms  {count:3} queries  {items:6} items")
    if "--explain" in sys.argv:
        wanted = sys.argv[sys.argv.index("--explain") + 1 :][:1]
        chosen = [row for row in rows if row[1] in wanted] or rows
        _best, kind, _count, _items, queries = chosen[0]
        print(f"\n== {kind}")
        with connection.cursor() as cursor:
            for sql, params, spent in queries:
                print(f"-- {spent * 1000:.1f} ms\n{sql[:3000]}\n{params}")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
