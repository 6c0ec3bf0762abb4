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
from bahali.field import extensions

CHECK_IN_FORM = "bahali_checkin"
# Bumped whenever the built-in check-in form changes: devices fetch the new one.
CHECK_IN_REVISION = "2026120602"
MEETING_FORM = "bahali_mentor_meeting"
MEETING_REVISION = "2026120602"
SESSION_FORM = "bahali_session"
SESSION_REVISION = "2026120601"
DIALOGUE_FORM = "bahali_dialogue"
DIALOGUE_REVISION = "2026120601"
READINESS_FORM = "bahali_readiness"
ASSESSMENT_PREFIX = "bahali_assess_"
CASES_CSV = "cases.csv"
FAMILY_CSV = "family.csv"
COMMUNITIES_CSV = "communities.csv"
LANGUAGES = tuple(LANGUAGE_NAMES)


@dataclasses.dataclass(frozen=True)
class FieldForm:
    """One form as the form list describes it."""

    form_id: str
    version: str
    # "check_in", "mentor_meeting", "assessment", "session", "dialogue" or "readiness"
    kind: str
    instrument_version_id: int | None = None
    subject_id: int | None = None  # a registered kind's own (a survey round)

    @property
    def media(self) -> tuple[str, ...]:
        """The lookup files the form reads (its manifest lists them)."""
        if self.kind in extensions.REGISTERED:
            return extensions.REGISTERED[self.kind].media
        if self.kind == "session":
            return (CASES_CSV, FAMILY_CSV)
        if self.kind in ("dialogue", "readiness"):
            return (COMMUNITIES_CSV,)
        return (CASES_CSV,)

    @property
    def name(self) -> str:
        if self.kind == "check_in":
            return str(_("Aftercare check-in"))
        if self.kind == "mentor_meeting":
            return str(_("Mentor meeting"))
        if self.kind == "session":
            return str(_("Session with attendance"))
        if self.kind == "dialogue":
            return str(_("Community dialogue"))
        if self.kind in extensions.REGISTERED:
            return extensions.REGISTERED[self.kind].name(self)
        version = InstrumentVersion.objects.select_related("instrument").get(
            pk=self.instrument_version_id
        )
        return f"{version.instrument} (v{version.number})"

    def xml(self) -> bytes:
        if self.kind == "check_in":
            return _check_in_xform(self.version)
        if self.kind == "mentor_meeting":
            return _meeting_xform(self.version)
        if self.kind == "session":
            return _session_xform(self.version)
        if self.kind == "dialogue":
            return _dialogue_xform(self.version)
        if self.kind == "readiness":
            return _instrument_xform(self.instrument_version_id or 0, subject="community")
        if self.kind in extensions.REGISTERED:
            return extensions.REGISTERED[self.kind].xml(self)
        return _instrument_xform(self.instrument_version_id or 0)

    def md5(self) -> str:
        return hashlib.md5(self.xml(), usedforsecurity=False).hexdigest()


def check_in_form() -> FieldForm:
    return FieldForm(CHECK_IN_FORM, CHECK_IN_REVISION, "check_in")


def meeting_form() -> FieldForm:
    return FieldForm(MEETING_FORM, MEETING_REVISION, "mentor_meeting")


def session_form() -> FieldForm:
    return FieldForm(SESSION_FORM, SESSION_REVISION, "session")


def dialogue_form() -> FieldForm:
    return FieldForm(DIALOGUE_FORM, DIALOGUE_REVISION, "dialogue")


def readiness_form() -> FieldForm | None:
    """The community readiness instrument at its current published version (none: no form)."""
    instrument = (
        Instrument.objects.filter(kind=InstrumentKind.READINESS, is_active=True)
        .order_by("-is_builtin", "code")
        .first()
    )
    version = instrument.current_version() if instrument is not None else None
    if version is None:
        return None
    return FieldForm(READINESS_FORM, str(version.number), "readiness", version.pk)


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


def labels(message: Any) -> list[str]:
    """A label in each of the form's languages (for registered forms)."""
    return _labels(message)


def columns(base: str) -> list[str]:
    """A column per language (``label::Urdu (ur)``…), for registered forms."""
    return _columns(base)


def to_xform(book: Any) -> bytes:
    """An XLSForm workbook made an XForm by pyxform (for registered forms)."""
    return _to_xform(book)


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
def _instrument_xform(instrument_version_id: int, subject: str = "case") -> bytes:
    """An instrument's form: of a case picked from ``cases.csv`` (with its phase, to see a
    stale submission), or — community readiness — of a community picked from
    ``communities.csv`` (with its latest readiness assessment)."""
    version = InstrumentVersion.objects.select_related("instrument").get(pk=instrument_version_id)
    instrument = version.instrument
    definition = version.definition
    data = write_xlsform(
        definition,
        code=READINESS_FORM if subject == "community" else f"{ASSESSMENT_PREFIX}{instrument.code}",
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

    if subject == "community":
        subject_rows = [
            row(
                type=f"select_one_from_file {COMMUNITIES_CSV}",
                name="bahali_community",
                label=_labels(_("Community")),
                required="yes",
            ),
            row(
                type="calculate",
                name="bahali_last_readiness",
                calculation="instance('communities')/root/item[name=${bahali_community}]/readiness",
            ),
        ]
    else:
        subject_rows = [
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
        ]
    first = [
        *subject_rows,
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


def _choices_sheet(book: Any, lists: list[tuple[str, Any]]) -> None:
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *_columns("label")])
    for list_name, options in lists:
        for value, label in options:
            choices.append([list_name, value, *_labels(label)])


def _settings_sheet(book: Any, title: Any, form_id: str, revision: str) -> None:
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    with translation.override("en"):
        english = str(title)
    settings.append([english, form_id, revision, LANGUAGE_NAMES["en"]])


@lru_cache(maxsize=8)
def _session_xform(revision: str) -> bytes:
    """A session delivered (``casework.record_session``): its kind and format, and who
    attended — each participant present, absent or excused, picked from ``cases.csv`` by
    code, and for a family session the relatives (``family.csv``: relationship and the
    participant's code, never a name). ``based_on`` keeps each picked case's phase as the
    form saw it (``code:phase``), so a case that moved on is seen as stale."""
    from bahali.casework.models import SessionFormat, SessionKind

    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        [
            "type",
            "name",
            *_columns("label"),
            "required",
            "relevant",
            "constraint",
            "calculation",
            "choice_filter",
        ]
    )
    attended = "concat(${present}, ' ', ${absent}, ' ', ${excused})"
    rows: list[list[Any]] = [
        ["select_one session_kind", "kind", *_labels(_("Kind")), "yes"],
        ["select_one session_format", "format", *_labels(_("Format")), "yes"],
        ["date", "held_on", *_labels(_("Held on")), "yes", "", ". <= today()"],
        [
            "integer",
            "duration_minutes",
            *_labels(_("Duration (minutes)")),
            "yes",
            "",
            ". > 0 and . <= 1440",
        ],
        ["text", "topic", *_labels(_("Topic")), ""],
        [f"select_multiple_from_file {CASES_CSV}", "present", *_labels(_("Present")), ""],
        [f"select_multiple_from_file {CASES_CSV}", "absent", *_labels(_("Absent")), ""],
        [f"select_multiple_from_file {CASES_CSV}", "excused", *_labels(_("Excused")), ""],
        [
            f"select_multiple_from_file {FAMILY_CSV}",
            "relatives",
            *_labels(_("Relatives who attended")),
            "yes",
            "${format} = 'family'",
            "",
            "",
            f"selected({attended}, case)",
        ],
        [
            "calculate",
            "based_on",
            "",
            "",
            "",
            "",
            "",
            "",
            f"join(' ', instance('cases')/root/item[selected({attended}, name)]/stamp)",
        ],
    ]
    for row in rows:
        survey.append(row)
    _choices_sheet(
        book,
        [("session_kind", SessionKind.choices), ("session_format", SessionFormat.choices)],
    )
    _settings_sheet(book, _("Session with attendance"), SESSION_FORM, revision)
    return _to_xform(book)


@lru_cache(maxsize=8)
def _dialogue_xform(revision: str) -> bytes:
    """A jirga or community meeting (``communities.record_dialogue``) with its attendance by
    sex and age band, of a community picked from ``communities.csv``; ``last_dialogue``
    keeps the community's latest dialogue as the form saw it (the same meeting recorded
    since, on another device or the page, is seen as stale)."""
    from bahali.communities.models import DialogueKind
    from bahali.communities.services import MAX_ATTENDANCE

    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        ["type", "name", *_columns("label"), "required", "relevant", "constraint", "calculation"]
    )
    count = f". >= 0 and . <= {MAX_ATTENDANCE}"
    rows: list[list[Any]] = [
        [
            f"select_one_from_file {COMMUNITIES_CSV}",
            "community",
            *_labels(_("Community")),
            "yes",
        ],
        [
            "calculate",
            "last_dialogue",
            "",
            "",
            "",
            "",
            "",
            "",
            "instance('communities')/root/item[name=${community}]/last_dialogue",
        ],
        ["select_one dialogue_kind", "kind", *_labels(_("Kind")), "yes"],
        ["date", "held_on", *_labels(_("Held on")), "yes", "", ". <= today()"],
        ["text", "topic", *_labels(_("Topic")), "yes"],
        ["text", "facilitator", *_labels(_("Facilitator")), "yes"],
        ["begin_group", "attendance", *_labels(_("Who attended"))],
        ["integer", "men", *_labels(_("Men (30 and over)")), "yes", "", count],
        ["integer", "women", *_labels(_("Women (30 and over)")), "yes", "", count],
        ["integer", "young_men", *_labels(_("Young men (under 30)")), "yes", "", count],
        ["integer", "young_women", *_labels(_("Young women (under 30)")), "yes", "", count],
        ["end_group", "attendance"],
        ["text", "decisions", *_labels(_("Decisions")), ""],
        ["text", "follow_ups", *_labels(_("Follow-ups")), ""],
        [
            "date",
            "follow_up_by",
            *_labels(_("Follow-ups due")),
            "",
            "${follow_ups} != ''",
            ". >= ${held_on}",
        ],
    ]
    for row in rows:
        survey.append(row)
    _choices_sheet(book, [("dialogue_kind", DialogueKind.choices)])
    _settings_sheet(book, _("Community dialogue"), DIALOGUE_FORM, revision)
    return _to_xform(book)
