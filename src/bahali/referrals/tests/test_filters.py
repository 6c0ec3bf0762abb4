"""The service directory filters the same way on the page and over the API (one
``ServiceFilter``), and a value that cannot be a filter is named, never a server error."""

from __future__ import annotations

import pytest

from bahali.accounts import services as accounts
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.referrals import services
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    world = PathwayWorld()
    for name, category, district in [
        ("Electrician course", "vocational", "SWT"),
        ("CNIC desk", "legal", "SWT"),
        ("Tailoring course", "vocational", "BJR"),
    ]:
        services.register_service(
            actor=SYSTEM,
            provider=world.cso,
            name=name,
            category=category,
            districts=District.objects.filter(code=district),
            contact="Mingora",
        )
    return world


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_the_page_and_the_api_list_the_same_services(world, signed_in):
    client = signed_in(world.case_worker)
    headers = _bearer(world.case_worker)
    names = {"Electrician course", "CNIC desk", "Tailoring course"}
    answers = {}
    for query in ["", "category=vocational", "district=SWT", "district=bjr", "category=legal"]:
        page = client.get(f"/services/?{query}")
        assert page.status_code == 200
        on_page = {name for name in names if name in page.content.decode()}
        answer = client.get(f"/api/v1/services?{query}", **headers)
        assert answer.status_code == 200
        assert on_page == {item["name"] for item in answer.json()}, query
        answers[query] = on_page
    assert answers["category=vocational"] == {"Electrician course", "Tailoring course"}
    assert answers["district=bjr"] == {"Tailoring course"}


@pytest.mark.parametrize(("field", "value"), [("category", "magic"), ("district", "X" * 11)])
def test_a_bad_filter_value_is_named_not_a_server_error(world, signed_in, field, value):
    client = signed_in(world.case_worker)
    answer = client.get("/api/v1/services", {field: value}, **_bearer(world.case_worker))
    assert answer.status_code == 422
    assert [detail["field"] for detail in answer.json()["error"]["details"]] == [field]
    page = client.get("/services/", {field: value})
    assert page.status_code == 200
    assert "is-invalid" in page.content.decode()
