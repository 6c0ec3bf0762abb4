"""``bahali demo``: migrate and load the synthetic demo data, then list the accounts."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from bahali.core.context import SYSTEM
from bahali.core.demo import demo_password, load_demo


class Command(BaseCommand):
    help = "Load the synthetic demo data (idempotent) and print the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        accounts = load_demo(actor=SYSTEM)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Accounts (all synthetic):"))
        width = max(len(a.username) for a in accounts)
        for account in accounts:
            self.stdout.write(
                f"  {account.username.ljust(width)}  {account.role} — {account.organisation}"
            )
        self.stdout.write(f"Password for every demo account: {demo_password()}")
