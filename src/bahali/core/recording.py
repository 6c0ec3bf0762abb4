"""The hook through which core's models reach the audit trail.

``core`` is the lowest layer (docs/development/layers.md): it may not import ``audit``,
which itself builds on core. ``AuditedModel`` calls :func:`record` here; the audit app
installs its recorder from ``AppConfig.ready``, so there is no import cycle and no model
change can happen before the trail is there to receive it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

Recorder = Callable[..., Any]

_recorder: list[Recorder] = []
_many: list[Recorder] = []
_rows: list[Recorder] = []


def install(recorder: Recorder, many: Recorder, rows: Recorder) -> None:
    """Set the functions that append one event, one event per row of a bulk write, and one
    event per row given as plain values, to the trail (the audit app's ``record``,
    ``record_many`` and ``record_rows``)."""
    _recorder[:] = [recorder]
    _many[:] = [many]
    _rows[:] = [rows]


def record(action: str, **details: Any) -> Any:
    """Record ``action`` with the installed recorder; refuse if none is installed, because a
    change nobody records must not happen."""
    if not _recorder:
        raise ImproperlyConfigured("No audit recorder installed: is bahali.audit installed?")
    return _recorder[0](action, **details)


def record_many(entries: Any) -> Any:
    """Record one event per ``(action, obj, changes)`` of a bulk write, under one lock."""
    if not _many:
        raise ImproperlyConfigured("No audit recorder installed: is bahali.audit installed?")
    return _many[0](entries)


def record_rows(entries: Any) -> Any:
    """Record one event per ``(action, object type, object id, object label, changes)``."""
    if not _rows:
        raise ImproperlyConfigured("No audit recorder installed: is bahali.audit installed?")
    return _rows[0](entries)
