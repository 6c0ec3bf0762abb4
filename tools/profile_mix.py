"""What each page of the load test's mix costs, role by role, on a benchmark database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> BAHALI_LOAD_ACCOUNTS=accounts.json \\
        PYTHONPATH=src .venv/bin/python tools/profile_mix.py [ROLE ...] [--runs N] [--profile URL]

Production settings (the password hasher the accounts were set up with), plain HTTP. For
each role, its first load-test account (``benchmarks/load_accounts.py``) signs in through
both steps, then requests the pages ``benchmarks/locustfile.py`` sends for that role
``--runs`` times (default 3) and prints, for each page, the fastest request's wall time,
this process's CPU time (Python: views, templates, ORM), the SQL time and the number of
queries, and the response's size. ``--profile URL`` prints a cProfile of one request of
URL for the first role given; ``--sql URL`` its slowest queries (``--explain``: the
slowest one's plan). ``--force-login`` opens the web roles' sessions directly (signed in,
second factor marked as passed) instead of through the sign-in pages: several people
profiling at once otherwise reuse an authenticator code, fail, and lock 127.0.0.1 out for a
quarter of an hour. Benchmark databases only: never against real people.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import re
import sys
import time
from typing import Any

os.environ.setdefault("BAHALI_HTTPS", "0")
os.environ.setdefault("BAHALI_LOG_LEVEL", "WARNING")
os.environ.setdefault("BAHALI_SIGN_IN_RATE", "100000")
os.environ.pop("DJANGO_SETTINGS_MODULE", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "bahali.settings"

CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
PROGRAMME_LINK = re.compile(r'href="/programmes/([a-z0-9-]+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TEAM = ["home", "my work", "case list", "case page", "case sessions", "case notes", "case plan"]
PAGES = {
    "case_worker": [*TEAM, "case aftercare"],
    "religious_scholar": TEAM,
    "trainer": TEAM,
    "mentor": TEAM,
    "psychologist": ["home", "my work", "case list", "case page", "case notes", "case plan"],
    "programme_manager": [
        "home", "my work", "case list", "case page", "sign-off queue", "programmes",
        "aftercare dashboard", "factors report",
    ],
    "committee_member": ["home", "my work", "sign-off queue", "case page"],
    "security_liaison": ["home", "my work", "sign-off queue", "case page"],
    "oversight_monitor": [
        "home", "my work", "case list", "programmes", "aftercare dashboard", "factors report",
    ],
    "data_steward": ["home", "my work", "audit trail", "case list"],
    # another agency's system on the API, as a case worker (locustfile.Integration)
    "integration": [
        "api case list", "api case", "api case goals", "api case notes", "api case check-ins",
        "api case sessions", "api my work", "api sign-offs",
    ],
}  # fmt: skip


class Timed:
    """A database execute wrapper keeping each query's seconds, SQL and parameters."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.rows.append((time.perf_counter() - started, sql, params))


def _open_session(client: Any, username: str) -> None:
    """A signed-in session whose second factor counts as passed, as the code step leaves it
    (``django_otp`` keeps the verified device's id in the session). Written directly: a
    sign-in through ``login()`` would record the user's last sign-in, which only a service
    may write."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

    user = get_user_model().objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    device = next(iter(devices_for_user(user, confirmed=True)), None)
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django_otp.oath import totp

    args = sys.argv[1:]
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 3
    profile = args[args.index("--profile") + 1] if "--profile" in args else None
    sql_of = args[args.index("--sql") + 1] if "--sql" in args else None
    force_login = "--force-login" in args
    roles = [a for a in args if not a.startswith("--") and a in PAGES] or list(PAGES)
    with open(os.environ["BAHALI_LOAD_ACCOUNTS"], encoding="utf-8") as handle:
        accounts: dict[str, list[dict[str, str]]] = json.load(handle)
    password = os.environ.get("BAHALI_LOAD_PASSWORD", "bahali-load-test-2026")

    for role in roles:
        of_role = accounts.get(role if role != "integration" else "case_worker")
        if not of_role:
            continue
        account = of_role[0]
        client = Client(HTTP_HOST="127.0.0.1")
        code = str(totp(bytes.fromhex(account["key"]), step=30, t0=0, digits=6)).zfill(6)
        if role == "integration":
            answer = client.post(
                "/api/v1/auth/token",
                {**{"username": account["username"], "password": password}, "code": code},
                content_type="application/json",
            )
            if answer.status_code != 201:
                print(f"{role}: token refused ({answer.status_code})")
                continue
            client = Client(
                HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {answer.json()['token']}"
            )
            body = client.get("/api/v1/cases").json()
            items = body.get("items", body) if isinstance(body, dict) else body
            cases = [str(item["id"]) for item in items]
            programmes = []
        else:
            if force_login:
                _open_session(client, account["username"])
            else:
                client.post(
                    "/accounts/sign-in/", {"username": account["username"], "password": password}
                )
                answer = client.post("/accounts/sign-in/code/", {"code": code})
                if answer.status_code != 302:
                    print(f"{role}: sign-in failed ({answer.status_code})")
                    continue
            cases = CASE_LINK.findall(client.get("/cases/").content.decode())
            programmes = PROGRAMME_LINK.findall(client.get("/programmes/").content.decode())
        case = cases[len(cases) // 2] if cases else None
        programme = programmes[0] if programmes else None
        urls = {
            "home": "/",
            "my work": "/cases/my-work/",
            "case list": "/cases/",
            "case page": f"/cases/{case}/" if case else None,
            "case sessions": f"/cases/{case}/sessions/" if case else None,
            "case notes": f"/cases/{case}/notes/" if case else None,
            "case plan": f"/cases/{case}/plan/" if case else None,
            "case aftercare": f"/cases/{case}/aftercare/" if case else None,
            "sign-off queue": "/cases/sign-offs/",
            "programmes": "/programmes/",
            "aftercare dashboard": f"/programmes/{programme}/aftercare/" if programme else None,
            "factors report": f"/assessments/programmes/{programme}/factors/"
            if programme
            else None,
            "audit trail": "/audit/",
            "api case list": "/api/v1/cases",
            "api my work": "/api/v1/me/work",
            "api sign-offs": "/api/v1/sign-offs",
        }
        for part in ("", " goals", " notes", " check-ins", " sessions"):
            path = part.strip() and f"/{part.strip()}"
            urls[f"api case{part}"] = f"/api/v1/cases/{case}{path}" if case else None
        if sql_of:
            client.get(sql_of)
            timed = Timed()
            with connection.execute_wrapper(timed):
                client.get(sql_of)
            slowest = sorted(timed.rows, key=lambda q: -q[0])
            for seconds, sql, _params in slowest[:6]:
                print(f"{seconds * 1000:8.1f} ms  {sql[:1500]}\n")
            if slowest and "--explain" in args:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0][1], slowest[0][2])
                    print("\n".join(line for (line,) in cursor.fetchall()))
            return
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(profile)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(45)
            return
        print(f"\n{role} ({account['username']}): {len(cases)} cases listed")
        print(f"  {'page':<22} {'wall ms':>8} {'cpu ms':>7} {'sql ms':>7} {'queries':>7} {'KB':>6}")
        for name in PAGES[role]:
            url = urls[name]
            if url is None:
                continue
            best: tuple[float, float, float, int, int] | None = None
            for _ in range(runs):
                timed = Timed()
                started, cpu = time.perf_counter(), time.process_time()
                with connection.execute_wrapper(timed):
                    response = client.get(url)
                wall = time.perf_counter() - started
                spent = time.process_time() - cpu
                seconds = sum(row[0] for row in timed.rows)
                row = (wall, spent, seconds, len(timed.rows), len(response.content))
                if response.status_code != 200:
                    print(f"  {name:<22} HTTP {response.status_code}")
                    break
                if best is None or row[0] < best[0]:
                    best = row
            if best:
                wall, spent, in_sql, queries, size = best
                print(
                    f"  {name:<22} {wall * 1000:>8.0f} {spent * 1000:>7.0f} {in_sql * 1000:>7.0f}"
                    f" {queries:>7} {size // 1024:>6}"
                )


if __name__ == "__main__":
    main()
