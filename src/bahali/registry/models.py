"""The people in the programme: pseudonymous participants with sealed identity, consent, pledge."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.core.sealing import SealedRow
from bahali.organisations.models import OrganisationKind
from bahali.registry.querysets import LinkRequestQuerySet, ParticipantQuerySet

# Identity fields, sealed with AES-GCM (bahali.core.sealing).
IDENTITY_FIELDS = (
    "name",
    "name_native",
    "father_name",
    "father_name_native",
    "cnic",
    "birth_date",
    "birth_year",
    "phone",
    "address",
)


class Sex(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")


class AgeBand(models.TextChoices):
    UNDER_15 = "u15", _("Under 15")
    AGE_15_17 = "15-17", _("15–17")
    AGE_18_24 = "18-24", _("18–24")
    AGE_25_34 = "25-34", _("25–34")
    AGE_35_49 = "35-49", _("35–49")
    AGE_50_PLUS = "50+", _("50 and over")
    UNKNOWN = "", _("Unknown")


class Language(models.TextChoices):
    """The languages a participant may be recorded as speaking (stored as comma-separated codes)."""

    PASHTO = "ps", _("Pashto")
    URDU = "ur", _("Urdu")
    PUNJABI = "pa", _("Punjabi")
    SINDHI = "sd", _("Sindhi")
    BALOCHI = "bal", _("Balochi")
    SARAIKI = "skr", _("Saraiki")
    HINDKO = "hno", _("Hindko")
    ENGLISH = "en", _("English")


class Participant(SealedRow, AuditedModel):
    """A person in the programme, known everywhere by a pseudonymous code.

    Identity fields hold sealed values only (``sealed_*``); they are opened by
    ``services.read_identity``, which checks policy and audits the read. Sex, age band,
    home community and languages stay in clear for statistics.
    """

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset(
        {f"sealed_{name}" for name in IDENTITY_FIELDS} | {"cnic_index"}
    )
    sealed_fields: ClassVar[dict[str, str]] = {
        f"sealed_{name}": f"registry.participant.{name}" for name in IDENTITY_FIELDS
    }

    code = models.CharField(_("code"), max_length=16, unique=True)
    district = models.ForeignKey(
        "geography.District",
        verbose_name=_("registration district"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    serial = models.PositiveIntegerField(_("serial"))
    code_year = models.PositiveSmallIntegerField(_("code year"))
    sealed_name = models.TextField(_("name (sealed)"), blank=True)
    sealed_name_native = models.TextField(_("name in Urdu/Pashto script (sealed)"), blank=True)
    sealed_father_name = models.TextField(_("father's name (sealed)"), blank=True)
    sealed_father_name_native = models.TextField(
        _("father's name in Urdu/Pashto script (sealed)"), blank=True
    )
    sealed_cnic = models.TextField(_("CNIC (sealed)"), blank=True)
    sealed_birth_date = models.TextField(_("date of birth (sealed)"), blank=True)
    sealed_birth_year = models.TextField(_("year of birth (sealed)"), blank=True)
    sealed_phone = models.TextField(_("phone (sealed)"), blank=True)
    sealed_address = models.TextField(_("address (sealed)"), blank=True)
    cnic_index = models.CharField(_("CNIC blind index"), max_length=64, blank=True, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)
    is_juvenile = models.BooleanField(_("juvenile at registration"), default=False)
    # 15–29 (Pakistan's National Youth Policy, and the UN's youth and security agenda), which
    # the age bands cannot give (25–34 straddles it); empty when the age was not known
    is_youth = models.BooleanField(_("15–29 at registration"), null=True, blank=True)
    home_community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("home community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
    )
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    registered_by = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "code_year", "serial"], name="participant_serial_unique"
            )
        ]
        indexes = [
            # the juveniles (a few in a hundred): counted without reading the whole registry
            models.Index(
                fields=["id"], condition=models.Q(is_juvenile=True), name="participant_juvenile"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def audit_label(self) -> str:
        return self.code


class ParticipantLink(AuditedModel):
    """An organisation works with this participant (registered, referred or confirmed same)."""

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="links"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="participant_links",
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant link")
        verbose_name_plural = _("participant links")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "organisation"], name="participant_link_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant.code} · {self.organisation}"

    def audit_label(self) -> str:
        return f"{self.participant.code} · {self.organisation.name}"


class BlockingKey(models.Model):
    """A keyed hash of one name/birth-year/CNIC key, for finding duplicate candidates.

    Only HMACs are stored, so no plaintext name sits in an index. Derived data: rebuilt
    whenever identity changes, not audited itself.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="blocking_keys"
    )
    key = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("blocking key")
        verbose_name_plural = _("blocking keys")
        constraints = [
            models.UniqueConstraint(fields=["participant", "key"], name="blocking_key_unique")
        ]

    def __str__(self) -> str:
        return self.key[:12]


class MatchingWeights(models.Model):
    """The ``m`` and ``u`` of each comparison level estimated on this registry's records.

    Estimated without labels (``matching.training.parameters_for``) when an import checks a
    sheet against the registry, so that the registration page's duplicate check scores one
    person with the same weights as the import scored the sheet. Aggregate figures, no
    person's data. The latest row is used (``services.matching_parameters``); without one,
    the weights shipped with Bahali.
    """

    m = models.JSONField(_("probability of each level for one person"))
    u = models.JSONField(_("probability of each level for two people"))
    source = models.CharField(_("estimated on"), max_length=200)
    estimated_at = models.DateTimeField(_("estimated at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self) -> str:
        return self.source


class DistinctPair(AuditedModel):
    """Someone decided these two records are different people: never propose them again."""

    first = models.ForeignKey(
        Participant, verbose_name=_("first"), on_delete=models.CASCADE, related_name="+"
    )
    second = models.ForeignKey(
        Participant, verbose_name=_("second"), on_delete=models.CASCADE, related_name="+"
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pair of different people")
        verbose_name_plural = _("pairs of different people")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="distinct_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="distinct_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class IdentityPurpose(models.TextChoices):
    """Why someone whose identity access is "on request" (DESIGN.md §2: programme
    managers) opens a participant's identity; recorded with the read."""

    SAFETY = "safety", _("A safety or protection concern")
    VERIFICATION = "verification", _("Verifying the record (duplicates, documents)")
    LEGAL = "legal", _("A legal or court requirement")
    OVERSIGHT = "oversight", _("Answering an oversight body or a grievance")
    CORRECTION = "correction", _("Correcting the record")
    OTHER = "other", _("Another reason (explained below)")


class ConsentPurpose(models.TextChoices):
    PARTICIPATION = "participation", _("Participation in the programme")
    SHARING = "sharing", _("Sharing with a kind of organisation")
    RESEARCH = "research", _("Research")
    # counted in anonymous figures (indicators, releases) where the programme asks for it
    STATISTICS = "statistics", _("Statistical use (counted in anonymous figures)")
    MEDIA = "media", _("Media")


class Consent(AuditedModel):
    """Consent for one purpose, given by the person or their guardian. Withdrawal keeps history."""

    # Guardians' and witnesses' names identify the person: the trail notes that they changed,
    # never what they are, so anonymisation (``bahali.retention``) leaves none behind in it.
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset(
        {"guardian_name", "witness", "withdrawal_note"}
    )

    class GivenBy(models.TextChoices):
        SELF = "self", _("The participant")
        GUARDIAN = "guardian", _("A guardian")

    class Method(models.TextChoices):
        SIGNED = "signed", _("Signed")
        THUMBPRINT = "thumbprint", _("Thumbprint")
        VERBAL = "verbal_witnessed", _("Verbal, with a witness")

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    share_with = models.CharField(
        _("share with"),
        max_length=32,
        choices=OrganisationKind.choices,
        blank=True,
        help_text=_("For sharing: which kind of organisation may receive the data."),
    )
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices)
    guardian_name = models.CharField(_("guardian's name"), max_length=200, blank=True)
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    witness = models.CharField(_("witness"), max_length=200, blank=True)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.participant.code} · {self.purpose}"

    def audit_label(self) -> str:
        suffix = f":{self.share_with}" if self.share_with else ""
        return f"{self.participant.code} · {self.purpose}{suffix}"


class Pledge(AuditedModel):
    """The recorded renunciation of violence: a precondition of rehabilitation."""

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"witnesses", "notes"})

    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="pledges"
    )
    pledged_on = models.DateField(_("pledged on"))
    witnesses = models.CharField(_("witnesses"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["-pledged_on"]

    def __str__(self) -> str:
        return f"{self.participant.code} · {self.pledged_on}"

    def audit_label(self) -> str:
        return f"{self.participant.code} · pledge {self.pledged_on}"


class Merge(AuditedModel):
    """Two records found to be one person: what moved where, so it can be undone."""

    kept = models.ForeignKey(
        Participant, verbose_name=_("kept"), on_delete=models.PROTECT, related_name="+"
    )
    merged = models.ForeignKey(
        Participant, verbose_name=_("merged"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    moved = models.JSONField(_("moved rows"), default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.merged.code} → {self.kept.code}"

    def audit_label(self) -> str:
        return f"{self.merged.code} → {self.kept.code}"


class LinkRequest(AuditedModel):
    """An organisation asks to work with a participant already registered elsewhere (issue 14,
    item 2: linking by knowledge needs a second look).

    Someone who knows a person's CNIC, or name and father's name, can find them at
    registration and answer "same person". Linking would open the identity to the whole
    organisation, so it happens at once only where the participant consented to sharing with
    that kind of organisation; otherwise this request waits for a data steward of an
    organisation that holds the record. Until then the requester knows the code and that
    there was a match, nothing more. A decision applies once (``status`` moves from pending
    exactly once, under the row's version).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a data steward")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="link_requests",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation asking"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("reason for the decision"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = LinkRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request to link a participant")
        verbose_name_plural = _("requests to link a participant")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "organisation"],
                condition=models.Q(status="pending"),
                name="one_pending_link_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant.code} · {self.organisation}"

    def audit_label(self) -> str:
        return f"{self.participant.code} · link request by {self.organisation.name}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
