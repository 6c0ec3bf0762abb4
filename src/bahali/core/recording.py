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


def install(recorder: Recorder) -> None:
    """Set the function that appends an event to the trail (the audit app's ``record``)."""
    _recorder[:] = [recorder]


def record(action: str, **details: Any) -> Any:
    """Record ``action`` with the installed recorder; refuse if none is installed, because a
    change nobody records must not happen."""
    if not _recorder:
        raise ImproperlyConfigured("No audit recorder installed: is bahali.audit installed?")
    return _recorder[0](action, **details)
