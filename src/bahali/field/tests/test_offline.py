"""The offline page's server side: each user's offline form key (its private half sealed, never
sent), forms arriving encrypted the way the page encrypts them (RSA-OAEP-wrapped AES-GCM,
the key id as associated data) opened and applied, anything else refused with nothing
stored; the web app manifest; the page offering the check-in and each instrument."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import Client

from bahali.accounts.roles import Role
from bahali.aftercare import services as aftercare
from bahali.assessments.services import load_builtin_instruments
from bahali.core.context import SYSTEM
from bahali.field import services, xforms
from bahali.field.models import DraftKey, Submission, SubmissionStatus
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


def envelope(key: DraftKey, xml: str, *, key_id: str | None = None) -> dict[str, str]:
    """What offline.js sends: the form sealed as the browser seals it (WebCrypto)."""
    public = serialization.load_der_public_key(base64.b64decode(key.public_key))
    aes, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
    key_id = key_id or str(key.key_id)
    data = AESGCM(aes).encrypt(iv, xml.encode(), key_id.encode())
    wrapped = public.encrypt(  # type: ignore[union-attr]
        aes,
        padding.OAEP(
            mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        ),
    )
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return {"key_id": key_id, "wrapped": encode(wrapped), "iv": encode(iv), "data": encode(data)}


@pytest.fixture
def world():
    return PathwayWorld()


def _check_in_xml(case, check_in) -> str:
    return services.instance_xml(
        xforms.CHECK_IN_FORM,
        xforms.CHECK_IN_REVISION,
        {
            "case": case.participant.code,
            "checkin": str(check_in.pk),
            "checkin_version": str(check_in.version),
            "done_on": str(case.opened_on),
            "method": "home_visit",
            "wellbeing": "good",
            "warnings": "",
            "notes": "Fine",
            "follow_up": "",
        },
        f"uuid:{uuid.uuid4()}",
    )


def test_the_key_is_made_once_and_its_private_half_is_sealed(world):
    key = services.draft_key_for(actor=world.mentor)
    assert services.draft_key_for(actor=world.mentor).pk == key.pk
    assert "PRIVATE KEY" in key.private_key
    stored = DraftKey.objects.filter(pk=key.pk).values_list("sealed_private_key", flat=True)[0]
    assert "PRIVATE KEY" not in stored and "MII" not in stored[:10]
    assert services.draft_key_for(actor=world.case_worker).pk != key.pk


def test_the_page_gives_the_public_half_only(client, world):
    case = world.case(phase="aftercare")
    aftercare.plan_check_ins(actor=SYSTEM, case=case)
    assert sign_in(client, world.mentor).status_code == 302
    text = client.get("/field/offline/").content.decode()
    key = DraftKey.objects.get(user=world.mentor)
    assert key.public_key in text and str(key.key_id) in text
    assert "PRIVATE" not in text and 'rel="manifest"' in text


def test_an_encrypted_form_is_opened_and_applied(client, world):
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    key = services.draft_key_for(actor=world.mentor)
    assert sign_in(client, world.mentor).status_code == 302
    response = client.post("/field/offline/submit/", envelope(key, _check_in_xml(case, check_in)))
    assert response.status_code == 201, response.content
    assert Submission.objects.get().status == SubmissionStatus.APPLIED


def test_another_users_key_or_a_changed_byte_is_refused_and_nothing_stored(client, world):
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    theirs = services.draft_key_for(actor=world.mentor)
    mine = services.draft_key_for(actor=world.case_worker)
    assert sign_in(client, world.case_worker).status_code == 302
    xml = _check_in_xml(case, check_in)
    response = client.post("/field/offline/submit/", envelope(theirs, xml))
    assert response.status_code == 400 and "not yours" in response.json()["message"]
    changed = envelope(mine, xml)
    changed["data"] = base64.b64encode(b"x" + base64.b64decode(changed["data"])[1:]).decode()
    assert client.post("/field/offline/submit/", changed).status_code == 400
    wrong_id = envelope(mine, xml, key_id=str(uuid.uuid4()))
    assert client.post("/field/offline/submit/", wrong_id).status_code == 400
    assert (
        client.post("/field/offline/submit/", {**changed, "key_id": "nonsense"}).status_code == 400
    )
    assert not Submission.objects.exists()


def test_the_offline_page_offers_each_instrument(client, world):
    load_builtin_instruments(actor=SYSTEM)
    world.case(phase="aftercare")
    assert sign_in(client, world.mentor).status_code == 302
    text = client.get("/field/offline/").content.decode()
    assert f'data-enketo-form="{xforms.CHECK_IN_FORM}"' in text
    assert f'data-enketo-form="{xforms.ASSESSMENT_PREFIX}needs"' in text
    assert 'name="/data/bahali_assessed_on"' in text
    assert 'src="/static/vendor/enketo/enketo.js"' in text


def test_the_drafts_key_is_the_users_own_made_from_the_offline_form_key(client, world):
    world.case(phase="aftercare")
    assert sign_in(client, world.mentor).status_code == 302
    response = client.get("/field/offline/draft-key/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    key = services.draft_key_for(actor=world.mentor)
    assert body["key_id"] == str(key.key_id)
    secret = base64.b64decode(body["key"])
    assert len(secret) == 32 and secret == services.draft_secret(key)
    assert client.get("/field/offline/draft-key/").json() == body  # the same every time
    # another user's: another key; the page the service worker keeps never holds it
    assert services.draft_secret(services.draft_key_for(actor=world.case_worker)) != secret
    assert body["key"] not in client.get("/field/offline/").content.decode()


def test_no_drafts_key_for_whoever_fills_no_field_form(client, world):
    steward = world.user_for(Role.DATA_STEWARD)
    assert sign_in(client, steward).status_code == 302
    assert client.get("/field/offline/draft-key/").status_code == 404


def test_the_web_app_manifest_needs_no_session_and_names_the_offline_page():
    response = Client().get("/field/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    body = response.json()
    assert body["start_url"] == "/field/offline/" and body["scope"] == "/field/"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    urdu = Client().get("/field/manifest.webmanifest", headers={"Accept-Language": "ur"})
    assert urdu.json()["lang"] == "ur" and urdu.json()["dir"] == "rtl"
