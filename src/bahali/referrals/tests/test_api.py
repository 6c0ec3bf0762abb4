"""Referrals through the API: refused without consent (422, nothing written), allowed with
it, and the provider's view limited to what the referral shares."""

from __future__ import annotations

import pytest

from bahali.accounts import services as accounts
from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.referrals import services
from bahali.referrals.models import Referral
from bahali.testing import PathwayWorld, make_member

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_consent_decides_and_the_provider_sees_only_the_referral(client):
    world = PathwayWorld()
    service = services.register_service(
        actor=SYSTEM,
        provider=world.cso,
        name="CNIC desk",
        category="legal",
        districts=District.objects.filter(code="SWT"),
        contact="Saidu Sharif",
    )
    case = world.case()
    url = f"/api/v1/cases/{case.pk}/referrals"
    body = {"service_id": service.pk, "need": "Needs a CNIC"}
    refused = client.post(url, body, content_type="application/json", **_bearer(world.case_worker))
    assert refused.status_code == 422
    assert "consent" in refused.json()["error"]["details"][0]["message"]
    assert not Referral.objects.exists()
    world.registry.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose="sharing",
        share_with="civil_society",
        given_by="self",
        method="signed",
        given_on=world.today,
    )
    sent = client.post(url, body, content_type="application/json", **_bearer(world.case_worker))
    assert sent.status_code == 201 and sent.json()["status"] == "sent"
    provider = make_member(Role.CASE_WORKER, organisation=world.cso)
    received = client.get("/api/v1/referrals/received", **_bearer(provider)).json()
    assert len(received) == 1
    assert set(received[0]) == {
        "id",
        "participant_code",
        "service_id",
        "need",
        "status",
        "sent_on",
        "responded_on",
        "response_note",
        "completed_on",
        "feedback",
        "version",
    }
    assert received[0]["participant_code"] == case.participant.code
    assert client.get(url, **_bearer(provider)).status_code == 404
