"""``bahali seed --participants N``: bulk synthetic participants for demos and benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.core.context import SYSTEM
from bahali.organisations.models import Organisation
from bahali.registry.services import seed_participants
from bahali.registry.synthetic import generate


class Command(BaseCommand):
    help = "Register N synthetic participants (with realistic duplicates) in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--organisation", default="", help="Registering organisation (default: the first)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["participants"]
        if count < 1:
            raise CommandError("--participants must be at least 1.")
        organisations = Organisation.objects.filter(is_active=True).order_by("pk")
        if options["organisation"]:
            organisations = organisations.filter(name=options["organisation"])
        organisation = organisations.first()
        if organisation is None:
            raise CommandError("No such organisation; run `bahali demo` first or name one.")
        records, _truth = generate(max(1, count // 2 + 1), seed=options["seed"])
        created = seed_participants(
            actor=SYSTEM, records=records[:count], organisation=organisation
        )
        self.stdout.write(self.style.SUCCESS(f"Registered {created} synthetic participants."))
