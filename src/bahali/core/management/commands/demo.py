"""``bahali demo``: migrate and load the synthetic demo data, then list the accounts."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from bahali.core.context import SYSTEM
from bahali.core.demo import DemoAccount, demo_password, load_demo


class Command(BaseCommand):
    help = "Load the synthetic demo data (idempotent) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
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
