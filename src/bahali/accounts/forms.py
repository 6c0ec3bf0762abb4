from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.accounts.roles import ROLE_ORGANISATION_KINDS, Role
from bahali.core.forms import BootstrapForm
from bahali.geography.models import District
from bahali.organisations.models import Organisation


class SignInForm(BootstrapForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecondFactorForm(BootstrapForm):
    """The code step of signing in, and the confirmation of a new authenticator."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "dir": "ltr",
                "spellcheck": "false",
            }
        ),
    )


class ResetSecondFactorForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Recorded in the audit trail, e.g. “phone lost, identity checked in person”."),
    )


class ApiTokenForm(BootstrapForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("Where it will be used, e.g. “field tablet 3” or “monthly report script”."),
    )


class NewMemberForm(BootstrapForm):
    """A data steward adds a person to their organisation, as a new or an existing user."""

    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Needed for a new user only; at least 12 characters, not a common password."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"),
        queryset=District.objects.select_related("province").order_by("province__name", "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type
        field.choices = [
            (role.value, role.label)
            for role in Role
            if organisation.kind in ROLE_ORGANISATION_KINDS[role]
        ]
