"""Load Pakistan's provinces and districts (the shipped CSV) into a new database."""

from django.db import migrations


def load(apps, schema_editor):
    from bahali.geography.services import sync_pakistan

    sync_pakistan(apps.get_model("geography", "Province"), apps.get_model("geography", "District"))


class Migration(migrations.Migration):
    dependencies = [("geography", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
