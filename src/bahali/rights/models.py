"""Rights red flags for the oversight body (issue 14, item 7): situations the research warns
deradicalisation programmes fall into — a residential stay nobody reviews, a child among
adults, participation without consent, a pledge under pressure, a complaint of mistreatment
left unanswered, a returnee nobody visits — computed daily from the records the other apps
keep and stored, so the oversight body's page reads them at once.

A flag names a case or participant by its pseudonymous code and holds, in clear, only the
numbers that explain it (days, limits): never a name, never what a note or an answer says.
Flags are derived data, rebuilt by :func:`bahali.rights.services.compute_red_flags`; the run
itself is audited (one event with its counts), the rows are not.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.rights.querysets import RedFlagQuerySet


class FlagKind(models.TextChoices):
    LONG_RESIDENTIAL_STAY = "long_residential_stay", _("Residential stay past its expected length")
    JUVENILE_IN_ADULT_PROGRAMME = (
        "juvenile_in_adult_programme",
        _("A juvenile in an adult programme"),
    )
    NO_CONSENT_OR_PLEDGE = "no_consent_or_pledge", _("Past intake without consent or pledge")
    PLEDGE_UNDER_PRESSURE = "pledge_under_pressure", _("Pledge on file although pressure was noted")
    GRIEVANCE_NOT_ACKNOWLEDGED = (
        "grievance_not_acknowledged",
        _("Mistreatment grievance not acknowledged in time"),
    )
    NO_AFTERCARE_CONTACT = "no_aftercare_contact", _("No contact for longer than aftercare allows")


class RedFlag(models.Model):
    """One situation found by the last computation. ``first_seen_on`` survives recomputation
    while the situation lasts, so the oversight body sees how long it has been going on."""

    kind = models.CharField(_("red flag"), max_length=32, choices=FlagKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    participant = models.ForeignKey(
        "registry.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    grievance = models.ForeignKey(
        "grievances.Grievance",
        verbose_name=_("grievance"),
        on_delete=models.CASCADE,
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
    since = models.DateField(_("since"), help_text=_("When the situation began."))
    detail = models.JSONField(_("figures"), default=dict, blank=True)
    first_seen_on = models.DateField(_("first found on"))
    computed_on = models.DateField(_("last found on"))

    objects = RedFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("red flag")
        verbose_name_plural = _("red flags")
        ordering = ["kind", "since", "pk"]
        indexes = [models.Index(fields=["kind", "since"], name="red_flag_kind_since")]

    def __str__(self) -> str:
        return f"{self.kind} · {self.case_id or self.grievance_id or self.participant_id}"

    @property
    def key(self) -> tuple[str, int | None, int | None, int | None]:
        """What makes a flag the same one from one day's computation to the next."""
        return (self.kind, self.case_id, self.participant_id, self.grievance_id)


class FlagRun(models.Model):
    """One computation of the red flags: when, started how, and how many of each were found."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    source = models.CharField(_("started by"), max_length=20)
    counts = models.JSONField(_("flags found"), default=dict)

    class Meta:
        verbose_name = _("red-flag computation")
        verbose_name_plural = _("red-flag computations")
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M}"
