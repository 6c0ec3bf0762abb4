# ruff: noqa: S603 - runs our own commands, no shell
"""kill -9 in the middle of concurrent writes: no acknowledged write lost, none half-made.

Starts the production server (``bahali serve``, gunicorn) on a scratch database, registers
``--writes`` participants through the API from ``--clients`` threads (each with its own
``Idempotency-Key``; a client whose request fails retries it with the same key, as a
well-behaved client does), and meanwhile ``kill -9``s one gunicorn worker at a third of the
writes and the whole server (master and workers) at two thirds, restarting it. Then it
checks, in the database:

- lost: acknowledged registrations (201 with a code) missing from the database — must be 0;
- partial: participants whose sealed identity does not open, or without their audit event
  — must be 0;
- doubled: registrations stored twice despite the retry's Idempotency-Key — must be 0;
- the audit chain verifies.

Run (SQLite in a temporary folder by default; or an empty PostgreSQL database)::

    PYTHONPATH=src .venv/bin/python benchmarks/durability_kill9.py --writes 1000 --clients 20
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bahali_durability \\
        PYTHONPATH=src .venv/bin/python benchmarks/durability_kill9.py
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BAHALI = [sys.executable, "-m", "bahali.cli"]
# A case worker's bearer token, issued as after the two-factor sign-in (the sign-in itself
# is not what this script tests).
SETUP = """
from bahali.accounts.roles import Role
from bahali.accounts.services import issue_api_token
from bahali.testing import make_member
user = make_member(Role.CASE_WORKER, username="durability")
print(issue_api_token(actor=user, name="durability").secret)
"""
CHECK = """
import json
from bahali.audit.models import AuditEvent
from bahali.audit.services import verify_chain
from bahali.core.sealing import open_field
from bahali.registry.models import Participant
acked = set(json.load(open(ACKED)))
rows = {p.code: p for p in Participant.objects.all()}
lost = sorted(acked - set(rows))
partial = 0
names = []
audited = set(AuditEvent.objects.filter(object_type="registry.participant")
              .values_list("object_id", flat=True))
for p in rows.values():
    try:
        names.append(open_field(p, "sealed_name"))
        for field in p.sealed_fields:
            if getattr(p, field):
                open_field(p, field)
        if str(p.pk) not in audited:
            partial += 1
    except Exception:
        partial += 1
report = verify_chain()
print(json.dumps({
    "rows": len(rows), "lost": len(lost), "partial": partial,
    "doubled": len(names) - len(set(names)),
    "chain_ok": report.ok, "chain_events": report.checked, "chain_problem": report.problem,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--port", type=int, default=8197)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bahali-kill9-"))
    env = {
        **os.environ,
        "BAHALI_VAR_DIR": str(scratch),
        "BAHALI_HTTPS": "0",
        "BAHALI_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'durability.sqlite3'}")
    print(f"database: {env['DATABASE_URL']}  (scratch {scratch})")
    subprocess.run([*BAHALI, "migrate", "-v0"], env=env, check=True)
    token = (
        subprocess.run(
            [*BAHALI, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    base = f"http://127.0.0.1:{args.port}"
    server = start(env, args)

    acked: dict[int, str] = {}
    attempts = {"failed": 0, "retried": 0}
    lock = threading.Lock()
    next_index = iter(range(args.writes))
    started = time.monotonic()

    def client() -> None:
        while True:
            with lock:
                n = next(next_index, None)
            if n is None:
                return
            key = uuid.uuid4().hex
            body = {
                "name": f"Durable Person {n:05d}",
                "father_name": f"Father {n:05d}",
                "birth_year": 1980 + n % 20,
                "sex": "m",
                "district": "SWT",
                "decision": "new",
            }
            give_up = time.monotonic() + 900
            attempt = 0
            while time.monotonic() < give_up:
                attempt += 1
                try:
                    status, answer = post(
                        base + "/api/v1/participants",
                        body,
                        {"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                    )
                except (OSError, urllib.error.URLError):
                    status, answer = 0, {}
                if status in (200, 201):
                    with lock:
                        acked[n] = answer["code"]
                        attempts["retried"] += attempt > 1
                    break
                with lock:
                    attempts["failed"] += 1
                time.sleep(0.5)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    killed_worker = killed_server = False
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.05)
        done = len(acked)
        if not killed_worker and done >= args.writes // 3:
            workers = children(server.pid)
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                print(f"kill -9 worker {workers[0]} at {done} acknowledged writes")
            killed_worker = True
        if not killed_server and done >= 2 * args.writes // 3:
            pids = [server.pid, *children(server.pid)]
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            server.wait()
            print(f"kill -9 the whole server ({len(pids)} processes) at {done} writes; restart")
            server = start(env, args)
            killed_server = True
    elapsed = time.monotonic() - started
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)

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
        f"{args.writes} writes from {args.clients} clients in {elapsed:.1f} s: "
        f"{len(acked)} acknowledged, {attempts['failed']} failed attempts "
        f"({attempts['retried']} writes needed a retry)"
    )
    print(
        f"rows {result['rows']}, lost acknowledged {result['lost']}, partial "
        f"{result['partial']}, doubled {result['doubled']}, audit chain "
        f"{'verifies' if result['chain_ok'] else 'BROKEN: ' + result['chain_problem']} "
        f"({result['chain_events']} events)"
    )
    ok = (
        len(acked) == args.writes
        and result["lost"] == 0
        and result["partial"] == 0
        and not result["doubled"]
        and result["chain_ok"]
    )
    sys.exit(0 if ok else 1)


def start(env: dict[str, str], args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """``bahali serve`` on the port, once it answers; refused if another server holds the
    port (its answers would be counted as this run's)."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
    except OSError:
        pass
    else:
        raise SystemExit(f"port {args.port} is taken by another server: stop it or use --port")
    server = subprocess.Popen(
        [
            *BAHALI,
            "serve",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--no-migrate",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(_stop, server)  # however the run ends, no server is left behind
    deadline = time.monotonic() + 900  # a loaded machine takes minutes to collect static
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
            if server.poll() is not None:
                raise SystemExit("the server stopped as it started (is the port taken?)")
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not start")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        for pid in [*children(server.pid), server.pid]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        server.wait()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux: read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def post(
    url: str, body: dict[str, object], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}


if __name__ == "__main__":
    main()
