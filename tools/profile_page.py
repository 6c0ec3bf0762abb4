"""Where one page spends its SQL, query by query, through the whole HTTP stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> PYTHONPATH=src \\
        .venv/bin/python tools/profile_page.py USERNAME PASSWORD URL [--top N]

Signs the user in through the sign-in page and its code step (``bahali.testing.sign_in``),
requests URL three times and prints, for the fastest, the time of the request and its
slowest queries (first 300 characters each). For benchmark databases such as
``bench_cases.py --keep``'s; never against a database holding real people.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from bahali.testing import sign_in

    username, password, url = sys.argv[1:4]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 8
    user = get_user_model().objects.get(username=username)
    client = Client()
    sign_in(client, user, password)
    best: tuple[float, list[tuple[float, str]]] | None = None
    for _ in range(3):
        captured: list[tuple[float, str]] = []

        def wrapper(execute, sql, params, many, context, captured=captured):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append((time.perf_counter() - start, sql))

        start = time.perf_counter()
        with connection.execute_wrapper(wrapper):
            response = client.get(url)
        spent = time.perf_counter() - start
        if response.status_code != 200:
            sys.exit(f"{url}: {response.status_code}")
        if best is None or spent < best[0]:
            best = (spent, captured)
    if best is None:
        sys.exit("nothing measured")
    spent, captured = best
    print(
        f"{url}: {spent * 1000:.1f} ms, {len(captured)} queries, "
        f"{sum(t for t, _ in captured) * 1000:.1f} ms of SQL"
    )
    for took, sql in sorted(captured, reverse=True)[:top]:
        print(f"{took * 1000:8.1f} ms  {sql[:300]}")


if __name__ == "__main__":
    main()
