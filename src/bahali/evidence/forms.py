"""The release form: a title and a period that has ended."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.evidence.filters import DATE_INPUT


class ReleaseForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    start = forms.DateField(label=_("Period from"), widget=DATE_INPUT)
    end = forms.DateField(label=_("Period to"), widget=DATE_INPUT)
