"""Prometheus metrics, in the text exposition format, without a client library.

Counters and the latency histogram are counted in each process and written, at most once a
second, to a file of its own under ``BAHALI_METRICS_DIR`` (default ``var/metrics``); the
endpoint sums every process's file, so whichever gunicorn worker answers a scrape reports
the whole server. Files of processes that ended are folded into ``ended.json`` (counters
never go down). Figures the database knows (audit events appended, the task queue, the
worker's heartbeat) are read at scrape time.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings

# Request latency buckets, in seconds (the targets: p95 < 0.3 s, p99 < 1 s).
BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)

_lock = threading.Lock()
_counts: dict[str, float] = {}
_last_flush = 0.0


def metrics_dir() -> Path:
    configured = os.environ.get("BAHALI_METRICS_DIR")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "metrics"


def _key(name: str, labels: dict[str, str] | None = None) -> str:
    if not labels:
        return name
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def inc(name: str, labels: dict[str, str] | None = None, amount: float = 1.0) -> None:
    key = _key(name, labels)
    with _lock:
        _counts[key] = _counts.get(key, 0.0) + amount


# The keys every request counts under, spelt once per process rather than per request.
_BUCKET_KEYS = tuple(
    (bound, _key("bahali_http_request_duration_seconds_bucket", {"le": str(bound)}))
    for bound in BUCKETS
)
_REQUEST_KEYS: dict[tuple[str, int], str] = {}


def observe_request(method: str, status: int, seconds: float) -> None:
    """Count one request and its duration."""
    status_class = status // 100
    total = _REQUEST_KEYS.get((method, status_class))
    if total is None:
        labels = {"method": method, "status": f"{status_class}xx"}
        total = _key("bahali_http_requests_total", labels)
        if len(_REQUEST_KEYS) < 1000:  # a client's made-up methods do not grow it forever
            _REQUEST_KEYS[(method, status_class)] = total
    with _lock:
        for key, amount in (
            (total, 1),
            ("bahali_http_request_duration_seconds_sum", seconds),
            ("bahali_http_request_duration_seconds_count", 1),
        ):
            _counts[key] = _counts.get(key, 0.0) + amount
        for bound, key in _BUCKET_KEYS:
            if seconds <= bound:
                _counts[key] = _counts.get(key, 0.0) + 1
    flush()


def signin_failed(sender: Any = None, **kwargs: Any) -> None:
    """``user_login_failed``: one failed sign-in (page or API token)."""
    inc("bahali_signin_failures_total")
    flush(force=True)


def flush(force: bool = False) -> None:
    """Write this process's counts to its file (at most once a second unless forced)."""
    global _last_flush
    now = time.monotonic()
    if not force and now - _last_flush < 1.0:
        return
    _last_flush = now
    with _lock:
        snapshot = dict(_counts)
    directory = metrics_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{os.getpid()}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(snapshot), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass  # metrics never fail a request


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def collected() -> dict[str, float]:
    """Every process's counts, summed; files of ended processes folded into one."""
    flush(force=True)
    directory = metrics_dir()
    total: dict[str, float] = {}
    if not directory.exists():
        return total
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ended_path = directory / "ended.json"
        ended = _read(ended_path)
        folded = False
        for path in directory.glob("*.json"):
            if path.name == "ended.json":
                continue
            counts = _read(path)
            if path.stem.isdigit() and not _alive(int(path.stem)):
                _add(ended, counts)
                path.unlink(missing_ok=True)
                folded = True
            else:
                _add(total, counts)
        if folded:
            ended_path.write_text(json.dumps(ended), encoding="utf-8")
        _add(total, ended)
    return total


def _read(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _add(into: dict[str, float], counts: dict[str, float]) -> None:
    for key, value in counts.items():
        into[key] = into.get(key, 0.0) + value


HELP = {
    "bahali_http_requests_total": ("counter", "HTTP requests answered, by method and status"),
    "bahali_http_request_duration_seconds": ("histogram", "HTTP request duration"),
    "bahali_signin_failures_total": ("counter", "Failed sign-ins"),
    "bahali_audit_events_total": (
        "counter",
        "Audit events appended to the chain (rate() of it is the append rate)",
    ),
    "bahali_task_queue_depth": ("gauge", "Background tasks waiting to run"),
    "bahali_task_queue_oldest_age_seconds": (
        "gauge",
        "Age of the oldest background task waiting to run",
    ),
    "bahali_task_running": ("gauge", "Background tasks running now"),
    "bahali_task_failed_total": ("counter", "Background tasks that failed (kept results)"),
    "bahali_worker_heartbeat_age_seconds": (
        "gauge",
        "Seconds since the background worker last reported (absent: never)",
    ),
}


def render(values: dict[str, float]) -> str:
    """The text exposition format (version 0.0.4) of ``values`` (keys with their labels)."""
    families: dict[str, list[tuple[str, float]]] = {}
    for key, value in values.items():
        name = key.split("{", 1)[0]
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in HELP:
                family = name[: -len(suffix)]
        families.setdefault(family, []).append((key, value))
    lines: list[str] = []
    for family in sorted(families):
        kind, text = HELP.get(family, ("untyped", family))
        lines.append(f"# HELP {family} {text}")
        lines.append(f"# TYPE {family} {kind}")
        samples = families[family]
        if kind == "histogram":
            samples = _with_inf(family, samples)
        for key, value in sorted(samples, key=_sample_order):
            lines.append(f"{key} {_number(value)}")
    return "\n".join(lines) + "\n"


def _with_inf(family: str, samples: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    samples = list(samples)
    count = next((v for k, v in samples if k == f"{family}_count"), 0.0)
    # Every bucket present (a bucket never reached is 0), and +Inf equal to the count.
    present = {k for k, _v in samples}
    for bound in BUCKETS:
        key = _key(f"{family}_bucket", {"le": str(bound)})
        if key not in present:
            samples.append((key, 0.0))
    samples.append((_key(f"{family}_bucket", {"le": "+Inf"}), count))
    return samples


def _sample_order(sample: tuple[str, float]) -> tuple[str, float]:
    key = sample[0]
    if 'le="' in key:
        bound = key.split('le="', 1)[1].split('"', 1)[0]
        return (key.split("{", 1)[0], float("inf") if bound == "+Inf" else float(bound))
    return (key, 0.0)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
