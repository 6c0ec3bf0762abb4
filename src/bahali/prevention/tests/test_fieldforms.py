"""Prevention's survey rounds and activities as field forms, over HTTP as ODK Collect speaks
it: offered to the organisation running them, valid for ODK Validate in three languages,
applied once through ``record_survey_response`` / ``record_activity``, a second copy
acknowledged, a refusal kept with the reason, and one for a round or initiative out of reach
refused without saying whether it exists."""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import uuid

import pytest
from defusedxml import ElementTree as ET  # type: ignore[import-untyped]
from pyxform.validators import odk_validate

from bahali.assessments import services as assessments
from bahali.assessments.models import Instrument
from bahali.core.context import SYSTEM
from bahali.field.models import Submission, SubmissionStatus
from bahali.field.tests.test_openrosa import FORMS, RESPONSE, device
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.prevention import fieldforms, services
from bahali.prevention.models import Activity, Initiative, SurveyRound
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
ANSWERS = {
    "programme_fair": "agree",
    "programme_safe": "agree",
    "government_listens": "neutral",
    "initiative_helps": "agree",
    "avoid_returnees": "disagree",
    "no_work": "disagree",
}


@pytest.fixture
def world() -> PathwayWorld:
    assessments.load_builtin_instruments(actor=SYSTEM)
    return PathwayWorld()


def _initiative(lead) -> Initiative:
    return services.create_initiative(
        actor=SYSTEM,
        data=services.InitiativeData(
            name="Skills for Peace",
            lead_organisation=lead,
            kind="livelihood",
            districts=list(District.objects.filter(code__in=("SWT", "BNR"))),
            starts_on=datetime.date(2025, 1, 1),
        ),
    )


def _round(lead) -> SurveyRound:
    district = District.objects.get(code="SWT")
    tehsil = geography.add_tehsil(actor=SYSTEM, district=district, name="Matta")
    community = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shah Dheri")
    today = datetime.date.today()  # noqa: DTZ011 (a period around today)
    return services.plan_survey_round(
        actor=SYSTEM,
        organisation=lead,
        community=community,
        instrument_version=Instrument.objects.get(code="trust_stigma").current_version(),
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=20),
    )


def _instance(form_id: str, version: str, values: dict[str, str], instance_id: str = "") -> str:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return (
        f'<data id="{form_id}" version="{version}">{body}'
        f"<meta><instanceID>{instance_id or f'uuid:{uuid.uuid4()}'}</instanceID></meta></data>"
    )


def _listed(collect) -> set[str]:
    response = collect.request("GET", "/openrosa/formList")
    return {
        e.findtext(f"{FORMS}formID") for e in ET.fromstring(response.content).iter(f"{FORMS}xform")
    }


def _message(response) -> str:
    assert response.status_code == 201
    return ET.fromstring(response.content).findtext(f"{RESPONSE}message")


def _activity(owner, **values) -> dict[str, str]:
    district = District.objects.get(code="SWT")
    return {
        "initiative": str(owner.pk),
        "place": f"{owner.pk}-{district.pk}",
        "held_on": "2026-11-02",
        "kind": "session",
        "channel": "in_person",
        "female_under_15": "0",
        "female_youth": "12",
        "female_30_plus": "3",
        "male_under_15": "0",
        "male_youth": "15",
        "male_30_plus": "4",
        **values,
    }


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_prevention_forms_pass_odk_validate_in_three_languages(world, tmp_path):
    survey_round = _round(world.cso)
    forms = fieldforms.survey_forms(world.cso_worker) + fieldforms.activity_forms(world.cso_worker)
    assert {f.form_id for f in forms} == {
        f"{fieldforms.SURVEY_PREFIX}{survey_round.pk}",
        fieldforms.ACTIVITY_FORM,
    }
    for form in forms:
        xml = form.xml()
        assert b'lang="Urdu (ur)"' in xml and b'lang="Pashto (ps)"' in xml
        path = tmp_path / f"{form.form_id}.xml"
        path.write_bytes(xml)
        odk_validate.check_xform(str(path))


def test_activity_over_http_applied_once_and_out_of_reach_refused_alike(world):
    mine = _initiative(world.cso)
    theirs = _initiative(world.centre)
    _credential, collect = device(world.cso_worker)
    assert fieldforms.ACTIVITY_FORM in _listed(collect)
    manifest = collect.request("GET", f"/openrosa/forms/{fieldforms.ACTIVITY_FORM}/manifest")
    assert b"initiatives.csv" in manifest.content and b"places.csv" in manifest.content
    listed = collect.request(
        "GET", f"/openrosa/forms/{fieldforms.ACTIVITY_FORM}/media/{fieldforms.INITIATIVES_CSV}"
    )
    rows = list(csv.DictReader(io.StringIO(listed.content.decode())))
    assert rows == [{"name": str(mine.pk), "label": "Skills for Peace"}]  # not the centre's
    xml = _instance(fieldforms.ACTIVITY_FORM, fieldforms.ACTIVITY_REVISION, _activity(mine))
    assert _message(collect.submit(xml)) == "Received and recorded."
    activity = Activity.objects.get()
    assert (activity.initiative, activity.reach, activity.district.code) == (mine, 34, "SWT")
    assert _message(collect.submit(xml)) == "Received already; thank you."
    assert Activity.objects.count() == 1
    # the service's own rule: someone reached — refused, kept with the reason
    nobody = _activity(mine, female_youth="0", female_30_plus="0", male_youth="0")
    nobody["male_30_plus"] = "0"
    refused = collect.submit(
        _instance(fieldforms.ACTIVITY_FORM, fieldforms.ACTIVITY_REVISION, nobody)
    )
    assert "Count at least one person reached." in _message(refused)
    assert Submission.objects.filter(status=SubmissionStatus.REFUSED).count() == 1
    out_of_reach = collect.submit(
        _instance(fieldforms.ACTIVITY_FORM, fieldforms.ACTIVITY_REVISION, _activity(theirs))
    )
    missing = collect.submit(
        _instance(
            fieldforms.ACTIVITY_FORM,
            fieldforms.ACTIVITY_REVISION,
            _activity(theirs, initiative="999999"),
        )
    )
    assert _message(out_of_reach) == _message(missing)
    assert fieldforms.not_yours() in _message(out_of_reach)
    assert Activity.objects.count() == 1


def test_survey_response_over_http_applied_once_and_refused_once_the_round_closed(world):
    survey_round = _round(world.cso)
    form_id = f"{fieldforms.SURVEY_PREFIX}{survey_round.pk}"
    version = str(survey_round.instrument_version.number)
    _credential, collect = device(world.cso_worker)
    assert form_id in _listed(collect)
    _credential, centre = device(world.case_worker)  # another organisation's round
    assert form_id not in _listed(centre)
    _credential, member = device(world.committee_member)
    assert not {form_id, fieldforms.ACTIVITY_FORM} & _listed(member)

    xml = _instance(form_id, version, {"bahali_group": "women", **ANSWERS})
    assert _message(collect.submit(xml)) == "Received and recorded."
    assert _message(collect.submit(xml)) == "Received already; thank you."
    survey_round.refresh_from_db()
    assert survey_round.respondents == 1
    refused = centre.submit(_instance(form_id, version, {"bahali_group": "men", **ANSWERS}))
    assert fieldforms.not_yours() in _message(refused)
    services.close_survey_round(actor=SYSTEM, survey_round=survey_round)
    late = collect.submit(_instance(form_id, version, {"bahali_group": "men", **ANSWERS}))
    assert "This round is closed; it takes no more responses." in _message(late)
    survey_round.refresh_from_db()
    assert survey_round.respondents == 1


def test_a_refused_activity_is_corrected_and_applied_once_by_its_submitter_only(world):
    from django.core.exceptions import PermissionDenied

    from bahali.field import services as field

    mine = _initiative(world.cso)
    nobody = _activity(mine, female_youth="0", female_30_plus="0", male_youth="0")
    nobody["male_30_plus"] = "0"
    refused, _new = field.receive_submission(
        actor=world.cso_worker,
        xml=_instance(fieldforms.ACTIVITY_FORM, fieldforms.ACTIVITY_REVISION, nobody).encode(),
    )
    assert refused.status == SubmissionStatus.REFUSED
    assert field.correctable(world.cso_worker).filter(pk=refused.pk).exists()
    questions = {q.name: q for q in field.correction_questions(refused)}
    assert questions["initiative"].choices == [(str(mine.pk), "Skills for Peace")]
    assert {"place", "held_on", "kind", "channel", "male_youth"} <= set(questions)
    with pytest.raises(PermissionDenied):  # only the submitter corrects
        field.correct_submission(
            actor=world.case_worker,
            submission=refused,
            answers={"male_youth": "5"},
            expected_version=refused.version,
        )
    corrected = field.correct_submission(
        actor=world.cso_worker,
        submission=refused,
        answers={"male_youth": "5"},
        expected_version=refused.version,
    )
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    assert Activity.objects.get().reach == 5
    with pytest.raises(PermissionDenied):  # corrected once
        field.correct_submission(
            actor=world.cso_worker,
            submission=refused,
            answers={"male_youth": "6"},
            expected_version=refused.version,
        )
    assert Activity.objects.count() == 1


def test_a_refused_survey_response_is_corrected_and_counted_once(world):
    from bahali.field import services as field

    survey_round = _round(world.cso)
    form_id = f"{fieldforms.SURVEY_PREFIX}{survey_round.pk}"
    version = str(survey_round.instrument_version.number)
    xml = _instance(form_id, version, {"bahali_group": "nobody", **ANSWERS}).encode()
    refused, _new = field.receive_submission(actor=world.cso_worker, xml=xml)
    assert refused.status == SubmissionStatus.REFUSED
    names = [q.name for q in field.correction_questions(refused)]
    assert names[0] == "bahali_group" and set(ANSWERS) <= set(names)
    corrected = field.correct_submission(
        actor=world.cso_worker,
        submission=refused,
        answers={"bahali_group": "women"},
        expected_version=refused.version,
    )
    assert corrected.status == SubmissionStatus.APPLIED, corrected.reason
    survey_round.refresh_from_db()
    assert survey_round.respondents == 1
