"""Each case keeps its progress reassessment date beside its next due date, and each team
place the earliest review of the goals it answers for (``cases.due``), so "My work" lists
reassessments and plan reviews due from indexes; the pending requests' index carries what a
member's sign-off queue asks. Existing rows get their dates from the same code that keeps
them (nothing to do on a new database)."""

from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    from bahali.cases import due
    from bahali.cases.models import Case

    if Case.objects.using(schema_editor.connection.alias).exists():
        due.refresh()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0009_emergency_access"),
        ("geography", "0002_pakistan"),
        ("organisations", "0001_initial"),
        ("programmes", "0002_phase_reassess_every_days"),
        ("registry", "0002_sealed_values_bound_to_rows"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="transitionrequest",
            name="request_pending_since",
        ),
        migrations.AddField(
            model_name="case",
            name="reassess_on",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="reassessment due"
            ),
        ),
        migrations.AddField(
            model_name="teammember",
            name="reviews_from",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="reviews from"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("closed_on__isnull", True), ("reassess_on__isnull", False)),
                fields=["reassess_on", "id"],
                name="case_reassess_on",
            ),
        ),
        migrations.AddIndex(
            model_name="teammember",
            index=models.Index(
                condition=models.Q(("left_on__isnull", True), ("reviews_from__isnull", False)),
                fields=["membership", "reviews_from"],
                name="team_places_reviews_from",
            ),
        ),
        migrations.AddIndex(
            model_name="transitionrequest",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["created_at", "id"],
                include=("case", "transition"),
                name="request_pending_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("closed_on__isnull", True)),
                fields=["phase", "risk_band"],
                include=("district", "referred_by"),
                name="case_open_phase_cover",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
