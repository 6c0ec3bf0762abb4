"""Sign-in and token answers: time for a known and an unknown username (issue 14, item 8).

Run: .venv/bin/python benchmarks/bench_signin.py [tries]   (DATABASE_URL picks the engine)
Uses a throw-away database, the production password hasher (Argon2) and the whole HTTP stack
(Django's test client), with the lock-outs and rates raised so every try is answered in full.
Tries alternate between a real user with a wrong password and a username that does not exist,
for ``POST /accounts/sign-in/`` and ``POST /api/v1/auth/token``; prints median, mean and p95
for each and the difference of the medians. Before this issue: ~6 ms unknown, ~147 ms known.
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

UNLIMITED = 10**9


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"median {statistics.median(times):7.2f} ms  mean {statistics.fmean(times):7.2f} ms  "
        f"p95 {p95:7.2f} ms"
    )


def main() -> None:
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_databases, teardown_databases

    from bahali import settings as production
    from bahali.accounts.roles import Role
    from bahali.testing import make_member

    tries = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    config = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("migrate", verbosity=0)
        with override_settings(
            PASSWORD_HASHERS=production.PASSWORD_HASHERS,
            BAHALI_LOCKOUT_THRESHOLD=UNLIMITED,
            BAHALI_ACCOUNT_LOCKOUT_THRESHOLD=UNLIMITED,
            BAHALI_ADDRESS_LOCKOUT_THRESHOLD=UNLIMITED,
            BAHALI_SIGN_IN_RATE=UNLIMITED,
            BAHALI_TOKEN_RATE=UNLIMITED,
        ):
            user = make_member(Role.CASE_WORKER)
            client = Client()
            endpoints = {
                "sign-in page": lambda name: client.post(
                    "/accounts/sign-in/", {"username": name, "password": "wrong password 1"}
                ),
                "token API": lambda name: client.post(
                    "/api/v1/auth/token",
                    {"username": name, "password": "wrong password 1"},
                    content_type="application/json",
                ),
            }
            print(
                f"engine: {django.db.connection.vendor}; hasher: {production.PASSWORD_HASHERS[0]}"
            )
            print(f"{tries} tries per username per endpoint, alternating")
            for label, send in endpoints.items():
                for name in (user.username, "nobody-by-this-name"):
                    send(name)  # warm up
                times: dict[str, list[float]] = {"known": [], "unknown": []}
                for _ in range(tries):
                    for kind, name in (
                        ("known", user.username),
                        ("unknown", "nobody-by-this-name"),
                    ):
                        start = time.perf_counter()
                        answer = send(name)
                        times[kind].append((time.perf_counter() - start) * 1000)
                        if answer.status_code not in (400, 401):
                            raise SystemExit(f"unexpected answer {answer.status_code}")
                difference = statistics.median(times["known"]) - statistics.median(times["unknown"])
                print(f"{label}:")
                print(f"  known user, wrong password: {_summary(times['known'])}")
                print(f"  unknown user:               {_summary(times['unknown'])}")
                print(f"  median difference (known - unknown): {difference:+.2f} ms")
    finally:
        teardown_databases(config, verbosity=0)


if __name__ == "__main__":
    main()
