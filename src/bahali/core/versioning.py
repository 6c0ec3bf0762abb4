"""Someone else acted first: stale edits and decisions already taken, detected by the database.

Two people editing the same record, or the same decision sent twice, must not both apply.
An edit carries the ``version`` its form was opened at; :func:`claim_version` moves the row to
the next version only if it still has that one, in one conditional ``UPDATE``, so of two
edits at once exactly one wins (the other waits for the row, then matches nothing). The
caller then saves its fields the ordinary, audited way; ``version`` itself is bookkeeping
(in every such model's ``audit_ignored_fields``).

:class:`Conflict` (and :class:`Stale`, an edit from an out-of-date version) is answered 409
by the API (``bahali.api.errors``) and shown as a message by the pages
(``bahali.core.forms.show_conflict``): one place each, not one per app.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class Conflict(Exception):
    """The state this action expected is gone — someone else acted first; nothing changed."""

    code = "conflict"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _("Someone else decided this first. Reload the page to see the decision.")
        )


class Stale(Conflict):
    """An edit made from an out-of-date version of the record; nothing was saved."""

    code = "stale_version"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _("Someone else changed this after you opened it. Reload it and try again.")
        )


def claim_version(obj: Any, expected: int | None = None) -> None:
    """Move ``obj``'s row from version ``expected`` (``obj.version`` when None: the version it
    was read at) to the next one, or raise :class:`Stale` when the row has moved on.

    Call it inside the service's transaction before changing the fields: the row stays
    locked until the transaction ends, so a second edit from the same version waits and
    then finds nothing to update. Then save with ``update_fields`` as usual, which writes
    the audit event.
    """
    version = obj.version if expected is None else expected
    rows = type(obj)._default_manager.filter(pk=obj.pk, version=version)
    if not rows.update(version=version + 1):
        raise Stale
    obj.version = version + 1
