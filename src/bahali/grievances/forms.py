"""Forms of the grievance pages: they collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.geography.models import District
from bahali.grievances.models import Complainant, Finding, GrievanceCategory
from bahali.organisations.models import Organisation


class PublicGrievanceForm(BootstrapForm):
    """Asks for no login and offers nothing to look up: no names of people or organisations."""

    complainant = forms.ChoiceField(label=_("You are"), choices=Complainant.choices)
    category = forms.ChoiceField(label=_("What is it about?"), choices=GrievanceCategory.choices)
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.none(),
        required=False,
        empty_label=_("Not sure, or rather not say"),
    )
    about_text = forms.CharField(
        label=_("Which organisation, office or place?"), max_length=200, required=False
    )
    description = forms.CharField(
        label=_("What happened?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only the independent oversight body can read it."),
    )
    contact = forms.CharField(
        label=_("Phone or address to reach you (optional)"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty to stay anonymous; then no one can tell you the outcome."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.order_by("name")  # type: ignore[attr-defined]


class StaffGrievanceForm(PublicGrievanceForm):
    about_organisation = forms.ModelChoiceField(
        label=_("Organisation complained about"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    participant_code = forms.CharField(
        label=_("Participant's code (optional)"),
        max_length=16,
        required=False,
        help_text=_("Seen by the oversight body only."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["complainant"].label = _("Lodged by")
        self.fields["name"].label = _("Complainant's name (optional)")
        self.fields["contact"].label = _("Complainant's phone or address (optional)")
        self.fields["about_organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")


class AcknowledgeForm(BootstrapForm):
    note = forms.CharField(
        label=_("How and when the complainant was told"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    about_organisation = forms.ModelChoiceField(
        label=_("Organisation complained about"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about_organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")
        self.fields["district"].queryset = District.objects.order_by("name")  # type: ignore[attr-defined]


class ResolveForm(BootstrapForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    resolution = forms.CharField(
        label=_("What was found and done"), widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
