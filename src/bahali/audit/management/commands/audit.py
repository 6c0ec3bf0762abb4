"""``bahali audit``: verify the chain, take and check signed checkpoints, export the events.

- ``verify`` walks the hash chain and checks each seal; exit 1 naming the first bad event.
  ``--against CHECKPOINT_FILE`` also proves the chain extends that checkpoint unchanged.
- ``checkpoint`` prints (or writes with ``--output``) a signed statement of the head, for
  the oversight body to keep outside the system, and notes it in the chain.
- ``public-key`` prints the key that checks checkpoint signatures.
- ``export`` writes every event as JSON Lines, for ``tools/verify_audit.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.audit import chain
from bahali.audit.services import export_events, take_checkpoint, verify_chain
from bahali.core.context import SYSTEM


class Command(BaseCommand):
    help = (
        "Audit trail tools. 'verify' checks the hash chain (--against CHECKPOINT_FILE checks "
        "it extends a checkpoint); 'checkpoint' signs the head; 'public-key' prints the key "
        "that checks checkpoints; 'export' writes the events as JSON Lines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "public-key", "export"])
        parser.add_argument(
            "--against", metavar="CHECKPOINT_FILE", help="verify: a checkpoint kept earlier"
        )
        parser.add_argument(
            "--output", metavar="FILE", help="checkpoint, export: write here, not to stdout"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            self._verify(options.get("against"))
        elif action == "checkpoint":
            document = take_checkpoint(actor=SYSTEM)
            self._write(options.get("output"), json.dumps(document, indent=2) + "\n")
        elif action == "public-key":
            self.stdout.write(chain.public_key())
        else:
            lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in export_events())
            self._write(options.get("output"), "".join(lines))

    def _verify(self, against_path: str | None) -> None:
        against = None
        if against_path:
            try:
                document = json.loads(Path(against_path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the checkpoint {against_path}: {exc}") from exc
            try:
                against = chain.read_checkpoint(document, chain.public_key())
            except chain.BadCheckpoint as exc:
                raise CommandError(f"The checkpoint {against_path} is refused: {exc}") from exc
        report = verify_chain(against)
        if not report.ok:
            raise CommandError(f"Audit chain broken at event #{report.bad_seq}: {report.problem}")
        message = f"Audit chain intact: {report.checked} events."
        if against is not None:
            message += f" It extends the checkpoint at event #{against[0]} unchanged."
        self.stdout.write(self.style.SUCCESS(message))

    def _write(self, output: str | None, text: str) -> None:
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
