"""Evidence: the recorded versions of indicator definitions.

The definitions themselves (name and definition in three languages, formula, denominator)
live in code (``bahali.evidence.indicators``); what the database keeps is *when each version
was registered and from when it counts*, as an audited row, with a fingerprint of the text
and formula it had. A version's row is never edited: a changed definition is a new version.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet


class IndicatorVersion(AuditedModel):
    code = models.SlugField(_("indicator"), max_length=60)
    # not "version": that name is the stale-edit counter, which the audit trail leaves out
    number = models.PositiveIntegerField(_("version number"))
    effective_from = models.DateField(_("counts from"))
    name = models.CharField(_("name (English)"), max_length=200)
    definition = models.TextField(_("definition (English)"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator definition version")
        verbose_name_plural = _("indicator definition versions")
        ordering = ["code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["code", "number"], name="indicator_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.number}"
