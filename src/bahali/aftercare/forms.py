"""Forms of the aftercare pages: they collect input; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.aftercare.models import (
    WARNING_FIELDS,
    CheckInMethod,
    OutcomeKind,
    OutcomeSource,
    Verification,
    Wellbeing,
)
from bahali.core.forms import BootstrapForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(BootstrapForm):
    starts_on = forms.DateField(
        label=_("Returned home on"),
        help_text=_("Check-ins are counted from this day."),
        widget=DATE_INPUT,
    )


class CheckInForm(BootstrapForm):
    done_on = forms.DateField(label=_("Held on"), widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("Method"), choices=CheckInMethod.choices)
    wellbeing = forms.ChoiceField(label=_("Wellbeing"), choices=Wellbeing.choices)
    warnings = forms.MultipleChoiceField(
        label=_("Warning indicators"),
        choices=WARNING_FIELDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.CharField(
        label=_("Follow-up actions"),
        required=False,
        help_text=_("Needed when any warning indicator is ticked."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class OutcomeForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Event"), choices=OutcomeKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    source = forms.ChoiceField(label=_("Source"), choices=OutcomeSource.choices)
    source_detail = forms.CharField(label=_("Source detail"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        help_text=_("Needed for re-arrest, reconviction, re-engagement and violence."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerifyForm(BootstrapForm):
    verification = forms.ChoiceField(
        label=_("Verification"),
        choices=[(Verification.VERIFIED, _("Verified")), (Verification.DISPROVED, _("Disproved"))],
    )
    note = forms.CharField(label=_("On what basis"), widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AcknowledgeWarningForm(BootstrapForm):
    note = forms.CharField(
        label=_("What the team agreed"),
        help_text=_("The team has met about the warning signs: say what it agreed."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
