"""What a ``migrate`` run did, for ``post_migrate`` handlers that fill stored values."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def applied(plan: Any, migrations: Collection[tuple[str, str]]) -> bool:
    """Did this run apply (forwards) any of ``migrations``, given as ``(app label, name)``?
    ``plan`` is the ``post_migrate`` signal's: ``(migration, backwards)`` pairs, or None."""
    return any(
        (migration.app_label, migration.name) in migrations and not backwards
        for migration, backwards in plan or ()
    )
