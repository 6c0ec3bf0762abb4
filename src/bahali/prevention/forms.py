"""Forms of the prevention pages: they collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm, FilterSet
from bahali.geography.models import Community, District, Province
from bahali.organisations.models import Organisation
from bahali.prevention.models import (
    ActivityKind,
    CallerKind,
    Channel,
    Concern,
    Framework,
    FunderKind,
    Indicator,
    InitiativeStatus,
    InitiativeType,
    ReferralKind,
    RespondentGroup,
    TargetGroup,
)

DATE = forms.DateInput(attrs={"type": "date"})


class Checkboxes(forms.CheckboxSelectMultiple):
    """One Bootstrap ``form-check`` per option (the stock widget puts the input's class on
    its wrapper too, which squeezes the list into one narrow column)."""

    template_name = "prevention/_checkboxes.html"


def _districts() -> Any:
    return District.objects.select_related("province").order_by("province__name", "name")


class InitiativeForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    lead_organisation = forms.ModelChoiceField(
        label=_("Lead organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Your own organisation when left empty."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=InitiativeType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=InitiativeStatus.choices)
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts"), queryset=District.objects.none(), widget=forms.SelectMultiple
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities (optional: none means the whole district)"),
        queryset=Community.objects.none(),
        required=False,
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on (optional)"), widget=DATE, required=False)
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners"), queryset=Organisation.objects.none(), required=False
    )
    target_groups = forms.MultipleChoiceField(
        label=_("Target groups"),
        choices=TargetGroup.choices,
        required=False,
        widget=Checkboxes,
    )
    frameworks = forms.MultipleChoiceField(
        label=_("Aligned with national frameworks"),
        choices=Framework.choices,
        required=False,
        widget=Checkboxes,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    messages = forms.CharField(
        label=_("Counter-narrative messages"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For counter-narrative work only."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels of the messages"),
        choices=Channel.choices,
        required=False,
        widget=Checkboxes,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Organisation.objects.filter(is_active=True).order_by("name")
        leads = organisations if organisations is not None else active
        self.fields["lead_organisation"].queryset = leads  # type: ignore[attr-defined]
        self.fields["partners"].queryset = active  # type: ignore[attr-defined]
        self.fields["districts"].queryset = _districts()  # type: ignore[attr-defined]
        self.fields["communities"].queryset = Community.objects.select_related(  # type: ignore[attr-defined]
            "tehsil__district"
        ).order_by("name")


class GrantForm(BootstrapForm):
    funder_kind = forms.ChoiceField(label=_("Funder"), choices=FunderKind.choices)
    funder_name = forms.CharField(label=_("Funder's name"), max_length=200, required=False)
    amount = forms.IntegerField(label=_("Amount (PKR)"), min_value=1)
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("Until"), widget=DATE)


class DisbursementForm(BootstrapForm):
    amount = forms.IntegerField(label=_("Amount paid (PKR)"), min_value=1)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)


class ActivityForm(BootstrapForm):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none())
    community = forms.ModelChoiceField(
        label=_("Community (optional)"), queryset=Community.objects.none(), required=False
    )

    female_under_15 = forms.IntegerField(label=_("Girls under 15"), min_value=0, required=False)
    female_youth = forms.IntegerField(label=_("Young women (15–29)"), min_value=0, required=False)
    female_30_plus = forms.IntegerField(label=_("Women 30 and over"), min_value=0, required=False)
    male_under_15 = forms.IntegerField(label=_("Boys under 15"), min_value=0, required=False)
    male_youth = forms.IntegerField(label=_("Young men (15–29)"), min_value=0, required=False)
    male_30_plus = forms.IntegerField(label=_("Men 30 and over"), min_value=0, required=False)

    def __init__(self, *args: Any, initiative: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        districts = initiative.districts.all() if initiative else District.objects.all()
        self.fields["district"].queryset = districts.order_by("name")  # type: ignore[attr-defined]
        self.fields["community"].queryset = Community.objects.filter(  # type: ignore[attr-defined]
            tehsil__district__in=districts
        ).order_by("name")


class AdviceForm(BootstrapForm):
    organisation = forms.ModelChoiceField(
        label=_("Advice line of"), queryset=Organisation.objects.none(), required=False
    )
    contacted_on = forms.DateField(label=_("Contacted on"), widget=DATE)
    caller_kind = forms.ChoiceField(label=_("The caller is"), choices=CallerKind.choices)
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.none(),
        required=False,
        empty_label=_("Not said"),
    )
    concern = forms.ChoiceField(label=_("Concern"), choices=Concern.choices)
    advice = forms.CharField(
        label=_("Advice given"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Write no names: what was advised, not who called."),
    )
    referral = forms.ChoiceField(label=_("Referral"), choices=ReferralKind.choices)
    referred_to = forms.CharField(label=_("Referred to"), max_length=200, required=False)
    caller = forms.CharField(
        label=_("Caller's name or contact (only if they agree)"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty: contacts are anonymous by default."),
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["district"].queryset = _districts()  # type: ignore[attr-defined]


class DistrictValueForm(BootstrapForm):
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none())
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=1950, max_value=2100)
    value = forms.DecimalField(label=_("Value"), min_value=0, max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()  # type: ignore[attr-defined]
        self.fields["indicator"].queryset = Indicator.objects.order_by("name")  # type: ignore[attr-defined]


class IndicatorForm(BootstrapForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    higher_is_need = forms.BooleanField(
        label=_("A higher value means more need"), required=False, initial=True
    )


class ImportForm(BootstrapForm):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: district (code or name), indicator (code), year, value."),
    )


class MatrixFilter(FilterSet):
    """The 4W matrix's and the initiative list's filters."""

    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.none(), required=False
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *InitiativeType.choices]
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *InitiativeStatus.choices],
    )
    year = forms.IntegerField(
        label=_("Running in year"), required=False, min_value=1950, max_value=2100
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = Province.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["district"].queryset = _districts()  # type: ignore[attr-defined]
        leading = Organisation.objects.filter(prevention_initiatives__isnull=False)
        self.fields["organisation"].queryset = (  # type: ignore[attr-defined]
            leading.distinct().order_by("name")
        )

    def filter(self, initiatives: Any) -> Any:
        import datetime

        from django.db.models import Q

        data = self.filtering()
        if data.get("province"):
            initiatives = initiatives.filter(districts__province=data["province"]).distinct()
        if data.get("district"):
            initiatives = initiatives.filter(districts=data["district"])
        if data.get("kind"):
            initiatives = initiatives.filter(kind=data["kind"])
        if data.get("organisation"):
            initiatives = initiatives.filter(lead_organisation=data["organisation"])
        if data.get("status"):
            initiatives = initiatives.filter(status=data["status"])
        if data.get("year"):
            year = data["year"]
            initiatives = initiatives.filter(starts_on__lte=datetime.date(year, 12, 31)).filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=datetime.date(year, 1, 1))
            )
        return initiatives


class GapFilter(FilterSet):
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.none(), required=False
    )
    indicator = forms.ModelChoiceField(
        label=_("Need indicator"), queryset=Indicator.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = Province.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["indicator"].queryset = Indicator.objects.exclude(code="population").order_by(  # type: ignore[attr-defined]
            "name"
        )


# --- anonymous trust and stigma surveys -------------------------------------------------------


class SampleSizeForm(FilterSet):
    """The sample-size helper of the round planning page (read from the query string)."""

    confidence = forms.TypedChoiceField(
        label=_("Confidence level"),
        choices=[(90, "90 %"), (95, "95 %"), (99, "99 %")],
        coerce=int,
        initial=95,
    )
    margin = forms.DecimalField(
        label=_("Margin of error (± %)"),
        min_value=1,
        max_value=20,
        max_digits=4,
        decimal_places=1,
        initial=5,
    )
    population = forms.IntegerField(
        label=_("Adults in the community (optional)"),
        min_value=1,
        max_value=50_000_000,
        required=False,
        help_text=_("Given, the finite-population correction makes the sample smaller."),
    )


class SurveyRoundForm(BootstrapForm):
    organisation = forms.ModelChoiceField(
        label=_("Run by"), queryset=Organisation.objects.none(), required=False
    )
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    instrument_version: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=None
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("To"), widget=DATE)
    planned_sample = forms.IntegerField(
        label=_("Planned sample"), min_value=1, max_value=100_000, required=False
    )

    def __init__(self, *args: Any, organisations: Any, versions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["community"].queryset = Community.objects.select_related(  # type: ignore[attr-defined]
            "tehsil__district"
        ).order_by("name")
        self.fields["instrument_version"].queryset = versions  # type: ignore[attr-defined]
        self.fields["instrument_version"].label_from_instance = lambda v: (  # type: ignore[attr-defined]
            f"{v.title} (v{v.number})"
        )


class SurveyResponseForm(BootstrapForm):
    group = forms.ChoiceField(
        label=_("Respondent"),
        choices=RespondentGroup.choices,
        initial=RespondentGroup.NOT_SAID,
        help_text=_("Nothing else is asked of who answered."),
    )


class SurveyFilter(FilterSet):
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()  # type: ignore[attr-defined]
