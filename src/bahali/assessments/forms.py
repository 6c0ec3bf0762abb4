"""Forms of the assessment pages. The answers themselves are not a Django form: an
instrument's items are data, so ``answers_from_post`` reads them by the definition and the
services check them item by item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from bahali.assessments import definition as spec
from bahali.assessments.models import Band, InstrumentKind
from bahali.assessments.services import Judgement
from bahali.core.forms import BootstrapForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StartForm(BootstrapForm):
    instrument: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Instrument"), queryset=None
    )
    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=DATE_INPUT)

    def __init__(self, *args: Any, instruments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        field.queryset = instruments  # type: ignore[attr-defined]
        field.label_from_instance = lambda instrument: instrument.label  # type: ignore[attr-defined]


class ImportForm(BootstrapForm):
    """An XLSForm for a new instrument, or a new version of one the user's organisation owns."""

    workbook = forms.FileField(
        label=_("XLSForm workbook (.xlsx)"),
        help_text=_("Sheets survey, choices and settings; Bahali's columns are optional."),
    )
    instrument: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("New version of"),
        queryset=None,
        required=False,
        empty_label=_("— a new instrument —"),
    )
    code = forms.SlugField(
        label=_("Code of a new instrument"),
        max_length=40,
        required=False,
        help_text=_("Empty: the form_id of the settings sheet."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of a new instrument"),
        choices=[("", _("— from the settings sheet —")), *InstrumentKind.choices],
        required=False,
    )
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Owning organisation"), queryset=None, required=False
    )
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def __init__(self, *args: Any, instruments: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]
        self.fields["instrument"].label_from_instance = (  # type: ignore[attr-defined]
            lambda instrument: f"{instrument.label} ({instrument.code})"
        )
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["organisation"].initial = organisations.first()


class GroupByForm(forms.Form):
    by = forms.ChoiceField(
        choices=[("district", _("District")), ("age_band", _("Age band"))], required=False
    )


def answers_from_post(definition: dict[str, Any], data: QueryDict) -> dict[str, Any]:
    """The item answers posted by the fill-in page (fields ``i_<item name>``)."""
    answers: dict[str, Any] = {}
    for item in spec.items(definition):
        key = f"i_{item['name']}"
        if item["type"] == "select_multiple":
            answers[item["name"]] = data.getlist(key)
        else:
            answers[item["name"]] = data.get(key, "")
    return answers


def judgement_from_post(definition: dict[str, Any], data: QueryDict) -> Judgement:
    """Domain ratings (``d_<domain>_rating`` and ``_rationale``) and the overall judgement."""
    ratings = {
        domain["name"]: {
            "rating": data.get(f"d_{domain['name']}_rating", ""),
            "rationale": data.get(f"d_{domain['name']}_rationale", ""),
        }
        for domain in spec.rated_domains(definition)
    }
    return Judgement(
        domain_ratings=ratings,
        overall_rating=data.get("overall_rating", ""),
        overall_rationale=data.get("overall_rationale", ""),
    )


# --- assessor calibration -----------------------------------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class CalibrationRequestForm(BootstrapForm):
    second_assessor = PersonChoiceField(
        label=_("Second assessor (trained on this instrument)"), queryset=None
    )

    def __init__(self, *args: Any, assessors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["second_assessor"].queryset = assessors  # type: ignore[attr-defined]


class BlindRatingForm(BootstrapForm):
    """One rating per rated domain of the instrument, nothing else."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, domains: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in domains:
            self.fields[f"domain_{name}"] = forms.ChoiceField(
                label=label, choices=[("", "---------"), *Band.choices]
            )
            self.fields[f"domain_{name}"].widget.attrs["class"] = "form-select"

    def ratings(self) -> dict[str, str]:
        return {
            name.removeprefix("domain_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("domain_")
        }


class TrainingForm(BootstrapForm):
    user = PersonChoiceField(label=_("Assessor"), queryset=None)
    instrument: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Instrument"), queryset=None
    )
    trained_by = forms.CharField(label=_("Trained by"), max_length=200)
    trained_on = forms.DateField(label=_("Trained on"), widget=DATE_INPUT)

    def __init__(self, *args: Any, users: Any, instruments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["instrument"].queryset = instruments  # type: ignore[attr-defined]
