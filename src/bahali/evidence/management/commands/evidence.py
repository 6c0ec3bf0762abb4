"""``bahali evidence definitions``: register the indicator definitions the code holds (new
versions only, audited), and list every recorded version. ``bahali evidence figures`` and
``bahali evidence ratings`` rebuild the stored figures from the records (after a restore or
a bulk load that bypassed ``save()``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.core.context import SYSTEM
from bahali.evidence import services
from bahali.evidence.models import IndicatorVersion


class Command(BaseCommand):
    help = "Register indicator definitions (new versions only) and list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        definitions = sub.add_parser("definitions", help="register and list definitions")
        definitions.add_argument("--effective-from", help="YYYY-MM-DD (default: today)")
        definitions.add_argument("--note", default="", help="what changed")
        sub.add_parser("figures", help="rebuild the stored per-case figures of every case")
        sub.add_parser("ratings", help="rebuild the stored rating comparisons of every case")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] in ("figures", "ratings"):
            from bahali.evidence import figures, ratings

            rebuilt = figures.refresh() if options["action"] == "figures" else ratings.refresh()
            self.stdout.write(f"{options['action']}: {rebuilt} rebuilt")
            return
        effective = options.get("effective_from")
        try:
            day = datetime.date.fromisoformat(effective) if effective else None
        except ValueError as error:
            raise CommandError(f"--effective-from: {error}") from error
        try:
            created = services.register_definitions(
                actor=SYSTEM, effective_from=day, note=options["note"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        for row in created:
            self.stdout.write(f"registered {row.code} v{row.number} from {row.effective_from}")
        for row in IndicatorVersion.objects.all():
            self.stdout.write(
                f"{row.code:28} v{row.number:<3} from {row.effective_from}  {row.fingerprint[:16]}"
            )
