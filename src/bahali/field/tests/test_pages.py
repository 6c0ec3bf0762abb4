"""The field pages: a device login shown once, revoked; the participant card carries the
pseudonymous code and its QR code only; the conflict page shows both versions and resolves."""

from __future__ import annotations

import uuid

import pytest

from bahali.aftercare import services as aftercare
from bahali.core.context import SYSTEM
from bahali.field import services, xforms
from bahali.field.models import DeviceCredential, Submission, SubmissionStatus
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


def _sign_in(client, user):
    assert sign_in(client, user).status_code == 302


def test_device_login_shown_once_then_revoked(client):
    world = PathwayWorld()
    _sign_in(client, world.mentor)
    page = client.post("/field/devices/", {"label": "Yousaf's phone"}, follow=True)
    credential = DeviceCredential.objects.get(user=world.mentor)
    text = page.content.decode()
    assert 'data-testid="device-secret"' in text and credential.login in text
    assert "/openrosa" in text
    again = client.get("/field/devices/").content.decode()
    assert 'data-testid="device-secret"' not in again
    client.post(f"/field/devices/{credential.pk}/revoke/")
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert client.post("/field/devices/", {"label": ""}).status_code == 200  # named, or refused


def test_card_has_the_code_and_qr_only(client):
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    _sign_in(client, world.mentor)
    text = client.get(f"/field/card/{case.pk}/").content.decode()
    assert case.participant.code in text and "<svg" in text
    assert "Test Person" not in text


def test_conflict_page_side_by_side_and_resolved_once(client):
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    xml = (
        f'<data id="{xforms.CHECK_IN_FORM}" version="{xforms.CHECK_IN_REVISION}">'
        f"<case>{case.participant.code}</case><checkin>{check_in.pk}</checkin>"
        f"<checkin_version>{check_in.version}</checkin_version><done_on>{case.opened_on}"
        "</done_on><method>home_visit</method><wellbeing>fair</wellbeing><warnings/><notes/>"
        f"<follow_up/><meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    ).encode()
    aftercare.record_check_in(
        actor=world.cso_worker,
        check_in=check_in,
        done_on=world.today,
        method="phone",
        wellbeing="good",
    )
    submission, _new = services.receive_submission(actor=world.mentor, xml=xml)
    assert submission.status == SubmissionStatus.CONFLICT
    _sign_in(client, world.cso_worker)
    assert "conflict-row" in client.get("/field/conflicts/").content.decode()
    text = client.get(f"/field/conflicts/{submission.pk}/").content.decode()
    assert "home_visit" in text and "phone" in text
    url = f"/field/conflicts/{submission.pk}/"
    assert client.post(url, {"choice": "record", "version": 1}).status_code == 302
    assert client.post(url, {"choice": "field", "version": 1}).status_code == 404
    assert Submission.objects.get().status == SubmissionStatus.SET_ASIDE
    log = client.get("/field/submissions/").content.decode()
    assert "submission-row" not in log  # the office worker sees only their own submissions


def test_the_case_page_links_to_the_participant_card(client):
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    _sign_in(client, world.case_worker)
    text = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="card-link"' in text and f"/field/card/{case.pk}/" in text
