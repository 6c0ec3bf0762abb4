"""Demo grievances: open and resolved, on time and late, through staff and the public form.
All invented."""

from __future__ import annotations

import datetime

from django.utils import timezone

from bahali.accounts.models import User
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.grievances import services
from bahali.organisations.models import Organisation

# channel, lodger, category, complainant, name, contact, about (key), days ago,
# description, then what the oversight body did: acknowledge note, finding, resolution
GRIEVANCES = [
    ("staff", "yousaf", "support_not_paid", "family", "Bibi Gul", "0300-0000000 (invented)",
     "centre", 9, "My son's stipend was not paid for two months.",
     "Phoned the mother the next day.", "upheld",
     "Two months' arrears paid; the centre changed how payments are checked."),
    ("public_form", None, "stigma_threats", "community", "", "", None, 5,
     "Shopkeepers in the bazaar refuse to sell to a returnee's family.",
     "No contact left; raised with the Sakhra committee.", None, ""),
    ("public_form", None, "data_misuse", "participant", "", "0311-0000000 (invented)",
     "security", 40, "A policeman told my neighbours I was in the programme.", None, None, ""),
    ("staff", "idris", "mistreatment", "participant", "Noor Wali", "", "prison", 50,
     "A guard insulted him in front of his family during a visit.",
     "Met him in the prison with the welfare officer.", "not_upheld",
     "The family and two guards were heard; the account could not be confirmed. "
     "Guards reminded of the code of conduct."),
    ("staff", "rahim", "rights_violation", "family", "Shah Wali", "Through the committee",
     "centre", 12, "He was kept at the centre three weeks past the agreed date.",
     "Letter to the family through the committee.", None, ""),
]  # fmt: skip


def load_demo_grievances(orgs: dict[str, Organisation]) -> None:
    today = timezone.localdate()
    swat = District.objects.get(code="SWT")
    monitor = User.objects.filter(username="nadia").first()
    for (channel, lodger, category, complainant, name, contact, about, ago, description,
         acknowledgement, finding, resolution) in GRIEVANCES:  # fmt: skip
        actor = User.objects.filter(username=lodger).first() if lodger else None
        grievance = services.lodge_grievance(
            actor=actor or SYSTEM,
            channel=channel if actor is not None else "public_form",
            category=category,
            complainant=complainant,
            description=description,
            name=name,
            contact=contact,
            district=swat,
            about_text="" if about else "Sakhra bazaar",
            about_organisation=orgs.get(about) if about else None,
            received_on=today - datetime.timedelta(days=ago),
        )
        handler = monitor or SYSTEM
        if acknowledgement:
            services.acknowledge_grievance(actor=handler, grievance=grievance, note=acknowledgement)
        if finding:
            services.resolve_grievance(
                actor=handler, grievance=grievance, finding=finding, resolution=resolution
            )
