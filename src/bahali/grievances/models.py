"""Grievances: complaints by participants, their families and community members, routed
confidentially to the oversight body and tracked to resolution against time limits
(DESIGN.md §1 "grievance channels", §3 "Grievance").

Who complained is sealed at rest and opened only for the oversight body, each opening
audited. The organisation complained about learns that a grievance exists and where it
stands — never who lodged it or what it says.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bahali.accounts import policies
from bahali.core.models import AuditedModel


class GrievanceCategory(models.TextChoices):
    MISTREATMENT = "mistreatment", _("Mistreatment")
    RIGHTS = "rights_violation", _("Rights violation")
    SUPPORT_NOT_PAID = "support_not_paid", _("Support not paid")
    STIGMA = "stigma_threats", _("Stigma or threats")
    DATA_MISUSE = "data_misuse", _("Misuse of personal data")
    OTHER = "other", _("Other")


class Complainant(models.TextChoices):
    PARTICIPANT = "participant", _("A participant")
    FAMILY = "family", _("A family member")
    COMMUNITY = "community", _("A community member")
    OTHER = "other", _("Someone else")


class Channel(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Public form")
    STAFF = "staff", _("Through a staff member")


class GrievanceStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Finding(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    NOT_UPHELD = "not_upheld", _("Not upheld")
    WITHDRAWN = "withdrawn", _("Withdrawn by the complainant")


class GrievanceQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any, resource: str = "grievance", verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)

    def open(self) -> Any:
        return self.exclude(status=GrievanceStatus.RESOLVED)


class Grievance(AuditedModel):
    """One complaint: what, about whom, by whom (sealed), and its path to resolution.

    ``acknowledge_by`` and ``resolve_by`` are the time limits, fixed when it is received.
    """

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset(
        {"sealed_name", "sealed_contact", "participant", "description"}
    )

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=GrievanceCategory.choices)
    complainant = models.CharField(_("lodged by"), max_length=12, choices=Complainant.choices)
    sealed_name = models.TextField(_("complainant's name (sealed)"), blank=True)
    sealed_contact = models.TextField(_("complainant's contact (sealed)"), blank=True)
    participant = models.ForeignKey(
        "registry.Participant",
        verbose_name=_("participant concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    district = models.ForeignKey(
        "geography.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    about_text = models.CharField(_("about (as told)"), max_length=200, blank=True)
    about_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation complained about"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grievances_about",
    )
    description = models.TextField(_("what happened"))
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_on = models.DateField(_("received on"))
    acknowledge_by = models.DateField(_("acknowledge by"))
    resolve_by = models.DateField(_("resolve by"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=GrievanceStatus.choices,
        default=GrievanceStatus.RECEIVED,
    )
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledgement = models.TextField(_("acknowledgement note"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # bookkeeping for bahali.core.versioning, not a change the audit trail records
    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset({"version"})
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = GrievanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "resolve_by"], name="grievance_status_due"),
            models.Index(fields=["about_organisation", "status"], name="grievance_about"),
        ]

    def __str__(self) -> str:
        return self.reference

    def audit_label(self) -> str:
        return f"grievance {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.status != GrievanceStatus.RESOLVED

    @property
    def acknowledgement_late(self) -> bool:
        if self.acknowledged_on is not None:
            return self.acknowledged_on > self.acknowledge_by
        return timezone.localdate() > self.acknowledge_by

    @property
    def resolution_late(self) -> bool:
        if self.resolved_on is not None:
            return self.resolved_on > self.resolve_by
        return timezone.localdate() > self.resolve_by

    @property
    def days_open(self) -> int:
        end = self.resolved_on or timezone.localdate()
        return (end - self.received_on).days
