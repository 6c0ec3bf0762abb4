"""``bahali keys status|rotate``: which keys protect the sealed values, and re-sealing them.

To rotate: add a new key to ``BAHALI_FIELD_KEYS``, make it active
(``BAHALI_FIELD_KEY_ACTIVE``), run ``bahali keys rotate``, and retire the old key only when
``bahali keys status`` shows nothing left under it. Every sealed field of every model
(identities, notes, relatives' contacts, assessments, …: ``bahali.core.sealing``) is covered.
Works in batches, one audited transaction each, so the application keeps running (values
under old and new keys both open meanwhile). A value that does not open (its key is not
configured, or it was moved from another row or field) stops the rotation with the reason;
a moved one is recorded in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.core import crypto, sealing
from bahali.core.context import SYSTEM


class Command(BaseCommand):
    help = "Key management: 'status' counts sealed values per key; 'rotate' re-seals them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate", "status"])
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        active = crypto.active_key_id()
        if options["action"] == "status":
            usage = sealing.usage()
            if active not in usage:
                usage[active] = {}
            for kid, per_model in sorted(usage.items()):
                marker = " (active)" if kid == active else ""
                total = sum(per_model.values())
                detail = ", ".join(f"{label} {count}" for label, count in sorted(per_model.items()))
                self.stdout.write(
                    f"{kid}{marker}: {total} sealed values" + (f" ({detail})" if detail else "")
                )
            return
        try:
            done = sealing.rotate(actor=SYSTEM, batch=options["batch"])
        except crypto.SealError as exc:  # the batch it failed in has rolled back
            sealing.record_refusal(exc)
            raise CommandError(
                f"Rotation stopped: {exc}. Rows re-sealed before it stay so."
            ) from exc
        detail = ", ".join(f"{label} {count}" for label, count in sorted(done.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-sealed {sum(done.values())} rows under key {active}"
                + (f" ({detail})." if detail else ".")
            )
        )
