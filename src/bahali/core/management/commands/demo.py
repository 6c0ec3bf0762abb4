"""``bahali demo``: migrate and load the synthetic demo data, then list the accounts."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from bahali.core.context import SYSTEM
from bahali.core.demo import (
    DemoAccount,
    demo_authenticator_key,
    demo_code,
    demo_password,
    load_demo,
)


class Command(BaseCommand):
    help = "Load the synthetic demo data (idempotent) and print the demo accounts."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--code",
            action="store_true",
            help="Only print the demo accounts' current two-factor code (from the demo key).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            code, left = demo_code()
            self.stdout.write(f"{code}  (for {left} more seconds; each account takes a code once)")
            return
        started = time.monotonic()

        def progress(step: str) -> None:
            # A first load takes half a minute: say what is happening, not nothing.
            self.stdout.write(f"  [{time.monotonic() - started:4.0f} s] {step}…")
            self.stdout.flush()

        self.stdout.write("Loading the demo data (the first time takes a minute or so):")
        progress("Database tables")
        call_command("migrate", interactive=False, verbosity=0)
        accounts = load_demo(actor=SYSTEM, progress=progress)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Accounts (all synthetic):"))
        for line in account_lines(accounts):
            self.stdout.write(line)
        self.stdout.write(f"Password for every demo account: {demo_password()}")
        asked = sorted({a.username for a in accounts if a.second_factor})
        if asked:
            key = demo_authenticator_key()
            grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
            self.stdout.write(
                f"Two-factor sign-in: {', '.join(asked)} are then asked for a code. Add this "
                f"key to an authenticator app (one entry serves every demo account): {grouped} "
                "-- or print the current code with `bahali demo --code`."
            )


def account_lines(accounts: list[DemoAccount]) -> list[str]:
    """One line per account; an account working for a second organisation (a mentor of two
    civil-society organisations) is listed once, its other role on the next line, saying so."""
    width = max(len(a.username) for a in accounts)
    lines: list[str] = []
    seen: set[str] = set()
    for account in accounts:
        if account.username in seen:
            continue
        seen.add(account.username)
        lines.append(f"  {account.username.ljust(width)}  {account.role} — {account.organisation}")
        others = [a for a in accounts if a.username == account.username][1:]
        for other in others:
            lines.append(
                f"  {''.ljust(width)}  also {other.role} — {other.organisation}"
                " (the same account; choose the organisation in the user menu)"
            )
    return lines
