from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.programmes.models import Phase

INSTRUMENT_CHOICES = [
    ("screening", _("Screening and eligibility")),
    ("factors", _("Factors that drew the person in")),
    ("needs", _("Needs")),
    ("progress", _("Progress / risk (structured professional judgement)")),
    ("community_readiness", _("Community readiness")),
]


class VersionedForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgrammeForm(VersionedForm):
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    name_ur = forms.CharField(label=_("Name (Urdu)"), max_length=120, required=False)
    name_ps = forms.CharField(label=_("Name (Pashto)"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    districts = forms.ModelMultipleChoiceField(
        District.objects.all(), label=_("Districts"), required=False
    )
    aftercare_months = forms.IntegerField(
        label=_("Aftercare length (months)"), min_value=0, max_value=120
    )
    pledge_at_enrolment = forms.BooleanField(
        label=_("Pledge required at enrolment"), required=False
    )
    is_active = forms.BooleanField(label=_("Taking new cases"), required=False)
    statistics_consent_required = forms.BooleanField(
        label=_("Count a person in anonymous figures only with their consent to statistical use"),
        required=False,
    )


class PhaseForm(VersionedForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120)
    name_ur = forms.CharField(label=_("Name (Urdu)"), max_length=120, required=False)
    name_ps = forms.CharField(label=_("Name (Pashto)"), max_length=120, required=False)
    order = forms.IntegerField(label=_("Position"), min_value=0, max_value=32000)
    is_entry = forms.BooleanField(label=_("Cases may be enrolled into this phase"), required=False)
    is_final = forms.BooleanField(label=_("Final: reaching it completes the case"), required=False)
    is_aftercare = forms.BooleanField(label=_("Aftercare phase"), required=False)
    requires_consent = forms.BooleanField(label=_("Participation consent required"), required=False)
    requires_pledge = forms.BooleanField(label=_("Pledge required"), required=False)
    instruments = forms.MultipleChoiceField(
        choices=INSTRUMENT_CHOICES,
        label=_("Default instruments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reassess_every_days = forms.IntegerField(
        label=_("Reassess progress every (days)"),
        min_value=1,
        max_value=730,
        required=False,
        help_text=_("Empty: no scheduled reassessment in this phase."),
    )
    is_residential = forms.BooleanField(
        label=_("Residential: the person lives at a centre, in prison or at a halfway house"),
        required=False,
    )
    expected_days = forms.IntegerField(
        label=_("Expected length (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Stays longer than this are shown to the oversight body. Empty: no limit."),
    )


class TransitionForm(VersionedForm):
    from_phase = forms.ModelChoiceField(Phase.objects.none(), label=_("From"))
    to_phase = forms.ModelChoiceField(Phase.objects.none(), label=_("To"))
    required_kinds = forms.MultipleChoiceField(
        choices=OrganisationKind.choices,
        label=_("Organisation kinds that must approve"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    approvals_required = forms.IntegerField(
        label=_("Approvals required in all"),
        min_value=0,
        max_value=20,
        help_text=_("0 with no kinds: the move applies when requested."),
    )
    objection_blocks = forms.BooleanField(
        label=_("One objection blocks until answered"), required=False
    )

    def __init__(self, *args: Any, programme: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        phases = programme.phases.all() if programme is not None else Phase.objects.none()
        for name in ("from_phase", "to_phase"):
            self.fields[name].queryset = phases  # type: ignore[attr-defined]
