"""Bind every sealed value of participants' identity to its row (bahali.core.sealed_rows);
reversible.
"""

from django.db import migrations

from bahali.core.sealed_rows import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        *bind_to_rows(
            "registry",
            "participant",
            {
                "sealed_name": ("participant.name", "registry.participant.name"),
                "sealed_name_native": (
                    "participant.name_native",
                    "registry.participant.name_native",
                ),
                "sealed_father_name": (
                    "participant.father_name",
                    "registry.participant.father_name",
                ),
                "sealed_father_name_native": (
                    "participant.father_name_native",
                    "registry.participant.father_name_native",
                ),
                "sealed_cnic": ("participant.cnic", "registry.participant.cnic"),
                "sealed_birth_date": ("participant.birth_date", "registry.participant.birth_date"),
                "sealed_birth_year": ("participant.birth_year", "registry.participant.birth_year"),
                "sealed_phone": ("participant.phone", "registry.participant.phone"),
                "sealed_address": ("participant.address", "registry.participant.address"),
            },
        ),
    ]
