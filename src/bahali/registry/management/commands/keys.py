"""``bahali keys rotate``: re-seal every identity value under the active key.

Run after adding a new key to ``BAHALI_FIELD_KEYS`` and making it active; old keys stay
in the ring until this finishes. Works in batches, one transaction each, so the
application keeps running (values under old and new keys both open meanwhile).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bahali.core import crypto
from bahali.core.context import SYSTEM
from bahali.registry.services import rotate_keys


class Command(BaseCommand):
    help = "Key management. 'rotate' re-seals identity fields under the active key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate", "status"])
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            from bahali.registry.services import key_usage

            for kid, count in sorted(key_usage().items()):
                marker = " (active)" if kid == crypto.active_key_id() else ""
                self.stdout.write(f"{kid}{marker}: {count} sealed values")
            return
        resealed = rotate_keys(actor=SYSTEM, batch=options["batch"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-sealed {resealed} participants under key {crypto.active_key_id()}."
            )
        )
