from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.accounts.models import Membership
from bahali.cases.models import CaseRole, Closure, ReferralSource, SignOff
from bahali.core.forms import BootstrapForm
from bahali.geography.models import Community, District
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.programmes.models import Phase, Programme, Transition


class EnrolForm(BootstrapForm):
    programme = forms.ModelChoiceField(
        Programme.objects.filter(is_active=True), label=_("Programme")
    )
    entry_phase = forms.ModelChoiceField(
        Phase.objects.filter(is_entry=True).select_related("programme"),
        label=_("Enter at phase"),
        required=False,
        help_text=_("Leave empty for the programme's first entry phase."),
    )
    referral_source = forms.ChoiceField(choices=ReferralSource.choices, label=_("Referral source"))
    referred_by = forms.ModelChoiceField(
        Organisation.objects.filter(is_active=True),
        label=_("Referred by (organisation)"),
        required=False,
    )
    district = forms.ModelChoiceField(
        District.objects.all(),
        label=_("District where the case is worked"),
        required=False,
        help_text=_("Leave empty for the participant's registration district."),
    )
    receiving_community = forms.ModelChoiceField(
        Community.objects.select_related("tehsil"),
        label=_("Receiving community"),
        required=False,
    )
    receiving_committee = forms.ModelChoiceField(
        Organisation.objects.filter(kind=OrganisationKind.COMMUNITY_COMMITTEE, is_active=True),
        label=_("Receiving community's committee"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry_phase"].label_from_instance = (  # type: ignore[attr-defined]
            lambda phase: f"{phase.programme.label} — {phase.label}"
        )


class MemberSelect(forms.Select):
    """Each member's option carries the case role their role allows (``data-case-role``),
    so cases/team.js can preselect it when the member is chosen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case: Any = None

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from bahali.cases.services import default_case_role

        option = super().create_option(name, value, *args, **kwargs)
        membership = getattr(value, "instance", None)
        if membership is not None:
            option["attrs"]["data-case-role"] = default_case_role(self.case, membership)
        return option


class TeamMemberForm(BootstrapForm):
    membership = forms.ModelChoiceField(
        Membership.objects.none(), label=_("Member"), widget=MemberSelect
    )
    case_role = forms.ChoiceField(
        choices=[("", _("The one the member's role allows")), *CaseRole.choices],
        label=_("Case role"),
        required=False,
    )

    def __init__(
        self, *args: Any, memberships: Any = None, case: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].widget.case = case
        self.fields["membership"].widget.attrs["data-case-role-for"] = "id_case_role"
        field = self.fields["membership"]
        field.queryset = memberships if memberships is not None else Membership.objects.none()  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda m: (
                f"{m.user.get_full_name() or m.user.username} — {m.get_role_display()}, "
                f"{m.organisation.name}"
            )
        )


class TransitionRequestForm(BootstrapForm):
    transition = forms.ModelChoiceField(
        Transition.objects.none(), label=_("Move to"), empty_label=None
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, transitions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["transition"]
        field.queryset = transitions if transitions is not None else Transition.objects.none()  # type: ignore[attr-defined]
        field.label_from_instance = lambda t: t.to_phase.label  # type: ignore[attr-defined]


class SignOffForm(BootstrapForm):
    decision = forms.ChoiceField(
        choices=SignOff.Decision.choices, label=_("Decision"), widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    organisation = forms.ModelChoiceField(
        Organisation.objects.none(), label=_("Signing for"), required=False
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"
        field = self.fields["organisation"]
        field.queryset = organisations if organisations is not None else Organisation.objects.none()  # type: ignore[attr-defined]


class AnswerForm(BootstrapForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class OverrideForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    reference = forms.CharField(
        label=_("Authorising document"),
        max_length=200,
        help_text=_("Reference of the order or decision that authorises the override."),
    )


class CloseForm(BootstrapForm):
    closure = forms.ChoiceField(
        choices=[c for c in Closure.choices if c[0] != Closure.COMPLETED], label=_("Closure")
    )
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))


class EmergencyAccessForm(BootstrapForm):
    """Break-the-glass: the participant's code and why the case must open now."""

    code = forms.CharField(
        label=_("Participant code"),
        max_length=20,
        help_text=_("As on their card or the referral, e.g. SWT-25-00123-7."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why must the case open now?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Only for a threat to life or a similar emergency. Your reason is recorded, shown "
            "to the case's team and reviewed by a data steward."
        ),
    )


class EmergencyReviewForm(BootstrapForm):
    note = forms.CharField(
        label=_("Review"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Was the access justified? What was done?"),
    )
