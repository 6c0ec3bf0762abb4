"""``bahali rights compute``: compute the oversight body's rights red flags now (the worker
also does it every night, ``jobs.schedules``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bahali.core.context import SYSTEM
from bahali.rights import services


class Command(BaseCommand):
    help = "Rights red flags for the oversight body."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("compute", help="Compute the red flags now and store them.")

    def handle(self, *args: Any, **options: Any) -> None:
        run = services.compute_red_flags(actor=SYSTEM)
        for kind, count in run.counts.items():
            self.stdout.write(f"{kind}: {count}")
        self.stdout.write(self.style.SUCCESS(f"{sum(run.counts.values())} red flag(s) stored."))
