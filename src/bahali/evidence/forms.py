"""The release form (a title and a period that has ended) and the research approval's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.evidence.filters import DATE_INPUT


class ReleaseForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    start = forms.DateField(label=_("Period from"), widget=DATE_INPUT)
    end = forms.DateField(label=_("Period to"), widget=DATE_INPUT)


class ResearchApprovalForm(BootstrapForm):
    """A data steward approves one analyst for one study over programmes they lead."""

    researcher: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Researcher (an analyst)"), queryset=None
    )
    title = forms.CharField(label=_("Study (short title)"), max_length=200)
    protocol = forms.CharField(label=_("Protocol reference"), max_length=100)
    ethics = forms.CharField(label=_("Ethics approval reference"), max_length=100)
    programmes: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Programmes"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_INPUT)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from bahali.accounts import policies
        from bahali.accounts.models import User
        from bahali.accounts.roles import Role
        from bahali.programmes.models import Programme

        super().__init__(*args, **kwargs)
        field = self.fields["researcher"]
        field.queryset = (  # type: ignore[attr-defined]
            User.objects.filter(
                is_active=True,
                memberships__role=Role.ANALYST,
                memberships__is_active=True,
                memberships__organisation__is_active=True,
            )
            .exclude(pk=getattr(user, "pk", None))  # no one approves their own research
            .distinct()
            .order_by("username")
        )
        field.label_from_instance = lambda user: user.get_full_name() or user.username  # type: ignore[attr-defined]
        led = policies.acting_organisations(user, "research_approval.write")
        self.fields["programmes"].queryset = Programme.objects.filter(  # type: ignore[attr-defined]
            lead_organisation__in=led
        ).order_by("code")


class RevokeForm(forms.Form):
    revoke_reason = forms.CharField(label=_("Why it is revoked"), max_length=500)
    version = forms.IntegerField(min_value=1)
