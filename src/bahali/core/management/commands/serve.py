"""``bahali serve``: apply migrations, collect static files, serve on 127.0.0.1:8000.

Plain HTTP unless BAHALI_HTTPS=1 (set by ``bahali.cli`` before the settings load).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrate, collect static assets and serve Bahali (default 127.0.0.1:8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        scheme = "https" if settings.SECURE_SSL_REDIRECT else "http"
        self.stdout.write(self.style.SUCCESS(f"Bahali on {scheme}://{options['addrport']}/"))
        if settings.SECURE_SSL_REDIRECT:
            self.stdout.write(
                "BAHALI_HTTPS=1: every request is redirected to https, which this development "
                "server does not speak; put a proxy that terminates TLS in front of it."
            )
        call_command("runserver", options["addrport"], use_reloader=False)
