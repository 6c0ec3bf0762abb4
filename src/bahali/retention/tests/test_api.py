"""The retention API: the same services as the pages, codes only, refusals in the one error
shape (422 for bad input, 409 for a stale version), nothing changed by a refusal."""

from __future__ import annotations

import datetime

import pytest

from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.retention.models import LegalHold, RetentionRule
from bahali.testing import PathwayWorld, token_request

pytestmark = pytest.mark.django_db


def test_rules_due_and_holds_through_the_api(client):
    world = PathwayWorld()
    case = world.case()
    cases.close_case(actor=SYSTEM, case=case, closure="exited", note="Moved away.")
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(
            closed_on=world.today - datetime.timedelta(days=12 * 366)
        )
    token = client.post("/api/v1/auth/token", token_request(world.steward), "application/json")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
    code = world.programmes["centre"].code
    url = f"/api/v1/retention/rules/{code}"

    bad = client.put(
        url, {"identity_years": 2, "notes_years": 5, "version": 0}, "application/json", **headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "notes_years"
    assert not RetentionRule.objects.exists()
    assert client.get("/api/v1/retention/due", **headers).json() == []  # no rule, nothing due
    saved = client.put(
        url, {"identity_years": 10, "notes_years": 5, "version": 0}, "application/json", **headers
    )
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = client.put(
        url, {"identity_years": 9, "notes_years": 5, "version": 0}, "application/json", **headers
    )
    assert stale.status_code == 409

    due = client.get("/api/v1/retention/due", **headers).json()
    assert [(d["participant"], d["scope"], d["held"]) for d in due] == [
        (case.participant.code, "identity", False)
    ]
    assert "name" not in str(due).lower()
    placed = client.post(
        "/api/v1/retention/holds",
        {"participant": case.participant.code, "reference": "FIR 4", "reason": "Trial."},
        "application/json",
        **headers,
    )
    assert placed.status_code == 201
    assert client.get("/api/v1/retention/due", **headers).json()[0]["held"] is True
    hold = LegalHold.objects.get()
    listed = client.get("/api/v1/retention/holds", **headers).json()
    assert listed["items"][0]["participant"] == case.participant.code
    lifted = client.post(
        f"/api/v1/retention/holds/{hold.pk}/lift",
        {"reason": "Over.", "version": 1},
        "application/json",
        **headers,
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_on"]
