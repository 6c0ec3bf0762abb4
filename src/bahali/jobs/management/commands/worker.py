"""``bahali worker``: run background jobs (exports, imports, reports) until stopped.

Beats every few seconds so readiness checks know a worker is alive, queues again what a dead
worker left running, removes old results, queues the daily tasks whose hour has come
(``jobs.schedules``: the oversight body's red flags, ...), then takes tasks from the queue
(django-tasks' database backend). Run one or more beside the web server; stop with SIGTERM
(it finishes nothing half-way: a stopped job is re-run by the next worker).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from bahali.jobs import schedules, services


class Command(BaseCommand):
    help = "Run the background worker: exports, imports and scheduled work."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--batch", action="store_true", help="Run every waiting job, then exit."
        )

    def handle(self, *args: Any, interval: float, batch: bool, **options: Any) -> None:
        worker_id = services.become_worker()
        requeued = services.recover()
        if requeued:
            self.stdout.write(f"queued again {len(requeued)} job(s) left by a stopped worker")
        services.prune()
        schedules.run_due()
        stop = threading.Event()

        def beating() -> None:
            rounds = 0
            while not stop.wait(services.BEAT_SECONDS):
                try:
                    services.beat()
                    rounds += 1
                    if rounds % 12 == 0:  # about once a minute
                        services.recover()
                        schedules.run_due()
                    if rounds % 720 == 0:  # about once an hour
                        services.prune()
                except Exception:
                    services.logger.exception("worker beat failed")
                finally:
                    close_old_connections()
            connection.close()

        thread = threading.Thread(target=beating, name="bahali-worker-beat", daemon=True)
        thread.start()
        self.stdout.write(f"worker {worker_id} started")
        try:
            call_command(
                "db_worker",
                worker_id=worker_id,
                interval=interval,
                batch=batch,
                startup_delay=False,
                reload=False,
                verbosity=options.get("verbosity", 1),
            )
        finally:
            stop.set()
            thread.join(timeout=services.BEAT_SECONDS + 1)
            services.stop_beating()
