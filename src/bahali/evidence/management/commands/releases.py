"""``bahali releases verify FILE``: check a release file against its verification file.

Needs no database: only the two files and (better) the audit signing public key, recorded
by the checker beforehand (``bahali audit public-key``). Exit status 0 when the release is
intact, 1 otherwise. ``bahali releases publish`` publishes one from the command line.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.evidence import releases


class Command(BaseCommand):
    help = "Verify (or publish) outcome releases."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check a release file")
        verify.add_argument("file", help="the release (…json)")
        verify.add_argument(
            "--verification", help="the verification file (default: FILE with .verification.json)"
        )
        verify.add_argument("--public-key", help="the audit signing public key you recorded")
        publish = sub.add_parser("publish", help="publish a release (as the system)")
        publish.add_argument("--title", required=True)
        publish.add_argument("--start", required=True, help="YYYY-MM-DD")
        publish.add_argument("--end", required=True, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "publish":
            self._publish(options)
            return
        path = Path(options["file"])
        verification_path = Path(
            options.get("verification")
            or str(path.with_suffix("")).removesuffix(".release") + ".verification.json"
        )
        try:
            content = path.read_bytes()
            verification = json.loads(verification_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        verdict = releases.verify(content, verification, options.get("public_key"))
        if not options.get("public_key"):
            self.stdout.write(
                "note: checked with the public key written in the verification file; "
                "pass --public-key with the key you recorded to trust the signer."
            )
        period = verdict.period
        self.stdout.write(f"period: {period.get('start')} to {period.get('end')}")
        point = verdict.checkpoint
        self.stdout.write(
            f"audit checkpoint: event {point.get('seq')} hash {point.get('hash')} "
            f"at {point.get('at')}"
        )
        for d in verdict.definitions:
            flag = "  CHANGED DURING THE PERIOD" if d.get("changed_during_period") else ""
            self.stdout.write(
                f"definition {d.get('code')} v{d.get('version')} "
                f"from {d.get('effective_from')}{flag}"
            )
        if not verdict.ok:
            for problem in verdict.problems:
                self.stderr.write(f"FAILED: {problem}")
            raise SystemExit(1)
        self.stdout.write("Verified: the release is as signed.")

    def _publish(self, options: dict[str, Any]) -> None:
        from bahali.core.context import SYSTEM
        from bahali.evidence import services

        try:
            release = services.publish_release(
                actor=SYSTEM,
                title=options["title"],
                start=datetime.date.fromisoformat(options["start"]),
                end=datetime.date.fromisoformat(options["end"]),
            )
        except (ValueError, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"published release {release.pk}: {release.content_sha256}")
