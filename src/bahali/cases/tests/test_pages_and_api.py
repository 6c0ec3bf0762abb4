"""Case pages and API through the real HTTP stack: filters, gates, refusals, scopes."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from bahali.accounts import services as accounts
from bahali.cases import due, services
from bahali.cases.models import Case, TransitionRequest
from bahali.core.context import SYSTEM, acting_as
from bahali.registry import services as registry
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def _pending(world: PathwayWorld) -> TransitionRequest:
    case = world.case("centre", phase="rehabilitation")
    return services.request_transition(
        actor=world.case_worker,
        case=case,
        transition=case.programme.transitions.get(from_phase=case.phase),
        reason="Ready for the community",
    )


def test_case_list_filters(world, signed_in):
    rehab = world.case("centre", phase="rehabilitation")
    prison = world.case("prison")
    services.record_risk_band(actor=SYSTEM, case=prison, band="high", reason="judgement")
    client = signed_in(world.manager)

    def codes(query: str) -> set[str]:
        page = client.get(f"/cases/?{query}").content.decode()
        return {c.participant.code for c in (rehab, prison) if c.participant.code in page}

    assert codes("") == {rehab.participant.code, prison.participant.code}
    assert codes(f"programme={prison.programme.code}") == {prison.participant.code}
    assert codes("phase=rehabilitation") == {rehab.participant.code}
    assert codes("risk_band=high") == {prison.participant.code}
    assert codes("waiting=on") == set()
    services.request_transition(
        actor=world.case_worker,
        case=rehab,
        transition=rehab.programme.transitions.get(from_phase=rehab.phase),
        reason="x",
    )
    assert codes("waiting=on") == {rehab.participant.code}
    assert codes("overdue=on") == set()
    with acting_as(SYSTEM):
        TransitionRequest.objects.filter(case=rehab).update(
            created_at=timezone.now() - datetime.timedelta(days=20)
        )
    due.refresh([rehab.pk])
    assert codes("overdue=on") == {rehab.participant.code}
    listed = client.get("/cases/?overdue=on").content.decode()
    assert (
        "overdue" in listed
        and (timezone.localdate() - datetime.timedelta(days=6)).isoformat() in listed
    )
    services.close_case(actor=SYSTEM, case=prison, closure="exited", note="left")
    assert codes("") == {rehab.participant.code}
    assert codes("status=closed") == {prison.participant.code}


def test_signing_through_the_page_applies_the_gate(world, signed_in):
    pending = _pending(world)
    for user in (world.psychologist, world.trainer):
        services.record_sign_off(actor=user, request=pending, decision="approve", reason="ok")
    client = signed_in(world.committee_member)
    page = client.get(f"/cases/{pending.case_id}/").content.decode()
    assert 'data-testid="sign-form"' in page
    response = client.post(
        f"/cases/{pending.case_id}/transitions/{pending.pk}/sign/",
        {"decision": "approve", "reason": "Jirga held"},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=pending.case_id)
    assert case.phase.code == "transition"


def test_sign_form_refuses_without_a_reason_and_changes_nothing(world, signed_in):
    pending = _pending(world)
    client = signed_in(world.committee_member)
    response = client.post(
        f"/cases/{pending.case_id}/transitions/{pending.pk}/sign/",
        {"decision": "approve", "reason": ""},
        follow=True,
    )
    assert "give your reason" in response.content.decode()
    assert not pending.sign_offs.exists()


def test_override_is_flagged_on_the_timeline_and_in_the_list(world, signed_in):
    pending = _pending(world)
    services.override_gate(
        actor=world.steward, request=pending, reason="Court order", reference="Order 7/2026"
    )
    client = signed_in(world.monitor)
    page = client.get(f"/cases/{pending.case_id}/").content.decode()
    assert "Gate overridden: Court order" in page and "flagged" in page
    listed = client.get("/cases/?overridden=on").content.decode()
    assert pending.case.participant.code in listed


def test_my_work_lists_sign_offs_and_objections(world, signed_in):
    pending = _pending(world)
    services.record_sign_off(
        actor=world.trainer, request=pending, decision="object", reason="Not yet"
    )
    committee = signed_in(world.committee_member).get("/cases/my-work/").content.decode()
    assert "Sign off: move to" in committee
    other = Client()
    sign_in(other, world.case_worker)
    requester = other.get("/cases/my-work/").content.decode()
    assert "Answer the objection" in requester
    # a requester who has left the case's team no longer sees it (nor its reason)
    from bahali.cases.models import TeamMember
    from bahali.core.context import SYSTEM

    for place in TeamMember.objects.filter(
        case=pending.case, membership__user=world.case_worker, left_on__isnull=True
    ):
        services.remove_team_member(actor=SYSTEM, member=place)
    assert "Answer the objection" not in other.get("/cases/my-work/").content.decode()
    listed = Client().get("/api/v1/me/work", **_bearer(world.committee_member)).json()["items"]
    sign_off = next(item for item in listed if item["kind"] == "sign_off")
    assert sign_off["case_label"] == pending.case.participant.code
    assert sign_off["where"] == pending.case.programme.label


def test_my_work_and_the_sign_off_queue_in_the_api_come_a_page_at_a_time(world):
    waiting = [_pending(world) for _ in range(3)]
    headers = _bearer(world.committee_member)
    whole = Client().get("/api/v1/me/work?limit=500", **headers).json()
    assert whole["count"] == len(whole["items"]) >= 3
    page = Client().get("/api/v1/me/work?limit=1&offset=1", **headers).json()
    assert page == {"items": whole["items"][1:2], "count": whole["count"]}
    first = Client().get("/api/v1/sign-offs?limit=2", **headers).json()
    assert first["count"] == 3
    assert [r["id"] for r in first["items"]] == [r.pk for r in waiting[:2]]
    rest = Client().get("/api/v1/sign-offs?limit=2&offset=2", **headers).json()
    assert rest == {"items": rest["items"], "count": 3}
    assert [r["id"] for r in rest["items"]] == [waiting[2].pk]
    for url in ("/api/v1/me/work?limit=0", "/api/v1/sign-offs?limit=501"):
        assert Client().get(url, **headers).status_code == 422


def test_my_work_page_comes_a_page_at_a_time(world, signed_in, monkeypatch):
    from bahali.cases import views

    monkeypatch.setattr(views, "WORK_PAGE_SIZE", 2)
    for _ in range(3):
        _pending(world)
    client = signed_in(world.committee_member)
    first = client.get("/cases/my-work/").content.decode()
    assert first.count('data-testid="work-sign_off"') == 2
    assert 'data-testid="work-count-sign_off">Sign-offs: 3<' in first
    assert 'data-testid="work-pages"' in first
    second = client.get("/cases/my-work/?page=2").content.decode()
    assert second.count('data-testid="work-sign_off"') == 1
    past = client.get("/cases/my-work/?page=99").content.decode()
    assert past.count('data-testid="work-sign_off"') == 1  # the last page
    wrong = client.get("/cases/my-work/?page=x").content.decode()
    assert wrong.count('data-testid="work-sign_off"') == 2  # the first page


def test_api_enrolment_without_consent_is_refused_and_changes_nothing(world, client):
    participant = world.participant(consent=False)
    response = client.post(
        "/api/v1/cases",
        {"participant": participant.code, "programme": "centre", "referral_source": "police"},
        content_type="application/json",
        **_bearer(world.case_worker),
    )
    assert response.status_code == 422
    assert "consent" in response.json()["error"]["details"][0]["message"]
    assert not Case.objects.filter(participant=participant).exists()


def test_api_stale_transition_is_refused(world, client):
    case = world.case("centre")
    response = client.post(
        f"/api/v1/cases/{case.pk}/transitions",
        {"to_phase": "screening", "reason": "ready", "version": case.version + 5},
        content_type="application/json",
        **_bearer(world.case_worker),
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"


def test_api_walks_a_gate(world, client):
    case = world.case("centre", phase="rehabilitation")
    made = client.post(
        f"/api/v1/cases/{case.pk}/transitions",
        {"to_phase": "transition", "reason": "ready", "version": case.version},
        content_type="application/json",
        **_bearer(world.case_worker),
    ).json()
    assert made["status"] == "pending"
    assert made["gate"]["missing_kinds"] == [
        "rehabilitation_centre",
        "civil_society",
        "community_committee",
    ]
    for user in (world.psychologist, world.trainer, world.committee_member):
        signed = client.post(
            f"/api/v1/transition-requests/{made['id']}/sign-offs",
            {"decision": "approve", "reason": "ok"},
            content_type="application/json",
            **_bearer(user),
        )
        assert signed.status_code == 201
    detail = client.get(f"/api/v1/cases/{case.pk}", **_bearer(world.liaison)).json()
    assert detail["phase"] == "transition" and detail["pending_request"] is None
    assert [h["to_phase"] for h in detail["history"]][-1] == "transition"


def test_committee_reads_the_name_only_and_only_with_sharing_consent(world, client):
    case = world.case("centre", phase="transition")
    code = case.participant.code
    url = f"/api/v1/participants/{code}/identity"
    assert client.get(url, **_bearer(world.committee_member)).status_code == 404
    registry.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose="sharing",
        share_with="community_committee",
        given_by="self",
        method="signed",
        given_on=world.today,
    )
    identity = client.get(url, **_bearer(world.committee_member)).json()
    assert identity["name"].startswith("Test Person")
    assert identity["father_name"] == "" and identity["birth_year"] is None
    full = client.get(url, **_bearer(world.case_worker)).json()
    assert full["father_name"].startswith("Father")


def test_security_liaison_never_reaches_identity_or_plan(world, client):
    case = world.case("centre")
    headers = _bearer(world.liaison)
    assert client.get(f"/api/v1/cases/{case.pk}", **headers).status_code == 200
    identity = client.get(f"/api/v1/participants/{case.participant.code}/identity", **headers)
    assert identity.status_code == 404
