"""The case list's filters, one definition for the page and the API.

Both read the same query string (``?programme=centre&district=SWT&overdue=on``): programmes,
phases and districts by their codes, organisations by id. A value that cannot be a filter
(an unknown risk band, a control character, a number past any id) makes the form invalid
with a message per field; the page shows the messages, the API answers 422 with them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bahali.accounts.models import User
from bahali.cases import due
from bahali.cases.models import Case, RiskBand, TeamMember, TransitionRequest
from bahali.core.forms import FilterSet
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.programmes.models import Phase, Programme

MAX_ID = 2**31 - 1  # the largest id a row can have; past it a look-up is refused, not tried


class CaseFilter(FilterSet):
    """Every field optional; an empty form lists the open cases."""

    STATUS_CHOICES = [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))]

    programme = forms.CharField(
        required=False, max_length=40, label=_("Programme"), widget=forms.Select()
    )
    phase = forms.CharField(required=False, max_length=40, label=_("Phase"), widget=forms.Select())
    district = forms.CharField(
        required=False, max_length=10, label=_("District"), widget=forms.Select()
    )
    organisation = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        label=_("Organisation"),
        widget=forms.Select(),
    )
    risk_band = forms.ChoiceField(
        choices=[("", _("All")), *RiskBand.choices], required=False, label=_("Risk band")
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label=_("Status"))
    overdue = forms.BooleanField(required=False, label=_("Only with overdue items"))
    waiting = forms.BooleanField(required=False, label=_("Only waiting for sign-offs"))
    overridden = forms.BooleanField(required=False, label=_("Only with gate overrides"))
    q = forms.CharField(required=False, label=_("Code"), max_length=20)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page offers these as lists; the values stay free text so a code the list does
        # not show (another user's district, through the API) still filters, to nothing.
        all_: list[tuple[Any, Any]] = [("", _("All"))]
        self._choices("programme", all_ + [(p.code, str(p)) for p in Programme.objects.all()])
        # Districts worth filtering by: where programmes run and where the user works
        # (not all of Pakistan's 170).
        worked = [
            d.pk for m in (user.active_memberships() if user else []) for d in m.districts.all()
        ]
        districts = District.objects.filter(
            models.Q(programmes__isnull=False) | models.Q(pk__in=worked)
        ).distinct()
        self._choices("district", all_ + [(d.code, str(d)) for d in districts])
        organisations = Organisation.objects.filter(is_active=True)
        self._choices("organisation", all_ + [(o.pk, str(o)) for o in organisations])
        phases = Phase.objects.select_related("programme").order_by("programme__name_en", "order")
        seen: dict[str, str] = {}
        for phase in phases:
            seen.setdefault(phase.code, phase.label)
        self._choices("phase", all_ + sorted(seen.items(), key=lambda item: item[1]))

    def _choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        self.fields[name].widget.choices = choices

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
