"""Shared model bases."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, ClassVar

from django.db import models
from django.db.models.base import ModelState
from django.utils.translation import gettext_lazy as _

from bahali.core import context, sealing

REDACTED = "[redacted]"


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
    values; fields in ``audit_ignored_fields`` are bookkeeping and not recorded at all.
    Sealed fields (``sealed_fields``: field → context, see ``bahali.core.sealing``) are
    secret too.
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
        from bahali.core.recording import record

        context.current()
        record("delete", obj=self)
        return super().delete(*args, **kwargs)

    def audit_label(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"

    def _audit_changes(self, update_fields: Any) -> dict[str, list[Any]]:
        snapshot = getattr(self, "_audit_snapshot", {})
        skip = {"created_at", "updated_at", *self.audit_ignored_fields}
        changes: dict[str, list[Any]] = {}
        for field in self._meta.concrete_fields:
            if field.name in skip or field.primary_key:
                continue
            if update_fields is not None and field.name not in update_fields:
                continue
            new = getattr(self, field.attname)
            old = snapshot.get(field.attname)
            if not self._state.adding and field.attname in snapshot and old == new:
                continue
            if self._state.adding and (new in (None, "") or new == field.get_default()):
                continue
            if field.name in self.audit_secret_fields or field.name in self.sealed_fields:
                changes[field.name] = [REDACTED, REDACTED]
            else:
                changes[field.name] = [_jsonable(old), _jsonable(new)]
        return changes

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._audit_snapshot = dict(zip(field_names, values, strict=True))
        return instance
