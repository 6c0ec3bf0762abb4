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

    def copy_create(self, objs: Iterable[Any], *, key: Sequence[str] = ()) -> list[Any]:
        """``bulk_create`` for many rows at once (an import): the same rows and the same
        events (one ``create`` per row, its fields as a save records them), but the rows
        are written by ``COPY`` on PostgreSQL (one ``executemany`` on SQLite) and the events
        appended from plain values (``audit.services.record_rows``), without compiling
        SQL per value or making an ``AuditEvent`` per row.

        On PostgreSQL the new rows' ids are taken from the table's sequence first. On
        SQLite they are read back by ``key``, fields whose values tell the new rows apart
        (a unique constraint, e.g. ``["code"]``); without one, SQLite takes the plain
        ``bulk_create``. The objects' own ``pk`` must be unset; their timestamps are set as
        a save sets them."""
        from django.db import connections
        from django.utils import timezone

        from bahali.core.batches import insert_rows

        context.current()
        objs = list(objs)
        if not objs:
            return objs
        model = self.model
        meta = model._meta
        connection = connections[self.db]
        if connection.vendor != "postgresql" and not key:
            return self.bulk_create(objs)
        now = timezone.now()
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        for obj in objs:
            if obj.pk is not None:
                raise ValueError(f"{meta.label}: copy_create makes new rows only")
            sealing.flush(obj)
            for name in ("created_at", "updated_at"):
                if hasattr(obj, name):
                    setattr(obj, name, now)
        with transaction.atomic(using=self.db):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, %s))"
                        " FROM generate_series(1, %s)",
                        [connection.ops.quote_name(meta.db_table), meta.pk.column, len(objs)],
                    )
                    for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                        obj.pk = pk
                fields = [meta.pk, *fields]
            insert_rows(
                model,
                [f.attname for f in fields],
                [tuple(getattr(obj, f.attname) for f in fields) for obj in objs],
            )
            if connection.vendor != "postgresql":
                _read_back_ids(model, self.db, objs, key)
            entries = []
            label = meta.label_lower
            describe = model.audit_describer()  # as a save records a new row
            for obj in objs:
                obj._state.adding = False
                obj._state.db = self.db
                if hasattr(obj, "_loaded_row_uuid") or "row_uuid" in obj.__dict__:
                    obj._loaded_row_uuid = obj.__dict__.get("row_uuid")  # immutable from now
                values = obj.audit_values()
                obj._audit_snapshot = values
                entries.append(("create", label, str(obj.pk), _label(obj), describe(values)))
            recording.record_rows(entries)
        return objs

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


def _read_back_ids(model: Any, db: str, objs: list[Any], key: Sequence[str]) -> None:
    """Set the ids of new rows just inserted, found by the values of ``key``."""
    key_fields = [model.audit_field(name).attname for name in key]
    wanted = {tuple(getattr(obj, name) for name in key_fields): obj for obj in objs}
    if len(wanted) != len(objs):
        raise ValueError(f"{model._meta.label}: {list(key)} do not tell the new rows apart")
    found: models.QuerySet[Any] = models.QuerySet(model=model, using=db)
    for n, name in enumerate(key_fields):
        found = found.filter(**{f"{name}__in": {values[n] for values in wanted}})
    for pk, *values in found.values_list("pk", *key_fields):
        obj = wanted.get(tuple(values))
        if obj is not None:
            obj.pk = pk
    if any(obj.pk is None for obj in objs):  # inserted in this transaction: cannot happen
        raise RuntimeError(f"{model._meta.label}: a new row was not found by {list(key)}")


def _label(obj: models.Model) -> str:
    """The label an event gives a row (``audit.services.object_label``): never identifying."""
    label = getattr(obj, "audit_label", None)
    if callable(label):
        return str(label())[:200]
    return f"{obj._meta.verbose_name} #{obj.pk}"[:200]


def _record(entries: Sequence[tuple[str, models.Model | None, Mapping[str, Any]]]) -> None:
    recording.record_many(entries)


def record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """``pre_delete`` of an audited model: refuse outside a service, else record the row.

    Connected per audited model (``CoreConfig.ready``), so deleting a queryset or cascading
    from another row records every row, as deleting one instance does.
    """
    context.current()
    recording.record("delete", obj=instance)
