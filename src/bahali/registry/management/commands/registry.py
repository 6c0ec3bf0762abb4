"""``bahali registry rekey [--batch N] [--restart]`` and ``bahali registry rekey-status``.

Re-keying recomputes every participant's keyed blocking keys after a release changes what
they are made of (``registry.rekeying``); an upgrade that raises
``matching.blocking.KEY_SCHEME`` needs it once (``migrate`` says so). Runs as the system in
batches, one audited transaction each under one operation, with a progress line; stopped, it
resumes where it left off.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bahali.core.context import SYSTEM
from bahali.ops.management.commands._progress import ProgressBar
from bahali.registry import rekeying


class Command(BaseCommand):
    help = "Registry: 'rekey' recomputes the blocking keys; 'rekey-status' says how far."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rekey = sub.add_parser("rekey", help="Recompute every participant's blocking keys.")
        rekey.add_argument("--batch", type=int, default=rekeying.BATCH)
        rekey.add_argument(
            "--restart",
            action="store_true",
            help="Start from the first participant even if a run completed or stopped.",
        )
        sub.add_parser("rekey-status", help="How far re-keying under the current scheme is.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rekey-status":
            now = rekeying.state()
            if now.complete:
                self.stdout.write(f"Scheme {now.scheme}: every participant re-keyed.")
            else:
                self.stdout.write(
                    f"Scheme {now.scheme}: {now.remaining:,} participants to re-key "
                    f"(after id {now.through})."
                )
            return
        bar = ProgressBar("Re-keying")
        before, batches = rekeying.rekey(
            actor=SYSTEM,
            batch=max(1, options["batch"]),
            restart=options["restart"],
            progress=bar,
        )
        if batches:
            bar.finish()
        if before.complete and not options["restart"]:
            self.stdout.write(f"Scheme {before.scheme} is complete already; nothing to do.")
            return
        people = sum(item.participants for item in batches)
        added = sum(item.added for item in batches)
        removed = sum(item.removed for item in batches)
        resumed = ""
        if before.through and not options["restart"]:
            resumed = f" (resumed after id {before.through})"
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-keyed {people:,} participants under scheme {before.scheme}{resumed}: "
                f"{added:,} keys added, {removed:,} removed."
            )
        )
