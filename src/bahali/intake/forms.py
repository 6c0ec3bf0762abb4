"""Forms of the intake pages: they collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm, FilterSet
from bahali.geography.models import District
from bahali.intake.models import (
    Accountability,
    ArmedGroup,
    GroupRole,
    Involvement,
    Joined,
    LegalBasisKind,
    Outcome,
    ReferralStatus,
    SexRule,
    Source,
)
from bahali.organisations.models import Organisation
from bahali.programmes.models import Programme

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _districts() -> Any:
    return District.objects.order_by("name")


def _programmes() -> Any:
    return Programme.objects.filter(is_active=True).order_by("code")


class ReferralForm(BootstrapForm):
    source = forms.ChoiceField(label=_("Referred by"), choices=Source.choices)
    referrer = forms.CharField(
        label=_("Who referred (office or person)"),
        max_length=200,
        help_text=_("For example: the security liaison office, Swat; his brother."),
    )
    referring_organisation = forms.ModelChoiceField(
        label=_("Referring organisation (if registered here)"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE_INPUT)
    from_district = forms.ModelChoiceField(
        label=_("Referred from (district)"), queryset=District.objects.none()
    )
    from_place = forms.CharField(
        label=_("Referred from (tehsil, village or office)"), max_length=200, required=False
    )
    programme = forms.ModelChoiceField(
        label=_("Programme asked for (optional)"), queryset=Programme.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referring_organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")
        self.fields["from_district"].queryset = _districts()  # type: ignore[attr-defined]
        self.fields["programme"].queryset = _programmes()  # type: ignore[attr-defined]


YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class ScreeningForm(BootstrapForm):
    programme = forms.ModelChoiceField(
        label=_("Programme screened for"),
        queryset=Programme.objects.none(),
        required=False,
        help_text=_("Needed to find the person eligible or not eligible."),
    )
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    involvement = forms.ChoiceField(
        label=_("Level of involvement"),
        choices=[("", "—"), *Involvement.choices],
        required=False,
    )
    accountability = forms.ChoiceField(
        label=_("Criminal accountability"),
        choices=[("", "—"), *Accountability.choices],
        required=False,
    )
    voluntary = forms.ChoiceField(label=_("Came voluntarily"), choices=YES_NO, required=False)
    residence = forms.ModelChoiceField(
        label=_("Resides in (district)"), queryset=District.objects.none(), required=False
    )
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices)
    grounds = forms.CharField(
        label=_("Reason for the decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referred_to = forms.CharField(
        label=_("Referred to (when referred elsewhere)"), max_length=200, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = _programmes()  # type: ignore[attr-defined]
        self.fields["residence"].queryset = _districts()  # type: ignore[attr-defined]


class EnrolForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CriteriaForm(BootstrapForm):
    min_age = forms.IntegerField(
        label=_("Youngest age admitted"), min_value=0, max_value=120, required=False
    )
    max_age = forms.IntegerField(
        label=_("Oldest age admitted"), min_value=0, max_value=120, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=SexRule.choices, required=False)
    involvement_levels = forms.MultipleChoiceField(
        label=_("Involvement levels admitted (none ticked: any)"),
        choices=Involvement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accountability = forms.MultipleChoiceField(
        label=_("Criminal-accountability statuses admitted (none ticked: any)"),
        choices=Accountability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    voluntary_required = forms.BooleanField(
        label=_("The person must come voluntarily"), required=False, initial=True
    )
    juvenile_programme = forms.BooleanField(
        label=_("A programme for juveniles (a child may be found eligible only for one)"),
        required=False,
    )
    confirm_levels = forms.MultipleChoiceField(
        label=_("Involvement levels whose eligibility a programme manager must confirm"),
        choices=Involvement.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    residence = forms.ModelMultipleChoiceField(
        label=_("Must reside in (none chosen: anywhere)"),
        queryset=District.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What changed and why"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["residence"].queryset = _districts()  # type: ignore[attr-defined]


class ReferralFilter(FilterSet):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Open")), *ReferralStatus.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("Referred by"), choices=[("", _("Any")), *Source.choices], required=False
    )

    def filter(self, queryset: Any) -> Any:
        found = self.filtering()
        status = found.get("status")
        if status:
            queryset = queryset.filter(status=status)
        else:
            queryset = queryset.filter(
                status__in=[ReferralStatus.RECEIVED, ReferralStatus.DEFERRED]
            )
        if found.get("source"):
            queryset = queryset.filter(source=found["source"])
        return queryset


class ConfirmForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class GroupForm(BootstrapForm):
    name = forms.CharField(label=_("Group's name"), max_length=120)


class ClassificationForm(BootstrapForm):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=ArmedGroup.objects.none(), required=False
    )
    involvement = forms.ChoiceField(label=_("Level of involvement"), choices=Involvement.choices)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=GroupRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    joined = forms.ChoiceField(
        label=_("How they joined"), choices=[("", "—"), *Joined.choices], required=False
    )
    age_at_first_involvement = forms.IntegerField(
        label=_("Age at first involvement"), min_value=1, max_value=100, required=False
    )
    months_in_group = forms.IntegerField(
        label=_("Time in the group (months)"), min_value=0, max_value=1200, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = ArmedGroup.objects.filter(is_active=True)  # type: ignore[attr-defined]


class LegalBasisForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasisKind.choices)
    reference = forms.CharField(label=_("Law, order or direction (reference)"), max_length=300)
    reports_to = forms.CharField(label=_("Reports to"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
