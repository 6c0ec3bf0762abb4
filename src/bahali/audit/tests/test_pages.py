"""The audit trail page: filters, paging and the verify button."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_monitor_filters_the_trail(member, signed_in):
    OrganisationFactory(name="Filter me")
    monitor = member(Role.OVERSIGHT_MONITOR)
    client = signed_in(monitor)
    page = client.get("/audit/?object_type=organisations.organisation").content.decode()
    assert "Filter me" in page
    page = client.get(f"/audit/?action=auth.sign_in&actor={monitor.username}").content.decode()
    assert "auth.sign_in" in page and "Filter me" not in page
    page = client.get("/audit/?since=2000-01-01&until=2000-01-02").content.decode()
    assert "No events match." in page
    assert client.get("/audit/?since=not-a-date&page=zzz").status_code == 200


def test_verify_button_checks_and_records(member, signed_in):
    client = signed_in(member(Role.OVERSIGHT_MONITOR))
    response = client.post("/audit/verify/", HTTP_HX_REQUEST="true")
    assert b'data-testid="verify-ok"' in response.content
    assert AuditEvent.objects.filter(action="audit.verified").exists()


def test_trail_pages(member, signed_in):
    for n in range(60):
        OrganisationFactory(name=f"Paged {n}")
    client = signed_in(member(Role.OVERSIGHT_MONITOR))
    first = client.get("/audit/").content.decode()
    assert "Page 1 of" in first
    assert "Page 2 of" in client.get("/audit/?page=2").content.decode()


def test_an_operation_is_shown_as_a_unit(member, signed_in):
    """Each event links to every event of its operation; the filtered page shows only those."""
    from bahali.core.context import operation

    with operation("a" * 32):
        OrganisationFactory(name="Written together 1")
        OrganisationFactory(name="Written together 2")
    OrganisationFactory(name="Written apart")
    client = signed_in(member(Role.OVERSIGHT_MONITOR))
    page = client.get("/audit/").content.decode()
    assert f'href="/audit/?operation={"a" * 32}"' in page
    page = client.get(f"/audit/?operation={'a' * 32}").content.decode()
    assert "Written together 1" in page and "Written together 2" in page
    assert "Written apart" not in page
    assert 'data-testid="operation-filter"' in page and "2 events" in page
    for bad in ("not-hex", "a" * 33):
        response = client.get(f"/audit/?operation={bad}")
        assert response.status_code == 200 and "No events match." in response.content.decode()
    # a control character in the address is refused before the page runs
    assert client.get("/audit/?operation=%00").status_code == 400


def test_the_trail_asks_the_same_few_queries_for_5_or_50_events(member, signed_in):
    """A query ceiling: one page of the trail reads its events in one query, whatever they
    show (each row's operation link is worked out once for the table)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(member(Role.OVERSIGHT_MONITOR))
    counts = []
    for total in (5, 60):
        while AuditEvent.objects.filter(action="create").count() < total:
            OrganisationFactory()
        client.get("/audit/?action=create")
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/audit/?action=create").content.decode()
        assert page.count('data-testid="operation-link"') == min(total, 50)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 8, counts
