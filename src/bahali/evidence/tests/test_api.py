"""The evidence API through the real HTTP stack (token, middleware, ninja): the same
figures as the pages, through the same services, filters and suppression; bad input is a
422 naming the field; a release downloaded through the API verifies, and one altered by a
byte does not."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

import pytest
from tests.authorization import module_world

from bahali.accounts import services as accounts
from bahali.core import suppression
from bahali.core.context import SYSTEM
from bahali.evidence import charts, ledger, oversight, recidivism, services
from bahali.evidence.indicators import INDICATORS, Filters
from bahali.evidence.tests.test_oversight import _build, _days
from bahali.testing import token_request

pytestmark = pytest.mark.django_db


def _world() -> dict[str, Any]:
    built = _build()
    w = built["world"]
    services.register_definitions(
        actor=SYSTEM, effective_from=w.today - datetime.timedelta(days=400), note="First"
    )
    built["release"] = services.publish_release(
        actor=SYSTEM,
        title="Outcomes",
        start=w.today - datetime.timedelta(days=365),
        end=w.today - datetime.timedelta(days=1),
    )
    return built


world = module_world(_world)


def _headers(client: Any, user: Any) -> dict[str, str]:
    """A bearer token for ``user`` (issued by the service: the sign-in's password hashing
    is the token endpoint's own test's business, and costs seconds here)."""
    secret = accounts.issue_api_token(actor=user, name="evidence").secret
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_from_the_sign_in_reads_the_figures(client, world):
    token = client.post(
        "/api/v1/auth/token", token_request(world["world"].analyst), "application/json"
    )
    assert token.status_code == 201, token.content
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
    assert client.get("/api/v1/evidence/indicators", **headers).status_code == 200
    assert client.get("/api/v1/evidence/indicators").status_code == 401


def test_indicators_their_definitions_and_versions(client, world):
    headers = _headers(client, world["world"].analyst)
    listed = client.get("/api/v1/evidence/indicators", **headers)
    assert listed.status_code == 200
    assert [i["code"] for i in listed.json()] == list(INDICATORS)
    one = client.get("/api/v1/evidence/indicators/closures", **headers).json()
    item = INDICATORS["closures"]
    assert one["definition"] == str(item.definition)
    assert one["fingerprint"] == item.fingerprint()
    assert [(v["number"], v["note"]) for v in one["registered"]] == [(item.version, "First")]
    assert client.get("/api/v1/evidence/indicators/nothing", **headers).status_code == 404


def test_values_are_the_pages_figures_suppressed(client, world):
    w = world["world"]
    headers = _headers(client, w.analyst)
    programme = w.programmes["centre"].pk
    url = f"/api/v1/evidence/indicators/closures/values?programme={programme}&age=adult"
    values = client.get(url, **headers).json()
    expected = INDICATORS["closures"].compute(Filters(programme=programme, age="adult")).public()
    assert values["rows"] == json.loads(json.dumps(expected["rows"]))
    assert values["filters"]["programme"] == programme and values["minimum"] == 5
    counts = client.get("/api/v1/evidence/indicators/people-in-phase/values", **headers).json()
    assert counts["total"] == "<5"  # five cases in all, some closed: small cells hidden
    assert all(row["value"] in {"<5", 0} or row["value"] >= 5 for row in counts["rows"])


def test_bad_filters_are_a_422_naming_the_field(client, world):
    headers = _headers(client, world["world"].analyst)
    for url, field in [
        ("/api/v1/evidence/indicators/closures/values?start=2026-13-40", "start"),
        ("/api/v1/evidence/indicators/closures/values?programme=abc", "programme"),
        ("/api/v1/evidence/ledger?group_by=person", "group_by"),
        ("/api/v1/evidence/survival?group_by=participant", "group_by"),
        ("/api/v1/evidence/survival?start=2026-02-01&end=2026-01-01", "end"),
    ]:
        response = client.get(url, **headers)
        assert response.status_code == 422, url
        assert response.json()["error"]["details"][0]["field"] == field, url


def test_the_ledger_and_the_curves(client, world):
    w = world["world"]
    headers = _headers(client, w.analyst)
    start = _days(w, 60).isoformat()
    shares = client.get(f"/api/v1/evidence/ledger?group_by=programme&start={start}", **headers)
    rows = shares.json()["rows"]
    expected = ledger.shown(ledger.shares(Filters(start=_days(w, 60)), "programme"))
    assert [r["group"] for r in rows] == [r["group"] for r in expected]
    assert rows[0]["decisions"] == "<5" and rows[0]["civilian"] == "<5"  # three decisions

    curves = client.get("/api/v1/evidence/survival?group_by=cohort", **headers).json()
    groups = recidivism.curves(Filters(), "cohort")
    assert [c["key"] for c in curves["curves"]] == [g.key for g in groups]
    assert curves["at_risk_months"] == recidivism.AT_RISK_MONTHS
    k = suppression.minimum()
    for curve, group in zip(curves["curves"], groups, strict=True):
        # whole months only, no number at risk per step (events could be worked out)
        visible = charts.visible_steps(group.curve.steps, k)
        assert all(set(step) == {"month", "survival", "lower", "upper"} for step in curve["steps"])
        assert all(isinstance(step["month"], int) for step in curve["steps"])
        if curve["steps"]:
            assert curve["steps"][-1]["month"] == math.ceil(visible[-1].time)
            assert curve["steps"][-1]["survival"] == round(visible[-1].survival, 4)
    assert curves["definitions"] == [str(d) for d in recidivism.DEFINITIONS]


def test_the_oversight_figures_for_the_oversight_body(client, world):
    w = world["world"]
    headers = _headers(client, w.monitor)
    start, end = _days(w, 60).isoformat(), w.today.isoformat()
    figures = client.get(f"/api/v1/evidence/oversight?start={start}&end={end}", **headers)
    assert figures.status_code == 200
    body = figures.json()
    report = oversight.build(_days(w, 60), w.today)
    assert body["gates"] == report.gates
    assert body["emergency_accesses"] == report.emergency
    assert body["consent_withdrawals"] == report.withdrawals
    assert body["long_residential_stays"] == {"cases": 2, "juveniles": 1}
    assert body["grievances"]["median_days"] == 20
    other = w.programmes["prison"].pk
    narrowed = client.get(f"/api/v1/evidence/oversight?programme={other}", **headers).json()
    assert narrowed["gates"]["decisions"] == 0 and narrowed["programme"] == other
    bad = client.get("/api/v1/evidence/oversight?start=2026-02-01&end=2026-01-01", **headers)
    assert bad.status_code == 422
    manager = _headers(client, w.manager)
    assert client.get("/api/v1/evidence/oversight", **manager).status_code == 404


def test_a_release_downloaded_verifies_and_an_altered_one_does_not(client, world):
    release = world["release"]
    headers = _headers(client, world["world"].analyst)
    listed = client.get("/api/v1/evidence/releases", **headers).json()["items"]
    assert [r["id"] for r in listed] == [release.pk]
    assert listed[0]["content_sha256"] == release.content_sha256
    content = client.get(f"/api/v1/evidence/releases/{release.pk}/release.json", **headers)
    verification = client.get(
        f"/api/v1/evidence/releases/{release.pk}/verification.json", **headers
    )
    assert content.content == release.content.encode()
    body = {"release": content.content.decode(), "verification": verification.json()}
    verdict = client.post("/api/v1/evidence/releases/verify", body, "application/json", **headers)
    assert verdict.status_code == 200
    assert verdict.json()["ok"] is True and verdict.json()["problems"] == []
    assert {d["code"] for d in verdict.json()["definitions"]} >= {"closures"}
    text = body["release"]
    altered = text.replace("1", "2", 1) if "1" in text else text + " "
    body = {"release": altered, "verification": verification.json()}
    verdict = client.post("/api/v1/evidence/releases/verify", body, "application/json", **headers)
    assert verdict.json()["ok"] is False
    assert any("altered" in problem for problem in verdict.json()["problems"])
    missing = client.get("/api/v1/evidence/releases/999999", **headers)
    assert missing.status_code == 404 and "error" in missing.json()
