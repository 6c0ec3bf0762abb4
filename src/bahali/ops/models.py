"""What the operations app keeps: the heartbeats of background processes.

Operational state, not a record about anyone: not audited (a beat every few seconds would
flood the trail), written only by :mod:`bahali.ops.services`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last sign of life of one background process (a worker), by name."""

    name = models.CharField(_("process"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
