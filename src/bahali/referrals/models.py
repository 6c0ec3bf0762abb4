"""The support network: a directory of services and consent-checked referrals to them
(DESIGN.md §3, "Service directory and Referral"), and the family's own support: its plan and
its members' consent to be referred themselves (issue 17, item 5).

A referral belongs to a case (scoped through it for the team) and is addressed to the
service's provider organisation, whose staff see the referral and nothing else of the case.
A referral may be for a relative of the participant: then the relative's own consent
decides, never the participant's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.cases.querysets import CaseRowQuerySet
from bahali.core.models import AuditedModel
from bahali.organisations.models import OrganisationKind
from bahali.referrals.querysets import ReferralQuerySet, ServiceQuerySet


class ServiceCategory(models.TextChoices):
    VOCATIONAL = "vocational", _("Vocational training")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    LEGAL = "legal", _("Legal aid and documents")
    LIVELIHOOD = "livelihood", _("Livelihood and microfinance")
    EMPLOYMENT = "employment", _("Employer")


class Service(AuditedModel):
    """A service a returnee can be referred to: what it offers, who provides it, where,
    for whom and how to reach it."""

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=ServiceCategory.choices)
    provider = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    districts = models.ManyToManyField(
        "geography.District", verbose_name=_("districts"), related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    eligibility = models.TextField(_("eligibility"), blank=True)
    contact = models.CharField(_("contact"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="service_unique_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"

    def audit_label(self) -> str:
        return f"service {self.pk} ({self.name})"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Withdrawn")


OPEN_REFERRAL_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


class Referral(AuditedModel):
    """A case referred to a service: sent → accepted or declined → completed, with feedback.

    Sent only with the participant's consent to share with the provider's kind of
    organisation. ``need`` is what the provider is told; the provider sees that, the
    participant's code and the referral's own progress, never the case record.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="referrals"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="referrals"
    )
    # Set when the service is for a relative, not the participant (the family strand).
    family_member = models.ForeignKey(
        "casework.FamilyMember",
        verbose_name=_("for the relative"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    provider = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    need = models.TextField(_("what is asked (shared with the provider)"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_on = models.DateField(_("sent on"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_on = models.DateField(_("answered on"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    response_note = models.TextField(_("answer"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    cancel_reason = models.TextField(_("reason for withdrawing"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["provider", "status"], name="referral_provider_status")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.service_id} ({self.status})"

    def audit_label(self) -> str:
        return f"case {self.case_id} · referral {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @property
    def consent_current(self) -> bool:
        """Does the consent this referral relies on still stand? Read from the annotation
        ``services.with_consent_state`` adds (the provider's views); a referral read without
        it is checked in ``services.sharing_consent_current``."""
        state = getattr(self, "participant_consent", None)
        if state is None:
            from bahali.referrals.services import sharing_consent_current

            return sharing_consent_current(self)
        relative = getattr(self, "relative_consent", False)
        return bool(relative if self.family_member_id else state)


class FamilySupportPlan(AuditedModel):
    """What the participant's family needs in its own right (Sparlay-style support of
    families), agreed with them, and when it is next looked at again.

    The family is a beneficiary, not only a resource for the participant: its sessions are
    casework's family sessions, and the services its members receive are referrals addressed
    to a relative; the plan's page reads both beside the needs.
    """

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="family_plan",
    )
    needs = models.TextField(_("the family's needs"))
    agreed_on = models.DateField(_("agreed on"))
    review_on = models.DateField(_("next review"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("family support plan")
        verbose_name_plural = _("family support plans")
        ordering = ["case"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.agreed_on}"

    def audit_label(self) -> str:
        return f"case {self.case_id} · family support plan {self.pk}"


class ConsentMethod(models.TextChoices):
    SIGNED = "signed", _("Signed")
    THUMBPRINT = "thumbprint", _("Thumbprint")
    VERBAL = "verbal_witnessed", _("Verbal, with a witness")


class FamilyConsent(AuditedModel):
    """A relative's own consent to be referred to one kind of organisation: what they need
    and that they are the participant's relative is shared with it. The participant's
    consent never stands for theirs; withdrawn, it stops new referrals."""

    member = models.ForeignKey(
        "casework.FamilyMember",
        verbose_name=_("relative"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    share_with = models.CharField(_("share with"), max_length=32, choices=OrganisationKind.choices)
    method = models.CharField(_("how it was given"), max_length=20, choices=ConsentMethod.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("relative's consent")
        verbose_name_plural = _("relatives' consents")
        ordering = ["member", "-given_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "share_with"],
                condition=models.Q(withdrawn_on__isnull=True),
                name="family_consent_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.share_with}"

    def audit_label(self) -> str:
        return f"family member {self.member_id} · consent {self.pk} ({self.share_with})"
