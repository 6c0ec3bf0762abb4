"""Ship the built-in instruments (``assessments/instruments/*.json``), version 1 published."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def load(apps: Any, schema_editor: Any) -> None:
    from bahali.assessments.builtin import BUILTINS, builtin_definition
    from bahali.assessments.definition import label

    Instrument = apps.get_model("assessments", "Instrument")
    InstrumentVersion = apps.get_model("assessments", "InstrumentVersion")
    now = timezone.now()
    for code, kind in BUILTINS.items():
        if Instrument.objects.filter(code=code).exists():
            continue
        definition = builtin_definition(code)
        title = definition["title"]
        instrument = Instrument.objects.create(
            code=code,
            kind=kind,
            is_builtin=True,
            name_en=label(title, "en")[:120],
            name_ur=label(title, "ur")[:120],
            name_ps=label(title, "ps")[:120],
        )
        InstrumentVersion.objects.create(
            instrument=instrument,
            number=1,
            definition=definition,
            note="Built in.",
            published_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
