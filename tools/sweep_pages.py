"""Every page a role can reach, by following links: its cost and its answer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> BAHALI_LOAD_ACCOUNTS=accounts.json \\
        PYTHONPATH=src .venv/bin/python tools/sweep_pages.py [ROLE ...] [--depth N] [--per-route N]

For each role, its first load-test account (``benchmarks/load_accounts.py``) gets a signed-in
session (second factor marked as passed, as ``tools/profile_mix.py --force-login``); from the
home page the sweep follows every link of our own site breadth-first, ``--depth`` levels deep
(default 2), at most ``--per-route`` addresses of one URL pattern (default 2: two cases, not
two hundred thousand), and prints, slowest first, each page's wall and CPU time, its queries
and its status, then every answer of 500 or more. Pages reached only by a form (POST) are not
swept. Reads only, but reads of identity are recorded in the audit trail like any other:
benchmark databases only, never against real people.

What it is for: a load test measures the pages its mix names; a mix of someone else's (other
roles, other pages) meets the rest. The sweep shows any page whose cost is out of line before
they do.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter, deque
from urllib.parse import urljoin, urlparse

sys.path.insert(0, os.path.dirname(__file__))

os.environ.setdefault("BAHALI_HTTPS", "0")
os.environ.setdefault("BAHALI_LOG_LEVEL", "WARNING")
os.environ.pop("DJANGO_SETTINGS_MODULE", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "bahali.settings"

LINK = re.compile(r'href="(/[^"#]*)"')
# Links that act rather than show (signing out is a form; these are the GET ones), files and
# assets: not swept.
SKIP = ("/static/", "/accounts/sign-out", "/i18n/", "/api/", "/metrics", "/healthz", "/readyz")
SKIP_SUFFIX = (".csv", ".xlsx", ".json", ".pdf", ".zip", ".xml", "/download/", "/export/")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve
    from profile_mix import _open_session  # type: ignore[import-not-found]

    args = sys.argv[1:]
    depth = int(args[args.index("--depth") + 1]) if "--depth" in args else 2
    per_route = int(args[args.index("--per-route") + 1]) if "--per-route" in args else 2
    with open(os.environ["BAHALI_LOAD_ACCOUNTS"], encoding="utf-8") as handle:
        accounts: dict[str, list[dict[str, str]]] = json.load(handle)
    roles = [a for a in args if not a.startswith("--") and a in accounts] or sorted(accounts)

    rows: list[tuple[float, float, int, int, str, str]] = []
    for role in roles:
        # a view that raises answers 500 here, as it would to a user, and the sweep goes on
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        _open_session(client, accounts[role][0]["username"])
        seen: set[str] = set()
        routes: Counter[str] = Counter()
        queue: deque[tuple[str, int]] = deque([("/", 0)])
        while queue:
            url, level = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            path = urlparse(url).path
            try:
                route = resolve(path).route
            except Resolver404:
                route = path
            if routes[route] >= per_route:
                continue
            routes[route] += 1
            started, cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                answer = client.get(url)
            wall = (time.perf_counter() - started) * 1000
            rows.append(
                (
                    wall,
                    (time.process_time() - cpu) * 1000,
                    len(queries),
                    answer.status_code,
                    role,
                    url,
                )
            )
            if level >= depth or answer.status_code != 200:
                continue
            if "html" not in answer.get("Content-Type", ""):
                continue
            for link in LINK.findall(answer.content.decode(errors="replace")):
                link = urljoin(url, link.replace("&amp;", "&"))
                if link.startswith(SKIP) or urlparse(link).path.endswith(SKIP_SUFFIX):
                    continue
                if link not in seen:
                    queue.append((link, level + 1))
        print(f"{role}: {len(routes)} routes, {sum(routes.values())} pages", flush=True)

    rows.sort(reverse=True)
    print(f"\n{'wall ms':>8} {'cpu ms':>7} {'queries':>7} {'status':>6}  role / page")
    for wall, cpu, queries, status, role, url in rows[:40]:
        print(f"{wall:>8.0f} {cpu:>7.0f} {queries:>7} {status:>6}  {role} {url}")
    broken = [row for row in rows if row[3] >= 500]
    print(f"\n{len(rows)} pages swept, {len(broken)} answered 500 or more")
    for wall, _cpu, _queries, status, role, url in broken:
        print(f"  {status} {role} {url} ({wall:.0f} ms)")


if __name__ == "__main__":
    main()
