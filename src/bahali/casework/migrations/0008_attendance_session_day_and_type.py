"""Each attendance row carries its session's day and type (``Attendance.held_on``, ``kind``),
so "sessions per case" counts a period's present attendance from one partial index instead
of joining millions of rows to their sessions. The existing rows are filled from their
sessions in one statement (run ``VACUUM ANALYZE casework_attendance`` after it on a large
PostgreSQL database with autovacuum off: every row is rewritten)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    attendance = apps.get_model("casework", "Attendance")._meta.db_table
    session = apps.get_model("casework", "Session")._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {attendance} AS a SET held_on = s.held_on, kind = s.kind "  # noqa: S608
                f"FROM {session} AS s WHERE s.id = a.session_id"
            )
        else:
            cursor.execute(
                f"UPDATE {attendance} SET "  # noqa: S608 - table names from the models
                f"held_on = (SELECT held_on FROM {session} WHERE id = session_id), "
                f"kind = (SELECT kind FROM {session} WHERE id = session_id)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0007_session_session_held_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="attendance",
            name="held_on",
            field=models.DateField(editable=False, null=True, verbose_name="session date"),
        ),
        migrations.AddField(
            model_name="attendance",
            name="kind",
            field=models.CharField(
                choices=[
                    ("counselling", "Psychological counselling"),
                    ("dialogue", "Religious dialogue"),
                    ("education", "Education class"),
                    ("vocational", "Vocational training"),
                    ("life_skills", "Life skills"),
                    ("family", "Family session"),
                    ("recreation", "Sports, arts or recreation"),
                    ("other", "Other"),
                ],
                editable=False,
                max_length=20,
                null=True,
                verbose_name="session type",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="attendance",
            name="held_on",
            field=models.DateField(editable=False, verbose_name="session date"),
        ),
        migrations.AlterField(
            model_name="attendance",
            name="kind",
            field=models.CharField(
                choices=[
                    ("counselling", "Psychological counselling"),
                    ("dialogue", "Religious dialogue"),
                    ("education", "Education class"),
                    ("vocational", "Vocational training"),
                    ("life_skills", "Life skills"),
                    ("family", "Family session"),
                    ("recreation", "Sports, arts or recreation"),
                    ("other", "Other"),
                ],
                editable=False,
                max_length=20,
                verbose_name="session type",
            ),
        ),
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(
                condition=models.Q(("status", "present")),
                fields=["held_on"],
                include=("case", "kind"),
                name="attendance_present_held",
            ),
        ),
    ]
