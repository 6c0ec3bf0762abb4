"""Assessments: versioned instruments and the assessments answered with them (DESIGN.md §3).

An ``Instrument`` is a named tool (screening, factors, needs, progress by structured
professional judgement, community readiness); its ``InstrumentVersion`` rows hold the
definition as data. A published version never changes, so answers given under it keep
their meaning; a new definition is a new version. An ``Assessment`` answers one version
for one case (or, for community readiness, one community): a draft until completed, then
read-only; a correction is a new assessment linked to the one it corrects.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.assessments import definition as spec
from bahali.assessments.querysets import (
    CalibrationQuerySet,
    InstrumentQuerySet,
    TrainingQuerySet,
)
from bahali.cases.querysets import CaseRowQuerySet
from bahali.core import sealing
from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.core.sealing import Sealed, SealedRow
from bahali.programmes.models import Translated


class InstrumentKind(models.TextChoices):
    SCREENING = "screening", _("Screening and eligibility")
    FACTORS = "factors", _("Factors that drew the person in")
    NEEDS = "needs", _("Needs")
    PROGRESS = "progress", _("Progress / risk (structured professional judgement)")
    READINESS = "readiness", _("Community readiness")
    SURVEY = "survey", _("Anonymous community survey (no free text)")


class Instrument(Translated, AuditedModel):
    """A tool assessors answer, known by a stable code; its content lives in versions.

    Built-in instruments (written for Bahali, owned by no organisation) ship with the
    application; an organisation brings its own by importing an XLSForm. ``version``
    refuses lost updates of the instrument's settings.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=InstrumentKind.choices)
    is_builtin = models.BooleanField(_("built in"), default=False)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
    )
    is_active = models.BooleanField(_("in use"), default=True)
    # Only assessors with a training record for the instrument may complete it (issue 17).
    requires_training = models.BooleanField(_("only trained assessors complete it"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["kind", "code"]

    def audit_label(self) -> str:
        return f"instrument {self.code}"

    def current_version(self) -> InstrumentVersion | None:
        """The newest published version: the one new assessments use."""
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class PublishedVersionChanged(RuntimeError):
    """Something tried to change a published instrument version."""


class InstrumentVersion(AuditedModel):
    """One version of an instrument's definition. A draft may be replaced; once published
    it is immutable (enforced here and in the services), so answers keep their meaning."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version number"))
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "number"], name="instrument_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.number}"

    def audit_label(self) -> str:
        return f"instrument {self.instrument_id} · version {self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def title(self) -> str:
        return spec.label(self.definition.get("title"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        was_published = getattr(self, "_audit_snapshot", {}).get("published_at") is not None
        if not self._state.adding and was_published:
            raise PublishedVersionChanged(f"{self} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.published_at is not None:
            raise PublishedVersionChanged(f"{self} is published and cannot be deleted")
        return super().delete(*args, **kwargs)


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


class Band(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


class Assessment(SealedRow, AuditedModel):
    """One instrument version answered for a case (or a community), by an assessor, on a
    date: item answers, the assessor's domain ratings with their rationale and, for
    structured professional judgement, an overall judgement with its rationale.

    A draft can be saved and resumed; a completed assessment is read-only, and a correction
    is a new assessment pointing at the one it corrects (``corrects``). ``version``
    refuses lost updates when two people edit one draft.
    """

    # Answers, ratings and rationales say what drew a person in and what risk an assessor
    # sees: sealed at rest like notes (bahali.core.sealing), and the audit trail's readers
    # (data stewards among them) see that they changed, not what they say.
    sealed_fields: ClassVar[dict[str, str]] = {
        "sealed_answers": "assessments.assessment.answers",
        "sealed_domain_ratings": "assessments.assessment.domain_ratings",
        "sealed_overall_rationale": "assessments.assessment.overall_rationale",
    }

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessments",
    )
    community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion,
        verbose_name=_("instrument version"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessed_on = models.DateField(_("assessed on"))
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    sealed_answers = models.TextField(_("answers (sealed)"), blank=True, default="")
    sealed_domain_ratings = models.TextField(_("domain ratings (sealed)"), blank=True, default="")
    overall_rating = models.CharField(
        _("overall judgement"), max_length=10, choices=Band.choices, blank=True
    )
    sealed_overall_rationale = models.TextField(
        _("rationale of the overall judgement (sealed)"), blank=True, default=""
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # item name → answer; domain → {"rating", "rationale"}; the overall judgement's rationale
    answers = Sealed("sealed_answers", json=True)
    domain_ratings = Sealed("sealed_domain_ratings", json=True)
    overall_rationale = Sealed("sealed_overall_rationale")

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(community__isnull=False),
                name="assessment_of_case_or_community",
            )
        ]
        indexes = [
            models.Index(fields=["case", "status", "-assessed_on"], name="assessment_case_recent")
        ]

    def __str__(self) -> str:
        return f"{self.instrument_version} · {self.assessed_on}"

    def audit_label(self) -> str:
        if self.case_id is None:
            return f"community {self.community_id} · assessment {self.pk}"
        return f"case {self.case_id} · assessment {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        was = getattr(self, "_audit_snapshot", {}).get("status")
        if (
            not self._state.adding
            and was == AssessmentStatus.COMPLETED
            and not sealing.only_resealed(self, kwargs.get("update_fields"))
        ):
            raise PublishedVersionChanged(f"assessment {self.pk} is completed and cannot change")
        super().save(*args, **kwargs)

    @property
    def is_completed(self) -> bool:
        return self.status == AssessmentStatus.COMPLETED

    @property
    def assessor_name(self) -> str:
        if self.assessor is None:
            return ""
        return str(self.assessor.get_full_name() or self.assessor.username)

    @property
    def definition(self) -> dict[str, Any]:
        return self.instrument_version.definition

    @property
    def instrument(self) -> Instrument:
        return self.instrument_version.instrument


class Training(AuditedModel):
    """A member of staff trained on an instrument: by whom, and when. Structured
    professional judgement is only as good as the assessor's training, so an instrument
    that requires training is completed only by those with a record here, and a blind
    second rating is asked only of them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        related_name="instrument_trainings",
    )
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="trainings"
    )
    trained_by = models.CharField(_("trained by"), max_length=200)
    trained_on = models.DateField(_("trained on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["instrument", "user", "-trained_on"]
        constraints = [
            models.UniqueConstraint(fields=["user", "instrument"], name="training_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.instrument_id}"

    def audit_label(self) -> str:
        return f"training {self.pk} (user {self.user_id}, instrument {self.instrument_id})"


class Calibration(SealedRow, AuditedModel):
    """A completed assessment rated again, blind, by a second trained assessor: the control
    of bias the Council of Europe handbook asks for. The second assessor sees a pseudonymous
    code and the answers (the evidence) only: no case, no person, not the first ratings.
    Pairs of domain ratings give the agreement between assessors per instrument and domain.
    """

    sealed_fields: ClassVar[dict[str, str]] = {
        "sealed_domain_ratings": "assessments.calibration.domain_ratings"
    }

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("assessment"),
        on_delete=models.PROTECT,
        related_name="calibrations",
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    second_assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second assessor"),
        on_delete=models.PROTECT,
        related_name="calibrations",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_on = models.DateField(_("requested on"))
    sealed_domain_ratings = models.TextField(_("second ratings (sealed)"), blank=True, default="")
    rated_on = models.DateField(_("rated on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # domain name -> "low" | "moderate" | "high"
    domain_ratings = Sealed("sealed_domain_ratings", json=True)

    objects = CalibrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("blind second rating")
        verbose_name_plural = _("blind second ratings")
        ordering = ["-requested_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "second_assessor"], name="calibration_once_per_assessor"
            )
        ]

    def __str__(self) -> str:
        return self.code

    def audit_label(self) -> str:
        return f"calibration {self.code} (assessment {self.assessment_id})"

    @property
    def is_rated(self) -> bool:
        return self.rated_on is not None
