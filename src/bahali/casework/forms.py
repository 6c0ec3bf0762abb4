"""Forms of the casework pages: they collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.casework.models import (
    AttendanceStatus,
    Domain,
    Engagement,
    Frequency,
    GoalStatus,
    MentoringEnd,
    Relationship,
    Sensitivity,
    SessionKind,
    SupportKind,
    SupportStatus,
)
from bahali.core.forms import BootstrapForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        user = obj.membership.user
        return f"{user.get_full_name() or user.username} ({obj.get_case_role_display()})"


class GoalForm(BootstrapForm):
    domain = forms.ChoiceField(label=_("Domain"), choices=Domain.choices)
    title = forms.CharField(label=_("Goal"), max_length=200)
    interventions = forms.CharField(
        label=_("Interventions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible = MemberChoiceField(
        label=_("Responsible team member"), queryset=None, required=False
    )
    target_on = forms.DateField(label=_("Target date"), required=False, widget=DATE_INPUT)
    review_on = forms.DateField(label=_("Review date"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = team  # type: ignore[attr-defined]


class EditGoalForm(GoalForm):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(BootstrapForm):
    reviewed_on = forms.DateField(label=_("Review date"), widget=DATE_INPUT)
    progress_note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}))
    status_after = forms.ChoiceField(label=_("Status after"), choices=GoalStatus.choices)
    next_review_on = forms.DateField(label=_("Next review date"), required=False, widget=DATE_INPUT)


class SessionForm(BootstrapForm):
    """An individual or family session of one participant."""

    kind = forms.ChoiceField(label=_("Type"), choices=SessionKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Attendance"), choices=AttendanceStatus.choices, initial="present"
    )
    goals: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Plan goals served"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    family_attendees: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Relatives attending (a family session)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, goals: Any, family: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = goals  # type: ignore[attr-defined]
        self.fields["family_attendees"].queryset = family  # type: ignore[attr-defined]
        self.fields["family_attendees"].label_from_instance = (  # type: ignore[attr-defined]
            lambda member: member.get_relationship_display()
        )
        for name in ("goals", "family_attendees"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class CaseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class GroupSessionForm(BootstrapForm):
    """A group session: several participants whose plans the user may write."""

    kind = forms.ChoiceField(label=_("Type"), choices=SessionKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    present = CaseChoiceField(
        label=_("Present"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    absent = CaseChoiceField(
        label=_("Absent"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    excused = CaseChoiceField(
        label=_("Excused"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, cases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("present", "absent", "excused"):
            self.fields[name].queryset = cases  # type: ignore[attr-defined]
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[int] = set()
        for name in ("present", "absent", "excused"):
            for case in data.get(name) or []:
                if case.pk in seen:
                    raise forms.ValidationError(_("Mark each participant once."))
                seen.add(case.pk)
        return data


class NoteForm(BootstrapForm):
    sensitivity = forms.ChoiceField(label=_("Sensitivity"), choices=Sensitivity.choices)
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))
    session: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Session"),
        queryset=None,
        required=False,
        help_text=_("One of the case's 30 latest sessions, if the note is about one."),
    )

    def __init__(self, *args: Any, classes: list[str], sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Sensitivity.choices if value in classes
        ]
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]


class SecurityNoteForm(BootstrapForm):
    body = forms.CharField(label=_("Security note"), widget=forms.Textarea(attrs={"rows": 4}))


class FamilyMemberForm(BootstrapForm):
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    contact = forms.CharField(
        label=_("Contact (phone, address)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    engagement = forms.ChoiceField(
        label=_("Engagement"), choices=Engagement.choices, initial=Engagement.LOW
    )
    is_guardian = forms.BooleanField(label=_("Guardian"), required=False)


class MentorForm(BootstrapForm):
    mentor = MemberChoiceField(label=_("Mentor"), queryset=None)
    starts_on = forms.DateField(label=_("Start"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("End"), required=False, widget=DATE_INPUT)
    frequency = forms.ChoiceField(label=_("Meeting frequency"), choices=Frequency.choices)

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]


class MeetingForm(BootstrapForm):
    met_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1)
    place = forms.CharField(label=_("Place"), max_length=200)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    concerns = forms.BooleanField(label=_("Concerns raised"), required=False)


class EndMentoringForm(BootstrapForm):
    ends_on = forms.DateField(label=_("Last day"), widget=DATE_INPUT)
    reason = forms.ChoiceField(label=_("Why it ended"), choices=MentoringEnd.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the reason is “Other reason”. Kept sealed."),
    )


class SupportForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Type"), choices=SupportKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (PKR)"), max_digits=12, decimal_places=2, min_value=0
    )
    provided_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Providing organisation"), queryset=None
    )
    status = forms.ChoiceField(label=_("Status"), choices=SupportStatus.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
