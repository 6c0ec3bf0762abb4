"""The receiving community's side of reintegration: its reintegration committee (who sits
on it, so that women and youth are seen to be there, or flagged when they are not), and the
dialogues — jirgas and community meetings — it holds (DESIGN.md §3, "Community, Committee,
Dialogue").

Support reaches the community too, not only the returnee (IDDRS 4.30's dual targeting):
community-benefit support is tied to a case's placement in its receiving community, and the
share of a programme's support reaching community members is shown beside the returnees'.

A committee is the community's face in Bahali: its organisation (of the community committee
kind) is what cases name as their receiving committee, signs the gates towards the
community, and scopes what its members see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.cases.querysets import CaseRowQuerySet
from bahali.casework.models import SupportStatus
from bahali.communities.querysets import CommunityQuerySet
from bahali.core.models import AuditedModel
from bahali.organisations.models import OrganisationKind


class Committee(AuditedModel):
    """A community's reintegration committee, acting through its organisation."""

    community = models.OneToOneField(
        "geography.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="committee",
    )
    organisation = models.OneToOneField(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="committee",
        limit_choices_to={"kind": OrganisationKind.COMMUNITY_COMMITTEE},
    )
    formed_on = models.DateField(_("formed on"))

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("reintegration committee")
        verbose_name_plural = _("reintegration committees")
        ordering = ["community__name"]

    def __str__(self) -> str:
        return str(self.organisation)

    def audit_label(self) -> str:
        return f"committee {self.pk} ({self.organisation.name})"


class MemberRole(models.TextChoices):
    ELDER = "elder", _("Elder")
    RELIGIOUS_LEADER = "religious_leader", _("Religious leader")
    WOMEN = "womens_representative", _("Women's representative")
    YOUTH = "youth_representative", _("Youth representative")
    TEACHER = "teacher", _("Teacher")
    LOCAL_OFFICIAL = "local_official", _("Local official")
    VICTIMS = "victims_representative", _("Victims' representative")


class MemberSex(models.TextChoices):
    MALE = "m", _("Man")
    FEMALE = "f", _("Woman")


class MemberAge(models.TextChoices):
    YOUTH = "youth", _("Youth (under 30)")
    ADULT = "adult", _("30–59")
    SENIOR = "senior", _("60 and over")


class CommitteeMember(AuditedModel):
    """Someone sitting on a committee, in a role; leaving keeps the history."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=24, choices=MemberRole.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=MemberSex.choices)
    age_band = models.CharField(_("age band"), max_length=8, choices=MemberAge.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def audit_label(self) -> str:
        return f"committee {self.committee_id} · member {self.pk} ({self.role})"


class DialogueKind(models.TextChoices):
    JIRGA = "jirga", _("Jirga")
    COMMUNITY_MEETING = "community_meeting", _("Community meeting")
    WOMENS_MEETING = "womens_meeting", _("Women's meeting")
    YOUTH_MEETING = "youth_meeting", _("Youth meeting")
    VICTIMS_MEETING = "victims_meeting", _("Meeting with victims' families")


# Attendance fields: (field name, sex, youth?) — counted by sex and age band.
ATTENDANCE_FIELDS = (
    ("men", "m", False),
    ("women", "f", False),
    ("young_men", "m", True),
    ("young_women", "f", True),
)


class Dialogue(AuditedModel):
    """A jirga or community meeting: who came (by sex and age band), what was decided, what
    follows, and by when."""

    community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="dialogues",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DialogueKind.choices)
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    facilitator = models.CharField(_("facilitator"), max_length=200)
    men = models.PositiveIntegerField(_("men (30 and over)"), default=0)
    women = models.PositiveIntegerField(_("women (30 and over)"), default=0)
    young_men = models.PositiveIntegerField(_("young men (under 30)"), default=0)
    young_women = models.PositiveIntegerField(_("young women (under 30)"), default=0)
    decisions = models.TextField(_("decisions"), blank=True)
    follow_ups = models.TextField(_("follow-ups"), blank=True)
    follow_up_by = models.DateField(_("follow-ups due"), null=True, blank=True)
    follow_ups_done_on = models.DateField(_("follow-ups done"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("dialogue")
        verbose_name_plural = _("dialogues")
        ordering = ["community", "-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.held_on}"

    def audit_label(self) -> str:
        return f"community {self.community_id} · dialogue {self.pk}"

    @property
    def follow_ups_overdue(self) -> bool:
        from django.utils import timezone

        return (
            self.follow_up_by is not None
            and self.follow_ups_done_on is None
            and self.follow_up_by < timezone.localdate()
        )

    @property
    def total(self) -> int:
        return self.men + self.women + self.young_men + self.young_women

    @property
    def female(self) -> int:
        return self.women + self.young_women

    @property
    def youth(self) -> int:
        return self.young_men + self.young_women


class BenefitKind(models.TextChoices):
    LIVELIHOOD_GRANT = "livelihood_grant", _("Livelihood grant for community members")
    SKILLS_TRAINING = "skills_training", _("Skills training for community members")
    INFRASTRUCTURE = "infrastructure", _("Community infrastructure")
    COMMUNITY_SERVICE = "community_service", _("Community health or education service")
    COHESION = "cohesion", _("Social cohesion activity")


class CommunityBenefit(AuditedModel):
    """Support given to the receiving community because a returnee is placed there, in PKR:
    a livelihood grant for its members, training, a repaired school. Support for returnees
    alone deepens resentment (IDDRS 4.30), so a programme's support is counted both ways.

    It belongs to the case whose placement it accompanies (and is scoped through it) and
    names the community it went to, kept even if the case is later placed elsewhere.
    """

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="community_benefits",
    )
    community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="benefits",
    )
    kind = models.CharField(_("type"), max_length=20, choices=BenefitKind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount (PKR)"), max_digits=12, decimal_places=2)
    beneficiaries = models.PositiveIntegerField(_("community members reached"))
    provided_on = models.DateField(_("date"))
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("providing organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SupportStatus.choices, default=SupportStatus.PLANNED
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

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("community-benefit support")
        verbose_name_plural = _("community-benefit support")
        ordering = ["case", "-provided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.amount} PKR"

    def audit_label(self) -> str:
        return f"case {self.case_id} · community benefit {self.pk} ({self.kind}, {self.status})"
