"""The service directory's filters, one definition for the page and the API: category, and
district by code. A value that cannot be a filter gets a message naming the field (the page
marks it, the API answers 422), never a server error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import FilterSet
from bahali.geography.models import District
from bahali.referrals.models import Service, ServiceCategory


class ServiceFilter(FilterSet):
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All categories")), *ServiceCategory.choices],
        required=False,
    )
    district = forms.CharField(
        label=_("District"), max_length=10, required=False, widget=forms.Select()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page offers the districts some service covers; any code still filters.
        districts = District.objects.filter(
            pk__in=Service.districts.through.objects.values("district")
        ).order_by("name")
        self.fields["district"].widget.choices = [
            ("", _("All districts")),
            *((district.code, str(district)) for district in districts),
        ]

    def filter(self, services: QuerySet[Service]) -> QuerySet[Service]:
        """``services`` narrowed by the valid filters."""
        data = self.filtering()
        if data.get("category"):
            services = services.filter(category=data["category"])
        if data.get("district"):
            services = services.filter(districts__code=data["district"].upper())
        return services
