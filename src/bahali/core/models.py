"""Shared model bases."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.db import models
from django.db.models.base import ModelState
from django.utils.translation import gettext_lazy as _

from bahali.core import context, sealing

REDACTED = "[redacted]"
# Bookkeeping on every audited model: the stale-edit counter, bumped by a conditional
# update wherever an edit is saved; the edit itself is what the trail records.
BOOKKEEPING_FIELDS = frozenset({"version"})


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


class AuditedModel(models.Model):
    """A model whose every save and delete writes an audit event, and only inside a service.

    The audit mechanism, not each caller, records the change: which fields changed, from
    what to what. Fields in ``audit_secret_fields`` are recorded as changed without their
    values; fields in ``audit_ignored_fields`` (and ``version``) are bookkeeping and not
    recorded at all.
    Sealed fields (``sealed_fields``: field → context, see ``bahali.core.sealing``) are
    secret too. Bulk writes are audited the same way by the managers' QuerySet
    (``bahali.core.querysets.AuditedQuerySet``), and deletes, cascades included, by a
    ``pre_delete`` receiver.
    """

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset()
    sealed_fields: ClassVar[dict[str, str]] = {}
    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset()

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    _audit_snapshot: dict[str, Any]
    _state: ModelState

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        from bahali.core.recording import record

        context.current()
        adding = self._state.adding
        sealing.flush(self)
        changes = self._audit_changes(kwargs.get("update_fields"))
        super().save(*args, **kwargs)
        self._audit_snapshot = {
            f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields
        }
        if adding or changes:
            record("create" if adding else "update", obj=self, changes=changes)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        # Recorded row by row, cascades included, by ``core.querysets.record_delete``.
        context.current()
        return super().delete(*args, **kwargs)

    def audit_label(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"

    def _audit_changes(self, update_fields: Any) -> dict[str, list[Any]]:
        snapshot = getattr(self, "_audit_snapshot", {})
        names = []
        for field in self._meta.concrete_fields:
            if field.name in ("created_at", "updated_at"):
                continue
            if update_fields is not None and field.name not in update_fields:
                continue
            names.append(field.name)
        return self.audit_describe(names, snapshot, self.audit_values(), adding=self._state.adding)

    def audit_values(self) -> dict[str, Any]:
        """The row's stored values, by column (``attname``)."""
        return {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}

    @classmethod
    def audit_field(cls, name: str) -> models.Field[Any, Any]:
        """A concrete field by name or column name (``case`` or ``case_id``)."""
        field = cls._meta.get_field(name)
        if not isinstance(field, models.Field) or not field.concrete:
            raise ValueError(f"{cls._meta.label}.{name} is not a column")
        return field

    @classmethod
    def audit_bookkeeping_fields(cls) -> frozenset[str]:
        """``audit_ignored_fields``, plus every model's stale-edit counter ``version``."""
        return cls.audit_ignored_fields | BOOKKEEPING_FIELDS

    @classmethod
    def audit_is_bookkeeping(cls, names: Iterable[str]) -> bool:
        """Whether a write of only these fields is bookkeeping: allowed anywhere, unrecorded."""
        names = [cls.audit_field(name).name for name in names]
        ignored = cls.audit_bookkeeping_fields()
        return bool(names) and all(name in ignored for name in names)

    @classmethod
    def audit_describe(
        cls, names: Iterable[str], old: dict[str, Any], new: dict[str, Any], *, adding: bool
    ) -> dict[str, list[Any]]:
        """The ``{field: [before, after]}`` an event records for these fields (by name), from
        values by column; unchanged and bookkeeping fields left out, secrets redacted."""
        changes: dict[str, list[Any]] = {}
        ignored = cls.audit_bookkeeping_fields()
        for name in names:
            field = cls.audit_field(name)
            if field.name in ignored or field.primary_key:
                continue
            before, after = old.get(field.attname), new.get(field.attname)
            if adding:
                if after in (None, "") or after == field.get_default():
                    continue
            elif field.attname in old and before == after:
                continue
            if field.name in cls.audit_secret_fields or field.name in cls.sealed_fields:
                changes[field.name] = [REDACTED, REDACTED]
            else:
                changes[field.name] = [_jsonable(before), _jsonable(after)]
        return changes

    @classmethod
    def audit_describer(cls) -> Callable[[dict[str, Any]], dict[str, list[Any]]]:
        """:meth:`audit_describe` of a new row (``adding``, every field but the timestamps)
        as a function of its values by column, with the fields looked up once: for bulk
        writes of many rows (``AuditedQuerySet.copy_create``). The same changes."""
        ignored = cls.audit_bookkeeping_fields()
        plan = []
        for field in cls._meta.concrete_fields:
            if field.name in ("created_at", "updated_at"):
                continue
            if field.name in ignored or field.primary_key:
                continue
            secret = field.name in cls.audit_secret_fields or field.name in cls.sealed_fields
            # a callable default (a fresh id, today) is drawn for each row, as there
            fixed = not callable(field.default)
            plan.append(
                (field, field.attname, secret, field.get_default() if fixed else None, fixed)
            )

        def describe(values: dict[str, Any]) -> dict[str, list[Any]]:
            changes: dict[str, list[Any]] = {}
            for field, attname, secret, default, fixed in plan:
                after = values.get(attname)
                if after in (None, "") or after == (default if fixed else field.get_default()):
                    continue
                changes[field.name] = [REDACTED, REDACTED] if secret else [None, _jsonable(after)]
            return changes

        return describe

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._audit_snapshot = dict(zip(field_names, values, strict=True))
        return instance
