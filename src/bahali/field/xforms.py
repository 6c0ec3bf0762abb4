"""The forms Bahali serves to ODK Collect, KoboCollect and the browser: XForms made by
``pyxform`` from XLSForm workbooks — the aftercare check-in (built in here) and every
published instrument (its XLSForm from ``assessments.xlsform``, with the case to pick and
the judgement added) — each labelled in English, Urdu and Pashto.

A form picks its case from ``cases.csv``, a media file listing only the user's own cases by
their pseudonymous code (``openrosa.cases_csv``), and records what the submission is based
on (the check-in's version, the case's phase) so a stale submission is recognised.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from functools import lru_cache
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from pyxform.xls2xform import convert  # type: ignore[import-untyped]

from bahali.aftercare.models import WARNING_FIELDS, CheckInMethod, Wellbeing
from bahali.assessments import definition as spec
from bahali.assessments.models import Band, Instrument, InstrumentKind, InstrumentVersion
from bahali.assessments.xlsform import LANGUAGE_NAMES, write_xlsform

CHECK_IN_FORM = "bahali_checkin"
# Bumped whenever the built-in check-in form changes: devices fetch the new one.
CHECK_IN_REVISION = "2026120501"
MEETING_FORM = "bahali_mentor_meeting"
MEETING_REVISION = "2026120601"
ASSESSMENT_PREFIX = "bahali_assess_"
CASES_CSV = "cases.csv"
LANGUAGES = tuple(LANGUAGE_NAMES)


@dataclasses.dataclass(frozen=True)
class FieldForm:
    """One form as the form list describes it."""

    form_id: str
    version: str
    kind: str  # "check_in", "mentor_meeting" or "assessment"
    instrument_version_id: int | None = None

    @property
    def name(self) -> str:
        if self.kind == "check_in":
            return str(_("Aftercare check-in"))
        if self.kind == "mentor_meeting":
            return str(_("Mentor meeting"))
        version = InstrumentVersion.objects.select_related("instrument").get(
            pk=self.instrument_version_id
        )
        return f"{version.instrument} (v{version.number})"

    def xml(self) -> bytes:
        if self.kind == "check_in":
            return _check_in_xform(self.version)
        if self.kind == "mentor_meeting":
            return _meeting_xform(self.version)
        return _instrument_xform(self.instrument_version_id or 0)

    def md5(self) -> str:
        return hashlib.md5(self.xml(), usedforsecurity=False).hexdigest()


def check_in_form() -> FieldForm:
    return FieldForm(CHECK_IN_FORM, CHECK_IN_REVISION, "check_in")


def meeting_form() -> FieldForm:
    return FieldForm(MEETING_FORM, MEETING_REVISION, "mentor_meeting")


def instrument_form(version: InstrumentVersion) -> FieldForm:
    return FieldForm(
        f"{ASSESSMENT_PREFIX}{version.instrument.code}",
        str(version.number),
        "assessment",
        version.pk,
    )


def assessment_forms() -> list[FieldForm]:
    """One form per instrument in use for cases (not community readiness or anonymous
    surveys), at its current published version."""
    forms = []
    instruments = (
        Instrument.objects.filter(is_active=True)
        .exclude(kind__in=[InstrumentKind.READINESS, InstrumentKind.SURVEY])
        .order_by("kind", "code")
    )
    for instrument in instruments:
        version = instrument.current_version()
        if version is not None:
            forms.append(instrument_form(version))
    return forms


def _labels(message: Any) -> list[str]:
    """A label in each of the form's languages."""
    texts = []
    for code in LANGUAGES:
        with translation.override(code):
            texts.append(str(message))
    return texts


def _columns(base: str) -> list[str]:
    return [f"{base}::{LANGUAGE_NAMES[code]}" for code in LANGUAGES]


def _to_xform(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    result = convert(xlsform=buffer.getvalue(), file_type=".xlsx", warnings=[])
    return result.xform.encode("utf-8")


@lru_cache(maxsize=8)
def _check_in_xform(revision: str) -> bytes:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        ["type", "name", *_columns("label"), "required", "calculation", "relevant", "constraint"]
    )
    rows: list[list[Any]] = [
        ["select_one_from_file cases.csv", "case", *_labels(_("Case code")), "yes"],
        [
            "calculate",
            "checkin",
            "",
            "",
            "",
            "",
            "instance('cases')/root/item[name=${case}]/checkin",
        ],
        [
            "calculate",
            "checkin_version",
            "",
            "",
            "",
            "",
            "instance('cases')/root/item[name=${case}]/checkin_version",
        ],
        [
            "date",
            "done_on",
            *_labels(_("Held on")),
            "yes",
            "",
            "",
            ". <= today()",
        ],
        ["select_one method", "method", *_labels(_("Method")), "yes"],
        ["select_one wellbeing", "wellbeing", *_labels(_("Wellbeing")), "yes"],
        ["select_multiple warnings", "warnings", *_labels(_("Warning signs")), ""],
        ["text", "notes", *_labels(_("Notes")), ""],
        [
            "text",
            "follow_up",
            *_labels(_("Follow-up actions")),
            "yes",
            "",
            "${warnings} != ''",
        ],
    ]
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *_columns("label")])
    for value, label in CheckInMethod.choices:
        choices.append(["method", value, *_labels(label)])
    for value, label in Wellbeing.choices:
        choices.append(["wellbeing", value, *_labels(label)])
    for value, label in WARNING_FIELDS:
        choices.append(["warnings", value, *_labels(label)])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    with translation.override("en"):
        title = str(_("Aftercare check-in"))
    settings.append([title, CHECK_IN_FORM, revision, LANGUAGE_NAMES["en"]])
    return _to_xform(book)


@lru_cache(maxsize=8)
def _meeting_xform(revision: str) -> bytes:
    """A mentor's meeting with the participant (``casework.log_mentor_meeting``): the case
    picked from ``cases.csv`` gives the ongoing mentor assignment it is logged under."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", *_columns("label"), "required", "calculation", "constraint"])
    rows: list[list[Any]] = [
        ["select_one_from_file cases.csv", "case", *_labels(_("Case code")), "yes"],
        [
            "calculate",
            "assignment",
            "",
            "",
            "",
            "",
            "instance('cases')/root/item[name=${case}]/assignment",
        ],
        ["date", "met_on", *_labels(_("Met on")), "yes", "", ". <= today()"],
        [
            "integer",
            "duration_minutes",
            *_labels(_("Duration (minutes)")),
            "yes",
            "",
            ". > 0 and . <= 1440",
        ],
        ["text", "place", *_labels(_("Place")), "yes"],
        ["text", "summary", *_labels(_("Summary")), "yes"],
        ["select_one yes_no", "concerns", *_labels(_("Concerns raised")), "yes"],
    ]
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *_columns("label")])
    choices.append(["yes_no", "no", *_labels(_("No"))])
    choices.append(["yes_no", "yes", *_labels(_("Yes"))])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    with translation.override("en"):
        title = str(_("Mentor meeting"))
    settings.append([title, MEETING_FORM, revision, LANGUAGE_NAMES["en"]])
    return _to_xform(book)


@lru_cache(maxsize=64)
def _instrument_xform(instrument_version_id: int) -> bytes:
    version = InstrumentVersion.objects.select_related("instrument").get(pk=instrument_version_id)
    instrument = version.instrument
    definition = version.definition
    data = write_xlsform(
        definition,
        code=f"{ASSESSMENT_PREFIX}{instrument.code}",
        kind=instrument.kind,
        version=version.number,
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    survey = book["survey"]
    header = [cell.value for cell in survey[1]]
    width = len(header)
    for extra in ("calculation",):
        if extra not in header:
            header.append(extra)
            survey.cell(row=1, column=len(header), value=extra)
            width = len(header)

    def row(**values: Any) -> list[Any]:
        cells: list[Any] = [""] * width
        for name, value in values.items():
            if name.startswith("label"):
                for code, text in zip(LANGUAGES, value, strict=True):
                    cells[header.index(f"label::{LANGUAGE_NAMES[code]}")] = text
            else:
                cells[header.index(name)] = value
        return cells

    first = [
        row(
            type="select_one_from_file cases.csv",
            name="bahali_case",
            label=_labels(_("Case code")),
            required="yes",
        ),
        row(
            type="calculate",
            name="bahali_phase",
            calculation="instance('cases')/root/item[name=${bahali_case}]/phase",
        ),
        row(
            type="date", name="bahali_assessed_on", label=_labels(_("Assessed on")), required="yes"
        ),
    ]
    survey.insert_rows(2, amount=len(first))
    for offset, cells in enumerate(first):
        for column, value in enumerate(cells, start=1):
            survey.cell(row=2 + offset, column=column, value=value)
    rated = spec.rated_domains(definition)
    if rated or definition.get("overall"):
        survey.append(
            row(type="begin_group", name="bahali_judgement", label=_labels(_("Judgement")))
        )
        for domain in rated:
            name = domain["name"]
            labels = [spec.label(domain.get("label"), code) for code in LANGUAGES]
            rationale = _labels(_("Rationale"))
            survey.append(
                row(
                    type="select_one bahali_band",
                    name=f"rating_{name}",
                    label=labels,
                    required="yes",
                )
            )
            survey.append(
                row(
                    type="text",
                    name=f"rationale_{name}",
                    label=[f"{text} — {r}" for text, r in zip(labels, rationale, strict=True)],
                    required="yes",
                )
            )
        if definition.get("overall"):
            survey.append(
                row(
                    type="select_one bahali_band",
                    name="overall_rating",
                    label=_labels(_("Overall judgement")),
                    required="yes",
                )
            )
            survey.append(
                row(
                    type="text",
                    name="overall_rationale",
                    label=_labels(_("Rationale of the overall judgement")),
                    required="yes",
                )
            )
        survey.append(row(type="end_group"))
    choices = book["choices"]
    choice_width = choices.max_column
    for value, label in Band.choices:
        choices.append(["bahali_band", value, *_labels(label)][:choice_width])
    return _to_xform(book)
