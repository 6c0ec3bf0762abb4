"""The built-in anonymous trust and stigma survey (prevention's survey rounds) for databases
that ran 0002 before it was shipped; a database created later has it from 0002."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone

CODE = "trust_stigma"


def load(apps: Any, schema_editor: Any) -> None:
    from bahali.assessments.builtin import builtin_definition
    from bahali.assessments.definition import label

    Instrument = apps.get_model("assessments", "Instrument")
    InstrumentVersion = apps.get_model("assessments", "InstrumentVersion")
    if Instrument.objects.filter(code=CODE).exists():
        return
    definition = builtin_definition(CODE)
    title = definition["title"]
    instrument = Instrument.objects.create(
        code=CODE,
        kind="survey",
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
        published_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_survey_kind")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
