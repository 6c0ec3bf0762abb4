"""Forms of the referral pages: they collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.referrals.models import ServiceCategory

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
