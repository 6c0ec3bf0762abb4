"""``bahali serve``: apply migrations, collect static files, serve on 127.0.0.1:8000.

The production server is gunicorn (a locked dependency): worker processes from the CPU
count (``--workers`` or ``BAHALI_WEB_WORKERS``), a request timeout, graceful replacement of
the workers on ``SIGHUP`` (``kill -HUP <pid>``: new workers read the translations and
templates again, old ones finish their requests; the Python code is the master's, so a new
release restarts the server) and a graceful stop on ``SIGTERM``. Static files are served by
WhiteNoise from the collected, compressed, hashed files. ``bahali serve --dev`` (or
``bahali runserver``) keeps Django's development server for development.

Plain HTTP unless BAHALI_HTTPS=1 (set by ``bahali.cli`` before the settings load).
"""

from __future__ import annotations

import gc
import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def default_workers(cpus: int | None = None) -> int:
    """``CPUs + 1`` sync workers, bounded to 2..12 (each holds a database connection and
    ~180 MB).

    A page spends most of its time in Python, so one worker per core keeps the cores busy and
    the extra one fills the gaps while a worker waits for the database. Gunicorn's rule of
    thumb (``2 × CPUs + 1``) suits servers that wait more: measured on 2 cores with the
    database on the same machine (100 users of the load test, national seed), 3 workers
    answered 140 ms at p95 where 5 answered 170 ms, and saturated at 64 requests/s where 5
    saturated at 57 (benchmarks/README.md). A database on a server of its own leaves more
    waiting: raise ``BAHALI_WEB_WORKERS`` there and measure."""
    count = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(2, min(12, count + 1))


def gunicorn_options(addrport: str, options: dict[str, Any]) -> dict[str, Any]:
    """The gunicorn settings ``bahali serve`` runs with."""
    workers = options.get("workers") or int(os.environ.get("BAHALI_WEB_WORKERS") or 0)
    return {
        "bind": addrport,
        "workers": workers or default_workers(),
        "worker_class": "sync",
        "timeout": options.get("timeout") or int(os.environ.get("BAHALI_WEB_TIMEOUT", "60")),
        "graceful_timeout": 30,
        "keepalive": 5,
        # A worker is replaced after this many requests (with jitter so they do not all
        # restart together): memory stays flat over weeks.
        "max_requests": int(os.environ.get("BAHALI_WEB_MAX_REQUESTS", "2000")),
        "max_requests_jitter": 200,
        "accesslog": None,  # requests are logged by bahali.ops, as JSON, with operation ids
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "bahali-web",
        "forwarded_allow_ips": os.environ.get("BAHALI_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "preload_app": False,
        "control_socket_disable": True,  # signals (HUP, TERM, TTIN/TTOU) are the interface
    }


class Command(BaseCommand):
    help = (
        "Migrate, collect static assets and serve Bahali with gunicorn (default "
        "127.0.0.1:8000); --dev serves with Django's development server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--dev", action="store_true", help="Django's development server, for development"
        )
        parser.add_argument("--workers", type=int, help="worker processes (default CPUs+1)")
        parser.add_argument("--timeout", type=int, help="seconds before a stuck worker restarts")
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="do not migrate first (several web servers: migrate once, beforehand)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        addrport = options["addrport"]
        scheme = "https" if settings.SECURE_SSL_REDIRECT else "http"
        if settings.SECURE_SSL_REDIRECT:
            self.stdout.write(
                "BAHALI_HTTPS=1: every request is redirected to https; put a proxy that "
                "terminates TLS in front of this server (docs/operations.md)."
            )
        if options["dev"]:
            self.stdout.write(
                self.style.SUCCESS(f"Bahali (development server) on {scheme}://{addrport}/")
            )
            call_command("runserver", addrport, use_reloader=False)
            return
        config = gunicorn_options(addrport, options)
        self.stdout.write(
            self.style.SUCCESS(
                f"Bahali on {scheme}://{addrport}/ ({config['workers']} workers; "
                "kill -HUP the master to replace the workers, -TERM to stop)"
            )
        )
        run_gunicorn(config)


# Young-generation threshold for the workers' garbage collector (Python's default is 700).
GC_THRESHOLD = (5000, 20, 10)


def prepare_for_workers() -> None:
    """Before the fork into workers: move every object alive now (Django, the apps, the URL
    patterns the system checks loaded) into the collector's permanent generation and collect
    less often. Translation catalogues and templates are left for the workers to load, so a
    graceful reload (``kill -HUP``) still serves a new release's strings and layout.

    A page allocates tens of thousands of objects; with the default threshold the collector
    ran every 700 allocations and each older-generation collection walked Django's whole
    import graph again: 6-7 % of a worker's CPU, measured on the case list. Frozen objects
    are never walked (~2 %); the pages themselves create no reference cycles that need
    collecting sooner. The frozen objects are also shared with the workers copy-on-write
    (a collection no longer writes to every page of them).
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every app's URL module
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def run_gunicorn(config: dict[str, Any]) -> None:
    try:
        from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - gunicorn is a locked dependency
        raise CommandError("gunicorn is not installed; use bahali serve --dev") from exc

    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    application = get_wsgi_application()

    connections.close_all()  # no connection shared across the fork into workers
    prepare_for_workers()

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Server().run()
