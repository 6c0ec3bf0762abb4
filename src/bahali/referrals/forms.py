"""Forms of the referral pages: they collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.geography.models import District
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.referrals.models import ConsentMethod, ServiceCategory

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Organisation.objects.none())
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"), queryset=District.objects.order_by("name")
    )
    contact = forms.CharField(label=_("Contact"), max_length=300)
    eligibility = forms.CharField(
        label=_("Eligibility"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True
        ).order_by("name")


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.provider.name} ({obj.get_category_display()})"


class ReferralForm(BootstrapForm):
    service = ServiceChoiceField(label=_("Service"), queryset=None)
    need = forms.CharField(
        label=_("What is asked"),
        help_text=_("The provider reads this and the participant's code, nothing else."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class AnswerForm(BootstrapForm):
    decision = forms.ChoiceField(
        label=_("Answer"), choices=[("accept", _("Accept")), ("decline", _("Decline"))]
    )
    note = forms.CharField(
        label=_("Note (a reason when declining)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CompleteForm(BootstrapForm):
    feedback = forms.CharField(label=_("Feedback"), widget=forms.Textarea(attrs={"rows": 2}))
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# --- the family's support -----------------------------------------------------------


class FamilyPlanForm(BootstrapForm):
    which = forms.CharField(widget=forms.HiddenInput, initial="plan")
    needs = forms.CharField(
        label=_("The family's needs"),
        help_text=_("What the family needs in its own right: income, care, safety, schooling."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agreed_on = forms.DateField(label=_("Agreed with the family on"), widget=DATE_INPUT)
    review_on = forms.DateField(label=_("Next review"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RelativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_relationship_display())


class FamilyConsentForm(BootstrapForm):
    which = forms.CharField(widget=forms.HiddenInput, initial="consent")
    member = RelativeChoiceField(label=_("Relative"), queryset=None)
    share_with = forms.ChoiceField(label=_("May be referred to"), choices=OrganisationKind.choices)
    method = forms.ChoiceField(label=_("How it was given"), choices=ConsentMethod.choices)
    given_on = forms.DateField(label=_("Given on"), widget=DATE_INPUT)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]


class FamilyReferralForm(BootstrapForm):
    which = forms.CharField(widget=forms.HiddenInput, initial="refer")
    member = RelativeChoiceField(label=_("Relative"), queryset=None)
    service = ServiceChoiceField(label=_("Service"), queryset=None)
    need = forms.CharField(
        label=_("What is asked"),
        help_text=_("The provider reads this, the relationship and the participant's code."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, members: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
