"""The migration that binds every sealed value to its row (one per app with sealed fields).

Values were sealed with their field's name alone as associated data, so a ciphertext copied
to the same field of another row opened there. The migration gives each row its immutable
``row_uuid`` and re-seals every value under the active key, bound to model, row and field
(``bahali.core.sealing.bound_context``); reversed, it re-seals them bound to the field's
name alone and drops the column. Migrations run this code as it is now: the format of the
bound context below is frozen (a later change to ``bound_context`` needs its own migration).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import migrations, models

from bahali.core import crypto
from bahali.core.batches import in_batches

VERBOSE_NAME = "row identifier (binds its sealed values)"


def _bound(name: str, row_uuid: Any) -> str:
    return f"{name}@{row_uuid}"


def bind_to_rows(
    app_label: str, model_name: str, names: dict[str, tuple[str, str]]
) -> list[migrations.operations.base.Operation]:
    """The operations for one model. ``names`` maps each sealed field to the name it was
    bound to before and the name it is bound to now (with the row id)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        rows = apps.get_model(app_label, model_name).objects
        for row in in_batches(rows.values("pk", *names), 500):
            row_uuid = uuid.uuid4()
            sealed = {
                field: crypto.seal(
                    crypto.unseal(row[field], context=legacy), context=_bound(name, row_uuid)
                )
                for field, (legacy, name) in names.items()
            }
            rows.filter(pk=row["pk"]).update(row_uuid=row_uuid, **sealed)

    def backwards(apps: Any, schema_editor: Any) -> None:
        rows = apps.get_model(app_label, model_name).objects
        for row in in_batches(rows.values("pk", "row_uuid", *names), 500):
            sealed = {
                field: crypto.seal(
                    crypto.unseal(row[field], context=_bound(name, row["row_uuid"])),
                    context=legacy,
                )
                for field, (legacy, name) in names.items()
            }
            rows.filter(pk=row["pk"]).update(**sealed)

    return [
        migrations.AddField(
            model_name=model_name,
            name="row_uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name=VERBOSE_NAME),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.AlterField(
            model_name=model_name,
            name="row_uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name=VERBOSE_NAME
            ),
        ),
    ]
