"""Seal mentor meetings' summaries at rest (reversible: unsealing puts them back)."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from bahali.core import crypto

CONTEXT = "casework.mentormeeting.summary"


def seal(apps: Any, schema_editor: Any) -> None:
    meetings = apps.get_model("casework", "MentorMeeting").objects
    for pk, summary in meetings.values_list("pk", "summary"):
        meetings.filter(pk=pk).update(sealed_summary=crypto.seal(summary, context=CONTEXT))


def unseal(apps: Any, schema_editor: Any) -> None:
    meetings = apps.get_model("casework", "MentorMeeting").objects
    for pk, token in meetings.values_list("pk", "sealed_summary"):
        meetings.filter(pk=pk).update(summary=crypto.unseal(token, context=CONTEXT))


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_goal_open_review")]

    operations = [
        migrations.AddField(
            model_name="mentormeeting",
            name="sealed_summary",
            field=models.TextField(default="", verbose_name="summary (sealed)"),
            preserve_default=False,
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField(model_name="mentormeeting", name="summary"),
    ]
