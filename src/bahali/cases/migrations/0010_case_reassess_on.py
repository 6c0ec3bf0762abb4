"""Each case keeps its progress reassessment date beside its next due date (``cases.due``),
so "My work" lists reassessments falling due from an index. Existing cases get theirs from
the same code that keeps it (nothing to do on a new database)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from bahali.cases import due
    from bahali.cases.models import Case

    if Case.objects.using(schema_editor.connection.alias).exists():
        due.refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_emergency_access"),
        ("geography", "0002_pakistan"),
        ("organisations", "0001_initial"),
        ("programmes", "0002_phase_reassess_every_days"),
        ("registry", "0002_sealed_values_bound_to_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="reassess_on",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="reassessment due"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("reassess_on__isnull", False)),
                fields=["reassess_on", "id"],
                name="case_reassess_on",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
