"""Load and soak runs: ``bahali serve`` (gunicorn) under the locust mix, with the workers'
memory sampled every 30 s.

Needs the locust virtualenv (``benchmarks/requirements-locust.txt``; ``$LOCUST``, default
``/tmp/locust-venv/bin/locust``) and a database whose load accounts are set up
(``benchmarks/load_accounts.py``). Only ever against 127.0.0.1::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_bahali_bench_cases \\
    BAHALI_LOAD_ACCOUNTS=/tmp/bahali-load-accounts.json \\
        .venv/bin/python benchmarks/soak.py --users 100 --minutes 10
    # the soak: 50 users for an hour, memory per worker judged after 10 minutes of warm-up
    ... benchmarks/soak.py --users 50 --minutes 60 --warmup 10
    # saturation: closed loops (no think time) of growing size, 2 minutes each
    ... benchmarks/soak.py --steps 4,8,16,32 --minutes 2

It starts ``bahali serve 127.0.0.1:$PORT --no-migrate`` itself (plain HTTP, the sign-in and
token rates and the lock-out of an address raised: every simulated user signs in from the
one address; ``BAHALI_VAR_DIR`` must hold the keys the database was sealed with; the background
worker's heartbeat is not needed for readiness), waits for it to answer, runs locust headless
and bounded, and prints: requests, failures, requests/s, p50/p95/p99 per request kind and in
all (from locust's CSV), the load average (sampled with the memory), and per worker process
its resident memory at the end of warm-up and its highest after it. A run with think time
lasts ``--warmup`` + ``--minutes``: in the warm-up the users arrive and sign in (every sign-in
checks an Argon2 hash); its figures are printed apart, and the run's figures are those of the
``--minutes`` after it, every user signed in. Floors (a full run, with think time): p95 under
300 ms, p99 under 1 s, no failure; memory: no worker grows by more than 10 % after warm-up.
``--max-requests`` (default 0: never) is gunicorn's worker recycling
(``BAHALI_WEB_MAX_REQUESTS``; production recycles after 2,000): off, a leak shows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SECONDS = 30
STEPS_HEADER = f"{'users':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'fail':>5} {'load':>5}"


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def workers_of(master: int) -> list[int]:
    """The gunicorn workers: the master's children."""
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def wait_ready(port: int, seconds: float = 600) -> None:
    """Until the server answers (``/healthz``: a benchmark database's audit chain need not
    verify for a load test, which ``/readyz`` would ask)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"the server on port {port} did not become ready")


def start_server(port: int, workers: int, max_requests: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BAHALI_HTTPS": "0",
        "BAHALI_SIGN_IN_RATE": "100000",
        "BAHALI_TOKEN_RATE": "100000",
        "BAHALI_ADDRESS_LOCKOUT_THRESHOLD": "100000",
        "BAHALI_READYZ_WORKER": "0",
        "BAHALI_WEB_MAX_REQUESTS": str(max_requests),
        "BAHALI_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the production settings
    command = [sys.executable, "-m", "bahali.cli", "serve", f"127.0.0.1:{port}", "--no-migrate"]
    if workers:
        command += ["--workers", str(workers)]
    log = open(Path(tempfile.gettempdir()) / f"bahali-soak-{port}.log", "ab")  # noqa: SIM115
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    wait_ready(port)
    return server


def run_locust(
    port: int,
    users: int,
    minutes: float,
    think: str,
    prefix: str,
    sample: list[str],
    warmup: float = 0,
) -> subprocess.Popen[bytes]:
    """Locust for ``warmup`` + ``minutes``; its figures (the CSV) are those after warm-up."""
    locust = os.environ.get("LOCUST", "/tmp/locust-venv/bin/locust")  # noqa: S108
    env = {
        **os.environ,
        "BAHALI_LOAD_THINK": think,
        "BAHALI_LOAD_WARMUP": str(warmup * 60),
        "BAHALI_LOAD_WARMUP_FILE": f"{prefix}_warmup.json",
    }
    command = [
        locust,
        "-f",
        str(ROOT / "benchmarks/locustfile.py"),
        "--headless",
        "--only-summary",
        "--host",
        f"http://127.0.0.1:{port}",
        "-u",
        str(users),
        "-r",
        str(max(1, min(10, users // 10))),
        "-t",
        f"{int((warmup + minutes) * 60)}s",
        "--stop-timeout",
        "10",
        "--csv",
        prefix,
    ]
    sample.append(" ".join(command[1:]))
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603


def read_stats(prefix: str) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def print_stats(rows: list[dict[str, str]]) -> dict[str, str]:
    print(f"{'request':<28} {'count':>7} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}")
    total: dict[str, str] = {}
    for row in rows:
        if row["Name"] == "Aggregated":
            total = row
            continue
        print(
            f"{row['Name'][:28]:<28} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} "
            f"{float(row['Max Response Time']):>7.0f}"
        )
    print(
        f"{'ALL':<28} {total['Request Count']:>7} {total['Failure Count']:>5} "
        f"{total['50%']:>6} {total['95%']:>6} {total['99%']:>6} "
        f"{float(total['Max Response Time']):>7.0f}"
    )
    print(f"throughput: {float(total['Requests/s']):.1f} requests/s")
    return total


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def one_run(
    server: subprocess.Popen[bytes],
    port: int,
    users: int,
    minutes: float,
    think: str,
    warmup: float,
) -> tuple[dict[str, str], dict[int, list[tuple[float, int]]], list[float]]:
    prefix = tempfile.mkdtemp(prefix="bahali-load-") + "/run"
    commands: list[str] = []
    locust = run_locust(port, users, minutes, think, prefix, commands, warmup)
    print(f"locust {commands[0]}", flush=True)
    started = time.monotonic()
    memory: dict[int, list[tuple[float, int]]] = {}
    loads: list[float] = []
    while locust.poll() is None:
        elapsed = (time.monotonic() - started) / 60
        for pid in workers_of(server.pid):
            kib = rss_kib(pid)
            if kib is not None:
                memory.setdefault(pid, []).append((elapsed, kib))
        loads.append(load_average())
        if memory:
            now = [samples[-1][1] // 1024 for samples in memory.values() if samples]
            print(
                f"  {elapsed:5.1f} min  load {loads[-1]:5.2f}  worker RSS MiB {sorted(now)}",
                flush=True,
            )
        for _ in range(SAMPLE_SECONDS):
            if locust.poll() is not None:
                break
            time.sleep(1)
    if locust.returncode not in (0, 1):  # 1: some requests failed (reported below)
        sys.stderr.write(locust.stderr.read().decode() if locust.stderr else "")
        raise SystemExit(f"locust ended with {locust.returncode}")
    warmed = Path(f"{prefix}_warmup.json")
    warmup_failures = 0
    if warmed.exists():
        print(f"warm-up ({warmup:g} min: the users arrive and sign in), not in the figures below:")
        for row in json.loads(warmed.read_text()):
            if "error" in row:
                print(f"  failed {row['occurrences']} times: {row['error'][:200]}")
                continue
            if row["name"] == "Aggregated":
                warmup_failures = int(row["failures"])
            print(
                f"  {row['name'][:26]:<26} {row['count']:>7} {row['failures']:>5} "
                f"{row['p50']:>6} {row['p95']:>6} {row['p99']:>6} {row['max']:>7.0f}"
            )
        print(f"the {minutes:g} minutes after warm-up, all users signed in:")
    total = print_stats(read_stats(prefix))
    # a failure in the warm-up (a sign-in refused, a timeout) counts against the floor too
    total["Failure Count"] = str(int(total["Failure Count"]) + warmup_failures)
    if warmup_failures:
        print(f"failures: {warmup_failures} in the warm-up, counted below")
    return total, memory, loads


def judge_memory(memory: dict[int, list[tuple[float, int]]], warmup: float) -> bool:
    """Each worker that lived through the run: its highest RSS after warm-up against its RSS
    at the end of warm-up."""
    flat = True
    print(f"worker memory (resident, MiB) after {warmup:g} min of warm-up:")
    for pid, samples in sorted(memory.items()):
        after = [kib for minute, kib in samples if minute >= warmup]
        before = [kib for minute, kib in samples if minute < warmup]
        if not after or not before:
            print(f"  worker {pid}: not alive through warm-up and after (recycled or new)")
            continue
        base, top, last = before[-1], max(after), after[-1]
        growth = (top - base) / base * 100
        ok = growth <= 10
        flat = flat and ok
        print(
            f"  worker {pid}: {base / 1024:.0f} at warm-up end, highest {top / 1024:.0f}, "
            f"last {last / 1024:.0f} ({growth:+.1f} %) {'flat' if ok else 'GREW'}"
        )
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument(
        "--warmup",
        type=float,
        default=5,
        help="minutes before the measured --minutes (users sign in; memory judged after)",
    )
    parser.add_argument("--think", default="1,5", help="think time min,max in seconds")
    parser.add_argument("--steps", help="saturation: closed loops of these sizes, no think time")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default CPUs+1)")
    parser.add_argument("--max-requests", type=int, default=0)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("soak.py measures PostgreSQL: set DATABASE_URL (see the docstring).")

    print(f"start {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; load {load_average()}")
    server = start_server(options.port, options.workers, options.max_requests)
    print(f"bahali serve: pid {server.pid}, workers {workers_of(server.pid)}", flush=True)
    try:
        if options.steps:
            print(STEPS_HEADER)
            results = []
            for users in (int(n) for n in options.steps.split(",")):
                total, _memory, loads = one_run(
                    server, options.port, users, options.minutes, "0,0", 0
                )
                results.append((users, total, sum(loads) / max(1, len(loads))))
            print(STEPS_HEADER)
            for users, total, load in results:
                print(
                    f"{users:>6} {float(total['Requests/s']):>7.1f} {total['50%']:>6} "
                    f"{total['95%']:>6} {total['99%']:>6} {total['Failure Count']:>5} {load:>5.2f}"
                )
            best = max(results, key=lambda r: float(r[1]["Requests/s"]))
            rate = float(best[1]["Requests/s"])
            print(f"saturation throughput: {rate:.1f} requests/s ({best[0]} users)")
            return
        total, memory, loads = one_run(
            server, options.port, options.users, options.minutes, options.think, options.warmup
        )
        p95, p99 = float(total["95%"]), float(total["99%"])
        failures = int(total["Failure Count"])
        print(
            f"load average during the run: mean {sum(loads) / max(1, len(loads)):.2f}, "
            f"max {max(loads, default=0):.2f} (2 cores, shared)"
        )
        flat = judge_memory(memory, options.warmup)
        print(
            f"floors: p95 {p95:.0f} ms < 300 {'met' if p95 < 300 else 'NOT met'}; "
            f"p99 {p99:.0f} ms < 1000 {'met' if p99 < 1000 else 'NOT met'}; "
            f"failures {failures} {'met' if failures == 0 else 'NOT met'}; "
            f"memory {'flat within 10 %' if flat else 'NOT flat'}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
