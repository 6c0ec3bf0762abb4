"""``bahali restore-drill [ARCHIVE]``: prove a backup restores, without touching production.

Takes a fresh backup (or uses ARCHIVE), restores it with ``bahali restore`` into a scratch
database — a temporary SQLite file, or ``--database-url`` (an empty PostgreSQL database
kept for drills) — and reports the times. Exit 1 if the restore or its verification fails.
Run it on a schedule (docs/operations.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Back up (or take ARCHIVE), restore into a scratch database, verify; report times."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", nargs="?")
        parser.add_argument(
            "--database-url", help="an empty scratch database (default: a temporary SQLite file)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with tempfile.TemporaryDirectory(prefix="bahali-drill-") as scratch:
            archive = options["archive"]
            backup_seconds = 0.0
            if not archive:
                archive = str(Path(scratch) / "drill.bahali-backup")
                started = time.monotonic()
                call_command("backup", output=archive, quiet=True, stdout=self.stdout)
                backup_seconds = time.monotonic() - started
            url = options["database_url"] or f"sqlite:///{Path(scratch) / 'drill.sqlite3'}"
            env = {**os.environ, "DATABASE_URL": url}
            started = time.monotonic()
            result = subprocess.run(  # noqa: S603 - our own command, no shell
                [sys.executable, "-m", "bahali.cli", "restore", archive, "--quiet"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            restore_seconds = time.monotonic() - started
            self.stdout.write(result.stdout.strip())
            if result.returncode != 0:
                raise CommandError(f"Restore drill FAILED: {result.stderr.strip()[-2000:]}")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restore drill passed: backup {backup_seconds:.1f} s, verified restore "
                    f"{restore_seconds:.1f} s."
                )
            )
