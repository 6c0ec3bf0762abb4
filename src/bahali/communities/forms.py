"""Forms of the community pages: they collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.casework.models import SupportStatus
from bahali.communities.models import (
    BenefitKind,
    DialogueKind,
    MemberAge,
    MemberRole,
    MemberSex,
)
from bahali.core.dates import format_day
from bahali.core.forms import BootstrapForm
from bahali.organisations.models import Organisation

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommitteeForm(BootstrapForm):
    organisation = forms.ModelChoiceField(
        label=_("Committee organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("The committee as registered among the organisations."),
    )
    formed_on = forms.DateField(label=_("Formed on"), widget=DATE_INPUT)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class MemberForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    sex = forms.ChoiceField(label=_("Sex"), choices=MemberSex.choices)
    age_band = forms.ChoiceField(label=_("Age band"), choices=MemberAge.choices)
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE_INPUT)


class DialogueForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DialogueKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    facilitator = forms.CharField(label=_("Facilitator"), max_length=200)
    men = forms.IntegerField(label=_("Men (30 and over)"), min_value=0, initial=0)
    women = forms.IntegerField(label=_("Women (30 and over)"), min_value=0, initial=0)
    young_men = forms.IntegerField(label=_("Young men (under 30)"), min_value=0, initial=0)
    young_women = forms.IntegerField(label=_("Young women (under 30)"), min_value=0, initial=0)
    decisions = forms.CharField(
        label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_ups = forms.CharField(
        label=_("Follow-ups"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_by = forms.DateField(label=_("Follow-ups due"), required=False, widget=DATE_INPUT)


class CommunityChoiceField(forms.ModelChoiceField):
    # community pk -> latest readiness assessment, so each choice shows its readiness
    readiness: dict[int, Any]

    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.local_name} ({obj.tehsil.local_name}) · {obj.committee.organisation.name}"
        latest = getattr(self, "readiness", {}).get(obj.pk)
        if latest is None:
            return f"{label} · {_('no readiness assessment yet')}"
        return f"{label} · " + _("readiness %(rating)s (%(date)s)") % {
            "rating": latest.get_overall_rating_display(),
            "date": format_day(latest.assessed_on),
        }


class PlacementForm(BootstrapForm):
    community = CommunityChoiceField(label=_("Receiving community"), queryset=None)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, communities: Any, readiness: dict[int, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        field.queryset = communities  # type: ignore[attr-defined]
        field.readiness = readiness or {}  # type: ignore[attr-defined]


class ReadinessStartForm(BootstrapForm):
    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=DATE_INPUT)


class BenefitForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Type"), choices=BenefitKind.choices)
    description = forms.CharField(label=_("What the community receives"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount (PKR)"), max_digits=12, decimal_places=2, min_value=0
    )
    beneficiaries = forms.IntegerField(
        label=_("Community members reached"), min_value=1, max_value=1_000_000
    )
    provided_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Providing organisation"), queryset=None
    )
    status = forms.ChoiceField(label=_("Status"), choices=SupportStatus.choices)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class BenefitPaidForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
