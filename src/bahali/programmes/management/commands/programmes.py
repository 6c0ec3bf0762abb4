"""``bahali programmes load <centre|prison|community> --lead ORG``: a ready configuration."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.programmes.blueprints import BLUEPRINTS
from bahali.programmes.services import load_blueprint


class Command(BaseCommand):
    help = "Load one of the ready programme configurations (centre, prison, community)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Create a programme from a ready configuration.")
        load.add_argument("blueprint", choices=sorted(BLUEPRINTS))
        load.add_argument("--lead", required=True, help="Name of the lead organisation.")
        load.add_argument("--code", default="", help="Programme code (default: the blueprint's).")
        load.add_argument(
            "--districts", default="", help="Comma-separated district codes, e.g. SWT,BJR."
        )
        sub.add_parser("list", help="List the ready configurations.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for key, blueprint in sorted(BLUEPRINTS.items()):
                phases = " → ".join(p.code for p in blueprint.phases)
                self.stdout.write(f"{key}: {blueprint.names[0]} ({phases})")
            return
        lead = Organisation.objects.filter(name=options["lead"]).first()
        if lead is None:
            raise CommandError(f"No organisation named {options['lead']!r}.")
        codes = [c.strip().upper() for c in options["districts"].split(",") if c.strip()]
        districts = list(District.objects.filter(code__in=codes))
        if len(districts) != len(codes):
            raise CommandError("Unknown district code among: " + ", ".join(codes))
        programme = load_blueprint(
            actor=SYSTEM,
            blueprint=options["blueprint"],
            lead_organisation=lead,
            code=options["code"],
            districts=districts,
        )
        self.stdout.write(
            self.style.SUCCESS(f"Programme {programme.code}: {programme.phases.count()} phases.")
        )
