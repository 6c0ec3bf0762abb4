"""Prevention: grassroots initiatives, their money and reach, a family advice line, district
need indicators and the aggregated drivers the gap analysis sets against them.

Initiatives are the public work of organisations (who does what, where, with what money);
nothing here names a participant. Figures about people (reach, the factors that drew cases
in, advice-line contacts) are shown only as aggregates with small cells suppressed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.core.sealing import SealedRow


class PreventionQuerySet(AuditedQuerySet):
    resource = "prevention_initiative"

    def visible_to(self, user: Any, resource: str | None = None, verb: str = "read") -> Any:
        from bahali.accounts import policies

        return policies.filter_visible(self, user, resource or self.resource, verb)


class AdviceQuerySet(PreventionQuerySet):
    resource = "advice_contact"


class InitiativeType(models.TextChoices):
    COUNTER_NARRATIVE = "counter_narrative", _("Counter-narrative")
    RELIGIOUS_EDUCATION = "religious_education", _("Religious education reform")
    DIGITAL_LITERACY = "digital_literacy", _("Digital literacy")
    LIVELIHOOD = "livelihood", _("Livelihood and skills")
    YOUTH = "youth_engagement", _("Youth engagement")
    WOMEN = "women_empowerment", _("Women's empowerment")
    INTERFAITH = "interfaith_dialogue", _("Interfaith and dialogue")
    SPORTS_ARTS = "sports_arts", _("Sports and arts")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    CURRICULA = "cve_curricula", _("CVE in curricula")
    FAMILY = "family_networks", _("Parent and family networks")


class InitiativeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class TargetGroup(models.TextChoices):
    YOUTH = "youth", _("Youth (15–29)")
    WOMEN = "women", _("Women and girls")
    STUDENTS = "students", _("Students")
    PARENTS = "parents", _("Parents and families")
    RELIGIOUS = "religious_leaders", _("Religious scholars and teachers")
    RETURNEES = "returnees", _("Returnees and their families")
    COMMUNITY = "community", _("The wider community")


class Framework(models.TextChoices):
    """National frameworks an initiative may align with (selectable references)."""

    NAP_3 = "nap_3", _("National Action Plan, point 3: no armed militias")
    NAP_5 = "nap_5", _("National Action Plan, point 5: hate speech and extremist material")
    NAP_10 = "nap_10", _("National Action Plan, point 10: registration and regulation of madrassas")
    NAP_11 = "nap_11", _("National Action Plan, point 11: no glorification in print media")
    NAP_14 = "nap_14", _("National Action Plan, point 14: misuse of internet and social media")
    NAP_15 = "nap_15", _("National Action Plan, point 15: no space for extremism in Punjab")
    NAP_19 = "nap_19", _("National Action Plan, point 19: reintegration of the displaced")
    PAIGHAM = "paigham_e_pakistan", _("Paigham-e-Pakistan")
    NCVE = "ncve_policy", _("National prevention (CVE) policy")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    RADIO = "radio", _("Radio")
    SOCIAL_MEDIA = "social_media", _("Social media")
    PRINT = "print", _("Print")


# Kinds of organisation that are state bodies (a "state partner" for coordination).
STATE_KINDS = frozenset({"lead_agency", "prison_service", "security_liaison"})


class Initiative(AuditedModel):
    """One prevention initiative: who leads it, with whom, what kind, where and when."""

    name = models.CharField(_("name"), max_length=200)
    lead_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="prevention_initiatives",
    )
    partners = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("partners"),
        blank=True,
        related_name="prevention_partnerships",
    )
    kind = models.CharField(_("type"), max_length=24, choices=InitiativeType.choices)
    districts = models.ManyToManyField(
        "geography.District", verbose_name=_("districts"), related_name="+"
    )
    communities = models.ManyToManyField(
        "geography.Community", verbose_name=_("communities"), blank=True, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InitiativeStatus.choices,
        default=InitiativeStatus.ACTIVE,
    )
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    frameworks = models.JSONField(_("national frameworks"), default=list, blank=True)
    has_state_partner = models.BooleanField(_("has a state partner"), default=False)
    coordinated = models.BooleanField(
        _("has a state partner or is aligned with a national framework"), default=False
    )
    description = models.TextField(_("description"), blank=True)
    messages = models.TextField(_("counter-narrative messages"), blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = PreventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["status", "kind"], name="initiative_status_kind")]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"initiative {self.pk}"

    def get_target_groups_display(self) -> list[str]:
        labels = dict(TargetGroup.choices)
        return [str(labels.get(value, value)) for value in self.target_groups]

    def get_frameworks_display(self) -> list[str]:
        labels = dict(Framework.choices)
        return [str(labels.get(value, value)) for value in self.frameworks]

    def get_channels_display(self) -> list[str]:
        labels = dict(Channel.choices)
        return [str(labels.get(value, value)) for value in self.channels]


class FunderKind(models.TextChoices):
    DONOR = "donor", _("Donor")
    GOVERNMENT = "government", _("Government")
    COMMUNITY = "community", _("Community")
    OWN = "own", _("Own funds")


class Grant(AuditedModel):
    """Money promised to an initiative for a period, in PKR."""

    initiative = models.ForeignKey(
        Initiative, verbose_name=_("initiative"), on_delete=models.CASCADE, related_name="grants"
    )
    funder_kind = models.CharField(_("funder"), max_length=12, choices=FunderKind.choices)
    funder_name = models.CharField(_("funder's name"), max_length=200, blank=True)
    amount = models.PositiveBigIntegerField(_("amount (PKR)"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    objects = PreventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["starts_on", "pk"]

    def audit_label(self) -> str:
        return f"grant {self.pk}"


class Disbursement(AuditedModel):
    """Money actually paid out under a grant."""

    grant = models.ForeignKey(
        Grant, verbose_name=_("grant"), on_delete=models.CASCADE, related_name="disbursements"
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.PositiveBigIntegerField(_("amount (PKR)"))

    objects = PreventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["paid_on", "pk"]

    def audit_label(self) -> str:
        return f"disbursement {self.pk}"


class ActivityKind(models.TextChoices):
    SESSION = "session", _("Session or workshop")
    TRAINING = "training", _("Training course")
    CAMPAIGN = "campaign", _("Campaign")
    EVENT = "event", _("Event")
    BROADCAST = "broadcast", _("Broadcast")
    MEETING = "meeting", _("Network meeting")


# The reach fields: sex × age band (youth = 15–29).
REACH_FIELDS = (
    "female_under_15",
    "female_youth",
    "female_30_plus",
    "male_under_15",
    "male_youth",
    "male_30_plus",
)


class Activity(AuditedModel):
    """One thing an initiative did, on a date, in a place, and whom it reached."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    held_on = models.DateField(_("held on"))
    district = models.ForeignKey(
        "geography.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=12, choices=ActivityKind.choices)
    channel = models.CharField(_("channel"), max_length=14, choices=Channel.choices)
    female_under_15 = models.PositiveIntegerField(_("girls under 15"), default=0)
    female_youth = models.PositiveIntegerField(_("young women (15–29)"), default=0)
    female_30_plus = models.PositiveIntegerField(_("women 30 and over"), default=0)
    male_under_15 = models.PositiveIntegerField(_("boys under 15"), default=0)
    male_youth = models.PositiveIntegerField(_("young men (15–29)"), default=0)
    male_30_plus = models.PositiveIntegerField(_("men 30 and over"), default=0)
    reach = models.PositiveIntegerField(_("people reached"), default=0)

    objects = PreventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["district", "held_on"], name="activity_district_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    reach=models.F("female_under_15")
                    + models.F("female_youth")
                    + models.F("female_30_plus")
                    + models.F("male_under_15")
                    + models.F("male_youth")
                    + models.F("male_30_plus")
                ),
                name="activity_reach_adds_up",
            )
        ]

    def audit_label(self) -> str:
        return f"activity {self.pk}"

    @property
    def women(self) -> int:
        return self.female_under_15 + self.female_youth + self.female_30_plus

    @property
    def youth(self) -> int:
        return self.female_youth + self.male_youth


class ActivityDay(AuditedModel):
    """The activities of one district on one day, summed: kept by ``record_activity`` in
    the same transaction as the activity (the only way an activity is written), so the gap
    analysis sums a year's reach from at most 366 rows per district instead of every
    activity (``benchmarks/bench_gaps.py``: 1,000,000 activities)."""

    district = models.ForeignKey(
        "geography.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("day"))
    activities = models.PositiveIntegerField(_("activities"), default=0)
    female_under_15 = models.PositiveBigIntegerField(_("girls under 15"), default=0)
    female_youth = models.PositiveBigIntegerField(_("young women (15–29)"), default=0)
    female_30_plus = models.PositiveBigIntegerField(_("women 30 and over"), default=0)
    male_under_15 = models.PositiveBigIntegerField(_("boys under 15"), default=0)
    male_youth = models.PositiveBigIntegerField(_("young men (15–29)"), default=0)
    male_30_plus = models.PositiveBigIntegerField(_("men 30 and over"), default=0)
    reach = models.PositiveBigIntegerField(_("people reached"), default=0)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activities of a district's day")
        verbose_name_plural = _("activities of districts' days")
        constraints = [
            models.UniqueConstraint(fields=["held_on", "district"], name="activity_day_unique")
        ]

    def audit_label(self) -> str:
        return f"activity day {self.district_id} {self.held_on}"


class Indicator(AuditedModel):
    """A need indicator the coordinator defines (population, returnees, literacy, ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    higher_is_need = models.BooleanField(
        _("a higher value means more need"),
        default=True,
        help_text=_("Literacy, for one, is the opposite: less literacy, more need."),
    )

    objects = PreventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"indicator {self.code}"


class DistrictValue(AuditedModel):
    """One indicator's value for one district and year (a district profile's row)."""

    district = models.ForeignKey(
        "geography.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)

    objects = PreventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("district indicator value")
        verbose_name_plural = _("district indicator values")
        ordering = ["district", "indicator", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "indicator", "year"], name="district_value_once"
            )
        ]

    def audit_label(self) -> str:
        return f"district value {self.pk}"


class DriverCount(AuditedModel):
    """How many of a district's cases had a factor judged primary or secondary in their
    latest factors assessment: an aggregate refreshed from the assessments app, so the gap
    analysis never opens a sealed answer (``services.refresh_driver_counts``)."""

    district = models.ForeignKey(
        "geography.District", verbose_name=_("district"), on_delete=models.CASCADE, related_name="+"
    )
    factor = models.CharField(_("factor"), max_length=60)
    label = models.CharField(_("label"), max_length=200)
    cases = models.PositiveIntegerField(_("cases"))
    assessed = models.PositiveIntegerField(_("cases with a factors assessment"))

    objects = PreventionQuerySet.as_manager()

    class Meta:
        verbose_name = _("driver count")
        verbose_name_plural = _("driver counts")
        constraints = [
            models.UniqueConstraint(fields=["district", "factor"], name="driver_count_once")
        ]

    def audit_label(self) -> str:
        return f"driver count {self.pk}"


class CallerKind(models.TextChoices):
    PARENT = "parent", _("Parent")
    RELATIVE = "relative", _("Other relative")
    TEACHER = "teacher", _("Teacher")
    IMAM = "imam", _("Imam or religious scholar")
    FRIEND = "friend", _("Friend or neighbour")
    OTHER = "other", _("Someone else")


class Concern(models.TextChoices):
    ONLINE = "online_content", _("Extremist content online")
    BEHAVIOUR = "changed_behaviour", _("Sudden change of behaviour or views")
    RECRUITERS = "recruiter_contact", _("Contact with recruiters")
    TRAVEL = "travel", _("Plans to travel or leave")
    RETURN = "returning_relative", _("A relative returning home")
    STIGMA = "stigma", _("Stigma towards the family")
    OTHER = "other", _("Other")


class ReferralKind(models.TextChoices):
    NONE = "none", _("No referral")
    SERVICE = "service", _("Referred to a service")
    PROGRAMME = "programme", _("Referred to a programme")


class AdviceContact(SealedRow, AuditedModel):
    """One contact with the family advice line. Anonymous by default: who called is kept
    only if the caller agrees, sealed at rest. It never becomes a case on its own."""

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset(
        {"sealed_caller", "advice", "referred_to"}
    )
    sealed_fields: ClassVar[dict[str, str]] = {"sealed_caller": "prevention.advicecontact.caller"}

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("advice line"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contacted_on = models.DateField(_("contacted on"))
    district = models.ForeignKey(
        "geography.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    caller_kind = models.CharField(_("caller"), max_length=10, choices=CallerKind.choices)
    concern = models.CharField(_("concern"), max_length=20, choices=Concern.choices)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    sealed_caller = models.TextField(_("caller's name and contact (sealed)"), blank=True)
    advice = models.TextField(_("advice given"))
    referral = models.CharField(
        _("referral"), max_length=10, choices=ReferralKind.choices, default=ReferralKind.NONE
    )
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)

    objects = AdviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("advice-line contact")
        verbose_name_plural = _("advice-line contacts")
        ordering = ["-contacted_on", "-pk"]

    def audit_label(self) -> str:
        return f"advice contact {self.pk}"


# --- anonymous trust and stigma surveys ------------------------------------------------------


class SurveyQuerySet(PreventionQuerySet):
    resource = "prevention_survey"


class Measure(models.TextChoices):
    """What a survey round measures: each a domain of the survey instrument whose rating
    items score it (the first choice 0, the last 100)."""

    TRUST_PROGRAMME = "trust_programme", _("Trust in the programme")
    TRUST_GOVERNMENT = "trust_government", _("Trust in local government")
    TRUST_INITIATIVE = "trust_initiative", _("Trust in the initiative")
    STIGMA = "stigma", _("Perceived stigma towards returnees")


TRUST_MEASURES = (Measure.TRUST_PROGRAMME, Measure.TRUST_GOVERNMENT, Measure.TRUST_INITIATIVE)


class RespondentGroup(models.TextChoices):
    """The only thing said of a respondent, for a breakdown shown at or above the minimum."""

    WOMEN = "women", _("Women")
    MEN = "men", _("Men")
    NOT_SAID = "not_said", _("Not said")


class SurveyRound(AuditedModel):
    """One anonymous trust and stigma survey of one community over a period, asked with a
    published survey instrument. The running sums per measure are kept here by the services
    as responses come in, so trends and the gap analysis read one row per round."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        "geography.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    instrument_version = models.ForeignKey(
        "assessments.InstrumentVersion",
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    planned_sample = models.PositiveIntegerField(_("planned sample"), null=True, blank=True)
    is_open = models.BooleanField(_("taking responses"), default=True)
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    # {measure: [sum of scores 0-100, number of scored answers]}
    tallies = models.JSONField(_("running sums per measure"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-ends_on", "-pk"]
        indexes = [models.Index(fields=["district", "ends_on"], name="survey_round_district")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="survey_round_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.starts_on:%Y-%m}"

    def audit_label(self) -> str:
        return f"survey round {self.pk}"


class SurveyResponse(AuditedModel):
    """One respondent's answers, with no identity: no person, no name, no free text, no
    date of its own; only the round, the respondent group and the choices or numbers the
    survey instrument allows (its identifying item types are refused)."""

    round = models.ForeignKey(
        SurveyRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="responses"
    )
    group = models.CharField(
        _("respondent"),
        max_length=10,
        choices=RespondentGroup.choices,
        default=RespondentGroup.NOT_SAID,
    )
    answers = models.JSONField(_("answers"), default=dict)
    scores = models.JSONField(_("scores per measure"), default=dict)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def audit_label(self) -> str:
        return f"survey response {self.pk}"
