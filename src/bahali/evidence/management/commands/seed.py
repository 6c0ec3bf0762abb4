"""``bahali seed``: synthetic data in bulk, for demos, benchmarks and capacity planning.

``--participants N`` registers N synthetic participants (with realistic duplicates) through
the registry's bulk service. ``--scale national`` (or ``province``, ``division``,
``district``, or a factor such as ``0.001``) loads the national-scale data set
(:mod:`bahali.evidence.national`): participants, cases and everything on their timelines,
with a progress line on stderr.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bahali.core.context import SYSTEM
from bahali.organisations.models import Organisation
from bahali.registry.services import seed_participants
from bahali.registry.synthetic import generate


class Command(BaseCommand):
    help = "Register synthetic participants, or load the national-scale data set, in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--participants", type=int)
        what.add_argument(
            "--scale",
            help="national, province, division, district, or a factor between 0 and 1.",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--organisation", default="", help="Registering organisation (default: the first)."
        )
        parser.add_argument(
            "--password",
            default="",
            help="Password of the seeded staff accounts (default: none can sign in).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="Sealing processes (default: the cores, 2 at most).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] is not None:
            self.national(options)
            return
        count = options["participants"]
        if count < 1:
            raise CommandError(_("--participants must be at least 1."))
        organisations = Organisation.objects.filter(is_active=True).order_by("pk")
        if options["organisation"]:
            organisations = organisations.filter(name=options["organisation"])
        organisation = organisations.first()
        if organisation is None:
            raise CommandError(_("No such organisation; run `bahali demo` first or name one."))
        records, _truth = generate(max(1, count // 2 + 1), seed=options["seed"])
        created = seed_participants(
            actor=SYSTEM, records=records[:count], organisation=organisation
        )
        self.stdout.write(self.style.SUCCESS(f"Registered {created} synthetic participants."))

    def national(self, options: dict[str, Any]) -> None:
        from bahali.evidence import national

        try:
            factor = national.scale_factor(options["scale"])
        except ValueError:
            raise CommandError(
                _(
                    "--scale must be national, province, division, district, or a factor "
                    "above 0 and at most 1."
                )
            ) from None
        from bahali.accounts.models import User
        from bahali.cases.models import Case
        from bahali.registry.models import Participant

        if (
            Participant.objects.exists()
            or Case.objects.exists()
            or Organisation.objects.exists()
            or User.objects.filter(is_superuser=False).exists()
        ):
            # Synthetic people beside real ones could never be told apart again, and its
            # staff accounts (stewards, managers) must never sit beside real ones.
            raise CommandError(
                _(
                    "This database already holds participants, cases, organisations or "
                    "accounts: --scale loads synthetic data only into an empty database "
                    "(after `bahali migrate`)."
                )
            )
        started = time.perf_counter()
        seeder = national.Seeder(
            national.sizes(factor),
            password=options["password"] or None,
            seed=options["seed"] or 4,
            progress=national.Progress(0, stream=self.stderr._out),  # type: ignore[arg-type]
            workers=options["workers"] or None,
        )
        seeded = seeder.run()
        for line in seeded.lines:
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded at scale {options['scale']} in {time.perf_counter() - started:.0f}s."
            )
        )
