"""The organisation directory: search, filter, HTMX partials, members for stewards only."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.organisations.models import OrganisationKind
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_search_and_filter(member, signed_in):
    OrganisationFactory(name="Aman Welfare", kind=OrganisationKind.CIVIL_SOCIETY)
    OrganisationFactory(name="Matta Committee", kind=OrganisationKind.COMMUNITY_COMMITTEE)
    client = signed_in(member(Role.CASE_WORKER))
    page = client.get("/organisations/?q=aman").content.decode()
    assert "Aman Welfare" in page and "Matta Committee" not in page
    page = client.get("/organisations/?kind=community_committee").content.decode()
    assert "Matta Committee" in page and "Aman Welfare" not in page
    partial = client.get("/organisations/?q=matta", HTTP_HX_REQUEST="true").content.decode()
    assert "Matta Committee" in partial and "<html" not in partial


def test_list_queries_do_not_grow_with_rows(member, signed_in, django_assert_max_num_queries):
    client = signed_in(member(Role.CASE_WORKER))
    for n in range(30):
        OrganisationFactory(name=f"Org {n}")
    with django_assert_max_num_queries(12):
        assert client.get("/organisations/").status_code == 200


def test_members_show_only_to_the_organisations_steward(member, signed_in):
    lead = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY, name="Lead")
    steward = member(Role.DATA_STEWARD, organisation=lead)
    manager = member(Role.PROGRAMME_MANAGER, organisation=lead)
    client = signed_in(steward)
    page = client.get(f"/organisations/{lead.pk}/").content.decode()
    assert 'data-testid="org-members"' in page
    assert manager.get_full_name() in page
    client.post("/accounts/sign-out/")
    client = signed_in(manager)
    assert b'data-testid="org-members"' not in client.get(f"/organisations/{lead.pk}/").content
