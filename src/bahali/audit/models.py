"""The audit trail: an append-only, hash-chained record of every write and identity read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.audit import chain
from bahali.audit.chain import GENESIS_HASH
from bahali.audit.querysets import AuditEventQuerySet

__all__ = ["GENESIS_HASH", "AuditChainHead", "AuditEvent"]


class AuditEvent(models.Model):
    """One thing that happened, who did it and why; chained to the event before it.

    ``seq`` counts events without gaps and ``prev_hash`` carries the previous event's hash,
    so editing, removing or reordering any row breaks the chain at that row
    (``bahali audit verify``); ``mac`` seals the hash with an audit key kept outside the
    database (``key_id`` names it), so a rewritten chain cannot be re-sealed from the
    database alone. Events of one request, command or task share ``operation``. Rows are
    never updated or deleted: the model refuses, and on PostgreSQL triggers refuse UPDATE,
    DELETE and TRUNCATE too.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    organisation_label = models.CharField(_("organisation (as recorded)"), max_length=200)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("source"), max_length=16)
    operation = models.CharField(_("operation"), max_length=32, blank=True, db_index=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    key_id = models.CharField(_("audit key"), max_length=32)
    mac = models.CharField(_("seal"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")

    def payload(self) -> dict[str, Any]:
        """The fields the hash covers, in a form both databases give back unchanged."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "organisation": self.organisation_id,
            "organisation_label": self.organisation_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "changes": self.changes,
            "reason": self.reason,
            "source": self.source,
            "operation": self.operation,
            "key_id": self.key_id,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return chain.digest(self.payload())

    def seal(self) -> None:
        """Fill ``hash`` and ``mac`` (under the active audit key) for a new event."""
        self.key_id = chain.active_key_id()
        self.hash = self.compute_hash()
        self.mac = chain.seal(self.key_id, self.hash)


class AuditChainHead(models.Model):
    """The newest event's position and hash, so removing events from the end is detected too.

    Sealed like the events (``mac`` under ``key_id``): moving the head back needs the key.
    """

    seq = models.PositiveBigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    key_id = models.CharField(_("audit key"), max_length=32)
    mac = models.CharField(_("seal"), max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"head #{self.seq}"

    def move_to(self, event: AuditEvent) -> None:
        self.seq, self.hash, self.key_id = event.seq, event.hash, event.key_id
        self.mac = chain.head_seal(self.key_id, self.seq, self.hash)
