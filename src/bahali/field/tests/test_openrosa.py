"""The OpenRosa protocol end to end over HTTP, as ODK Collect speaks it (docs.getodk.org:
Form List API, Form Submission API, HTTP Request API): the Digest challenge and answer,
the form list, form and manifest download, HEAD 204 and POST 201 with the response
document; duplicates acknowledged once; stale submissions in the conflict queue, resolved
once; refusals that never say whether a case exists."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

import pytest
from defusedxml import ElementTree as ET  # type: ignore[import-untyped]
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.core.context import SYSTEM
from bahali.core.versioning import Conflict
from bahali.field import services, xforms
from bahali.field.models import Submission, SubmissionStatus
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
FORMS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE = "{http://openrosa.org/http/response}"


def md5_bytes(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class Collect:
    """An HTTP client answering Digest challenges the way ODK Collect (OkHttp) does."""

    def __init__(self, login: str, secret: str) -> None:
        self.login, self.secret = login, secret
        self.client = Client()
        self.nc = 0

    def _authorization(self, method: str, uri: str, challenge: str) -> str:
        params = dict(re.findall(r'(\w+)="?([^",]+)"?', challenge))
        assert params["qop"] == "auth"
        self.nc += 1
        nc, cnonce = f"{self.nc:08x}", uuid.uuid4().hex[:16]
        ha1 = md5(f"{self.login}:{params['realm']}:{self.secret}")
        ha2 = md5(f"{method}:{uri}")
        response = md5(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        return (
            f'Digest username="{self.login}", realm="{params["realm"]}", '
            f'nonce="{params["nonce"]}", uri="{uri}", qop=auth, nc={nc}, '
            f'cnonce="{cnonce}", response="{response}", opaque="{params["opaque"]}", '
            "algorithm=MD5"
        )

    def request(self, method: str, uri: str, **kwargs):
        call = getattr(self.client, method.lower())
        headers = {"X-OpenRosa-Version": "1.0"}
        first = call(uri, headers=headers, **kwargs)
        if first.status_code != 401:
            return first
        challenge = first["WWW-Authenticate"]
        assert challenge.startswith("Digest ")
        auth = self._authorization(method, uri, challenge)
        if "data" in kwargs and hasattr(kwargs["data"].get("xml_submission_file"), "seek"):
            kwargs["data"]["xml_submission_file"].seek(0)
        return call(uri, headers={**headers, "Authorization": auth}, **kwargs)

    def submit(self, xml: str):
        upload = SimpleUploadedFile("instance.xml", xml.encode(), content_type="text/xml")
        return self.request("POST", "/openrosa/submission", data={"xml_submission_file": upload})


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def case(world):
    case = world.case(phase="aftercare")
    aftercare.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today)
    return case


def device(user):
    credential, secret = services.create_device_credential(actor=user, label="Phone")
    return credential, Collect(credential.login, secret)


def check_in_xml(owner, check_in, *, instance=None, version=None, **values) -> str:
    fields = {
        "case": owner.participant.code,
        "checkin": str(check_in.pk),
        "checkin_version": str(check_in.version if version is None else version),
        "done_on": str(values.pop("done_on", owner.opened_on)),
        "method": "home_visit",
        "wellbeing": "fair",
        "warnings": "threats_received",
        "notes": "Visited at home",
        "follow_up": "Inform the team",
        **values,
    }
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    instance = instance or f"uuid:{uuid.uuid4()}"
    return (
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
        f'id="{xforms.CHECK_IN_FORM}" version="{xforms.CHECK_IN_REVISION}">{body}'
        f"<meta><instanceID>{instance}</instanceID></meta></data>"
    )


def test_unauthenticated_requests_get_a_digest_challenge(world):
    response = Client().get("/openrosa/formList", headers={"X-OpenRosa-Version": "1.0"})
    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Digest realm="Bahali", qop="auth"')
    assert "nonce=" in challenge and "opaque=" in challenge
    assert response["X-OpenRosa-Version"] == "1.0"


def test_wrong_secret_revoked_device_and_forged_nonce_are_challenged(world):
    credential, collect = device(world.mentor)
    assert collect.request("GET", "/openrosa/formList").status_code == 200
    wrong = Collect(credential.login, "not-the-secret")
    assert wrong.request("GET", "/openrosa/formList").status_code == 401
    forged = collect._authorization(
        "GET", "/openrosa/formList", 'nonce="x.y", realm="Bahali", qop="auth", opaque="o"'
    )
    response = Client().get("/openrosa/formList", headers={"Authorization": forged})
    assert response.status_code == 401
    services.revoke_device_credential(actor=world.mentor, credential=credential)
    assert collect.request("GET", "/openrosa/formList").status_code == 401


def test_basic_only_over_tls(world):
    credential, collect = device(world.mentor)
    token = base64.b64encode(f"{credential.login}:{collect.secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    assert Client().get("/openrosa/formList", headers=headers).status_code == 401
    assert Client().get("/openrosa/formList", headers=headers, secure=True).status_code == 200


def test_form_list_form_manifest_and_cases_media(world, case):
    _credential, collect = device(world.mentor)
    response = collect.request("GET", "/openrosa/formList")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response["X-OpenRosa-Version"] == "1.0" and response["Date"]
    root = ET.fromstring(response.content)
    assert root.tag == f"{FORMS}xforms"
    forms = {f.findtext(f"{FORMS}formID"): f for f in root.findall(f"{FORMS}xform")}
    entry = forms[xforms.CHECK_IN_FORM]
    assert entry.findtext(f"{FORMS}version") == xforms.CHECK_IN_REVISION
    download = entry.findtext(f"{FORMS}downloadUrl").removeprefix("http://testserver")
    form = collect.request("GET", download)
    assert form.status_code == 200
    assert entry.findtext(f"{FORMS}hash") == "md5:" + md5_bytes(form.content)
    assert b'lang="Urdu (ur)"' in form.content and b'lang="Pashto (ps)"' in form.content
    manifest_url = entry.findtext(f"{FORMS}manifestUrl").removeprefix("http://testserver")
    manifest = ET.fromstring(collect.request("GET", manifest_url).content)
    media = manifest.find(f"{MANIFEST}mediaFile")
    assert media.findtext(f"{MANIFEST}filename") == "cases.csv"
    csv_url = media.findtext(f"{MANIFEST}downloadUrl").removeprefix("http://testserver")
    csv = collect.request("GET", csv_url)
    assert media.findtext(f"{MANIFEST}hash") == "md5:" + md5_bytes(csv.content)
    lines = csv.content.decode().splitlines()
    assert lines[0] == "name,label,checkin,checkin_version,due_on"
    assert lines[1].startswith(case.participant.code + ",")
    assert "Test Person" not in csv.content.decode()  # pseudonymous codes only


def test_users_who_may_not_record_get_no_forms_and_no_cases(world, case):
    _credential, collect = device(world.analyst)
    root = ET.fromstring(collect.request("GET", "/openrosa/formList").content)
    assert root.findall(f"{FORMS}xform") == []
    url = f"/openrosa/forms/{xforms.CHECK_IN_FORM}/media/cases.csv"
    assert collect.request("GET", url).status_code == 404
    _credential, outsider = device(world.outsider)
    csv = outsider.request("GET", url).content.decode()
    assert case.participant.code not in csv


def test_head_pre_check(world):
    _credential, collect = device(world.mentor)
    response = collect.request("HEAD", "/openrosa/submission")
    assert response.status_code == 204
    assert response["X-OpenRosa-Version"] == "1.0"
    assert int(response["X-OpenRosa-Accept-Content-Length"]) >= 10_000_000
    assert response["Location"] == "http://testserver/openrosa/submission"


def test_submission_applied_and_duplicate_acknowledged_once(world, case):
    _credential, collect = device(world.mentor)
    check_in = case.check_ins.order_by("due_on").first()
    xml = check_in_xml(case, check_in)
    response = collect.submit(xml)
    assert response.status_code == 201
    root = ET.fromstring(response.content)
    assert root.tag == f"{RESPONSE}OpenRosaResponse"
    assert root.find(f"{RESPONSE}message").get("nature") == "submit_success"
    check_in.refresh_from_db()
    assert check_in.is_done and check_in.threats_received and check_in.recorded_by == world.mentor
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED and submission.case == case
    # the phone sends it again (no answer reached it): acknowledged, stored once
    again = collect.submit(xml)
    assert again.status_code == 201
    assert "already" in again.content.decode()
    assert Submission.objects.count() == 1
    assert CheckIn.objects.filter(case=case, done_on__isnull=False).count() == 1


def test_refusal_does_not_say_whether_the_case_exists(world, case):
    stranger = world.stranger_case()
    aftercare.plan_check_ins(actor=SYSTEM, case=stranger, starts_on=world.today)
    _credential, collect = device(world.mentor)
    other = stranger.check_ins.first()
    refused = collect.submit(check_in_xml(stranger, other))
    missing = collect.submit(
        check_in_xml(case, case.check_ins.first(), case="NOPE-0000", checkin="999999")
    )
    assert refused.status_code == missing.status_code == 201
    message = lambda r: ET.fromstring(r.content).findtext(f"{RESPONSE}message")  # noqa: E731
    assert message(refused) == message(missing)
    rows = Submission.objects.order_by("pk")
    assert [r.status for r in rows] == [SubmissionStatus.REFUSED] * 2
    assert all(r.case is None and r.reason == services.not_yours() for r in rows)
    other.refresh_from_db()
    assert not other.is_done


def test_invalid_values_refused_with_the_reason_and_nothing_written(world, case):
    _credential, collect = device(world.mentor)
    check_in = case.check_ins.first()
    collect.submit(check_in_xml(case, check_in, follow_up=""))
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.REFUSED
    assert "follow-up" in submission.reason
    check_in.refresh_from_db()
    assert not check_in.is_done


def test_unreadable_submission_is_400(world):
    _credential, collect = device(world.mentor)
    response = collect.submit("<data><not closed>")
    assert response.status_code == 400
    assert ET.fromstring(response.content).tag == f"{RESPONSE}OpenRosaResponse"


def test_same_check_in_recorded_in_the_office_goes_to_the_conflict_queue(world, case):
    """JOURNEYS.md 8.3: Sana recorded the check-in from a phone call; Yousaf's visit arrives
    later. Both wait side by side; resolving applies exactly one version, once."""
    _credential, collect = device(world.mentor)
    check_in = case.check_ins.order_by("due_on").first()
    xml = check_in_xml(case, check_in, method="home_visit")  # filled offline at version 1
    aftercare.record_check_in(
        actor=world.cso_worker,
        check_in=check_in,
        done_on=world.today,
        method="phone",
        wellbeing="good",
    )
    assert collect.submit(xml).status_code == 201
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.CONFLICT
    assert list(services.conflicts_for(world.cso_worker)) == [submission]
    assert not services.conflicts_for(world.analyst).exists()
    rows = {what: (f, r) for what, f, r in services.side_by_side(submission)}
    assert rows["Method"] == ("home_visit", "phone")
    services.resolve_conflict(
        actor=world.cso_worker, submission=submission, choice="field", expected_version=1
    )
    with pytest.raises(Conflict):
        services.resolve_conflict(
            actor=world.cso_worker, submission=submission, choice="record", expected_version=1
        )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPLIED
    done = CheckIn.objects.filter(case=case, done_on__isnull=False)
    assert sorted(done.values_list("method", flat=True)) == ["home_visit", "phone"]


def test_stale_version_conflict_kept_record(world, case):
    _credential, collect = device(world.mentor)
    check_in = case.check_ins.first()
    collect.submit(check_in_xml(case, check_in, version=check_in.version + 5))
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.CONFLICT
    services.resolve_conflict(
        actor=world.mentor, submission=submission, choice="record", expected_version=1
    )
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SET_ASIDE
    check_in.refresh_from_db()
    assert not check_in.is_done


def test_a_submission_another_user_sent_is_not_acknowledged(world, case):
    _credential, collect = device(world.mentor)
    xml = check_in_xml(case, case.check_ins.first())
    collect.submit(xml)
    _credential, other = device(world.cso_worker)
    assert other.submit(xml).status_code == 403
    assert Submission.objects.count() == 1
