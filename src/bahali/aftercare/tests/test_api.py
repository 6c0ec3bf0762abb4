"""Aftercare through the API: a check-in recorded with warnings, and the recidivism figure
that counts only verified negative events and carries its definition."""

from __future__ import annotations

import pytest

from bahali.accounts import services as accounts
from bahali.aftercare import services
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_check_in_and_recidivism(client):
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    planned = client.post(
        f"/api/v1/cases/{case.pk}/check-ins",
        {},
        content_type="application/json",
        **_bearer(world.case_worker),
    )
    assert planned.status_code == 201 and len(planned.json()) == 8
    first = planned.json()[0]
    recorded = client.post(
        f"/api/v1/check-ins/{first['id']}",
        {
            "done_on": world.today.isoformat(),
            "method": "phone",
            "wellbeing": "poor",
            "warnings": ["family_conflict"],
            "follow_up": "Family session next week.",
            "version": first["version"],
        },
        content_type="application/json",
        **_bearer(world.mentor),
    )
    assert recorded.status_code == 200 and recorded.json()["warnings"] == ["family_conflict"]
    event = services.report_outcome(
        actor=world.liaison,
        case=case,
        kind="violence",
        occurred_on=world.today,
        source="police",
        description="A fight",
    )
    url = f"/api/v1/programmes/{case.programme.code}/recidivism"
    before = client.get(url, **_bearer(world.manager)).json()
    assert before["recidivists"] == 0 and before["awaiting_verification"] == 1
    assert "verified" in before["definition"]
    client.post(
        f"/api/v1/outcomes/{event.pk}/verification",
        {"verification": "verified", "note": "FIR", "version": event.version},
        content_type="application/json",
        **_bearer(world.manager),
    )
    after = client.get(url, **_bearer(world.manager)).json()
    assert after["recidivists"] == 1 and after["returned"] == 1 and after["rate"] == 1.0


def test_an_outcome_retried_with_the_same_key_is_reported_once(client):
    """A liaison's client retries a report it never saw answered (issue 13, item 9): the
    same ``Idempotency-Key`` gets the first event back, not a second re-arrest."""
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    report = {
        "kind": "violence",
        "occurred_on": world.today.isoformat(),
        "source": "police",
        "description": "A fight",
    }
    answers = [
        client.post(
            f"/api/v1/cases/{case.pk}/outcomes",
            report,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="fir-1",
            **_bearer(world.liaison),
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201], answers[0].content
    assert answers[0].json() == answers[1].json()
    assert case.outcomes.count() == 1
