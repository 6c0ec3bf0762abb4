"""The evidence pages' filters, one definition for the pages and the exports: programme,
district, lead organisation, sex, age group, cohort year, period, and (for counts) a second
dimension. A value that cannot be a filter is named on the page, never a server error."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import FilterSet
from bahali.evidence.indicators import AGE_GROUPS, BY_CHOICES, Filters
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.programmes.models import Programme
from bahali.registry.models import Sex

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EvidenceFilter(FilterSet):
    programme = forms.ModelChoiceField(
        label=_("Programme"), required=False, queryset=Programme.objects.order_by("code")
    )
    district = forms.ModelChoiceField(
        label=_("District"), required=False, queryset=District.objects.order_by("code")
    )
    organisation = forms.ModelChoiceField(
        label=_("Lead organisation"), required=False, queryset=Organisation.objects.order_by("name")
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", _("All")), *Sex.choices])
    age = forms.ChoiceField(
        label=_("Age group"), required=False, choices=[("", _("All ages")), *AGE_GROUPS]
    )
    cohort = forms.IntegerField(
        label=_("Cohort (year enrolled)"), required=False, min_value=2000, max_value=2100
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    by = forms.ChoiceField(label=_("Counts by"), required=False, choices=BY_CHOICES)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    def to_filters(self) -> Filters:
        data = self.filtering()
        return Filters(
            programme=data["programme"].pk if data.get("programme") else None,
            district=data["district"].pk if data.get("district") else None,
            organisation=data["organisation"].pk if data.get("organisation") else None,
            sex=data.get("sex") or "",
            age=data.get("age") or "",
            cohort=data.get("cohort") or None,
            start=data.get("start"),
            end=data.get("end") or None,
            by=data.get("by") or "",
        )


class OversightFilter(FilterSet):
    """The oversight report's period (default: the 90 days up to today)."""

    DEFAULT_DAYS = 90

    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period comes before its start."))
        return data

    def period(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        data = self.filtering()
        end = data.get("end") or today
        start = data.get("start") or end - datetime.timedelta(days=self.DEFAULT_DAYS)
        return start, end


class DashboardFilter(FilterSet):
    """The programme manager's dashboard: one programme, or every one they see."""

    programme = forms.ModelChoiceField(
        label=_("Programme"),
        required=False,
        empty_label=_("All programmes"),
        queryset=Programme.objects.order_by("code"),
    )


class OversightDashboardFilter(OversightFilter):
    """The oversight dashboard: the report's period, and one programme or every one."""

    programme = forms.ModelChoiceField(
        label=_("Programme"),
        required=False,
        empty_label=_("All programmes"),
        queryset=Programme.objects.order_by("code"),
    )

    field_order = ["programme", "start", "end"]

    def programme_id(self) -> int | None:
        chosen = self.filtering().get("programme")
        return chosen.pk if chosen else None
