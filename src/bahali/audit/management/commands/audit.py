"""``bahali audit verify``: walk the hash chain; exit 1 naming the first bad event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. 'verify' checks the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"Audit chain broken at event #{report.bad_seq}: {report.problem}")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events."))
