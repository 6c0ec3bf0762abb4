"""Cases: a participant's enrolment in a programme, worked by a team from several
organisations, moved along the pathway only through gates that several kinds sign."""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bahali.cases.querysets import CaseQuerySet, CaseRowQuerySet
from bahali.core.models import AuditedModel
from bahali.organisations.models import OrganisationKind


class ReferralSource(models.TextChoices):
    SECURITY_FORCES = "security_forces", _("Security forces")
    POLICE = "police", _("Police")
    PRISON = "prison", _("Prison or court")
    FAMILY = "family", _("Family")
    SELF = "self", _("Self-referral")
    COMMUNITY = "community", _("Community or elders")
    CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")
    OTHER = "other", _("Other")


class RiskBand(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


class Closure(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXITED = "exited", _("Exited")
    TRANSFERRED = "transferred", _("Transferred")


class CaseRole(models.TextChoices):
    LEAD_CASE_WORKER = "lead_case_worker", _("Lead case worker")
    CASE_WORKER = "case_worker", _("Case worker")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    RELIGIOUS_SCHOLAR = "religious_scholar", _("Religious scholar")
    TRAINER = "trainer", _("Vocational trainer / teacher")
    MENTOR = "mentor", _("Mentor")


class Case(AuditedModel):
    """One participant in one programme: where they are on the pathway and who works with them.

    ``district`` is where the case is worked (the scope of programme managers and security
    liaisons); ``receiving_committee`` is the community committee that takes part in the
    gates towards the community and sees the case summary.
    """

    # A stored copy of what is due next, derived from the case's rows (``cases.due``).
    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset({"next_due_on", "reassess_on"})

    participant = models.ForeignKey(
        "registry.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    phase = models.ForeignKey(
        "programmes.Phase", verbose_name=_("phase"), on_delete=models.PROTECT, related_name="+"
    )
    phase_entered_on = models.DateField(_("in this phase since"))
    lead_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    district = models.ForeignKey(
        "geography.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    referral_source = models.CharField(
        _("referral source"), max_length=20, choices=ReferralSource.choices
    )
    referred_by = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("referred by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_cases",
    )
    receiving_community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("receiving community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    receiving_committee = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("receiving community's committee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_cases",
        limit_choices_to={"kind": OrganisationKind.COMMUNITY_COMMITTEE},
    )
    risk_band = models.CharField(
        _("risk band"), max_length=10, choices=RiskBand.choices, blank=True
    )
    opened_on = models.DateField(_("enrolled on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure = models.CharField(_("closure"), max_length=12, choices=Closure.choices, blank=True)
    closure_note = models.TextField(_("closure note"), blank=True)
    # the earliest date among the case's open obligations, kept by bahali.cases.due
    next_due_on = models.DateField(_("next due"), null=True, blank=True, editable=False)
    # when the next progress assessment is due by the phase's schedule, kept the same way
    reassess_on = models.DateField(_("reassessment due"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_on", "-pk"]
        indexes = [
            models.Index(fields=["programme", "phase"], name="case_programme_phase"),
            # covers the programme, the key and the risk band too: counting a district-scoped
            # list (filtered by risk band, or joined to pending requests) reads only the index
            models.Index(
                fields=["district", "closed_on"],
                include=["programme", "id", "risk_band"],
                name="case_district_open_cover",
            ),
            models.Index(fields=["-opened_on", "-id"], name="case_recent"),
            # open cases by phase and risk band (the liaison's and the analyst's home figures),
            # within a district or an office's referrals, from the index alone
            models.Index(
                fields=["phase", "risk_band"],
                include=["district", "referred_by"],
                condition=models.Q(closed_on__isnull=True),
                name="case_open_phase_cover",
            ),
            # the list's default (open cases, newest first), its count and a deep page's keys
            # for a district-scoped user, from the index alone
            models.Index(
                fields=["-opened_on", "-id"],
                include=["district", "programme"],
                condition=models.Q(closed_on__isnull=True),
                name="case_open_recent_cover",
            ),
            # the overdue filter and its count, per district, from the index alone
            models.Index(
                fields=["district", "next_due_on"],
                condition=models.Q(next_due_on__isnull=False),
                name="case_district_due",
            ),
            # the programme manager's dashboard: open cases by district, programme and phase
            # with their next due date (the funnel, overdue work), from the index alone
            models.Index(
                fields=["district", "programme", "phase"],
                include=["next_due_on", "id"],
                condition=models.Q(closed_on__isnull=True),
                name="case_open_work",
            ),
            # the oversight report's long residential stays: open cases in a phase since
            # before a date, counted and ordered from the index alone
            models.Index(
                fields=["phase", "phase_entered_on"],
                condition=models.Q(closed_on__isnull=True),
                name="case_open_phase_since",
            ),
            # reassessments falling due on open cases, soonest first (My work), from the
            # index alone: a mentor's six soonest of 785 in 7 ms, not 70 (22,000 rows read)
            models.Index(
                fields=["reassess_on", "id"],
                condition=models.Q(reassess_on__isnull=False, closed_on__isnull=True),
                name="case_reassess_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant.code} · {self.programme.code}"

    def audit_label(self) -> str:
        return f"case {self.pk} ({self.participant.code})"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def days_in_phase(self) -> int:
        end = self.closed_on or timezone.localdate()
        return max(0, (end - self.phase_entered_on).days)

    @property
    def is_overdue(self) -> bool:
        return self.next_due_on is not None and self.next_due_on < timezone.localdate()


class TeamMember(AuditedModel):
    """A member of an organisation working on a case, in a case role; leaving keeps history."""

    # A stored copy of the place's earliest goal review, derived (``cases.due``).
    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset({"reviews_from"})

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="team"
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="case_teams",
    )
    case_role = models.CharField(_("case role"), max_length=20, choices=CaseRole.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # the earliest review date of the open plan goals this place answers for, kept by
    # cases.due with the case's dates: a member's plan reviews due start from their few
    # places with one, not from every open goal due (``casework.services.reviews_due_for``)
    reviews_from = models.DateField(_("reviews from"), null=True, blank=True, editable=False)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["case", "joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "membership"],
                condition=models.Q(left_on__isnull=True),
                name="team_member_once",
            )
        ]
        # the team scope reads this; migration 0003 also keeps statistics per membership
        indexes = [
            models.Index(fields=["membership", "left_on"], name="team_by_membership"),
            # A member's current places with their cases, read from the index alone: every
            # team-scoped list starts here ("My work" of a psychologist on 5,000 teams read
            # them in 0.4 ms instead of 100 ms of table reads on the 200,000-case database),
            # with the place's role (the check-ins due: a case worker's or mentor's places).
            models.Index(
                fields=["membership", "case"],
                include=["case_role"],
                name="team_places_with_role",
                condition=models.Q(left_on__isnull=True),
            ),
            models.Index(
                fields=["membership", "reviews_from"],
                name="team_places_reviews_from",
                condition=models.Q(left_on__isnull=True, reviews_from__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} ({self.get_case_role_display()})"

    def audit_label(self) -> str:
        return f"case {self.case_id} · {self.membership.user.username} · {self.case_role}"


class TransitionRequest(AuditedModel):
    """Someone on the team asks to move the case along a transition; the gate decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for sign-offs")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="transition_requests"
    )
    transition = models.ForeignKey(
        "programmes.Transition",
        verbose_name=_("transition"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("overridden by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    override_reference = models.CharField(_("override document"), max_length=200, blank=True)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("transition request")
        verbose_name_plural = _("transition requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_case",
            )
        ]
        indexes = [
            # "waiting too long" (the overdue filter) and a member's sign-off queue, oldest
            # first, from the index alone (the queue's scope asks for the case and the
            # transition: with them in the index, a mentor's queue on 200,000 cases read
            # 15,000 pending rows from the table in 80 ms; now 15 ms)
            models.Index(
                fields=["created_at", "id"],
                include=["case", "transition"],
                condition=models.Q(status="pending"),
                name="request_pending_queue",
            ),
            # a requester's pending requests (My work: the objections to answer)
            models.Index(
                fields=["requested_by"],
                condition=models.Q(status="pending"),
                name="request_pending_by_requester",
            ),
            # the oversight body's gate figures: decided this quarter
            models.Index(fields=["decided_at"], name="request_decided_at"),
            # the civilian-participation ledger lists the applied decisions, latest first
            models.Index(
                fields=["-decided_at", "-id"],
                condition=models.Q(status="applied"),
                name="request_applied_latest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.transition}"

    @property
    def is_overridden(self) -> bool:
        return self.overridden_by_id is not None


class SignOff(AuditedModel):
    """One organisation's decision on a transition request: approve, or object with a reason.

    An objection stays open until the requester answers it or the objector withdraws it.
    """

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        OBJECT = "object", pgettext_lazy("sign-off decision", "Object")

    class ObjectionState(models.TextChoices):
        NONE = "", _("—")
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    request = models.ForeignKey(
        TransitionRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="sign_offs",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation_kind = models.CharField(
        _("organisation kind"), max_length=32, choices=OrganisationKind.choices
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    objection = models.CharField(
        _("objection"), max_length=10, choices=ObjectionState.choices, blank=True
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organisation"], name="one_sign_off_per_organisation"
            ),
            # one organisation decides for each kind the gate names: a second centre cannot
            # add its approval to the first one's, nor overturn it
            models.UniqueConstraint(
                fields=["request", "organisation_kind"], name="one_sign_off_per_kind"
            ),
        ]
        indexes = [  # open objections (a few hundred among hundreds of thousands)
            models.Index(
                fields=["request"],
                condition=models.Q(objection="open"),
                name="sign_off_open_objection",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_decision_display()}"


class PhaseChange(AuditedModel):
    """The phase history: every move, how it came about (gate, override, enrolment, closure)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="phase_changes"
    )
    from_phase = models.ForeignKey(
        "programmes.Phase",
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_phase = models.ForeignKey(
        "programmes.Phase",
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closure = models.CharField(_("closure"), max_length=12, choices=Closure.choices, blank=True)
    changed_on = models.DateField(_("date"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    request = models.ForeignKey(
        TransitionRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")
        ordering = ["changed_on", "pk"]
        indexes = [
            # the cases that ever entered a phase (the aftercare phases: who returned, the
            # recidivism figure's denominator), from the index alone: without it, every phase
            # change in the country was read (0.1 s of the aftercare dashboard's counts)
            models.Index(fields=["to_phase"], include=["case"], name="phasechange_to_phase_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_phase_id} → {self.to_phase_id or self.closure}"


class EmergencyAccess(AuditedModel):
    """Break-the-glass (issue 14, item 3): a member who is not on a case's team opens it for
    an urgent, legitimate need (a threat to life), stating why. For a limited time
    (``BAHALI_EMERGENCY_ACCESS_HOURS``) the membership reaches the case as its team does
    (``cases.scopes``); the team sees it on the case, a data steward of the case's lead
    organisation reviews it, and the oversight body counts it. Without one, the case does not
    exist for that user (404)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    membership = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="emergency_accesses",
    )
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField(_("opened at"))
    expires_at = models.DateTimeField(_("until"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(_("review"), blank=True)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-opened_at", "-pk"]
        # the team scope asks for a membership's accesses still running
        indexes = [models.Index(fields=["membership", "expires_at"], name="emergency_by_member")]

    def __str__(self) -> str:
        return f"{self.membership.user} · {self.case_id}"

    def audit_label(self) -> str:
        return f"case {self.case_id} · {self.membership.user.username} · emergency access"

    def is_running(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at > (now or timezone.now())
