"""Retention: how long each programme keeps identity and notes after a case closes, the legal
holds that stop anonymisation, and the record of what was anonymised.

Nothing here holds identity. A rule is configuration; a hold names a participant by code and
says why (its reason and document are kept out of the audit trail's values, as they may
name people); an erasure says what was removed, when and why, never what it was.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.retention.querysets import RetentionQuerySet

MAX_YEARS = 100


class RetentionRule(AuditedModel):
    """How long a programme keeps what identifies a person once their case is closed.

    Free-text notes go ``notes_years`` after closure; identity (names, CNIC, date of birth,
    phone, address, with its blind index and blocking keys) ``identity_years`` after the last
    of the person's cases closed. Notes never outlive identity. A programme without a rule
    keeps both: nothing is anonymised by default.
    """

    programme = models.OneToOneField(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="retention_rule",
    )
    identity_years = models.PositiveSmallIntegerField(
        _("keep identity for (years after closure)"),
        validators=[MaxValueValidator(MAX_YEARS)],
    )
    notes_years = models.PositiveSmallIntegerField(
        _("keep notes for (years after closure)"),
        validators=[MaxValueValidator(MAX_YEARS)],
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RetentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["programme__code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notes_years__lte=models.F("identity_years")),
                name="retention_notes_within_identity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.identity_years}/{self.notes_years}"

    def audit_label(self) -> str:
        return f"retention rule · programme {self.programme_id}"


class LegalHold(AuditedModel):
    """A documented legal reason (a court order, an investigation, a pending complaint) to
    keep one participant's records as they are: while it stands, neither the retention rules
    nor a withdrawal of consent anonymise them. Placed and lifted by a data steward."""

    # The reason and the document may name people: the trail records that they were
    # written, not their words.
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset(
        {"reason", "reference", "lift_reason"}
    )

    participant = models.ForeignKey(
        "registry.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="legal_holds",
    )
    reason = models.TextField(_("why the records must be kept"))
    reference = models.CharField(_("order or document (reference)"), max_length=200)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("placed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    placed_on = models.DateField(_("placed on"))
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lift_reason = models.TextField(_("why it was lifted"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RetentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = [models.F("lifted_on").asc(nulls_first=True), "-placed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(lifted_on__isnull=True),
                name="legal_hold_one_standing",
            )
        ]

    def __str__(self) -> str:
        return f"hold {self.pk}"

    def audit_label(self) -> str:
        return f"legal hold {self.pk} · participant {self.participant_id}"

    @property
    def standing(self) -> bool:
        return self.lifted_on is None


class Scope(models.TextChoices):
    NOTES = "notes", _("Notes of a closed case")
    IDENTITY = "identity", _("Identity and every note")


class Cause(models.TextChoices):
    RULE = "rule", _("The programme's retention rule")
    WITHDRAWAL = "withdrawal", _("Consent to participate withdrawn")


class Erasure(AuditedModel):
    """What was anonymised, when and why: the trace that a rule or a withdrawal was applied.

    One row per case whose notes went (``case`` set) and one per participant whose identity
    went; it holds no trace of what was removed.
    """

    participant = models.ForeignKey(
        "registry.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="erasures",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="erasures",
    )
    scope = models.CharField(_("what went"), max_length=10, choices=Scope.choices)
    cause = models.CharField(_("why"), max_length=12, choices=Cause.choices)
    done_on = models.DateField(_("anonymised on"))

    objects = RetentionQuerySet.as_manager()

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")
        ordering = ["-done_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(scope="notes"),
                name="erasure_notes_once_per_case",
            ),
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(scope="identity"),
                name="erasure_identity_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.participant_id}"

    def audit_label(self) -> str:
        return f"anonymisation · participant {self.participant_id} · {self.scope}"
