"""Retention pages: the dry-run list, rules edited with clear refusals, holds placed and lifted,
in English and Urdu."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import translation

from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.registry import services as registry
from bahali.registry.models import Participant
from bahali.retention import services
from bahali.retention.models import LegalHold, RetentionRule
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return PathwayWorld()


def _old_closed_case(world: PathwayWorld) -> Case:
    case = world.case()
    cases.close_case(actor=SYSTEM, case=case, closure="exited", note="Moved away.")
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(
            closed_on=world.today - datetime.timedelta(days=6 * 366)
        )
    return Case.objects.get(pk=case.pk)


def _rule(world: PathwayWorld) -> RetentionRule:
    return services.save_rule(
        actor=SYSTEM,
        programme=world.programmes["centre"],
        identity_years=5,
        notes_years=2,
        expected_version=0,
    )


def test_the_dry_run_page_lists_what_would_go_and_what_is_held(client, world):
    _rule(world)
    due, held = _old_closed_case(world), _old_closed_case(world)
    services.place_hold(
        actor=SYSTEM, participant=held.participant, reason="Trial.", reference="FIR 2/2026"
    )
    sign_in(client, world.steward)
    page = client.get("/retention/due/").content.decode()
    listed = page.split('data-testid="due-list"')[1].split("</ul>")[0]
    kept = page.split('data-testid="held-list"')[1].split("</ul>")[0]
    assert due.participant.code in listed and held.participant.code not in listed
    assert held.participant.code in kept and "FIR 2/2026" in kept
    assert 'data-testid="run-now"' in page
    assert f'data-testid="hold-{due.participant.code}"' in listed  # hold it from here
    # the page changed nothing
    assert registry.open_identity(Participant.objects.get(pk=due.participant.pk)).name


def test_running_from_the_page_anonymises_through_a_job(client, world):
    _rule(world)
    due = _old_closed_case(world)
    sign_in(client, world.steward)
    response = client.post("/retention/due/run/")
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    assert registry.open_identity(Participant.objects.get(pk=due.participant.pk)).name == ""
    after = client.get("/retention/due/").content.decode()
    assert 'data-testid="due-none"' in after
    assert due.participant.code in after.split('data-testid="erasures"')[1]


def test_a_rule_is_set_and_bad_input_changes_nothing(client, world):
    sign_in(client, world.steward)
    url = f"/retention/rules/{world.programmes['centre'].code}/"
    refused = client.post(url, {"identity_years": 2, "notes_years": 5, "version": 0})
    assert refused.status_code == 200
    assert "Notes cannot be kept longer than identity" in refused.content.decode()
    refused = client.post(url, {"identity_years": "ten", "notes_years": 5, "version": 0})
    assert refused.status_code == 200 and b'data-testid="field-error"' in refused.content
    assert not RetentionRule.objects.exists()
    saved = client.post(url, {"identity_years": 10, "notes_years": 5, "version": 0})
    assert saved.status_code == 302
    stale = client.post(url, {"identity_years": 9, "notes_years": 5, "version": 0})
    assert stale.status_code == 200 and b'data-testid="form-error"' in stale.content
    rule = RetentionRule.objects.get()
    assert (rule.identity_years, rule.notes_years) == (10, 5)
    listing = client.get("/retention/").content.decode()
    assert "10 years after closure" in listing


def test_holds_are_placed_and_lifted_from_the_page(client, world):
    case = _old_closed_case(world)
    sign_in(client, world.steward)
    missing = client.post(
        "/retention/holds/new/", {"participant": case.participant.code, "reason": ""}, follow=True
    )
    assert not LegalHold.objects.exists() and b"alert" in missing.content
    client.post(
        "/retention/holds/new/",
        {"participant": case.participant.code.lower(), "reference": "FIR 3", "reason": "Trial."},
    )
    hold = LegalHold.objects.get()
    assert hold.placed_by == world.steward and hold.standing
    oversight = Client()
    sign_in(oversight, world.monitor)  # oversight sees the hold on the participant's page
    shown = oversight.get(f"/participants/{case.participant.code}/").content
    assert b'data-testid="legal-hold"' in shown and b"FIR 3" in shown
    client.post(f"/retention/holds/{hold.pk}/lift/", {"lift_reason": "Over.", "version": 1})
    hold.refresh_from_db()
    assert hold.lifted_on is not None and hold.lifted_by == world.steward
    again = client.post(
        f"/retention/holds/{hold.pk}/lift/", {"lift_reason": "Over.", "version": 1}, follow=True
    )
    assert again.status_code == 200
    hold.refresh_from_db()
    assert hold.version == 2


def test_the_pages_speak_urdu(client, world):
    _rule(world)
    sign_in(client, world.steward)
    client.cookies["django_language"] = "ur"
    for url in ("/retention/", "/retention/due/", "/retention/holds/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ur")
        assert response.status_code == 200
        assert 'dir="rtl"' in response.content.decode()
    translation.activate("en")


def test_an_anonymised_participant_still_opens_without_identity(client, world):
    _rule(world)
    case = _old_closed_case(world)
    services.run_due(actor=SYSTEM)
    sign_in(client, world.case_worker)
    code = case.participant.code
    page = client.get(f"/participants/{code}/")
    assert page.status_code == 200 and b'data-testid="anonymised"' in page.content
    identity = client.get(f"/participants/{code}/identity/")
    assert identity.status_code == 200
    assert b"Test Person" not in identity.content and b"Father " not in identity.content
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_the_dry_run_costs_the_same_queries_for_2_people_as_for_6(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _rule(world)
    for _ in range(2):
        _old_closed_case(world)
    with CaptureQueriesContext(connection) as few:
        assert len(services.due()) == 2
    for _ in range(4):
        _old_closed_case(world)
    with CaptureQueriesContext(connection) as many:
        assert len(services.due()) == 6
    assert len(many.captured_queries) == len(few.captured_queries)
