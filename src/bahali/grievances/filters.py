"""The grievance queue's filters, one definition for the page and the API: status (open by
default, past a time limit, resolved, all) and category. A value that cannot be a filter is
named (the page marks the field, the API answers 422), never a server error."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import FilterSet
from bahali.grievances.models import Grievance, GrievanceCategory, GrievanceStatus


class GrievanceFilter(FilterSet):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("overdue", _("Past a time limit")),
            ("resolved", _("Resolved")),
            ("all", _("All")),
        ],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *GrievanceCategory.choices],
    )

    def filter(self, grievances: QuerySet[Grievance]) -> QuerySet[Grievance]:
        """``grievances`` narrowed by the valid filters (the open ones when none is given)."""
        data = self.filtering()
        if data.get("category"):
            grievances = grievances.filter(category=data["category"])
        status = data.get("status") or "open"
        today = timezone.localdate()
        if status == "open":
            grievances = grievances.exclude(status=GrievanceStatus.RESOLVED)
        elif status == "resolved":
            grievances = grievances.filter(status=GrievanceStatus.RESOLVED)
        elif status == "overdue":
            grievances = grievances.exclude(status=GrievanceStatus.RESOLVED).filter(
                Q(resolve_by__lt=today)
                | Q(status=GrievanceStatus.RECEIVED, acknowledge_by__lt=today)
            )
        return grievances
