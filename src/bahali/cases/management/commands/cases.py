"""``bahali cases refresh-due``: recompute every case's next due date from its records."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from bahali.cases import due


class Command(BaseCommand):
    help = "Case maintenance."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "refresh-due",
            help="Recompute each case's next due date (after a bulk load or a restore).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            changed = due.refresh()
        self.stdout.write(self.style.SUCCESS(f"{changed} case(s) had a stale due date."))
