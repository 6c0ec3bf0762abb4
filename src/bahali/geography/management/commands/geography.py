"""``bahali geography load``: bring provinces and districts in line with the shipped data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bahali.core.context import SYSTEM
from bahali.geography.services import load_pakistan_geography


class Command(BaseCommand):
    help = "Geography tools. 'load' syncs Pakistan's provinces and districts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])

    def handle(self, *args: Any, **options: Any) -> None:
        changed = load_pakistan_geography(actor=SYSTEM)
        self.stdout.write(self.style.SUCCESS(f"Geography up to date ({changed} rows changed)."))
