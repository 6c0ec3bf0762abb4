"""``bahali restore ARCHIVE``: restore a backup into an empty database and verify it.

Migrates the database to the archive's migrations first (an empty database), then loads
every row in one transaction and, before committing, checks the row counts, the whole
audit chain and that every sealed value opens. Any failure restores nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.ops import backup
from bahali.ops.management.commands._progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database, verifying the audit chain and "
        "sealed values."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        started = time.monotonic()
        try:
            with path.open("rb") as stream:
                header, _raw = backup.read_header(stream)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        except backup.BackupRefused as exc:
            raise CommandError(f"Refused: {exc}") from exc
        for app, name in header.get("migrations", {}).items():
            call_command("migrate", app, name, interactive=False, verbosity=0)
        bar = None if options["quiet"] else ProgressBar("restore")
        try:
            with path.open("rb") as stream:
                report = backup.restore(stream, progress=bar)
        except backup.BackupRefused as exc:
            raise CommandError(f"Refused, nothing restored: {exc}") from exc
        if bar:
            bar.finish()
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {report.rows:,} rows and {report.files} files from {path} "
                f"(taken {header['created']}) in {time.monotonic() - started:.1f} s. Verified: "
                f"audit chain intact ({report.audit_events:,} events), "
                f"{report.sealed_values:,} sealed values open."
            )
        )
