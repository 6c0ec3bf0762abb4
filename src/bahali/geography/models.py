"""Where people live and work: Province → District → Tehsil → Community."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet


class Place(AuditedModel):
    """A named place with its English and Urdu names; Urdu script serves Pashto too."""

    name = models.CharField(_("name (English)"), max_length=120)
    name_ur = models.CharField(_("name (Urdu)"), max_length=120, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        if (get_language() or "en").split("-")[0] in {"ur", "ps"} and self.name_ur:
            return self.name_ur
        return self.name

    def audit_label(self) -> str:
        return self.name


class Province(Place):
    """A province or federally administered territory."""

    code = models.CharField(_("code"), max_length=3, unique=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]


class District(Place):
    """A district; its three-letter code prefixes the pseudonymous codes registered there."""

    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="districts"
    )
    code = models.CharField(_("code"), max_length=3, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]


class Tehsil(Place):
    """A tehsil (sub-division) of a district."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="tehsils"
    )

    class Meta:
        verbose_name = _("tehsil")
        verbose_name_plural = _("tehsils")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="tehsil_unique_in_district")
        ]


class Community(Place):
    """A village, mohalla or union council: where a returnee goes home to."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("Village")
        MOHALLA = "mohalla", _("Mohalla")
        UNION_COUNCIL = "union_council", _("Union council")

    tehsil = models.ForeignKey(
        Tehsil, verbose_name=_("tehsil"), on_delete=models.PROTECT, related_name="communities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VILLAGE)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tehsil", "name"], name="community_unique_in_tehsil")
        ]
