"""``bahali field apply``: apply the field submissions still waiting (received in bulk, or
left by a process that stopped between storing and applying one)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bahali.core.context import operation
from bahali.field import services


class Command(BaseCommand):
    help = "Field work maintenance."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser(
            "apply", help="Apply the submissions still waiting, each as its submitter."
        )
        apply.add_argument("--limit", type=int, default=None, help="At most this many.")
        apply.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes applying side by side (PostgreSQL; one per core).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with operation():
            counts = services.apply_received(
                limit=options["limit"], workers=max(1, options["workers"])
            )
        total = sum(counts.values())
        detail = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"{total} submission(s) applied ({detail or '-'})."))
