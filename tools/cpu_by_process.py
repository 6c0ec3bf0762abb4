"""CPU time spent by each group of processes over an interval, from ``/proc`` (Linux).

    python3 tools/cpu_by_process.py 60     # during a load run: web workers, PostgreSQL, locust

Groups: PostgreSQL backends, locust, Bahali's server and worker (command line mentions
``bahali`` or gunicorn); anything else by its command line. Says where a saturated machine's
two cores go (issue 19: the web workers' Python, not the database).
"""

from __future__ import annotations

import os
import sys
import time


def _snapshot() -> dict[str, tuple[str, float]]:
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[str, tuple[str, float]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                stat = handle.read()
            with open(f"/proc/{pid}/cmdline", encoding="utf-8") as handle:
                command = handle.read().replace("\0", " ")[:80]
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[pid] = (command, (int(fields[11]) + int(fields[12])) / ticks)
    return found


def _group(command: str) -> str:
    if "postgres" in command:
        return "postgres"
    if "locust" in command:
        return "locust"
    if "gunicorn" in command or "bahali" in command:
        return "bahali (web and worker)"
    return command[:40] or "(kernel threads)"


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    before = _snapshot()
    time.sleep(seconds)
    after = _snapshot()
    groups: dict[str, float] = {}
    for pid, (command, spent) in after.items():
        delta = spent - before.get(pid, (command, 0.0))[1]
        groups[_group(command)] = groups.get(_group(command), 0.0) + delta
    print(f"CPU seconds in {seconds:.0f} s of wall time:")
    for name, spent in sorted(groups.items(), key=lambda item: -item[1])[:10]:
        print(f"{spent:8.1f} s  {name}")


if __name__ == "__main__":
    main()
