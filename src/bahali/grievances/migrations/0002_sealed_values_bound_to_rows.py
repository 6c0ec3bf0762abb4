"""Bind every sealed value of complainants to its row (bahali.core.sealed_rows); reversible."""

from django.db import migrations

from bahali.core.sealed_rows import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [("grievances", "0001_initial")]

    operations = [
        *bind_to_rows(
            "grievances",
            "grievance",
            {
                "sealed_name": ("grievances.grievance.name", "grievances.grievance.name"),
                "sealed_contact": ("grievances.grievance.contact", "grievances.grievance.contact"),
            },
        ),
    ]
