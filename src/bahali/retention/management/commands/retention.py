"""``bahali retention run [--dry-run]``: anonymise what the retention rules and withdrawals of
consent make due (nightly, from a timer: docs/operations.md), or list it without changing
anything. Runs as the system, for every participant; lists codes, never identity."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bahali.core.context import SYSTEM
from bahali.retention import services


class Command(BaseCommand):
    help = "Retention: anonymise records past their programme's rule or a withdrawal of consent."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Anonymise what is due now (nightly).")
        run.add_argument(
            "--dry-run", action="store_true", help="List what would go; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        report = services.run_due(actor=SYSTEM, dry_run=dry_run)
        verb = "would go" if dry_run else "anonymised"
        for item in report.done:
            cases = ", ".join(str(case.pk) for case in item.cases) or "-"
            self.stdout.write(
                f"{item.participant.code}\t{item.scope}\t{item.cause}\t"
                f"due since {item.since.isoformat()}\tcases {cases}\t{verb}"
            )
        for item in report.held:
            hold = item.hold.pk if item.hold else ""
            self.stdout.write(
                f"{item.participant.code}\t{item.scope}\t{item.cause}\t"
                f"due since {item.since.isoformat()}\tkept: legal hold {hold}"
            )
        summary = (
            f"{report.identities} identit{'y' if report.identities == 1 else 'ies'} and the "
            f"notes of {report.notes} more participant(s) {verb}; {len(report.held)} kept by "
            "a legal hold."
        )
        self.stdout.write(self.style.SUCCESS(summary))
