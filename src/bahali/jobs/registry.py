"""Job kinds: a domain app declares the function a job of its kind runs.

The platform never names the domain: ``@background("imports.people", label=...)`` in the domain
app registers the kind when its module is imported (from its ``AppConfig.ready``), and the
worker finds the function again by the kind stored on the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from bahali.jobs.services import JobHandle

JobBody = Callable[["JobHandle", dict[str, Any]], None]


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str | Promise
    body: JobBody


_KINDS: dict[str, JobKind] = {}


def background(kind: str, *, label: str | Promise) -> Callable[[JobBody], JobKind]:
    """Register ``body(job, params)`` as the job kind ``kind``.

    Registering the same kind again from the same function (Django may import a module twice
    in tests) replaces it; two different functions under one kind are refused.
    """

    def register(body: JobBody) -> JobKind:
        existing = _KINDS.get(kind)
        if existing and existing.body.__qualname__ != body.__qualname__:
            raise ValueError(f"job kind {kind!r} is already registered by {existing.body!r}")
        _KINDS[kind] = JobKind(kind=kind, label=label, body=body)
        return _KINDS[kind]

    return register


def get(kind: str) -> JobKind | None:
    return _KINDS.get(kind)


def label_of(kind: str) -> str | Promise:
    registered = _KINDS.get(kind)
    return registered.label if registered else kind
