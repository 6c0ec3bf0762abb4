"""The case list's filters, one definition for the page and the API.

Both read the same query string (``?programme=centre&district=SWT&overdue=on``): programmes,
phases and districts by their codes, organisations by id. A value that cannot be a filter
(an unknown risk band, a control character, a number past any id) makes the form invalid
with a message per field; the page shows the messages, the API answers 422 with them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.cases import due
from bahali.cases.models import Case, RiskBand, TeamMember, TransitionRequest
from bahali.core.forms import FilterSet
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.programmes.models import Phase, Programme

MAX_ID = 2**31 - 1  # the largest id a row can have; past it a look-up is refused, not tried


# the columns of a programme's or phase's name in every language (``Translated.label``)
NAMES = ("code", "name_en", "name_ur", "name_ps")


def _programmes() -> list[tuple[str, str]]:
    return [(p.code, str(p)) for p in Programme.objects.only(*NAMES)]


def _organisations() -> list[tuple[int, str]]:
    return [(o.pk, str(o)) for o in Organisation.objects.filter(is_active=True).only("name")]


def _districts(user: User | None) -> list[tuple[str, str]]:
    """Districts worth filtering by: where programmes run and where the user works (not all
    of Pakistan's 170)."""
    memberships = user.active_memberships() if user else []
    worked = [pk for m in memberships for pk in policies.districts_of(m)]
    districts = District.objects.filter(
        models.Q(programmes__isnull=False) | models.Q(pk__in=worked)
    ).distinct()
    return [(d.code, str(d)) for d in districts.only("code", "name", "name_ur")]


def _phases() -> list[tuple[str, str]]:
    """Every programme's phase codes once, by label."""
    phases = Phase.objects.only(*NAMES).order_by("programme__name_en", "order")
    seen: dict[str, str] = {}
    for phase in phases:
        seen.setdefault(phase.code, phase.label)
    return sorted(seen.items(), key=lambda item: item[1])


def _attrs(attrs: dict[str, Any]) -> str:
    """Django's ``attrs.html``: `` name="value"``, a bare name for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


class Select(forms.Select):
    """A ``Select`` written in Python: the very markup of Django's ``select.html`` and
    ``select_option.html`` (tested against them; each option ends in a line break), without
    rendering two templates per option. The case list's filters offer about a hundred
    options: their templates took some 18 ms of a 90 ms page."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


class CaseFilter(FilterSet):
    """Every field optional; an empty form lists the open cases."""

    STATUS_CHOICES = [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))]

    programme = forms.CharField(
        required=False, max_length=40, label=_("Programme"), widget=Select()
    )
    phase = forms.CharField(required=False, max_length=40, label=_("Phase"), widget=Select())
    district = forms.CharField(required=False, max_length=10, label=_("District"), widget=Select())
    organisation = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        label=_("Organisation"),
        widget=Select(),
    )
    risk_band = forms.ChoiceField(
        choices=[("", _("All")), *RiskBand.choices],
        required=False,
        label=_("Risk band"),
        widget=Select(),
    )
    status = forms.ChoiceField(
        choices=STATUS_CHOICES, required=False, label=_("Status"), widget=Select()
    )
    overdue = forms.BooleanField(required=False, label=_("Only with overdue items"))
    waiting = forms.BooleanField(required=False, label=_("Only waiting for sign-offs"))
    overridden = forms.BooleanField(required=False, label=_("Only with gate overrides"))
    q = forms.CharField(required=False, label=_("Code"), max_length=20)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page offers these as lists; the values stay free text so a code the list does
        # not show (another user's district, through the API) still filters, to nothing.
        # Each list is read when the form is rendered, not when it only filters (the API).
        self._choices("programme", _programmes)
        self._choices("district", lambda: _districts(user))
        self._choices("organisation", _organisations)
        self._choices("phase", _phases)

    def _choices(self, name: str, choices: Callable[[], list[tuple[Any, Any]]]) -> None:
        # once per form: Django asks a select's choices whether it may be required too
        self.fields[name].widget.choices = functools.cache(lambda: [("", _("All")), *choices()])

    def filter(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        """``cases`` narrowed by the valid filters (the open ones when none is given)."""
        data = self.filtering()
        if data.get("programme"):
            cases = cases.filter(programme__code=data["programme"])
        if data.get("phase"):
            cases = cases.filter(phase__code=data["phase"])
        if data.get("district"):
            cases = cases.filter(district__code=data["district"].upper())
        if data.get("organisation"):
            organisation = data["organisation"]
            on_team = TeamMember.objects.filter(
                membership__organisation=organisation, left_on__isnull=True
            ).values("case")
            cases = cases.filter(Q(lead_organisation=organisation) | Q(pk__in=on_team))
        if data.get("risk_band"):
            cases = cases.filter(risk_band=data["risk_band"])
        if data.get("overdue"):
            cases = cases.filter(due.overdue())
        if data.get("waiting"):
            pending = TransitionRequest.objects.filter(status=TransitionRequest.Status.PENDING)
            cases = cases.filter(pk__in=pending.values("case"))
        if data.get("overridden"):
            overridden = TransitionRequest.objects.filter(overridden_by__isnull=False)
            cases = cases.filter(pk__in=overridden.values("case"))
        if data.get("q"):
            cases = cases.filter(participant__code__icontains=data["q"].strip().upper())
        status = data.get("status") or "open"
        if status == "open":
            cases = cases.filter(closed_on__isnull=True)
        elif status == "closed":
            cases = cases.filter(closed_on__isnull=False)
        return cases
