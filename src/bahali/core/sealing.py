"""Every sealed value in the database: declared on its model, rotated and counted in one place.

A model that keeps values sealed (``bahali.core.crypto``) in text fields names them, with the
context each ciphertext is bound to, in ``sealed_fields``::

    sealed_fields: ClassVar[dict[str, str]] = {"sealed_body": "casework.note.body"}

``bahali keys rotate`` re-seals, in batches, every row still holding a value under an older
key (each batch one audited transaction, so the application keeps working), and ``bahali
keys status`` counts values per key, so an old key can be retired only when nothing needs
it. A field added later is covered by declaring it; nothing else needs to know.

``Sealed`` is a model attribute whose value (text or JSON) lives sealed in such a field:
reading opens it once per stored value, assigning seals it, and an in-place change of a
JSON value is sealed when the row is saved (``AuditedModel.save`` calls :func:`flush`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import models

from bahali.core import crypto
from bahali.core.batches import in_batches
from bahali.core.context import service


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
    contexts: dict[str, str] = model.sealed_fields  # type: ignore[attr-defined]
    for row in model._default_manager.select_for_update().filter(pk__in=pks):
        for field, context in contexts.items():
            token = getattr(row, field)
            if token:
                setattr(
                    row, field, crypto.seal(crypto.unseal(token, context=context), context=context)
                )
        row.save(update_fields=list(contexts))


class Sealed(property):
    """A model attribute kept sealed in the text field ``field`` (declared in the model's
    ``sealed_fields`` with the same ``context``). ``json=True`` holds a JSON value whose
    empty form is ``{}``; otherwise text whose empty form is ``""``."""

    def __init__(self, field: str, context: str, *, json: bool = False) -> None:
        self.field = field
        self.context = context
        self.json = json
        self.state = f"_opened_{field}"  # (token, value, text) in the instance's __dict__
        super().__init__(self._get, self._set)

    def _open(self, instance: models.Model) -> list[Any]:
        token = getattr(instance, self.field)
        state = instance.__dict__.get(self.state)
        if state is None or state[0] != token:
            text = crypto.unseal(token, context=self.context)
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
            token = crypto.seal(text, context=self.context)
            setattr(instance, self.field, token)
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
