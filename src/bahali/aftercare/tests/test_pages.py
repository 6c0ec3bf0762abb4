"""Aftercare pages: the schedule and overdue check-ins shown, a check-in recorded with its
warnings, the committee reports an event it cannot then read, the definition of recidivism
shown wherever the figure is."""

from __future__ import annotations

import datetime

import pytest

from bahali.aftercare import services
from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
DEFINITION_WORDS = "Reported events not yet verified, and disproved events, do not count"


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def overdue_case(world):
    case = world.case(phase="aftercare")
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(opened_on=world.today - 200 * DAY)
    case.refresh_from_db()
    services.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today - 45 * DAY)
    return case


def test_schedule_and_overdue_on_the_case_and_dashboard(world, overdue_case, signed_in):
    client = signed_in(world.manager)
    page = client.get(f"/cases/{overdue_case.pk}/aftercare/").content.decode()
    assert page.count('data-testid="check-in"') == 8
    assert 'data-testid="check-in-overdue"' in page
    dashboard = client.get(f"/programmes/{overdue_case.programme.code}/aftercare/")
    text = dashboard.content.decode()
    assert overdue_case.participant.code in text
    assert 'data-testid="overdue-count">1<' in text
    assert DEFINITION_WORDS in text
    programme = client.get(f"/programmes/{overdue_case.programme.code}/").content.decode()
    assert 'data-testid="aftercare-dashboard"' in programme


def test_plan_on_the_page(world, signed_in):
    case = world.case(phase="aftercare")
    client = signed_in(world.case_worker)
    response = client.post(f"/cases/{case.pk}/aftercare/", {"starts_on": world.today.isoformat()})
    assert response.status_code == 302
    assert case.check_ins.count() == 8


def test_record_with_warnings(world, overdue_case, signed_in):
    check_in = overdue_case.check_ins.order_by("due_on").first()
    client = signed_in(world.mentor)
    url = f"/cases/{overdue_case.pk}/aftercare/{check_in.pk}/record/"
    refused = client.post(
        url,
        {
            "done_on": world.today.isoformat(),
            "method": "home_visit",
            "wellbeing": "poor",
            "warnings": ["threats_received"],
            "version": check_in.version,
        },
    )
    assert refused.status_code == 200
    assert "A warning sign needs the follow-up actions agreed." in refused.content.decode()
    client.post(
        url,
        {
            "done_on": world.today.isoformat(),
            "method": "home_visit",
            "wellbeing": "poor",
            "warnings": ["threats_received", "stigma_incident"],
            "follow_up": "Committee to speak with the neighbours.",
            "version": check_in.version,
        },
    )
    check_in.refresh_from_db()
    assert check_in.threats_received and check_in.stigma_incident
    assert CheckIn.objects.filter(case=overdue_case, is_follow_up=True).exists()
    page = client.get(f"/cases/{overdue_case.pk}/").content.decode()
    assert "Threats received" in page  # on the timeline, flagged


def test_committee_reports_and_cannot_read(world, signed_in):
    case = world.case(phase="aftercare")
    client = signed_in(world.committee_member)
    response = client.post(
        f"/cases/{case.pk}/outcomes/report/",
        {
            "kind": "community_acceptance",
            "occurred_on": world.today.isoformat(),
            "source": "committee",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert OutcomeEvent.objects.get().reported_by == world.committee_member
    assert client.get(f"/cases/{case.pk}/outcomes/").status_code == 404


def test_outcomes_tab_shows_the_definition_and_what_counts(world, signed_in):
    case = world.case(phase="aftercare")
    event = services.report_outcome(
        actor=world.liaison,
        case=case,
        kind="re_arrest",
        occurred_on=world.today,
        source="police",
        description="Arrest reported at Matta",
    )
    client = signed_in(world.manager)
    page = client.get(f"/cases/{case.pk}/outcomes/").content.decode()
    assert DEFINITION_WORDS in page and "counts as recidivism" not in page
    client.post(
        f"/cases/{case.pk}/outcomes/{event.pk}/verify/",
        {"verification": "verified", "note": "FIR seen", "version": event.version},
    )
    page = client.get(f"/cases/{case.pk}/outcomes/").content.decode()
    assert "counts as recidivism" in page
