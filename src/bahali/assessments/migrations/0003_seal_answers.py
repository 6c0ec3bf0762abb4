"""Seal assessments' answers, domain ratings and overall rationale at rest.

The clear columns are read and sealed row by row through the database cursor (the model's
``Sealed`` attributes expect sealed values), then dropped. Reversible: unsealing puts the
clear values back.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import migrations, models

from bahali.core import crypto

CLEAR = ("answers", "domain_ratings", "overall_rationale")
CONTEXT = {name: f"assessments.assessment.{name}" for name in CLEAR}
JSON_FIELDS = {"answers", "domain_ratings"}


def _text(name: str, value: Any) -> str:
    if name not in JSON_FIELDS:
        return value or ""
    if isinstance(value, str):  # a JSON column read as text (SQLite)
        value = json.loads(value) if value else {}
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True)


def seal(apps: Any, schema_editor: Any) -> None:
    # Identifiers are this module's constants, quoted; values go as parameters.
    table = schema_editor.quote_name("assessments_assessment")
    columns = ", ".join(schema_editor.quote_name(name) for name in CLEAR)
    targets = ", ".join(f"{schema_editor.quote_name('sealed_' + name)} = %s" for name in CLEAR)
    select = f"SELECT id, {columns} FROM {table}"  # noqa: S608
    update = f"UPDATE {table} SET {targets} WHERE id = %s"  # noqa: S608
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(select)
        rows = cursor.fetchall()
        for pk, *values in rows:
            sealed = [
                crypto.seal(_text(name, value), context=CONTEXT[name])
                for name, value in zip(CLEAR, values, strict=True)
            ]
            cursor.execute(update, [*sealed, pk])


def unseal(apps: Any, schema_editor: Any) -> None:
    Assessment = apps.get_model("assessments", "Assessment")
    for row in Assessment.objects.values("pk", *(f"sealed_{name}" for name in CLEAR)):
        clear = {
            name: crypto.unseal(row[f"sealed_{name}"], context=CONTEXT[name]) for name in CLEAR
        }
        Assessment.objects.filter(pk=row["pk"]).update(
            answers=json.loads(clear["answers"] or "{}"),
            domain_ratings=json.loads(clear["domain_ratings"] or "{}"),
            overall_rationale=clear["overall_rationale"],
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_builtin_instruments")]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="sealed_answers",
            field=models.TextField(blank=True, default="", verbose_name="answers (sealed)"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="sealed_domain_ratings",
            field=models.TextField(blank=True, default="", verbose_name="domain ratings (sealed)"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="sealed_overall_rationale",
            field=models.TextField(
                blank=True, default="", verbose_name="rationale of the overall judgement (sealed)"
            ),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField(model_name="assessment", name="answers"),
        migrations.RemoveField(model_name="assessment", name="domain_ratings"),
        migrations.RemoveField(model_name="assessment", name="overall_rationale"),
    ]
