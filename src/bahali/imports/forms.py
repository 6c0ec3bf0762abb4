"""The import pages' forms: the upload, the column mapping, the run and the undo."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.core.forms import BootstrapForm
from bahali.imports.services import FIELDS, MAX_BYTES


class UploadForm(BootstrapForm):
    sheet = forms.FileField(label=_("Sheet (CSV or Excel .xlsx)"))

    def clean_sheet(self) -> Any:
        sheet = self.cleaned_data["sheet"]
        if sheet.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 20 MB; split it into several sheets.")
            )
        return sheet


class MappingForm(BootstrapForm):
    """One choice per field: which column holds it, or none."""

    def __init__(
        self, *args: Any, headings: list[str], initial_mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in this sheet —")), *((heading, heading) for heading in headings)]
        for field, label in FIELDS.items():
            self.fields[field] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=initial_mapping.get(field, ""),
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def mapping(self) -> dict[str, str]:
        return {field: value for field, value in self.cleaned_data.items() if value}


class RunForm(BootstrapForm):
    only_valid = forms.BooleanField(label=_("Import only the valid rows"), required=False)


class UndoForm(BootstrapForm):
    reason = forms.CharField(label=_("Why undo this import?"), max_length=500)


class AcceptForm(BootstrapForm):
    score = forms.FloatField(
        label=_("Merge every very likely cluster scoring at least"),
        min_value=0,
        max_value=100,
        initial=30,
    )
