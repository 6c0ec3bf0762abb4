"""Programmes: a pathway configured as data, so centre, prison and community models are all
expressible without code (DESIGN.md §1, §4)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.organisations.models import OrganisationKind
from bahali.programmes.querysets import ProgrammeQuerySet


class ProgrammeModel(models.TextChoices):
    CENTRE = "centre", _("Centre-based")
    PRISON = "prison", _("Prison-based")
    COMMUNITY = "community", _("Community-based")


class Translated(models.Model):
    """Names in English, Urdu and Pashto; ``label`` picks the one for the active language."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_ur = models.CharField(_("name (Urdu)"), max_length=120, blank=True)
    name_ps = models.CharField(_("name (Pashto)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (get_language() or "en")[:2]
        return str(getattr(self, f"name_{language}", "") or self.name_en)


class Programme(Translated, AuditedModel):
    """A configured pathway run by a lead organisation in some districts.

    Phases, transitions and their gate rules are rows, edited by the programme's manager;
    ``version`` detects concurrent edits of the configuration.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    model = models.CharField(_("model"), max_length=16, choices=ProgrammeModel.choices)
    description = models.TextField(_("description"), blank=True)
    lead_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    districts = models.ManyToManyField(
        "geography.District", verbose_name=_("districts"), related_name="programmes", blank=True
    )
    aftercare_months = models.PositiveSmallIntegerField(_("aftercare length (months)"), default=12)
    pledge_at_enrolment = models.BooleanField(
        _("pledge required at enrolment"),
        default=False,
        help_text=_("Refuse enrolment until the renunciation of violence is on file."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Where the programme's legal basis or its participants' agreement asks for it, only the
    # people who consented to statistical use are counted in its anonymous figures.
    statistics_consent_required = models.BooleanField(
        _("statistical use needs consent"),
        default=False,
        help_text=_(
            "Count a person in indicators and releases only with their consent to statistical use."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name_en"]

    def audit_label(self) -> str:
        return self.code

    @property
    def entry_phase(self) -> Phase | None:
        return self.phases.filter(is_entry=True).order_by("order").first()


class Phase(Translated, AuditedModel):
    """One step of a programme's pathway. A final phase closes the case as completed."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="phases"
    )
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    is_entry = models.BooleanField(
        _("entry phase"), default=False, help_text=_("Cases are enrolled into this phase.")
    )
    is_final = models.BooleanField(
        _("final phase"), default=False, help_text=_("Reaching it completes the case.")
    )
    is_aftercare = models.BooleanField(_("aftercare phase"), default=False)
    requires_consent = models.BooleanField(_("participation consent required"), default=False)
    requires_pledge = models.BooleanField(_("pledge required"), default=False)
    instruments = models.JSONField(
        _("default instruments"),
        default=list,
        blank=True,
        help_text=_("Codes of the instruments normally used in this phase."),
    )
    reassess_every_days = models.PositiveSmallIntegerField(
        _("reassess progress every (days)"),
        null=True,
        blank=True,
        help_text=_("How often the progress assessment is repeated in this phase; empty: never."),
    )
    # A residential phase holds the person at a centre, in prison or at a halfway house:
    # the oversight body watches for stays longer than the programme expects.
    is_residential = models.BooleanField(
        _("residential phase"),
        default=False,
        help_text=_("The person lives at a centre, in prison or at a halfway house."),
    )
    expected_days = models.PositiveSmallIntegerField(
        _("expected length (days)"),
        null=True,
        blank=True,
        help_text=_("How long a stay in this phase is expected to last; empty: no limit."),
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["programme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="phase_code_unique"),
            models.UniqueConstraint(fields=["programme", "order"], name="phase_order_unique"),
        ]

    def audit_label(self) -> str:
        return f"{self.programme.code}:{self.code}"


class Transition(AuditedModel):
    """An allowed move between two phases and its gate rule.

    With no organisation kinds and no approvals required the move applies when requested;
    otherwise it waits for sign-offs: at least one approval from each kind in
    ``required_kinds`` and ``approvals_required`` approvals in all, and, when
    ``objection_blocks``, no objection left unanswered.
    """

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_phase = models.ForeignKey(
        Phase, verbose_name=_("from"), on_delete=models.CASCADE, related_name="transitions_out"
    )
    to_phase = models.ForeignKey(
        Phase, verbose_name=_("to"), on_delete=models.CASCADE, related_name="transitions_in"
    )
    required_kinds = models.JSONField(
        _("organisation kinds that must approve"), default=list, blank=True
    )
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=0)
    objection_blocks = models.BooleanField(_("an objection blocks until answered"), default=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["programme", "from_phase__order", "to_phase__order"]
        constraints = [
            models.UniqueConstraint(fields=["from_phase", "to_phase"], name="transition_unique")
        ]

    def __str__(self) -> str:
        return f"{self.from_phase.label} → {self.to_phase.label}"

    def audit_label(self) -> str:
        return f"{self.programme.code}:{self.from_phase.code}->{self.to_phase.code}"

    @property
    def is_gate(self) -> bool:
        return bool(self.required_kinds) or self.approvals_required > 0

    @property
    def required_kind_labels(self) -> list[Any]:
        labels = dict(OrganisationKind.choices)
        return [labels.get(kind, kind) for kind in self.required_kinds]
