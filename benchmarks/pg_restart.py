# ruff: noqa: S603, S607 - runs our own commands and psql, no shell
"""A PostgreSQL restart in the middle of concurrent writes: only the requests in flight fail,
clearly (503 "try again", never a 500 page or a hang), no acknowledged write is lost, the
audit chain verifies, and the server recovers by itself.

Creates a scratch database (``--database``, default ``bahali_opsload_pgrestart``; dropped at
the end), starts the production server (``bahali serve``, gunicorn) on it, registers
``--writes`` participants through the API from ``--clients`` threads (each with its own
``Idempotency-Key``; a failed request is retried with the same key after half a second, as
a well-behaved client does) while ``--readers`` threads read participants back, and at a
third of the writes restarts PostgreSQL::

    pg_ctlcluster --skip-systemctl-redirect 15 main restart

CAREFUL: that is the machine's one PostgreSQL server, shared — run this rarely, at a quiet
moment. ``--restart-command`` changes the command (``--restart-command ''`` measures the same
run without a restart).

It prints every failed request by kind (503 with the API's "unavailable" error, other
statuses, connection errors, time-outs over 30 s), how many failed outside the restart (from
the moment the restart began to a few seconds after PostgreSQL answered again: must be 0),
whether the gunicorn master and workers are the same processes as before (recovered without
a restart), and then, in the database: acknowledged writes lost (0), partial records (0),
doubled writes (0), the audit chain.

Run::

    PYTHONPATH=src .venv/bin/python benchmarks/pg_restart.py --writes 600 --clients 16
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from durability_kill9 import BAHALI, CHECK, children

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgres://postgres@127.0.0.1:5432"
RESTART = "pg_ctlcluster --skip-systemctl-redirect 15 main restart"
SETUP = """
from bahali.accounts.roles import Role
from bahali.testing import TEST_PASSWORD, make_member, one_time_code
from bahali.accounts.models import User
user = User.objects.filter(username="durability").first()
user = user or make_member(Role.CASE_WORKER, username="durability")
print(TEST_PASSWORD, one_time_code(user))
"""
GRACE_SECONDS = 3.0  # after PostgreSQL answers again: connections being re-made


def call(
    method: str,
    url: str,
    body: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, object], float]:
    """(status, JSON body, seconds); status 0 for a connection error, -1 for a time-out."""
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **(headers or {})},
        method=method,
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}"), time.monotonic() - started
    except urllib.error.HTTPError as error:
        try:
            answer = json.loads(error.read() or b"{}")
        except ValueError:
            answer = {"not_json": True}
        return error.code, answer, time.monotonic() - started
    except TimeoutError:
        return -1, {}, time.monotonic() - started
    except (OSError, urllib.error.URLError) as error:
        if "timed out" in str(error):
            return -1, {}, time.monotonic() - started
        return 0, {}, time.monotonic() - started


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{ADMIN_URL}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
    )


def postgres_answers() -> bool:
    done = subprocess.run(
        ["psql", f"{ADMIN_URL}/postgres", "-Atc", "SELECT 1"], capture_output=True, text=True
    )
    return done.returncode == 0 and done.stdout.strip() == "1"


def start(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    log = open(Path(tempfile.gettempdir()) / f"bahali-pg-restart-{port}.log", "ab")  # noqa: SIM115
    server = subprocess.Popen(
        [*BAHALI, "serve", f"127.0.0.1:{port}", "--workers", str(workers), "--no-migrate"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=600)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8198)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--database", default="bahali_opsload_pgrestart")
    parser.add_argument("--restart-command", default=RESTART)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", action="store_true", help="the database a --keep run left (no new migrate)"
    )
    args = parser.parse_args()

    scratch = Path(tempfile.gettempdir()) / f"bahali-pg-restart-{args.database}"  # its keys
    scratch.mkdir(exist_ok=True)
    run = uuid.uuid4().hex[:6]
    database_url = f"{ADMIN_URL}/{args.database}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BAHALI_VAR_DIR": str(scratch),
        "BAHALI_HTTPS": "0",
        "BAHALI_LOG_LEVEL": "WARNING",
        "BAHALI_TOKEN_RATE": "100000",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the production settings
    if not args.reuse:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        psql(f"DROP DATABASE IF EXISTS {args.database}")
        psql(f"CREATE DATABASE {args.database}")
    print(f"database: {database_url}  (scratch {scratch}); load {os.getloadavg()[0]:.2f}")
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run([*BAHALI, "migrate", "-v0"], env=env, check=True)
        password, code = (
            subprocess.run(
                [*BAHALI, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
            .rsplit(" ", 1)
        )
        base = f"http://127.0.0.1:{args.port}"
        server = start(env, args.port, args.workers)
        deadline = time.monotonic() + 300
        while len(children(server.pid)) < args.workers and time.monotonic() < deadline:
            time.sleep(0.5)  # every worker booted: the processes compared after the restart
        processes_before = [server.pid, *children(server.pid)]
        status, answer, _ = call(
            "POST",
            base + "/api/v1/auth/token",
            {"username": "durability", "password": password, "code": code},
        )
        if status != 201:
            raise SystemExit(f"no API token: {status} {answer}")
        auth = {"Authorization": f"Bearer {answer['token']}"}

        acked: dict[int, str] = {}
        failures: list[tuple[float, float, int, str]] = []  # started, seconds, status, what
        successes_after: list[float] = []
        lock = threading.Lock()
        next_index = iter(range(args.writes))
        done = threading.Event()
        window: dict[str, float] = {}
        started = time.monotonic()

        def failure(at: float, seconds: float, status: int, answer: dict[str, object]) -> None:
            error = answer.get("error") if isinstance(answer, dict) else None
            what = (
                f"{error.get('code')}: {error.get('message')}"
                if isinstance(error, dict)
                else ("not JSON" if answer.get("not_json") else "")
            )
            with lock:
                failures.append((at, seconds, status, what))

        def writer() -> None:
            while True:
                with lock:
                    n = next(next_index, None)
                if n is None:
                    return
                key = uuid.uuid4().hex
                body = {
                    "name": f"Restart Person {run} {n:05d}",
                    "father_name": f"Father {n:05d}",
                    "birth_year": 1980 + n % 20,
                    "sex": "m",
                    "district": "SWT",
                    "decision": "new",
                }
                give_up = time.monotonic() + 600
                while time.monotonic() < give_up:
                    at = time.monotonic()
                    status, answer, seconds = call(
                        "POST",
                        base + "/api/v1/participants",
                        body,
                        {
                            **auth,
                            "Idempotency-Key": key,
                            "Accept-Language": "ur" if n % 2 else "en",
                        },
                    )
                    if status in (200, 201):
                        with lock:
                            acked[n] = str(answer["code"])
                        break
                    failure(at, seconds, status, answer)
                    time.sleep(0.5)

        def reader() -> None:
            while not done.is_set():
                with lock:
                    codes = list(acked.values())[-20:]
                if not codes:
                    time.sleep(0.2)
                    continue
                at = time.monotonic()
                status, answer, seconds = call(
                    "GET",
                    base + f"/api/v1/participants/{codes[int(at * 1000) % len(codes)]}",
                    headers=auth,
                )
                if status != 200:
                    failure(at, seconds, status, answer)
                elif "end" in window and at > window["end"]:
                    successes_after.append(at)
                time.sleep(0.1)

        writers = [threading.Thread(target=writer) for _ in range(args.clients)]
        readers = [threading.Thread(target=reader) for _ in range(args.readers)]
        for thread in writers + readers:
            thread.start()
        restarted = False
        while any(thread.is_alive() for thread in writers):
            time.sleep(0.05)
            if not restarted and len(acked) >= args.writes // 3 and args.restart_command:
                restarted = True
                print(f"restart PostgreSQL at {len(acked)} acknowledged writes:")
                print(f"  {args.restart_command}")
                window["start"] = time.monotonic()
                subprocess.run(shlex.split(args.restart_command), check=True)
                while not postgres_answers():
                    time.sleep(0.1)
                window["answers"] = time.monotonic()
                window["end"] = window["answers"] + GRACE_SECONDS
                print(
                    f"  PostgreSQL answered again after {window['answers'] - window['start']:.1f} s"
                )
        done.set()
        for thread in readers:
            thread.join()
        elapsed = time.monotonic() - started
        processes_after = [server.pid, *children(server.pid)]

        kinds = Counter(
            (status, what) if status > 0 else ({0: "connection error", -1: "time-out"}[status], "")
            for _at, _s, status, what in failures
        )
        # In flight during the outage: sent before it ended and answered after it began
        # (a request sent just before the restart, and failed by it, is in flight too).
        outside = [
            (at, seconds)
            for at, seconds, _status, _what in failures
            if not ("start" in window and at <= window["end"] and at + seconds >= window["start"])
        ]
        slowest = max((seconds for _at, seconds, _st, _w in failures), default=0.0)
        print(
            f"{args.writes} writes from {args.clients} clients (+{args.readers} readers) in "
            f"{elapsed:.1f} s: {len(acked)} acknowledged; load {os.getloadavg()[0]:.2f}"
        )
        print(f"failed requests: {len(failures)} (slowest failure answered in {slowest:.2f} s)")
        for (status, what), count in sorted(kinds.items(), key=str):
            print(f"  {count:4d} × {status} {what}")
        print(
            f"failed and not in flight during the restart (restart start .. PostgreSQL "
            f"answering + {GRACE_SECONDS:g} s): {len(outside)}; reads served after it: "
            f"{len(successes_after)}"
        )
        same = processes_before == processes_after
        print(
            f"server processes before {processes_before}, after {processes_after}: "
            f"{'the same (recovered without a restart)' if same else 'CHANGED'}"
        )
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        server = None

        acked_path = scratch / "acked.json"
        acked_path.write_text(json.dumps(sorted(acked.values())))
        check = subprocess.run(
            [*BAHALI, "shell", "-c", f"ACKED = {str(acked_path)!r}\n" + CHECK],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(check.stdout.strip().splitlines()[-1])
        print(
            f"rows {result['rows']}, lost acknowledged {result['lost']}, partial "
            f"{result['partial']}, doubled {result['doubled']}, audit chain "
            f"{'verifies' if result['chain_ok'] else 'BROKEN: ' + result['chain_problem']} "
            f"({result['chain_events']} events)"
        )
        clear = all(status == 503 and what.startswith("unavailable") for (status, what) in kinds)
        ok = (
            len(acked) == args.writes
            and result["lost"] == 0
            and result["partial"] == 0
            and not result["doubled"]
            and result["chain_ok"]
            and not outside
            and clear
            and same
        )
        print(
            "floors: only in-flight requests failed, all with 503 'unavailable', 0 lost, "
            f"0 partial, chain verifies, same processes: {'met' if ok else 'NOT met'}"
        )
        sys.exit(0 if ok else 1)
    finally:
        if server is not None:
            server.kill()
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
