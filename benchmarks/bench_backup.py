"""``bahali backup`` and a verified ``bahali restore`` of a large database, timed (issue 19).

Run: .venv/bin/python benchmarks/bench_backup.py SOURCE_DB [TARGET_DB]

SOURCE_DB is a PostgreSQL database on 127.0.0.1 (e.g. one ``bahali seed --scale`` filled);
TARGET_DB (default ``<SOURCE_DB>_restore``) is created empty, restored into (the restore
migrates it, loads every table, verifies the audit chain and opens every sealed value, all
in one transaction) and dropped afterwards unless ``--keep``. Prints the archive's size,
wall time, MB/s and rows/s and the peak resident memory of each command (the command's
own process; the restore's sealing workers are forks of it). Floor: 10 minutes each at
national scale.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_S = 600.0
BASE = "postgres://postgres@127.0.0.1:5432/"


def run(args: list[str], database: str) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and output of ``bahali ARGS`` on ``database``."""
    env = {**os.environ, "DATABASE_URL": BASE + database}
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "bahali.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # a refusal says why there
    )
    output = process.stdout.read().decode() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bahali {' '.join(args)} failed:\n{output}")
    return elapsed, usage.ru_maxrss, output.strip()


def main() -> None:
    names = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    if not names:
        sys.exit(__doc__)
    source = names[0]
    target = names[1] if len(names) > 1 else f"{source}_restore"
    archive = Path(tempfile.mkdtemp(prefix="bench-backup-")) / "bench.bahali-backup"
    print(f"load before: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    seconds, rss, output = run(["backup", "--output", str(archive), "--quiet"], source)
    size = archive.stat().st_size
    print(output)
    rows = int(output.split(" rows,")[0].rsplit("bytes, ", 1)[1].replace(",", ""))
    print(
        f"backup:  {seconds:7.1f} s  {size / 1e6:9.1f} MB archive  {size / 1e6 / seconds:6.1f} "
        f"MB/s  {rows / seconds:9,.0f} rows/s  peak RSS {rss / 1024:6.0f} MiB  "
        f"load {os.getloadavg()[0]:.1f}" + ("" if seconds < FLOOR_S else "  << over the floor")
    )
    subprocess.run(  # noqa: S603
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", target],  # noqa: S607
        check=True,
    )
    try:
        seconds, rss, output = run(["restore", str(archive), "--quiet"], target)
        print(output)
        print(
            f"restore: {seconds:7.1f} s  {size / 1e6 / seconds:6.1f} MB/s  "
            f"{rows / seconds:9,.0f} rows/s  peak RSS {rss / 1024:6.0f} MiB  "
            f"load {os.getloadavg()[0]:.1f}" + ("" if seconds < FLOOR_S else "  << over the floor")
        )
    finally:
        archive.unlink(missing_ok=True)
        if "--keep" not in sys.argv:
            subprocess.run(  # noqa: S603
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", target],  # noqa: S607
                check=True,
            )


if __name__ == "__main__":
    main()
