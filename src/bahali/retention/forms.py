from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.retention.models import MAX_YEARS


class RuleForm(BootstrapForm):
    identity_years = forms.IntegerField(
        label=_("Keep identity for (years after the last case closed)"),
        min_value=0,
        max_value=MAX_YEARS,
        help_text=_(
            "Then names, CNIC, date of birth, phone and address are destroyed, with their "
            "look-up keys; the pseudonymous record stays for the figures."
        ),
    )
    notes_years = forms.IntegerField(
        label=_("Keep notes for (years after the case closed)"),
        min_value=0,
        max_value=MAX_YEARS,
        help_text=_("Then the case's free-text notes are removed. At most as long as identity."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class HoldForm(BootstrapForm):
    participant = forms.CharField(label=_("Participant code"), max_length=16)
    reference = forms.CharField(label=_("Order or document (reference)"), max_length=200)
    reason = forms.CharField(
        label=_("Why the records must be kept"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A court order, an investigation, a pending complaint: what requires it."),
    )


class LiftForm(BootstrapForm):
    lift_reason = forms.CharField(
        label=_("Why the hold ends"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
