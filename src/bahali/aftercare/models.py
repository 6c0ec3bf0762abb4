"""Aftercare: scheduled check-ins after return, and outcome events — good and bad — recorded
honestly, with their source and verification (DESIGN.md §3, "Check-in", "Outcome event").

Both belong to a case and are scoped through it by ``accounts.policies``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.cases.querysets import CaseRowQuerySet
from bahali.core.models import AuditedModel


class CheckInMethod(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    COMMUNITY_REPORT = "community_report", _("Community report")


class Wellbeing(models.TextChoices):
    GOOD = "good", _("Doing well")
    FAIR = "fair", _("Managing, some difficulties")
    POOR = "poor", _("Struggling")


# The warning indicators of a check-in: field name and label, in the order shown.
WARNING_FIELDS: tuple[tuple[str, Any], ...] = (
    ("lost_job", _("Lost job or income")),
    ("renewed_contact", _("Renewed contact with group members")),
    ("threats_received", _("Threats received")),
    ("family_conflict", _("Family conflict")),
    ("stigma_incident", _("Stigma incident")),
)


class CheckIn(AuditedModel):
    """One aftercare contact, planned from the programme's schedule (or added after a warning)
    and then recorded: how it was made, how the person is doing, warning signs, what follows.

    Planned and not yet recorded once ``due_on`` has passed, it is overdue: an alert in the
    team's "My work" and on the programme's aftercare dashboard.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="check_ins"
    )
    due_on = models.DateField(_("due on"))
    is_follow_up = models.BooleanField(_("follow-up after a warning"), default=False)
    done_on = models.DateField(_("held on"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=20, choices=CheckInMethod.choices, blank=True)
    wellbeing = models.CharField(
        _("wellbeing"), max_length=10, choices=Wellbeing.choices, blank=True
    )
    lost_job = models.BooleanField(_("lost job or income"), default=False)
    renewed_contact = models.BooleanField(_("renewed contact with group members"), default=False)
    threats_received = models.BooleanField(_("threats received"), default=False)
    family_conflict = models.BooleanField(_("family conflict"), default=False)
    stigma_incident = models.BooleanField(_("stigma incident"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    follow_up = models.TextField(_("follow-up actions"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A warning sign raises an alert for the team until one of them acknowledges it, once
    # the team has met (JOURNEYS.md 4.2).
    warning_acknowledged_at = models.DateTimeField(
        _("warning acknowledged at"), null=True, blank=True
    )
    warning_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("warning acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    warning_note = models.TextField(_("what the team agreed"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["case", "due_on", "pk"]
        indexes = [
            # overdue check-ins (My work, the case list's overdue filter, the dashboard)
            models.Index(
                fields=["due_on"],
                include=["case"],
                condition=models.Q(done_on__isnull=True),
                name="checkin_planned_due",
            ),
            # a team member's planned check-ins (My work), from their cases: counted from the
            # index alone, a few probes per case
            models.Index(
                fields=["case", "due_on"],
                include=["id"],
                condition=models.Q(done_on__isnull=True),
                name="checkin_planned_by_case",
            ),
            # the alerts (a warning sign no one acknowledged yet), oldest first, as the
            # dashboard lists and counts them: the same condition as ``warned()``
            models.Index(
                fields=["done_on", "id"],
                include=["case"],
                condition=models.Q(
                    models.Q(lost_job=True)
                    | models.Q(renewed_contact=True)
                    | models.Q(threats_received=True)
                    | models.Q(family_conflict=True)
                    | models.Q(stigma_incident=True),
                    done_on__isnull=False,
                    warning_acknowledged_at__isnull=True,
                ),
                name="checkin_open_warning",
            ),
            # the warning signs recorded lately, latest first, as the aftercare dashboard lists
            # them (acknowledged or not): without it, every check-in in the country was read
            models.Index(
                fields=["-done_on", "-id"],
                include=["case"],
                condition=models.Q(
                    models.Q(lost_job=True)
                    | models.Q(renewed_contact=True)
                    | models.Q(threats_received=True)
                    | models.Q(family_conflict=True)
                    | models.Q(stigma_incident=True),
                    done_on__isnull=False,
                ),
                name="checkin_warned_recent",
            ),
            # the scheduled check-ins due in a period, held or not, from the index alone (the
            # indicator "check-ins on time" and the dashboard's trend of it)
            models.Index(
                fields=["due_on"],
                include=["case", "done_on", "id"],
                condition=models.Q(is_follow_up=False),
                name="checkin_scheduled_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.due_on}"

    def audit_label(self) -> str:
        return f"case {self.case_id} · check-in {self.pk} (due {self.due_on})"

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def warnings(self) -> list[Any]:
        return [label for name, label in WARNING_FIELDS if getattr(self, name)]

    @property
    def alerts(self) -> bool:
        """Recorded with a warning sign that no one on the team has acknowledged yet."""
        return self.is_done and bool(self.warnings) and self.warning_acknowledged_at is None


def warned() -> models.Q:
    """Check-ins recorded with at least one warning sign."""
    condition = models.Q(pk__in=[])
    for name, _label in WARNING_FIELDS:
        condition |= models.Q(**{name: True})
    return condition & models.Q(done_on__isnull=False)


class OutcomeKind(models.TextChoices):
    RE_ARREST = "re_arrest", _("Re-arrest")
    RECONVICTION = "reconviction", _("Reconviction")
    RE_ENGAGEMENT = "re_engagement", _("Re-engagement with an armed group")
    VIOLENCE = "violence", _("Violence")
    EMPLOYMENT = "employment", _("Employment")
    EDUCATION = "education_completed", _("Education completed")
    FAMILY = "family_reunification", _("Family reunification")
    ACCEPTANCE = "community_acceptance", _("Community acceptance")


NEGATIVE_OUTCOMES = (
    OutcomeKind.RE_ARREST,
    OutcomeKind.RECONVICTION,
    OutcomeKind.RE_ENGAGEMENT,
    OutcomeKind.VIOLENCE,
)


class OutcomeSource(models.TextChoices):
    POLICE = "police", _("Police or security forces")
    COURT = "court", _("Court records")
    TEAM = "team", _("Case team")
    COMMITTEE = "committee", _("Community committee")
    FAMILY = "family", _("Family")
    PARTICIPANT = "participant", _("The participant")
    EMPLOYER = "employer", _("Employer or school")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class Verification(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    DISPROVED = "disproved", _("Disproved")


class OutcomeEvent(AuditedModel):
    """Something that happened after return, good or bad, with its source.

    Every event starts as reported; a programme manager verifies or disproves it. Only
    verified negative events count as recidivism; disproved ones stay on the record as such.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="outcomes"
    )
    kind = models.CharField(_("event"), max_length=24, choices=OutcomeKind.choices)
    occurred_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=12, choices=OutcomeSource.choices)
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    verification = models.CharField(
        _("verification"),
        max_length=10,
        choices=Verification.choices,
        default=Verification.REPORTED,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reporting_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("reporting organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("outcome event")
        verbose_name_plural = _("outcome events")
        ordering = ["case", "-occurred_on", "-pk"]
        indexes = [models.Index(fields=["kind", "verification"], name="outcome_kind_verified")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_on}"

    def audit_label(self) -> str:
        return f"case {self.case_id} · outcome {self.pk} ({self.kind}, {self.verification})"

    @property
    def is_negative(self) -> bool:
        return self.kind in NEGATIVE_OUTCOMES

    @property
    def counts_as_recidivism(self) -> bool:
        return self.is_negative and self.verification == Verification.VERIFIED
