"""The organisations that work a case together: no single kind can do it alone."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.organisations.querysets import OrganisationQuerySet


class OrganisationKind(models.TextChoices):
    REHABILITATION_CENTRE = "rehabilitation_centre", _("Rehabilitation centre")
    PRISON_SERVICE = "prison_service", _("Prison service")
    CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")
    COMMUNITY_COMMITTEE = "community_committee", _("Community reintegration committee")
    SECURITY_LIAISON = "security_liaison", _("Security liaison office (police / army)")
    OVERSIGHT_BODY = "oversight_body", _("Oversight body")
    LEAD_AGENCY = "lead_agency", _("Lead agency (programme directorate)")
    DONOR = "donor", _("Donor")


class Organisation(AuditedModel):
    """An organisation taking part: it holds memberships and, later, cases and sign-offs."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    district = models.ForeignKey(
        "geography.District",
        verbose_name=_("home district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name
