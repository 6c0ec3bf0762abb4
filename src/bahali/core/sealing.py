"""Every sealed value in the database: declared on its model, bound to its row, rotated and
counted in one place.

A model that keeps values sealed (``bahali.core.crypto``) in text fields derives from
:class:`SealedRow` and names those fields, each with the stable name of its model and field
(``"<app>.<model>.<field>"``), in ``sealed_fields``::

    class Note(SealedRow, AuditedModel):
        sealed_fields: ClassVar[dict[str, str]] = {"sealed_body": "casework.note.body"}

Each value is bound to the row it is stored in: the associated data is that name and the
row's ``row_uuid`` (:func:`bound_context`), so a ciphertext copied to another row, another
field or another model does not open (:class:`~bahali.core.crypto.MisplacedSeal`). The row
id is a UUID and not the primary key because a new row has no primary key before its
INSERT (SQLite cannot hand out a sequence value in advance), while its values must be
sealed before it: the UUID is drawn when the instance is constructed, saved with the row,
never edited (``editable=False``) and refused if changed (:meth:`SealedRow.save`). The names
in ``sealed_fields``, not the Python attribute names, are bound, so renaming a model or an
attribute needs no re-sealing.

``bahali keys rotate`` re-seals, in batches, every row still holding a value under an older
key (each batch one audited transaction, so the application keeps working), and ``bahali
keys status`` counts values per key, so an old key can be retired only when nothing needs
it. A field added later is covered by declaring it; nothing else needs to know (a test
finds sealed columns and ``Sealed`` attributes that are not declared).

``Sealed`` is a model attribute whose value (text or JSON) lives sealed in such a field:
reading opens it once per stored value, assigning seals it, and an in-place change of a
JSON value is sealed when the row is saved (``AuditedModel.save`` calls :func:`flush`).
Code that handles the sealed column itself uses :func:`seal_field` and :func:`open_field`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core import crypto
from bahali.core.batches import in_batches
from bahali.core.context import SYSTEM, service


class SealedRow(models.Model):
    """A model with sealed fields: each row carries the immutable id its values are bound to."""

    sealed_fields: ClassVar[dict[str, str]] = {}

    row_uuid = models.UUIDField(
        _("row identifier (binds its sealed values)"),
        default=uuid.uuid4,
        editable=False,
        unique=True,
    )

    _loaded_row_uuid: uuid.UUID | None

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_loaded_row_uuid", None)
        if loaded is not None and self.__dict__.get("row_uuid", loaded) != loaded:
            # Every sealed value of the row is bound to it: changing it loses them all.
            raise crypto.SealError(f"{self._meta.label_lower} {self.pk}: row_uuid is immutable")
        super().save(*args, **kwargs)
        self._loaded_row_uuid = self.row_uuid

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._loaded_row_uuid = instance.__dict__.get("row_uuid")
        return instance


def bound_context(instance: models.Model, field: str) -> str:
    """The associated data of ``field``'s value in ``instance``: the declared name of the
    model and field, and the row's immutable id."""
    return context_for(type(instance), instance.row_uuid, field)  # type: ignore[attr-defined]


def context_for(model: type[models.Model], row_uuid: uuid.UUID, field: str) -> str:
    """:func:`bound_context` for a row known by its id alone (a bulk load)."""
    return f"{model.sealed_fields[field]}@{row_uuid}"  # type: ignore[attr-defined]


def seal_field(instance: models.Model, field: str, text: str) -> None:
    """Seal ``text`` into ``instance.<field>``, bound to the row and field."""
    setattr(instance, field, crypto.seal(text, context=bound_context(instance, field)))


def open_field(instance: models.Model, field: str, token: str | None = None) -> str:
    """Open ``instance.<field>`` (or ``token``, a value of it). A value that does not
    authenticate for this row and field raises :class:`~bahali.core.crypto.MisplacedSeal`;
    one under a key no longer configured raises :class:`~bahali.core.crypto.SealError`."""
    token = getattr(instance, field) if token is None else token
    try:
        return crypto.unseal(token, context=bound_context(instance, field))
    except crypto.SealError as exc:
        kid = crypto.key_id_of(token)
        if kid not in settings.FIELD_ENCRYPTION_KEYS:
            raise
        raise crypto.MisplacedSeal(
            f"{instance._meta.label_lower} {instance.pk}: {field} does not open for this row",
            instance=instance,
            field=field,
            key_id=kid,
        ) from exc


def record_refusal(error: crypto.SealError, *, user: Any = None) -> None:
    """Record in the audit trail that a value was refused because it does not belong to its
    row and field, who asked (``user``; anonymous or none: the platform) and where it sits.

    Called by whoever answers the person who asked (pages, API, ``keys``), after the
    transaction the value was refused in has rolled back, so the event is not lost with it.
    A value under a key no longer configured is an operator's matter, not recorded.
    """
    if isinstance(error, crypto.MisplacedSeal):
        authenticated = user is not None and getattr(user, "is_authenticated", False)
        _record_refusal(actor=user if authenticated else SYSTEM, error=error)


@service
def _record_refusal(*, actor: Any, error: crypto.MisplacedSeal) -> None:
    from bahali.audit.services import record

    record(
        "seal.refused",
        obj=error.instance,  # type: ignore[arg-type]
        changes={"field": [None, error.field], "key": [None, error.key_id]},
    )


def sealed_models() -> list[type[models.Model]]:
    """Every installed model that declares sealed fields."""
    return [model for model in apps.get_models() if getattr(model, "sealed_fields", None)]


def _tokens(model: type[models.Model], batch: int) -> Iterator[tuple[int, list[str]]]:
    fields = list(model.sealed_fields)  # type: ignore[attr-defined]
    for row in in_batches(model._default_manager.values("pk", *fields), batch):
        yield row["pk"], [row[field] for field in fields if row[field]]


def usage() -> dict[str, dict[str, int]]:
    """Sealed values per key id, per model (``{"dev1": {"casework.note": 12, …}}``)."""
    found: dict[str, dict[str, int]] = {}
    for model in sealed_models():
        label = model._meta.label_lower
        for _pk, tokens in _tokens(model, 2000):
            for token in tokens:
                per_model = found.setdefault(crypto.key_id_of(token), {})
                per_model[label] = per_model.get(label, 0) + 1
    return found


def rotate(*, actor: Any, batch: int = 500) -> dict[str, int]:
    """Re-seal every row holding a value under a key other than the active one; returns the
    rows re-sealed per model. Values under old keys keep opening meanwhile."""
    kid = crypto.active_key_id()
    done: dict[str, int] = {}
    for model in sealed_models():
        stale: list[int] = []
        for pk, tokens in _tokens(model, batch):
            if any(crypto.key_id_of(token) != kid for token in tokens):
                stale.append(pk)
            if len(stale) == batch:  # one transaction per batch; memory holds one batch
                done = _resealed(actor, model, stale, done)
                stale = []
        if stale:
            done = _resealed(actor, model, stale, done)
    return done


def _resealed(
    actor: Any, model: type[models.Model], pks: list[int], done: dict[str, int]
) -> dict[str, int]:
    _reseal(actor=actor, model=model, pks=pks)
    label = model._meta.label_lower
    return {**done, label: done.get(label, 0) + len(pks)}


@service
def _reseal(*, actor: Any, model: type[models.Model], pks: list[int]) -> None:
    fields = list(model.sealed_fields)  # type: ignore[attr-defined]
    for row in model._default_manager.select_for_update().filter(pk__in=pks):
        for field in fields:
            if getattr(row, field):
                seal_field(row, field, open_field(row, field))
        row.save(update_fields=fields)


def only_resealed(instance: models.Model, update_fields: Iterable[str] | None) -> bool:
    """Whether saving ``instance`` with ``update_fields`` changes ciphertexts only: every
    field written is sealed and opens to the text stored now. Re-sealing (a key rotation)
    is not an edit, so rows that refuse edits (a completed assessment) still take it."""
    sealed = set(getattr(instance, "sealed_fields", {}))
    fields = set(update_fields or ())
    if instance._state.adding or not fields or not fields <= sealed:
        return False
    stored = type(instance)._default_manager.filter(pk=instance.pk).values(*fields).first()
    if stored is None:
        return False
    return all(
        open_field(instance, field, stored[field]) == open_field(instance, field)
        for field in fields
    )


class Sealed(property):
    """A model attribute kept sealed in the text field ``field`` (declared in the model's
    ``sealed_fields``). ``json=True`` holds a JSON value whose empty form is ``{}``;
    otherwise text whose empty form is ``""``."""

    def __init__(self, field: str, *, json: bool = False) -> None:
        self.field = field
        self.json = json
        self.state = f"_opened_{field}"  # (token, value, text) in the instance's __dict__
        super().__init__(self._get, self._set)

    def _open(self, instance: models.Model) -> list[Any]:
        token = getattr(instance, self.field)
        state = instance.__dict__.get(self.state)
        if state is None or state[0] != token:
            text = open_field(instance, self.field, token)
            value = (json.loads(text) if text else {}) if self.json else text
            state = [token, value, text]
            instance.__dict__[self.state] = state
        return state

    def _get(self, instance: models.Model) -> Any:
        return self._open(instance)[1]

    def _set(self, instance: models.Model, value: Any) -> None:
        if value is None:
            value = {} if self.json else ""
        text = _dumps(value) if self.json else value
        token = getattr(instance, self.field)
        # The same value keeps its ciphertext: an unchanged field is not a change to audit.
        if not token or self._open(instance)[2] != text:
            seal_field(instance, self.field, text)
            token = getattr(instance, self.field)
        instance.__dict__[self.state] = [token, value, text]

    def flush(self, instance: models.Model) -> None:
        """Seal a JSON value changed in place since it was opened or assigned."""
        state = instance.__dict__.get(self.state)
        if state is not None and self.json and _dumps(state[1]) != state[2]:
            self._set(instance, state[1])


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def flush(instance: models.Model) -> None:
    """Before a save: seal every ``Sealed`` JSON value of ``instance`` changed in place."""
    for klass in type(instance).__mro__:
        for attribute in vars(klass).values():
            if isinstance(attribute, Sealed):
                attribute.flush(instance)
