"""Evidence: the recorded versions of indicator definitions.

The definitions themselves (name and definition in three languages, formula, denominator)
live in code (``bahali.evidence.indicators``); what the database keeps is *when each version
was registered and from when it counts*, as an audited row, with a fingerprint of the text
and formula it had. A version's row is never edited: a changed definition is a new version.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet

if TYPE_CHECKING:
    from bahali.core.context import Actor


class ResearchApprovalQuerySet(AuditedQuerySet):
    """Approvals, reached through the authorization module like every list."""

    def visible_to(self, user: Actor, verb: str = "read") -> Any:
        from bahali.accounts import policies

        return policies.filter_visible(self, user, "research_approval", verb)

    def in_force(self, on: datetime.date) -> Any:
        return self.filter(revoked_on__isnull=True, valid_from__lte=on, valid_until__gte=on)


class IndicatorVersion(AuditedModel):
    code = models.SlugField(_("indicator"), max_length=60)
    # not "version": that name is the stale-edit counter, which the audit trail leaves out
    number = models.PositiveIntegerField(_("version number"))
    effective_from = models.DateField(_("counts from"))
    name = models.CharField(_("name (English)"), max_length=200)
    definition = models.TextField(_("definition (English)"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator definition version")
        verbose_name_plural = _("indicator definition versions")
        ordering = ["code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["code", "number"], name="indicator_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.number}"


class Release(AuditedModel):
    """A published set of indicator tables and curves for a period: frozen, suppressed,
    signed with the audit chain's checkpoint of the moment it was made.

    ``content`` is the exact bytes given out (canonical JSON, UTF-8); ``verification`` the
    signed statement that binds its SHA-256 to the checkpoint. Neither is ever edited.
    """

    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    published_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"))
    content = models.TextField(_("content (frozen)"))
    content_sha256 = models.CharField(_("SHA-256"), max_length=64)
    verification = models.TextField(_("verification (signed)"))
    definitions_changed = models.BooleanField(_("a definition changed during the period"))

    # the frozen bytes are long; the trail keeps their digest (content_sha256) instead
    audit_ignored_fields = frozenset({"content", "verification"})
    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class RatingStanding(models.Model):
    """A stored figure behind the indicator "change in domain ratings": one completed
    progress assessment in force of a case, with its place in the case's series.

    The indicator compares, for each case, the first progress assessment in force with the
    latest one on the last day of the period. Reading that from the assessments means
    opening two sealed rating sets per case (a minute for 200,000 cases); this keeps the
    comparison's outcome instead, worked out once when an assessment is completed or
    corrected (``bahali.evidence.ratings``). ``until`` is the date of the case's next
    assessment in force, so the one that was latest on any day is found by dates alone.
    Derived data, rebuilt from the assessments at any time (``bahali evidence ratings``);
    it holds no rating, only whether each domain went down, stayed, or went up.
    """

    assessment = models.OneToOneField(
        "assessments.Assessment",
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    instrument_version = models.ForeignKey(
        "assessments.InstrumentVersion",
        verbose_name=_("instrument version"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    assessed_on = models.DateField(_("assessed on"))
    until = models.DateField(_("latest until"), null=True, blank=True)
    is_first = models.BooleanField(_("the case's first"))

    class Meta:
        verbose_name = _("stored rating comparison")
        verbose_name_plural = _("stored rating comparisons")
        indexes = [
            models.Index(
                fields=["assessed_on"],
                include=["case", "until"],
                condition=models.Q(is_first=False),
                name="rating_standing_later",
            ),
            models.Index(fields=["case"], name="rating_standing_case"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} · assessment {self.assessment_id}"


class RatingChange(models.Model):
    """How one rated domain moved between a case's first progress assessment in force and
    the one of ``standing``: -1 lower concern (improved), 0 the same, 1 higher (worse).
    A domain not rated in both has no row."""

    standing = models.ForeignKey(
        RatingStanding,
        verbose_name=_("stored rating comparison"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    domain = models.CharField(_("domain"), max_length=100)
    change = models.SmallIntegerField(_("change"))

    class Meta:
        verbose_name = _("stored domain rating change")
        verbose_name_plural = _("stored domain rating changes")
        indexes = [
            models.Index(fields=["standing"], include=["domain", "change"], name="rating_change_of")
        ]

    def __str__(self) -> str:
        return f"{self.domain}: {self.change}"


class CaseFigures(models.Model):
    """Stored per-case figures behind recidivism and "employment and education after
    return", one row per case that reached its programme's aftercare phase.

    Both read, for every case that returned, its day of return, its last contact and its
    first verified outcome events after return; found from the phase changes, check-ins and
    outcome events that is a correlated subquery per case over the whole caseload (12.7 s
    for 200,000 cases). Kept current by ``bahali.evidence.figures`` whenever one of those
    rows of the case is saved or deleted; derived data, rebuilt at any time
    (``bahali evidence figures``). The filters (programme, district, consent…) are applied
    when the figures are read, through the case, so none of them is stored here.
    """

    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    returned_on = models.DateField(_("returned to the community on"))
    last_contact_on = models.DateField(_("last check-in held on"), null=True, blank=True)
    behavioural_on = models.DateField(
        _("first verified behavioural negative outcome after return"), null=True, blank=True
    )
    negative_on = models.DateField(
        _("first verified negative outcome after return"), null=True, blank=True
    )
    employment_after = models.IntegerField(
        _("days from return to the first verified employment"), null=True, blank=True
    )
    education_after = models.IntegerField(
        _("days from return to the first verified education completed"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("stored case figures")
        verbose_name_plural = _("stored case figures")
        indexes = [models.Index(fields=["returned_on"], name="case_figures_returned")]

    def __str__(self) -> str:
        return f"case {self.case_id} · returned {self.returned_on}"


class PhaseStay(models.Model):
    """A stored stay in a phase: one move of a case into a phase (a phase change), the day of
    the case's next move (``left_on``, none while it is still there) and the days between.

    "People in each phase" and "median days in each phase" read each case's moves in order
    (a window over every phase change); this keeps that order worked out, so both are one
    grouped query. Kept current by ``bahali.evidence.figures`` whenever a phase change of the
    case is saved or deleted.
    """

    change = models.OneToOneField(
        "cases.PhaseChange",
        verbose_name=_("phase change"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    phase = models.ForeignKey(
        "programmes.Phase", verbose_name=_("phase"), on_delete=models.CASCADE, related_name="+"
    )
    entered_on = models.DateField(_("entered on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    days = models.IntegerField(_("days in the phase"), null=True, blank=True)

    class Meta:
        verbose_name = _("stored phase stay")
        verbose_name_plural = _("stored phase stays")
        indexes = [
            models.Index(fields=["case"], name="phase_stay_case"),
            models.Index(
                fields=["left_on"],
                include=["phase", "days", "case"],
                name="phase_stay_left",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} · phase {self.phase_id} from {self.entered_on}"


class ReassessmentFigure(models.Model):
    """A stored progress reassessment, as "reassessments on time" counts it: a completed
    progress assessment in force that follows an earlier one of the same case, in a phase
    that scheduled reassessments, with whether it was done by the date then due.

    The due date depends on the case's phases, its earlier assessment and its check-ins with
    warning signs; working it out for every case at each page view took 20 s over 200,000
    cases. Kept current by ``bahali.evidence.figures`` whenever an assessment, a phase
    change or a check-in of the case is saved or deleted (and a phase's interval edited).
    """

    assessment = models.OneToOneField(
        "assessments.Assessment",
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    assessed_on = models.DateField(_("assessed on"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"))

    class Meta:
        verbose_name = _("stored reassessment")
        verbose_name_plural = _("stored reassessments")
        indexes = [
            models.Index(fields=["assessed_on"], include=["case", "on_time"], name="reassess_on"),
            models.Index(fields=["case"], name="reassess_case"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} · {self.assessed_on}"


class GateDecision(models.Model):
    """A stored gate decision for the civilian-participation ledger: one row per transition
    request applied (``cases.TransitionRequest``), with its day and its sign-offs' facts.

    The ledger's shares read every applied decision of the period and, for each, whether a
    civilian organisation or the community committee approved it and whether anyone
    objected (three ``EXISTS`` over millions of sign-offs; 4–6 s over the national
    caseload). This keeps those facts worked out per decision, so the shares, the kinds
    that approved and the objections' ends are one grouped query. Kept current by
    ``bahali.evidence.figures`` whenever a request or a sign-off of the case is saved or
    deleted; derived data, rebuilt at any time (``bahali evidence figures``).
    """

    request = models.OneToOneField(
        "cases.TransitionRequest",
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    decided_on = models.DateField(_("decided on"))
    # the kinds of organisation that approved, sorted, separated by commas
    approved_by = models.CharField(_("approved by"), max_length=300, blank=True)
    civilian = models.BooleanField(_("a civilian organisation approved"))
    community = models.BooleanField(_("the community committee approved"))
    objected = models.BooleanField(_("an organisation objected"))
    overridden = models.BooleanField(_("overridden"))
    objections_open = models.PositiveIntegerField(_("objections still open"), default=0)
    objections_answered = models.PositiveIntegerField(_("objections answered"), default=0)
    objections_withdrawn = models.PositiveIntegerField(_("objections withdrawn"), default=0)

    class Meta:
        verbose_name = _("stored gate decision")
        verbose_name_plural = _("stored gate decisions")
        indexes = [models.Index(fields=["decided_on"], name="gate_decision_day")]

    def __str__(self) -> str:
        return f"request {self.request_id} · {self.decided_on}"


class SessionYear(models.Model):
    """The sessions a case attended (present) in one calendar year, by type of session.

    "Sessions per case" counts the present attendance of its period; over the national
    caseload that is two million rows for all time (1.4–3 s whatever the index). This keeps
    the count per case and year, so the period's whole years are read from a few hundred
    thousand rows and only its partial years from the attendance itself (the session's day
    and type are kept on each attendance row). Kept current by ``bahali.evidence.figures``
    whenever an attendance row of the case, or its session's day or type, changes; derived
    data, rebuilt at any time (``bahali evidence figures``). One column per type of session
    (``casework.SessionKind``).
    """

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the constraint's index (case, year) serves it
    )
    year = models.PositiveSmallIntegerField(_("year"))
    counselling = models.PositiveIntegerField(default=0)
    dialogue = models.PositiveIntegerField(default=0)
    education = models.PositiveIntegerField(default=0)
    vocational = models.PositiveIntegerField(default=0)
    life_skills = models.PositiveIntegerField(default=0)
    family = models.PositiveIntegerField(default=0)
    recreation = models.PositiveIntegerField(default=0)
    other = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("stored sessions of a year")
        verbose_name_plural = _("stored sessions of a year")
        constraints = [
            models.UniqueConstraint(fields=["case", "year"], name="session_year_once_per_case")
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} · {self.year}"


class ResearchApproval(AuditedModel):
    """A data steward's approval of one analyst for one study: the only way to the
    pseudonymised case-level research extract (``bahali.evidence.research``).

    Names the study (title, protocol and ethics approval references), the programmes it
    covers (each led by the approving steward's organisation), and the days it is valid;
    revocable at any time, with a reason. Granting and revoking go through
    ``evidence.services`` and are in the audit trail like every change of the row; each
    extract taken under it is an audit event naming it.
    """

    researcher = models.ForeignKey(
        "accounts.User",
        verbose_name=_("researcher"),
        on_delete=models.PROTECT,
        related_name="research_approvals",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("approving organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("study"), max_length=200)
    protocol = models.CharField(_("protocol reference"), max_length=100)
    ethics = models.CharField(_("ethics approval reference"), max_length=100)
    programmes = models.ManyToManyField(
        "programmes.Programme", verbose_name=_("programmes"), related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    approved_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.CharField(_("why it was revoked"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ResearchApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("research approval")
        verbose_name_plural = _("research approvals")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="research_approval_valid_span",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def in_force(self, on: datetime.date) -> bool:
        """Valid on ``on`` and not revoked."""
        return self.revoked_on is None and self.valid_from <= on <= self.valid_until
