"""Before the case: referrals, screening against a programme's published eligibility
criteria, and the decision it ends in (issue 17).

A person is referred (by security forces, a court, their family, themselves, their
community or a civil-society organisation); the receiving organisation screens the
referral against the programme's criteria, and the decision says eligible for a programme,
not eligible (naming the criteria that failed), referred elsewhere, or deferred. A case is
opened only from an eligible referral (``services.enrol_from_referral``) once a programme
has published its criteria.

Criteria are data: each change is a new numbered version, never an edit, so a screening
keeps the version it applied and every version stays readable.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.core.sealing import Sealed, SealedRow
from bahali.intake.querysets import ReferralQuerySet, ScreeningQuerySet


class Source(models.TextChoices):
    SECURITY = "security_forces", _("Security forces")
    COURT = "court", _("Court")
    FAMILY = "family", _("Family")
    SELF = "self", _("Self-referral")
    COMMUNITY = "community", _("Community")
    CSO = "cso", _("Civil-society organisation")


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Waiting for screening")
    DEFERRED = "deferred", _("Deferred")
    ELIGIBLE = "eligible", _("Eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
    ENROLLED = "enrolled", _("Enrolled")


OPEN_STATUSES = (ReferralStatus.RECEIVED, ReferralStatus.DEFERRED)


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible for the programme")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
    DEFERRED = "deferred", _("Deferred")


class Involvement(models.TextChoices):
    SYMPATHISER = "sympathiser", _("Sympathiser")
    SUPPORTER = "supporter", _("Supporter")
    MEMBER = "member", _("Member")
    MID_LEVEL = "mid_level", _("Mid-level")
    LEADER = "leader", _("Leader")


class Accountability(models.TextChoices):
    NO_PENDING_CHARGE = "no_pending_charge", _("No pending charge for serious violence")
    DIVERTED = "diverted_by_court", _("Diverted by a court")
    SENTENCED = "serving_sentence", _("Serving a sentence")
    PENDING_SERIOUS = "pending_serious_charge", _("Pending charge for serious violence")


class SexRule(models.TextChoices):
    ANY = "", _("Any")
    MALE = "m", _("Men and boys only")
    FEMALE = "f", _("Women and girls only")


class CriteriaVersion(AuditedModel):
    """One published version of a programme's eligibility criteria (never edited: a change
    is the next version). Empty lists admit everyone on that criterion."""

    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="criteria_versions",
    )
    number = models.PositiveIntegerField(_("version"))
    min_age = models.PositiveSmallIntegerField(_("youngest age admitted"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("oldest age admitted"), null=True, blank=True)
    sex = models.CharField(
        _("sex"), max_length=1, choices=SexRule.choices, blank=True, default=SexRule.ANY
    )
    involvement_levels = models.JSONField(_("involvement levels admitted"), default=list)
    accountability = models.JSONField(_("criminal-accountability statuses admitted"), default=list)
    voluntary_required = models.BooleanField(_("must come voluntarily"), default=True)
    juvenile_programme = models.BooleanField(
        _("a programme for juveniles"),
        default=False,
        help_text=_("A person under 18 may be found eligible only for a juvenile programme."),
    )
    confirm_levels = models.JSONField(
        _("involvement levels needing a manager's confirmation"), default=list
    )
    residence = models.ManyToManyField(
        "geography.District",
        verbose_name=_("must reside in"),
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("what changed and why"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_on = models.DateField(_("published on"))

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("eligibility criteria version")
        verbose_name_plural = _("eligibility criteria versions")
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="criteria_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} v{self.number}"

    def audit_label(self) -> str:
        return f"eligibility criteria {self.programme.code} v{self.number}"


class Referral(AuditedModel):
    """A person referred to an organisation before any case: who referred, when, from where."""

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"note"})

    participant = models.ForeignKey(
        "registry.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="intake_referrals",
    )
    source = models.CharField(_("referred by"), max_length=20, choices=Source.choices)
    referrer = models.CharField(_("who referred (office or person)"), max_length=200)
    referring_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("referring organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    referred_on = models.DateField(_("referred on"))
    from_district = models.ForeignKey(
        "geography.District",
        verbose_name=_("referred from (district)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_place = models.CharField(_("referred from (place)"), max_length=200, blank=True)
    receiving_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="intake_referrals",
    )
    district = models.ForeignKey(
        "geography.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme asked for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    needs_confirmation = models.BooleanField(_("needs a manager's confirmation"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eligibility confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_on = models.DateField(_("eligibility confirmed on"), null=True, blank=True)
    eligible_for = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("eligible for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intake_referral",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral before enrolment")
        verbose_name_plural = _("referrals before enrolment")
        ordering = ["referred_on", "pk"]
        indexes = [
            models.Index(fields=["receiving_organisation", "status"], name="intake_org_status"),
            models.Index(fields=["district", "status"], name="intake_district_status"),
        ]

    def __str__(self) -> str:
        return f"R-{self.pk}"

    def audit_label(self) -> str:
        return f"referral R-{self.pk}"

    @property
    def reference(self) -> str:
        return f"R-{self.pk:05d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Screening(SealedRow, AuditedModel):
    """One screening of a referral and the decision it ended in. The criteria version
    applied and each criterion's answer are kept as they were (``answers``: a list of
    ``{"criterion", "answer", "met"}``); ``failed`` names the criteria that excluded."""

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"reason", "sealed_answers"})
    # Each criterion's answer (age, involvement, accountability, ...): sealed at rest.
    sealed_fields: ClassVar[dict[str, str]] = {"sealed_answers": "intake.screening.answers"}

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.PROTECT, related_name="screenings"
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    criteria_version = models.ForeignKey(
        CriteriaVersion,
        verbose_name=_("criteria applied"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screenings",
    )
    sealed_answers = models.TextField(_("answers (sealed)"), blank=True)
    answer_data = Sealed("sealed_answers", json=True)
    failed = models.JSONField(_("criteria not met"), default=list)
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    reason = models.TextField(_("reason"))
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("screened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    screened_on = models.DateField(_("screened on"))

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-screened_on", "-pk"]

    def __str__(self) -> str:
        return f"screening {self.pk}"

    @property
    def answers(self) -> list[dict[str, object]]:
        """Each criterion with its answer and whether it was met (opened from the seal)."""
        return list(self.answer_data.get("rows", []))

    def audit_label(self) -> str:
        return f"screening {self.pk} of referral R-{self.referral_id}"


class ArmedGroup(AuditedModel):
    """A group a person may have belonged to: a configurable list (the demo's are invented)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"group {self.name}"


class GroupRole(models.TextChoices):
    FIGHTER = "fighter", _("Fighter")
    LOGISTICS = "logistics", _("Logistics")
    RECRUITMENT = "recruitment", _("Recruitment")
    PROPAGANDA = "propaganda", _("Propaganda")
    FINANCE = "finance", _("Finance")
    OTHER = "other", _("Other")


class Joined(models.TextChoices):
    COERCED = "coerced", _("Coerced")
    VOLUNTARY = "voluntary", _("Voluntary")
    BORN_INTO = "born_into", _("Born into it")


CHILD_AGE = 18  # involvement that began younger than this: a child recruited


class Classification(SealedRow, AuditedModel):
    """Who the person was in the group. Sealed like clinical data: the group, level, roles,
    how they joined, age at first involvement and time in the group are one sealed value,
    opened only for the roles granted ``classification`` (each reading recorded)."""

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"sealed_details"})
    sealed_fields: ClassVar[dict[str, str]] = {"sealed_details": "intake.classification.details"}

    participant = models.OneToOneField(
        "registry.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="classification",
    )
    sealed_details = models.TextField(_("classification (sealed)"), blank=True)
    details = Sealed("sealed_details", json=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_on = models.DateField(_("recorded on"))
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")

    def __str__(self) -> str:
        return f"classification of {self.participant_id}"

    def audit_label(self) -> str:
        return f"classification of participant {self.participant_id}"


class LegalBasisKind(models.TextChoices):
    LAW = "law", _("Law")
    ORDER = "order", _("Government order")
    COURT = "court_direction", _("Court direction")


class LegalBasis(AuditedModel):
    """What a programme stands on (a law, an order, a court direction) and the body it
    reports to: shown beside its figures in the oversight report."""

    programme = models.OneToOneField(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="legal_basis",
    )
    kind = models.CharField(_("legal basis"), max_length=20, choices=LegalBasisKind.choices)
    reference = models.CharField(_("law, order or direction (reference)"), max_length=300)
    reports_to = models.CharField(_("reports to"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")

    def __str__(self) -> str:
        return self.reference

    def audit_label(self) -> str:
        return f"legal basis of programme {self.programme_id}"


class StaffSex(AuditedModel):
    """A staff member's sex, recorded for one purpose only: that a woman or girl in a
    programme has a female case worker and psychologist where the team's organisations
    have them. Nothing else reads it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="staff_sex",
    )
    sex = models.CharField(_("sex"), max_length=1, choices=[("m", _("Male")), ("f", _("Female"))])

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member's sex")
        verbose_name_plural = _("staff members' sex")

    def __str__(self) -> str:
        return f"{self.user_id}"

    def audit_label(self) -> str:
        return f"staff sex of user {self.user_id}"


class WomenStaffRule(AuditedModel):
    """A programme's choice about the women-and-girls rule; no row means the rule applies
    (on by default)."""

    programme = models.OneToOneField(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="women_staff_rule",
    )
    applies = models.BooleanField(
        _("a woman or girl has a female case worker and psychologist"), default=True
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("women and girls rule")
        verbose_name_plural = _("women and girls rules")

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.applies}"

    def audit_label(self) -> str:
        return f"women and girls rule of programme {self.programme_id}"
