from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.geography.models import Community, District
from bahali.organisations.models import OrganisationKind
from bahali.registry.matching.normalise import split_father
from bahali.registry.models import Consent, ConsentPurpose, IdentityPurpose, Language, Sex
from bahali.registry.services import STATEMENT_MAX, Identity, check_identity

LANGUAGES = Language.choices
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IdentityForm(BootstrapForm):
    """Identity fields; a name typed as "X s/o Y" is split into name and father's name."""

    name = forms.CharField(
        label=_("Name (Latin letters)"),
        max_length=200,
        required=False,
        help_text=_("As written on documents; “s/o” and the father's name may follow."),
    )
    name_native = forms.CharField(
        label=_("Name (Urdu/Pashto script)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl"}),
    )
    father_name = forms.CharField(
        label=_("Father's name (Latin letters)"), max_length=200, required=False
    )
    father_name_native = forms.CharField(
        label=_("Father's name (Urdu/Pashto script)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl"}),
    )
    cnic = forms.CharField(
        label=_("CNIC"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "dir": "ltr", "placeholder": "15602-1234567-1"}
        ),
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_INPUT)
    birth_year = forms.IntegerField(
        label=_("Year of birth (if the date is not known)"),
        required=False,
        min_value=1900,
        max_value=2100,
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = data.get("name") or ""
        if not data.get("father_name") and name:
            own, father = split_father(name)
            if father:
                data["name"], data["father_name"] = own, father
        if not (data.get("name") or data.get("name_native")):
            self.add_error(
                "name", _("Give the name in Latin letters, in Urdu/Pashto script, or both.")
            )
        elif not self.errors:
            # the service's own bounds, on every screen of the form (the candidates screen
            # too), not only when the record is saved
            try:
                check_identity(self.identity(), data.get("sex") or "")
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data

    def identity(self) -> Identity:
        data = self.cleaned_data
        return Identity(
            name=data.get("name") or "",
            name_native=data.get("name_native") or "",
            father_name=data.get("father_name") or "",
            father_name_native=data.get("father_name_native") or "",
            cnic=data.get("cnic") or "",
            birth_date=data.get("birth_date"),
            birth_year=data.get("birth_year"),
            phone=data.get("phone") or "",
            address=data.get("address") or "",
        )


class RegistrationForm(IdentityForm):
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.select_related("province").order_by("name")
    )
    home_community = forms.ModelChoiceField(
        label=_("Home community"),
        queryset=Community.objects.select_related("tehsil").order_by("tehsil__name", "name"),
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGES,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    field_order = [
        "name",
        "father_name",
        "name_native",
        "father_name_native",
        "sex",
        "birth_date",
        "birth_year",
        "cnic",
        "district",
        "home_community",
        "languages",
        "phone",
        "address",
    ]


class EditIdentityForm(IdentityForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300, required=False)


class Checkboxes(forms.CheckboxSelectMultiple):
    """Checkboxes in Bootstrap's ``form-check`` markup, one a line (Django's own markup
    lets the next field's input cover them)."""

    template_name = "registry/widgets/checkboxes.html"


class ConsentForm(BootstrapForm):
    """Every purpose consented to at one sitting, in one submission: one consent each."""

    purposes = forms.MultipleChoiceField(
        label=_("Consent for"),
        choices=[
            (value, label)
            for value, label in ConsentPurpose.choices
            if value != ConsentPurpose.SHARING
        ],
        widget=Checkboxes,
        required=False,
    )
    share_with = forms.MultipleChoiceField(
        label=_("Sharing the data with these kinds of organisation"),
        choices=OrganisationKind.choices,
        widget=Checkboxes,
        required=False,
    )
    given_by = forms.ChoiceField(label=_("Given by"), choices=Consent.GivenBy.choices)
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=200, required=False)
    method = forms.ChoiceField(label=_("How"), choices=Consent.Method.choices)
    witness = forms.CharField(label=_("Witness"), max_length=200, required=False)
    given_on = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("purposes") and not data.get("share_with"):
            self.add_error("purposes", _("Tick at least one purpose the person consented to."))
        return data


class PledgeForm(BootstrapForm):
    pledged_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    witnesses = forms.CharField(label=_("Witnesses"), max_length=300)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeForm(BootstrapForm):
    other_code = forms.CharField(label=_("Code of the duplicate record"), max_length=16)
    reason = forms.CharField(
        label=_("Why are they the same person?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class IdentityRequestForm(BootstrapForm):
    """Why the identity is needed: asked of those whose access is "on request" before it
    opens (programme managers), and recorded with the read."""

    purpose = forms.ChoiceField(
        label=_("Why do you need this identity?"),
        choices=[("", "—"), *IdentityPurpose.choices],
    )
    statement = forms.CharField(
        label=_("What for, in a sentence"),
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the audit trail with your name, for oversight to read."),
    )
