"""``bahali backup [--output FILE]``: an encrypted, integrity-checked archive of everything.

See :mod:`bahali.ops.backup`. The archive names the backup key's id; keep the key itself
(``BAHALI_BACKUP_KEYS``) apart from the archives (docs/operations.md, key custody).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from bahali.ops import backup
from bahali.ops.management.commands._progress import ProgressBar


class Command(BaseCommand):
    help = "Write an encrypted, integrity-checked backup archive (database and uploaded files)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", help="archive file (default var/backups/bahali-<UTC time>.bahali-backup)"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"] or default_path())
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        bar = None if options["quiet"] else ProgressBar("backup")
        started = time.monotonic()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                header = backup.backup(out, progress=bar)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)  # never a half-written archive under the final name
        finally:
            partial.unlink(missing_ok=True)
        if bar:
            bar.finish()
        rows = sum(header["counts"].values())
        field_keys = ", ".join(header["field_key_ids"]) or "-"
        audit_keys = ", ".join(header["audit_key_ids"]) or "-"
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {path} ({header['bytes']:,} bytes, {rows:,} rows, "
                f"{header['files']} files, {time.monotonic() - started:.1f} s; backup key "
                f"{header['backup_key_id']}, field keys {field_keys}, audit keys {audit_keys})"
            )
        )


def default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"bahali-{stamp}.bahali-backup"
