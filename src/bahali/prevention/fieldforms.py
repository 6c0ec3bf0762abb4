"""Prevention's field forms (issue 18): an anonymous survey round's questionnaire and a
prevention activity with its reach, filled in ODK Collect, KoboCollect or the browser and
applied through this app's services (``record_survey_response``, ``record_activity``) with
the same validation as the pages. ``field`` cannot import prevention, so these register
with ``field.extensions`` when the app is ready.

Neither can be stale: a response is one more respondent, an activity one more event (a
second copy of the same instance is recognised by ``field``). A round closed since the form
was filled, like any refusal of the service, is kept with the reason.
"""

from __future__ import annotations

import csv
import datetime
import io
from functools import lru_cache
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.assessments import definition as spec
from bahali.assessments.xlsform import write_xlsform
from bahali.field import extensions, xforms
from bahali.field.models import Submission, SubmissionKind
from bahali.prevention import services
from bahali.prevention.models import (
    REACH_FIELDS,
    ActivityKind,
    Channel,
    Initiative,
    RespondentGroup,
    SurveyRound,
)

SURVEY_PREFIX = "bahali_survey_"
ACTIVITY_FORM = "bahali_activity"
ACTIVITY_REVISION = "2026120601"
INITIATIVES_CSV = "initiatives.csv"
PLACES_CSV = "places.csv"
REACH_LABELS = {
    "female_under_15": _("Girls under 15"),
    "female_youth": _("Young women (15–29)"),
    "female_30_plus": _("Women 30 and over"),
    "male_under_15": _("Boys under 15"),
    "male_youth": _("Young men (15–29)"),
    "male_30_plus": _("Men 30 and over"),
}


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def not_yours() -> str:
    return str(
        _(
            "No survey round or initiative of yours matches this form: it may not exist, "
            "or you may not record it."
        )
    )


# --- survey rounds --------------------------------------------------------------------


def open_rounds(user: User) -> Any:
    return SurveyRound.objects.visible_to(user, "prevention_survey", "write").filter(is_open=True)


def survey_forms(user: User) -> list[xforms.FieldForm]:
    if not policies.grants(user, "prevention_survey", "write"):
        return []
    rounds = open_rounds(user).select_related("instrument_version").order_by("pk")
    return [
        xforms.FieldForm(
            f"{SURVEY_PREFIX}{survey_round.pk}",
            str(survey_round.instrument_version.number),
            SubmissionKind.SURVEY,
            survey_round.instrument_version_id,
            survey_round.pk,
        )
        for survey_round in rounds
    ]


def survey_name(form: xforms.FieldForm) -> str:
    survey_round = SurveyRound.objects.select_related("community").get(pk=form.subject_id)
    return f"{_('Survey')}: {survey_round}"


@lru_cache(maxsize=32)
def _survey_xform(round_id: int, version_id: int) -> bytes:
    """The round's questionnaire (its instrument's XLSForm) with the respondent group asked
    first — the only thing said of a respondent."""
    survey_round = SurveyRound.objects.select_related("instrument_version__instrument").get(
        pk=round_id
    )
    version = survey_round.instrument_version
    data = write_xlsform(
        version.definition,
        code=f"{SURVEY_PREFIX}{round_id}",
        kind=version.instrument.kind,
        version=version.number,
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    survey = book["survey"]
    header = [cell.value for cell in survey[1]]
    cells: list[Any] = [""] * len(header)
    cells[header.index("type")] = "select_one bahali_group"
    cells[header.index("name")] = "bahali_group"
    cells[header.index("required")] = "yes"
    for column, text in zip(xforms.columns("label"), xforms.labels(_("Respondent")), strict=True):
        cells[header.index(column)] = text
    survey.insert_rows(2)
    for number, value in enumerate(cells, start=1):
        survey.cell(row=2, column=number, value=value)
    choices = book["choices"]
    width = choices.max_column
    for value, label in RespondentGroup.choices:
        choices.append(["bahali_group", value, *xforms.labels(label)][:width])
    return xforms.to_xform(book)


def survey_xml(form: xforms.FieldForm) -> bytes:
    return _survey_xform(form.subject_id or 0, form.instrument_version_id or 0)


def apply_survey(user: User, submission: Submission, force: bool) -> None:
    values = submission.values
    round_id = _int(submission.form_id.removeprefix(SURVEY_PREFIX))
    survey_round = (
        SurveyRound.objects.visible_to(user, "prevention_survey", "write")
        .select_related("instrument_version")
        .filter(pk=round_id)
        .first()
        if round_id
        else None
    )
    if survey_round is None:
        raise PermissionDenied
    if str(survey_round.instrument_version.number) != submission.form_version:
        raise ValidationError(
            _("A newer version of this form is in use: get the new form and fill it again.")
        )
    definition = survey_round.instrument_version.definition
    answers: dict[str, Any] = {}
    for item in spec.items(definition):
        raw = values.get(item["name"], "")
        if raw:
            answers[item["name"]] = raw.split() if item["type"] == "select_multiple" else raw
    services.record_survey_response(
        actor=user, survey_round=survey_round, answers=answers, group=values.get("bahali_group", "")
    )


def survey_questions(user: User, submission: Submission) -> list[Any]:
    """A refused response's questions asked again: the respondent group, then the round's
    questionnaire (a round out of reach: the group only; sent again, it is refused alike)."""
    from bahali.field.services import Question, instrument_questions

    values = submission.values or {}
    round_id = _int(submission.form_id.removeprefix(SURVEY_PREFIX))
    survey_round = (
        SurveyRound.objects.visible_to(user, "prevention_survey", "write")
        .select_related("instrument_version")
        .filter(pk=round_id)
        .first()
        if round_id
        else None
    )
    group = Question(
        "bahali_group",
        str(_("Respondent")),
        "select",
        values.get("bahali_group", ""),
        list(RespondentGroup.choices),
        required=True,
    )
    version = survey_round.instrument_version if survey_round is not None else None
    return [group, *instrument_questions(version, values, subject="")]


# --- activities -----------------------------------------------------------------------


def initiatives(user: User) -> Any:
    return Initiative.objects.visible_to(user, "prevention_initiative", "write")


def activity_forms(user: User) -> list[xforms.FieldForm]:
    if not policies.grants(user, "prevention_initiative", "write"):
        return []
    return [xforms.FieldForm(ACTIVITY_FORM, ACTIVITY_REVISION, SubmissionKind.ACTIVITY)]


def activity_name(form: xforms.FieldForm) -> str:
    return str(_("Prevention activity"))


@lru_cache(maxsize=4)
def _activity_xform(revision: str) -> bytes:
    """An activity of an initiative picked from ``initiatives.csv``, in one of its districts
    (``places.csv``, filtered by the initiative), with whom it reached by sex and age."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        ["type", "name", *xforms.columns("label"), "required", "constraint", "choice_filter"]
    )
    initiative_label = xforms.labels(_("Initiative"))
    district_label = xforms.labels(_("District"))
    rows: list[list[Any]] = [
        [f"select_one_from_file {INITIATIVES_CSV}", "initiative", *initiative_label, "yes"],
        [
            f"select_one_from_file {PLACES_CSV}",
            "place",
            *district_label,
            "yes",
            "",
            "initiative=${initiative}",
        ],
        ["date", "held_on", *xforms.labels(_("Held on")), "yes", ". <= today()"],
        ["select_one activity_kind", "kind", *xforms.labels(_("Type")), "yes"],
        ["select_one channel", "channel", *xforms.labels(_("Channel")), "yes"],
        ["begin_group", "reach", *xforms.labels(_("Whom it reached"))],
    ]
    for name in REACH_FIELDS:
        rows.append(
            ["integer", name, *xforms.labels(REACH_LABELS[name]), "yes", ". >= 0 and . <= 1000000"]
        )
    rows.append(["end_group", "reach"])
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *xforms.columns("label")])
    for value, label in ActivityKind.choices:
        choices.append(["activity_kind", value, *xforms.labels(label)])
    for value, label in Channel.choices:
        choices.append(["channel", value, *xforms.labels(label)])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Prevention activity", ACTIVITY_FORM, revision, "English (en)"])
    return xforms.to_xform(book)


def activity_xml(form: xforms.FieldForm) -> bytes:
    return _activity_xform(form.version)


def activity_media(user: User, form: xforms.FieldForm, filename: str) -> bytes:
    """The initiatives the user may record activities of, and their districts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    found = initiatives(user).prefetch_related("districts").order_by("name", "pk")
    if filename == INITIATIVES_CSV:
        writer.writerow(["name", "label"])
        for initiative in found:
            writer.writerow([initiative.pk, initiative.name])
    else:
        writer.writerow(["name", "label", "initiative"])
        for initiative in found:
            for district in initiative.districts.all():
                writer.writerow([f"{initiative.pk}-{district.pk}", district.name, initiative.pk])
    return buffer.getvalue().encode("utf-8")


def apply_activity(user: User, submission: Submission, force: bool) -> None:
    values = submission.values
    initiative_id = _int(values.get("initiative", ""))
    initiative = initiatives(user).filter(pk=initiative_id).first() if initiative_id else None
    if initiative is None:
        raise PermissionDenied
    owner, _sep, district_id = values.get("place", "").partition("-")
    district = (
        initiative.districts.filter(pk=_int(district_id) or 0).first()
        if owner == str(initiative.pk)
        else None
    )
    reach: dict[str, int] = {}
    for name in REACH_FIELDS:
        number = _int(values.get(name, "") or "0")
        if number is None:
            raise ValidationError({name: _("Give a whole number, zero or more.")})
        reach[name] = number
    try:
        held_on = datetime.date.fromisoformat(values.get("held_on", "")[:10])
    except ValueError:
        raise ValidationError({"held_on": _("Give a date (year-month-day).")}) from None
    services.record_activity(
        actor=user,
        initiative=initiative,
        held_on=held_on,
        kind=values.get("kind", ""),
        channel=values.get("channel", ""),
        district=district,
        reach=reach,
    )


def activity_questions(user: User, submission: Submission) -> list[Any]:
    """A refused activity's questions asked again: an initiative of the user's and one of
    its districts, the date, type, channel and whom it reached."""
    from bahali.field.services import Question

    values = submission.values or {}
    found = initiatives(user).prefetch_related("districts").order_by("name", "pk")
    chosen: list[tuple[str, Any]] = [(str(i.pk), i.name) for i in found]
    places: list[tuple[str, Any]] = [
        (f"{i.pk}-{d.pk}", f"{i.name} · {d.name}") for i in found for d in i.districts.all()
    ]
    for name, options in (("initiative", chosen), ("place", places)):
        value = values.get(name, "")
        if value and value not in {option for option, _label in options}:
            options.append((value, value))  # as sent, though not (or no longer) in reach
    return [
        Question(
            "initiative",
            str(_("Initiative")),
            "select",
            values.get("initiative", ""),
            chosen,
            required=True,
        ),
        Question(
            "place", str(_("District")), "select", values.get("place", ""), places, required=True
        ),
        Question("held_on", str(_("Held on")), "date", values.get("held_on", ""), required=True),
        Question(
            "kind",
            str(_("Type")),
            "select",
            values.get("kind", ""),
            list(ActivityKind.choices),
            required=True,
        ),
        Question(
            "channel",
            str(_("Channel")),
            "select",
            values.get("channel", ""),
            list(Channel.choices),
            required=True,
        ),
        *[
            Question(name, str(REACH_LABELS[name]), "number", values.get(name, ""), required=True)
            for name in REACH_FIELDS
        ],
    ]


def register() -> None:
    nothing = Q(pk__in=[])  # neither kind is ever in conflict
    extensions.register(
        extensions.FormKind(
            kind=SubmissionKind.SURVEY,
            form_prefix=SURVEY_PREFIX,
            forms=survey_forms,
            name=survey_name,
            xml=survey_xml,
            media=(),
            media_file=lambda user, form, filename: b"",
            apply=apply_survey,
            refusal=not_yours,
            decidable=lambda user: nothing,
            questions=survey_questions,
        )
    )
    extensions.register(
        extensions.FormKind(
            kind=SubmissionKind.ACTIVITY,
            form_prefix=ACTIVITY_FORM,
            forms=activity_forms,
            name=activity_name,
            xml=activity_xml,
            media=(INITIATIVES_CSV, PLACES_CSV),
            media_file=activity_media,
            apply=apply_activity,
            refusal=not_yours,
            decidable=lambda user: nothing,
            questions=activity_questions,
        )
    )
