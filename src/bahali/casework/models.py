"""Casework: the individual plan, sessions delivered, notes by sensitivity, the family strand,
mentoring and material support of a case (DESIGN.md §3).

Everything here belongs to one case (or, for group sessions, to several through their
attendance rows) and is scoped through the case by ``accounts.policies``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

from bahali.cases.querysets import CaseRowQuerySet
from bahali.casework.querysets import NoteQuerySet, SessionQuerySet
from bahali.core.models import AuditedModel
from bahali.core.sealing import Sealed, SealedRow


class Domain(models.TextChoices):
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    DIALOGUE = "dialogue", _("Ideological / religious dialogue")
    EDUCATION = "education", _("Education")
    VOCATIONAL = "vocational", _("Vocational")
    FAMILY = "family", _("Family")
    LIVELIHOOD = "livelihood", _("Livelihood")
    CIVIC = "civic", _("Civic")


class GoalStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DISCONTINUED = "discontinued", _("Discontinued")


OPEN_GOAL_STATUSES = (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS)


class Goal(AuditedModel):
    """One goal of a case's individual plan, answering a factor or need in one domain.

    Reviews move it along; ``review_on`` is when the next one is due (a work item for the
    responsible member, overdue once passed). ``version`` refuses lost updates when two
    people edit the plan at once.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="goals"
    )
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    title = models.CharField(_("goal"), max_length=200)
    interventions = models.TextField(_("interventions"), blank=True)
    responsible = models.ForeignKey(
        "cases.TeamMember",
        verbose_name=_("responsible team member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
    )
    target_on = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.NOT_STARTED
    )
    review_on = models.DateField(_("review date"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["case", "domain", "pk"]
        indexes = [
            models.Index(fields=["status", "review_on"], name="goal_review_due"),
            # open goals past review (the case list's overdue filter), without reading the rows
            models.Index(
                fields=["review_on"],
                include=["case"],
                condition=models.Q(status__in=["not_started", "in_progress"]),
                name="goal_open_review",
            ),
            # My work's plan reviews: a member's open goals by review date (issue 13, item 11)
            models.Index(
                fields=["responsible", "review_on"],
                condition=models.Q(status__in=["not_started", "in_progress"]),
                name="goal_open_by_responsible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_domain_display()}: {self.title}"

    def audit_label(self) -> str:
        return f"case {self.case_id} · goal {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_GOAL_STATUSES


class GoalReview(AuditedModel):
    """A review of a goal: how it went, where it stands now and when to look again."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("goal"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_on = models.DateField(_("review date"))
    progress_note = models.TextField(_("progress"))
    status_after = models.CharField(_("status after"), max_length=20, choices=GoalStatus.choices)
    next_review_on = models.DateField(_("next review date"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("goal review")
        verbose_name_plural = _("goal reviews")
        ordering = ["goal", "reviewed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.goal_id} · {self.reviewed_on}"


class SessionKind(models.TextChoices):
    COUNSELLING = "counselling", _("Psychological counselling")
    DIALOGUE = "dialogue", _("Religious dialogue")
    EDUCATION = "education", _("Education class")
    VOCATIONAL = "vocational", _("Vocational training")
    LIFE_SKILLS = "life_skills", _("Life skills")
    FAMILY = "family", _("Family session")
    RECREATION = "recreation", _("Sports, arts or recreation")
    OTHER = "other", _("Other")


class SessionFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group")
    FAMILY = "family", _("Family")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class Session(AuditedModel):
    """One intervention delivered: who facilitated it for which organisation, when, how long.

    What was said belongs in notes (with their sensitivity), so the session itself can be
    shown to the whole team: a counselling session shows that it took place, never content.
    """

    kind = models.CharField(_("type"), max_length=20, choices=SessionKind.choices)
    format = models.CharField(_("format"), max_length=12, choices=SessionFormat.choices)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_on = models.DateField(_("date"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    family_attendees = models.ManyToManyField(
        "casework.FamilyMember",
        verbose_name=_("family attendees"),
        blank=True,
        related_name="sessions",
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [
            # the sessions of a period with their type, from the index alone (the indicator
            # "sessions per case" joins a period's sessions to their attendance)
            models.Index(fields=["held_on"], include=["kind", "id"], name="session_held_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.held_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # One transaction: the copies on its attendance rows never outlive a failed save (no
        # savepoint: inside a service's transaction a failure here undoes the whole write)
        using = kwargs.get("using") or router.db_for_write(Session)
        with transaction.atomic(using=using, savepoint=False):
            if not self._state.adding:  # the copies follow (first: what keeps figures from
                # them on this save's signal reads them updated)
                Attendance.objects.filter(session=self).exclude(
                    held_on=self.held_on, kind=self.kind
                ).update(held_on=self.held_on, kind=self.kind)
            super().save(*args, **kwargs)


class Attendance(AuditedModel):
    """One case at one session: present, absent or excused, and which plan goals it served."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(
        _("attendance"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.PRESENT,
    )
    goals = models.ManyToManyField(
        Goal, verbose_name=_("plan goals"), blank=True, related_name="attendances"
    )
    # the session's day and type, copied on each row when it is saved (and kept equal when
    # the session is): the indicator "sessions per case" counts a period's attendance from
    # one index, without joining millions of rows to their sessions. Bulk loads fill them.
    held_on = models.DateField(_("session date"), editable=False)
    kind = models.CharField(
        _("session type"), max_length=20, choices=SessionKind.choices, editable=False
    )

    objects = CaseRowQuerySet.as_manager()

    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset({"held_on", "kind"})

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "case"], name="attendance_once_per_case")
        ]
        indexes = [
            # present attendance by day with its case and type: a period's count per type
            # read from the index alone
            models.Index(
                fields=["held_on"],
                include=["case", "kind"],
                condition=models.Q(status="present"),
                name="attendance_present_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.case_id} · {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.session_id is not None:
            self.held_on, self.kind = self.session.held_on, self.session.kind
        super().save(*args, **kwargs)


class Sensitivity(models.TextChoices):
    GENERAL = "general", _("General")
    CLINICAL = "clinical", _("Clinical")
    SECURITY = "security", _("Security")


# The policy resource that governs each sensitivity class (accounts.policies.MATRIX).
NOTE_RESOURCE: dict[str, str] = {
    Sensitivity.GENERAL: "plan",
    Sensitivity.CLINICAL: "clinical_note",
    Sensitivity.SECURITY: "security_note",
}


class Note(SealedRow, AuditedModel):
    """Free text about a case, in a sensitivity class that decides who reads it.

    General notes are the team's; clinical notes are psychologists' only; security notes
    are for security liaisons and programme managers. The body is sealed at rest, and each
    clinical read is audited.
    """

    sealed_fields: ClassVar[dict[str, str]] = {"sealed_body": "casework.note.body"}

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="notes"
    )
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes",
    )
    sensitivity = models.CharField(_("sensitivity"), max_length=10, choices=Sensitivity.choices)
    sealed_body = models.TextField(_("text (sealed)"))
    written_on = models.DateField(_("date"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-written_on", "-pk"]
        indexes = [models.Index(fields=["case", "sensitivity"], name="note_case_class")]

    def __str__(self) -> str:
        return f"{self.get_sensitivity_display()} · {self.written_on}"

    def audit_label(self) -> str:
        return f"case {self.case_id} · {self.sensitivity} note {self.pk}"

    @property
    def resource(self) -> str:
        return NOTE_RESOURCE[self.sensitivity]


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    SPOUSE = "spouse", _("Spouse")
    SIBLING = "sibling", _("Brother or sister")
    CHILD = "child", _("Son or daughter")
    GRANDPARENT = "grandparent", _("Grandparent")
    UNCLE_AUNT = "uncle_aunt", _("Uncle or aunt")
    COUSIN = "cousin", _("Cousin")
    OTHER = "other", _("Other")


class Engagement(models.TextChoices):
    NONE = "none", _("Not engaged")
    LOW = "low", _("Occasionally engaged")
    ACTIVE = "active", _("Engaged")
    STRONG = "strong", _("Strongly supportive")


FAMILY_SEALED_FIELDS = ("name", "contact")


class FamilyMember(SealedRow, AuditedModel):
    """A relative taking part in the family strand (Sparlay-style support of families).

    Name and contact are identity: sealed at rest, opened only for those who may read the
    participant's identity, each opening audited.
    """

    sealed_fields: ClassVar[dict[str, str]] = {
        f"sealed_{name}": f"casework.familymember.{name}" for name in FAMILY_SEALED_FIELDS
    }

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="family"
    )
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    sealed_name = models.TextField(_("name (sealed)"))
    sealed_contact = models.TextField(_("contact (sealed)"), blank=True)
    engagement = models.CharField(
        _("engagement"), max_length=10, choices=Engagement.choices, default=Engagement.LOW
    )
    is_guardian = models.BooleanField(_("guardian"), default=False)

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.get_relationship_display()} ({self.case_id})"

    def audit_label(self) -> str:
        return f"case {self.case_id} · family member {self.pk} ({self.relationship})"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")


class MentoringEnd(models.TextChoices):
    COMPLETED = "completed", _("Mentoring completed")
    MENTOR_LEFT = "mentor_left", _("The mentor left")
    NEW_MENTOR = "new_mentor", _("Another mentor took over")
    WITHDREW = "withdrew", _("The participant withdrew")
    OTHER = "other", _("Other reason")


class MentorAssignment(SealedRow, AuditedModel):
    """A mentor on the team accompanies the participant for a period (Aarhus-style mentoring).

    It ends on a planned date given at the start, or is ended early with a reason and a
    note (sealed: why mentoring stopped can say a lot about a person).
    """

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="mentor_assignments",
    )
    mentor = models.ForeignKey(
        "cases.TeamMember",
        verbose_name=_("mentor"),
        on_delete=models.PROTECT,
        related_name="mentor_assignments",
    )
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"), null=True, blank=True)
    frequency = models.CharField(_("meeting frequency"), max_length=12, choices=Frequency.choices)
    end_reason = models.CharField(
        _("why it ended"), max_length=12, choices=MentoringEnd.choices, blank=True
    )
    sealed_end_note = models.TextField(_("note on the end (sealed)"), blank=True, default="")

    sealed_fields: ClassVar[dict[str, str]] = {
        "sealed_end_note": "casework.mentorassignment.end_note"
    }
    end_note = Sealed("sealed_end_note")

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor assignment")
        verbose_name_plural = _("mentor assignments")
        ordering = ["case", "-starts_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.mentor_id} · {self.starts_on}"

    @property
    def is_ongoing(self) -> bool:
        """Not ended early (with a reason), and not past a planned end date."""
        from django.utils import timezone

        if self.end_reason:
            return False
        return self.ends_on is None or self.ends_on >= timezone.localdate()


class MentorMeeting(SealedRow, AuditedModel):
    """One meeting of mentor and participant; a concern raised is flagged on the timeline."""

    assignment = models.ForeignKey(
        MentorAssignment,
        verbose_name=_("mentor assignment"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    met_on = models.DateField(_("date"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    place = models.CharField(_("place"), max_length=200)
    sealed_summary = models.TextField(_("summary (sealed)"))
    concerns = models.BooleanField(_("concerns raised"), default=False)

    # What the participant and mentor talked about: sealed at rest (bahali.core.sealing).
    sealed_fields: ClassVar[dict[str, str]] = {"sealed_summary": "casework.mentormeeting.summary"}
    summary = Sealed("sealed_summary")

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor meeting")
        verbose_name_plural = _("mentor meetings")
        ordering = ["assignment", "-met_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.assignment_id} · {self.met_on}"


class SupportKind(models.TextChoices):
    STIPEND = "stipend", _("Stipend")
    GRANT = "grant", _("Grant")
    TOOLKIT = "toolkit", _("Toolkit")
    TRAINING_FEE = "training_fee", _("Training fee")
    JOB_PLACEMENT = "job_placement", _("Job placement")


class SupportStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PAID = "paid", _("Paid")


class SupportItem(AuditedModel):
    """Material support given to a participant, in PKR: what the programme costs per case."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="support"
    )
    kind = models.CharField(_("type"), max_length=20, choices=SupportKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount (PKR)"), max_digits=12, decimal_places=2)
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

    objects = CaseRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("support item")
        verbose_name_plural = _("support items")
        ordering = ["case", "-provided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.amount} PKR"
