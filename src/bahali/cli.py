"""The ``bahali`` command: Django's management commands plus Bahali's own.

``bahali serve``, ``bahali demo``, ``bahali audit verify`` and every Django command
(``bahali migrate``, ``bahali shell``, ...). Writes made from here are audited as source "cli",
and all the events of one command share one operation id.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings")
    from django.core.management import execute_from_command_line

    from bahali.core.context import set_source, start_operation

    set_source("cli")
    start_operation()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")  # `bahali match-persons` runs match_persons
    if args[:1] == ["serve"]:
        # Django's development server speaks plain HTTP only: redirecting its visitors to
        # https would send them where nothing answers. BAHALI_HTTPS=1 keeps the redirect
        # and secure cookies (behind a proxy that terminates TLS).
        os.environ.setdefault("BAHALI_HTTPS", "0")
    execute_from_command_line(["bahali", *args])


if __name__ == "__main__":
    main()
