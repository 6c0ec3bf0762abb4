"""Bulk writes of audited models: refused outside a service, recorded row by row inside one.

``QuerySet.update()``, ``QuerySet.delete()``, ``bulk_create()`` and ``bulk_update()`` skip
``Model.save()``/``delete()``, where :class:`bahali.core.models.AuditedModel` records each
change. Every audited model's managers are built on :class:`AuditedQuerySet`, which does
the same for the bulk paths: it refuses to run without an acting party
(:func:`bahali.core.context.current`) and records one audit event per row, with the same
action and the same ``{field: [before, after]}`` changes a save would record, appended under
one lock (``audit.services.record_many``). An update of bookkeeping fields only
(``audit_ignored_fields``, e.g. a version bump or a token's last use) is allowed anywhere
and records nothing, as a save of those fields records nothing.

Deletes, whether of one instance, a queryset or a cascade from another row, are recorded by
:func:`record_delete`, connected to ``pre_delete`` for every audited model (which also
turns off Django's fast-delete path for them, so every deleted row is seen).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from bahali.core import context, recording, sealing
from bahali.core.models import REDACTED

if TYPE_CHECKING:
    from bahali.core.models import AuditedModel


class AuditedQuerySet(models.QuerySet[Any]):
    """The base of every audited model's QuerySet (a test checks each model's managers)."""

    def update(self, **kwargs: Any) -> int:
        model: type[AuditedModel] = self.model
        if model.audit_is_bookkeeping(kwargs):
            return super().update(**kwargs)
        context.current()
        fields = [model.audit_field(name) for name in kwargs]
        attnames = [field.attname for field in fields]
        with transaction.atomic(using=self.db):
            # Lock the rows first, then update exactly those: the events name every row the
            # statement changed, and no row it did not.
            before = {
                row["pk"]: row
                for row in model._default_manager.using(self.db)
                .filter(pk__in=self.values("pk"))
                .select_for_update(of=("self",))
                .order_by("pk")
                .values("pk", *attnames)
            }
            if not before:
                return 0
            count = super(AuditedQuerySet, self.filter(pk__in=list(before))).update(**kwargs)
            changed = model._default_manager.using(self.db).filter(pk__in=list(before))
            entries: list[tuple[str, models.Model | None, Mapping[str, Any]]] = []
            for obj in changed.order_by("pk"):
                old = before[obj.pk]
                new = {attname: getattr(obj, attname) for attname in attnames}
                changes = model.audit_describe(
                    [field.name for field in fields], old, new, adding=False
                )
                if changes:
                    entries.append(("update", obj, changes))
            _record(entries)
        return count

    def erase(self, **kwargs: Any) -> int:
        """Overwrite these fields for good (retention, anonymisation), recording one event
        per row that names the fields erased, never their values before or after.

        ``update()`` records each field's old value, which would copy what is being erased
        into the append-only trail; an erasure must leave nothing of it behind there either.
        """
        model: type[AuditedModel] = self.model
        context.current()
        names = [model.audit_field(name).name for name in kwargs]
        with transaction.atomic(using=self.db):
            pks = list(
                model._default_manager.using(self.db)
                .filter(pk__in=self.values("pk"))
                .select_for_update(of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if not pks:
                return 0
            count = super(AuditedQuerySet, self.filter(pk__in=pks)).update(**kwargs)
            ignored = model.audit_bookkeeping_fields()
            changes = {name: [REDACTED, REDACTED] for name in names if name not in ignored}
            rows = model._default_manager.using(self.db).filter(pk__in=pks).order_by("pk")
            _record([("erase", obj, changes) for obj in rows])
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        # Each row is recorded by ``record_delete`` as the collector deletes it.
        context.current()
        return super().delete()

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        context.current()
        objs = list(objs)
        for obj in objs:
            sealing.flush(obj)
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            entries: list[tuple[str, models.Model | None, Mapping[str, Any]]] = []
            for obj in created:
                values = obj.audit_values()
                # As a save records a new row: its fields, not the timestamps.
                names = [name for name in values if name not in ("created_at", "updated_at")]
                changes = obj.audit_describe(names, {}, values, adding=True)
                obj._audit_snapshot = values
                entries.append(("create", obj, changes))
            _record(entries)
        return created

    def bulk_update(
        self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        # Django runs bulk_update as ``update()`` statements (CASE … WHEN per row), so the
        # rows are recorded there, with their values before and after. Refused up front, not
        # inside its transaction, which would leave an enclosing one unusable.
        fields = list(fields)
        if not self.model.audit_is_bookkeeping(fields):
            context.current()
        objs = list(objs)
        for obj in objs:
            sealing.flush(obj)
        count = super().bulk_update(objs, fields, batch_size=batch_size)
        # Only the written columns become the stored values: reading every column would load
        # each deferred one row by row (``only()``), and other unsaved changes are not stored.
        written = [self.model.audit_field(name).attname for name in fields]
        for obj in objs:
            snapshot = getattr(obj, "_audit_snapshot", {})
            obj._audit_snapshot = {**snapshot, **{name: getattr(obj, name) for name in written}}
        return count


def _record(entries: Sequence[tuple[str, models.Model | None, Mapping[str, Any]]]) -> None:
    recording.record_many(entries)


def record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """``pre_delete`` of an audited model: refuse outside a service, else record the row.

    Connected per audited model (``CoreConfig.ready``), so deleting a queryset or cascading
    from another row records every row, as deleting one instance does.
    """
    context.current()
    recording.record("delete", obj=instance)
