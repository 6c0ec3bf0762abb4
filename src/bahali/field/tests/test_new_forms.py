"""Sessions with attendance, dialogues with disaggregated attendance and community readiness
as field forms, over HTTP as ODK Collect speaks it: each is offered only to who may fill it,
passes ODK Validate with Urdu and Pashto labels, picks its cases or communities from a
media file (codes, never names), is applied once through its app's own service, a second
copy acknowledged, a stale one queued as a conflict (resolved once), and one the user may
not make refused without saying whether the case or community exists."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import shutil
import uuid

import pytest
from defusedxml import ElementTree as ET  # type: ignore[import-untyped]
from pyxform.validators import odk_validate

from bahali.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
from bahali.assessments.services import load_builtin_instruments
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.casework.models import Attendance, Session
from bahali.communities import readiness
from bahali.communities import services as communities
from bahali.communities.models import Dialogue
from bahali.core.context import SYSTEM, acting_as
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionKind, SubmissionStatus
from bahali.field.tests.test_forms import _answers
from bahali.field.tests.test_openrosa import FORMS, MANIFEST, RESPONSE, device
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.testing import OrganisationFactory, PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    load_builtin_instruments(actor=SYSTEM)
    return PathwayWorld()


def _community(name: str, committee=None):
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code="SWT"), name=f"Tehsil of {name}"
    )
    community = geography.add_community(actor=SYSTEM, tehsil=tehsil, name=name)
    organisation = committee or OrganisationFactory(kind="community_committee")
    communities.form_committee(actor=SYSTEM, community=community, organisation=organisation)
    return community


@pytest.fixture
def village(world):
    return _community("Shah Dheri", world.committee)


def instance(form_id: str, version: str, values: dict[str, str], instance_id: str = "") -> str:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    return (
        f'<data xmlns:jr="http://openrosa.org/javarosa" id="{form_id}" version="{version}">'
        f"{body}<meta><instanceID>{instance_id}</instanceID></meta></data>"
    )


def listed(collect) -> dict[str, str]:
    response = collect.request("GET", "/openrosa/formList")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {
        entry.findtext(f"{FORMS}formID"): entry.findtext(f"{FORMS}hash")
        for entry in root.iter(f"{FORMS}xform")
    }


def media(collect, form_id: str) -> dict[str, list[dict[str, str]]]:
    """Each media file of the form's manifest, read as ODK Collect reads it."""
    response = collect.request("GET", f"/openrosa/forms/{form_id}/manifest")
    assert response.status_code == 200
    files = {}
    for entry in ET.fromstring(response.content).iter(f"{MANIFEST}mediaFile"):
        name = entry.findtext(f"{MANIFEST}filename")
        url = entry.findtext(f"{MANIFEST}downloadUrl").removeprefix("http://testserver")
        data = collect.request("GET", url)
        assert data.status_code == 200 and data["Cache-Control"] == "no-store"
        digest = hashlib.md5(data.content, usedforsecurity=False).hexdigest()
        assert entry.findtext(f"{MANIFEST}hash") == f"md5:{digest}"
        files[name] = list(csv.DictReader(io.StringIO(data.content.decode())))
    return files


def downloaded(collect, form_id: str, tmp_path) -> bytes:
    response = collect.request("GET", f"/openrosa/forms/{form_id}/form.xml")
    assert response.status_code == 200
    assert b'lang="Urdu (ur)"' in response.content and b'lang="Pashto (ps)"' in response.content
    if shutil.which("java") is not None:
        path = tmp_path / f"{form_id}.xml"
        path.write_bytes(response.content)
        odk_validate.check_xform(str(path))  # raises ODKValidateError on any error
    return response.content


def message(response) -> str:
    return ET.fromstring(response.content).findtext(f"{RESPONSE}message")


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_new_forms_pass_odk_validate_in_three_languages(world, tmp_path):
    forms = [xforms.session_form(), xforms.dialogue_form(), xforms.readiness_form()]
    for form in forms:
        assert form is not None
        xml = form.xml()
        assert b'lang="Urdu (ur)"' in xml and b'lang="Pashto (ps)"' in xml
        path = tmp_path / f"{form.form_id}.xml"
        path.write_bytes(xml)
        odk_validate.check_xform(str(path))
    # labels are translated, not English repeated under each language
    session = forms[0].xml().decode()
    urdu = session[session.index('lang="Urdu (ur)"') : session.index('lang="Pashto (ps)"')]
    assert "<value>Held on</value>" not in urdu


def test_forms_offered_only_to_who_may_fill_them(world, village):
    _credential, mentor = device(world.mentor)
    mine = listed(mentor)
    assert xforms.SESSION_FORM in mine
    # a mentor reads a community's readiness, never records it
    assert xforms.DIALOGUE_FORM not in mine and xforms.READINESS_FORM not in mine
    assert (
        mentor.request("GET", f"/openrosa/forms/{xforms.DIALOGUE_FORM}/form.xml").status_code == 404
    )
    _credential, member = device(world.committee_member)
    theirs = listed(member)
    assert xforms.DIALOGUE_FORM in theirs and xforms.READINESS_FORM in theirs
    assert xforms.SESSION_FORM not in theirs
    assert (
        member.request("GET", f"/openrosa/forms/{xforms.SESSION_FORM}/form.xml").status_code == 404
    )


# --- sessions -------------------------------------------------------------------------


def session_values(*present, absent=(), **values) -> dict[str, str]:
    every = [*present, *absent]
    return {
        "kind": "counselling",
        "format": "group" if len(every) > 1 else "individual",
        "held_on": str(values.pop("held_on", every[0].opened_on)),
        "duration_minutes": "60",
        "topic": "Anger and patience",
        "present": " ".join(c.participant.code for c in present),
        "absent": " ".join(c.participant.code for c in absent),
        "excused": "",
        "relatives": "",
        "based_on": " ".join(f"{c.participant.code}:{c.phase_id}" for c in every),
        **values,
    }


def test_group_session_over_http_applied_once_and_stale_in_conflict(world, tmp_path):
    first, second = world.case(phase="aftercare"), world.case(phase="aftercare")
    _credential, collect = device(world.mentor)
    assert xforms.SESSION_FORM in listed(collect)
    downloaded(collect, xforms.SESSION_FORM, tmp_path)
    files = media(collect, xforms.SESSION_FORM)
    rows = {row["name"]: row for row in files[xforms.CASES_CSV]}
    assert rows[first.participant.code]["stamp"] == f"{first.participant.code}:{first.phase_id}"
    assert set(files[xforms.CASES_CSV][0]) == {"name", "label", "stamp"}  # codes, no names
    assert xforms.FAMILY_CSV in files
    head = collect.request("HEAD", "/openrosa/submission")
    assert head.status_code == 204 and head["X-OpenRosa-Accept-Content-Length"]

    xml = instance(
        xforms.SESSION_FORM, xforms.SESSION_REVISION, session_values(first, absent=[second])
    )
    response = collect.submit(xml)
    assert response.status_code == 201, response.content
    assert message(response) == "Received and recorded."
    session = Session.objects.get()
    assert {(a.case_id, a.status) for a in Attendance.objects.filter(session=session)} == {
        (first.pk, "present"),
        (second.pk, "absent"),
    }
    assert session.facilitator == world.mentor
    again = collect.submit(xml)
    assert again.status_code == 201 and message(again) == "Received already; thank you."
    assert Session.objects.count() == 1 and Submission.objects.count() == 1

    # filled before the second case moved phase: waits for a person, nothing written
    other = second.programme.phases.exclude(pk=second.phase_id).first()
    stale_xml = instance(
        xforms.SESSION_FORM, xforms.SESSION_REVISION, session_values(first, absent=[second])
    )
    with acting_as(SYSTEM):
        Case.objects.filter(pk=second.pk).update(phase=other)
    stale = collect.submit(stale_xml)
    assert stale.status_code == 201 and "conflict queue" in message(stale)
    queued = Submission.objects.get(status=SubmissionStatus.CONFLICT)
    assert queued.kind == SubmissionKind.SESSION and Session.objects.count() == 1
    assert queued in services.conflicts_for(world.mentor)
    rows = services.side_by_side(queued)
    assert (f"Phase · {second.participant.code}", str(second.phase_id), str(other.pk)) in rows
    # the person deciding sees the recorded phase of the cases within their reach only
    assert services.side_by_side(queued, world.mentor) == rows
    outside = services.side_by_side(queued, world.monitor)
    phase = f"Phase · {second.participant.code}"
    assert (phase, str(second.phase_id), str(other.pk)) not in outside
    assert (
        f"Phase · {second.participant.code}",
        str(second.phase_id),
        "not within your reach",
    ) in outside
    services.resolve_conflict(
        actor=world.mentor, submission=queued, choice="field", expected_version=queued.version
    )
    assert Session.objects.count() == 2
    with pytest.raises(services.Conflict):
        queued.refresh_from_db()
        services.resolve_conflict(
            actor=world.mentor, submission=queued, choice="field", expected_version=queued.version
        )
    assert Session.objects.count() == 2


def test_family_session_records_the_relatives_who_attended(world):
    case = world.case(phase="aftercare")
    mother = casework.add_family_member(
        actor=world.mentor, case=case, relationship="mother", name="Zarmina"
    )
    _credential, collect = device(world.mentor)
    family = media(collect, xforms.SESSION_FORM)[xforms.FAMILY_CSV]
    assert family == [
        {
            "name": str(mother.pk),
            "label": f"{case.participant.code} · Mother {mother.pk}",
            "case": case.participant.code,
        }
    ]
    values = session_values(case, format="family", relatives=str(mother.pk))
    response = collect.submit(instance(xforms.SESSION_FORM, xforms.SESSION_REVISION, values))
    assert message(response) == "Received and recorded."
    assert list(Session.objects.get().family_attendees.all()) == [mother]
    # the service's own rule: a family session needs a relative — refused, kept, explained
    values = session_values(case, format="family")
    refused = collect.submit(instance(xforms.SESSION_FORM, xforms.SESSION_REVISION, values))
    assert refused.status_code == 201
    assert "A family session needs at least one relative." in message(refused)
    kept = Submission.objects.get(status=SubmissionStatus.REFUSED)
    assert "Relatives who attended" in kept.reason
    assert Session.objects.count() == 1


def test_session_for_a_case_out_of_reach_refused_alike_for_a_missing_one(world):
    case = world.case(phase="aftercare")
    _credential, outsider = device(world.outsider)  # a case worker on no team
    assert xforms.SESSION_FORM in listed(outsider)
    assert case.participant.code not in str(media(outsider, xforms.SESSION_FORM))
    reached = outsider.submit(
        instance(xforms.SESSION_FORM, xforms.SESSION_REVISION, session_values(case))
    )
    missing = outsider.submit(
        instance(
            xforms.SESSION_FORM,
            xforms.SESSION_REVISION,
            session_values(case, present="SWT-99-99999", based_on="SWT-99-99999:1"),
        )
    )
    assert reached.status_code == missing.status_code == 201
    assert message(reached) == message(missing)
    assert services.not_yours() in message(reached)
    assert Session.objects.count() == 0
    assert not Submission.objects.filter(case__isnull=False).exists()


# --- dialogues ------------------------------------------------------------------------


def dialogue_values(place, **values) -> dict[str, str]:
    return {
        "community": str(place.pk),
        "last_dialogue": "",
        "kind": "jirga",
        "held_on": str(values.pop("held_on", "2026-11-02")),
        "topic": "Return of two young men",
        "facilitator": "Maulana Rahim",
        "men": "24",
        "women": "0",
        "young_men": "9",
        "young_women": "0",
        "decisions": "Elders will visit the families.",
        "follow_ups": "",
        "follow_up_by": "",
        **values,
    }


def test_dialogue_over_http_applied_once_and_same_day_recorded_since_in_conflict(
    world, village, tmp_path
):
    _credential, collect = device(world.committee_member)
    downloaded(collect, xforms.DIALOGUE_FORM, tmp_path)
    rows = media(collect, xforms.DIALOGUE_FORM)[xforms.COMMUNITIES_CSV]
    assert rows == [
        {
            "name": str(village.pk),
            "label": f"Shah Dheri · {village.tehsil.name}",
            "last_dialogue": "",
            "readiness": "",
        }
    ]
    xml = instance(xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, dialogue_values(village))
    response = collect.submit(xml)
    assert message(response) == "Received and recorded."
    dialogue = Dialogue.objects.get()
    assert (dialogue.men, dialogue.young_men, dialogue.recorded_by) == (
        24,
        9,
        world.committee_member,
    )
    assert message(collect.submit(xml)) == "Received already; thank you."
    assert Dialogue.objects.count() == 1

    # Sana recorded the same jirga on the page; the phone's copy, filled before, waits
    filled_before = dialogue_values(village, held_on="2026-11-09", last_dialogue=str(dialogue.pk))
    on_page = communities.record_dialogue(
        actor=world.manager,
        community=village,
        kind="jirga",
        held_on=datetime.date(2026, 11, 9),
        topic="Return",
        facilitator="Sana",
        men=20,
    )
    stale = collect.submit(instance(xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, filled_before))
    assert "conflict queue" in message(stale)
    queued = Submission.objects.get(status=SubmissionStatus.CONFLICT)
    assert queued.community == village and Dialogue.objects.count() == 2
    assert queued in services.conflicts_for(world.manager)
    assert ("Facilitator", "Maulana Rahim", "Sana") in services.side_by_side(queued)
    services.resolve_conflict(
        actor=world.committee_member, submission=queued, choice="record", expected_version=1
    )
    queued.refresh_from_db()
    assert queued.status == SubmissionStatus.SET_ASIDE
    assert list(Dialogue.objects.filter(held_on=on_page.held_on)) == [on_page]
    # another day's dialogue filled on the old base is no conflict: two meetings
    later = dialogue_values(village, held_on="2026-11-16", last_dialogue=str(dialogue.pk))
    fresh = collect.submit(instance(xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, later))
    assert message(fresh) == "Received and recorded."


def test_dialogue_refusals_explained_and_other_communities_not_revealed(world, village):
    elsewhere = _community("Kabal")  # another committee's community
    _credential, collect = device(world.committee_member)
    nobody = dialogue_values(village, men="0", young_men="0")
    refused = collect.submit(instance(xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, nobody))
    assert "Record who attended: at least one person." in message(refused)
    assert Submission.objects.get().reason.startswith("Men (30 and over)")
    theirs = collect.submit(
        instance(xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, dialogue_values(elsewhere))
    )
    missing = collect.submit(
        instance(
            xforms.DIALOGUE_FORM,
            xforms.DIALOGUE_REVISION,
            dialogue_values(elsewhere, community="999999"),
        )
    )
    assert message(theirs) == message(missing)
    assert services.no_community() in message(theirs)
    assert Dialogue.objects.count() == 0
    # only the refusal in reach names its community
    assert list(Submission.objects.filter(community__isnull=False)) == [
        Submission.objects.order_by("pk").first()
    ]
    assert Submission.objects.filter(community__isnull=True).count() == 2


# --- community readiness -------------------------------------------------------------


def readiness_values(community, based_on: str = "", **values) -> dict[str, str]:
    form = xforms.readiness_form()
    definition = InstrumentVersion.objects.get(pk=form.instrument_version_id).definition
    return {
        "bahali_community": str(community.pk),
        "bahali_last_readiness": based_on,
        "bahali_assessed_on": "2026-11-02",
        **_answers(definition),
        **values,
    }


def test_readiness_over_http_applied_once_and_stale_in_conflict(world, village, tmp_path):
    form = xforms.readiness_form()
    assert form is not None
    _credential, collect = device(world.committee_member)
    assert xforms.READINESS_FORM in listed(collect)
    xml_form = downloaded(collect, xforms.READINESS_FORM, tmp_path)
    assert b"bahali_community" in xml_form and b"bahali_case" not in xml_form
    xml = instance(form.form_id, form.version, readiness_values(village))
    response = collect.submit(xml)
    assert message(response) == "Received and recorded.", message(response)
    done = readiness.history(village)
    assert len(done) == 1 and done[0].status == AssessmentStatus.COMPLETED
    assert done[0].assessor == world.committee_member
    assert Submission.objects.get().assessment == done[0]
    assert message(collect.submit(xml)) == "Received already; thank you."
    assert len(readiness.history(village)) == 1
    rows = media(collect, xforms.READINESS_FORM)[xforms.COMMUNITIES_CSV]
    assert rows[0]["readiness"] == str(done[0].pk)

    # filled on the phone before that assessment was recorded: waits, nothing written
    stale = collect.submit(instance(form.form_id, form.version, readiness_values(village)))
    assert "conflict queue" in message(stale)
    queued = Submission.objects.get(status=SubmissionStatus.CONFLICT)
    assert Assessment.objects.filter(community=village).count() == 1
    services.resolve_conflict(
        actor=world.manager, submission=queued, choice="field", expected_version=1
    )
    assert len(readiness.history(village)) == 2
    # on the current base it applies directly
    current = readiness_values(village, based_on=str(services.latest_readiness_pk(village)))
    assert message(collect.submit(instance(form.form_id, form.version, current))) == (
        "Received and recorded."
    )


def test_readiness_of_a_community_out_of_reach_or_an_old_form_refused(world, village):
    form = xforms.readiness_form()
    elsewhere = _community("Kabal")
    _credential, collect = device(world.committee_member)
    theirs = collect.submit(instance(form.form_id, form.version, readiness_values(elsewhere)))
    missing = collect.submit(
        instance(form.form_id, form.version, readiness_values(elsewhere, bahali_community="0"))
    )
    assert message(theirs) == message(missing)
    assert services.no_community() in message(theirs)
    old = collect.submit(instance(form.form_id, "0", readiness_values(village)))
    assert "A newer version of this form is in use" in message(old)
    assert not Assessment.objects.filter(community__isnull=False).exists()
