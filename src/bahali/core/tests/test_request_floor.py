"""What every request pays before its page's own work (the middleware, signing in, the
second factor, the memberships, the layout and its navigation): a ceiling on the queries,
so a middleware or context processor that starts asking the database again fails here."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from bahali.accounts import policies
from bahali.accounts import services as accounts
from bahali.accounts.models import Membership
from bahali.accounts.roles import Role
from bahali.core import snapshots
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.testing import OrganisationFactory, PathwayWorld, make_member

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@login_required
def _layout(request: HttpRequest) -> HttpResponse:
    """The layout with nothing in it: what every page renders around its own content."""
    return render(request, "core/base.html", {})


urlpatterns = [path("floor/", _layout), path("", include("bahali.urls"))]

# the session, its user, the device that verified the second factor (for the roles that
# sign in with one), the user's active memberships with their districts' ids
SIGNED_IN = ["django_session", "accounts_user", "otp_", "accounts_membership"]


def _tables(queries: list[dict[str, Any]]) -> list[str]:
    """The table each query reads first."""
    named = []
    for query in queries:
        sql = query["sql"]
        table = sql.split(" FROM ", 1)[1].split()[0].strip('"') if " FROM " in sql else sql
        named.append(table)
    return named


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.mark.parametrize("who", ["manager", "case_worker", "committee_member", "monitor"])
def test_a_signed_in_page_asks_the_database_for_the_session_user_device_and_memberships(
    world, signed_in, who
):
    user = getattr(world, who)
    client = signed_in(user)
    assert client.get("/floor/").status_code == 200  # the session touched once after sign-in
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/floor/")
    assert response.status_code == 200
    assert b'data-testid="nav-home"' in response.content
    expected = (
        SIGNED_IN if accounts.second_factor_needed(user) else [t for t in SIGNED_IN if t != "otp_"]
    )
    tables = _tables(captured.captured_queries)
    assert len(tables) == len(expected), tables
    for table, wanted in zip(tables, expected, strict=True):
        assert table.startswith(wanted), tables


def test_the_api_asks_for_the_token_and_memberships(world, client):
    secret = accounts.issue_api_token(actor=world.case_worker, name="floor").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    case = world.case()
    url = f"/api/v1/cases/{case.pk}/check-ins"
    assert client.get(url, **auth).status_code == 200  # the token's last use recorded
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **auth).status_code == 200
    tables = _tables(captured.captured_queries)
    assert tables[:2] == ["accounts_apitoken", "accounts_membership"], tables


def test_memberships_come_with_their_districts_ids_in_one_query(world):
    swat, others = world.swat, list(District.objects.exclude(code="SWT")[:2])
    user = make_member(Role.PROGRAMME_MANAGER, organisation=world.lead, districts=["SWT"])
    second = OrganisationFactory(name="AAA first by name", kind=world.centre.kind)
    accounts.grant_membership(
        actor=SYSTEM,
        user=user,
        organisation=second,
        role=Role.CASE_WORKER,
        districts=District.objects.filter(pk__in=[d.pk for d in others]),
    )
    third = OrganisationFactory(name="ZZZ last by name", kind=world.cso.kind)
    accounts.grant_membership(
        actor=SYSTEM,
        user=user,
        organisation=third,
        role=Role.MENTOR,
        districts=District.objects.none(),
    )
    user.forget_memberships()
    with CaptureQueriesContext(connection) as captured:
        memberships = user.active_memberships()
        ids = [sorted(policies.districts_of(m)) for m in memberships]
        reach = snapshots.reach(user)  # a kept figure's key: the districts, no query more
    assert len(captured) == 1
    assert [part[3] for part in reach[1]] == [tuple(i) for i in ids]
    assert [m.organisation.name for m in memberships] == [
        "AAA first by name",
        world.lead.name,
        "ZZZ last by name",
    ]
    assert ids == [sorted(d.pk for d in others), [swat.pk], []]
    # the same as a membership loaded on its own reads from the database
    for membership in memberships:
        alone = Membership.objects.get(pk=membership.pk)
        assert sorted(policies.districts_of(alone)) == sorted(policies.districts_of(membership))
