"""The grievance queue filters the same way on the page and over the API (one
``GrievanceFilter``), and a value that cannot be a filter is named, never a server error."""

from __future__ import annotations

import datetime

import pytest

from bahali.accounts import services as accounts
from bahali.core.context import SYSTEM, acting_as
from bahali.grievances import services
from bahali.grievances.models import Channel, Grievance
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    """Three grievances: one open, one open and past its time limits, one resolved."""
    world = PathwayWorld()
    for category in ("mistreatment", "support_not_paid", "other"):
        services.lodge_grievance(
            actor=SYSTEM,
            channel=Channel.PUBLIC_FORM,
            category=category,
            complainant="family",
            description=f"A complaint about {category}.",
        )
    late = Grievance.objects.get(category="support_not_paid")
    with acting_as(SYSTEM):  # backdating is a write like any other: recorded
        Grievance.objects.filter(pk=late.pk).update(
            acknowledge_by=world.today - datetime.timedelta(days=1)
        )
    services.resolve_grievance(
        actor=world.monitor,
        grievance=Grievance.objects.get(category="other"),
        finding="not_upheld",
        resolution="Looked into; nothing found.",
    )
    return world


def _bearer(user) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_the_page_and_the_api_list_the_same_grievances(world, signed_in):
    client = signed_in(world.monitor)
    headers = _bearer(world.monitor)
    references = set(Grievance.objects.values_list("reference", flat=True))
    answers = {}
    queries = ["", "status=overdue", "status=resolved", "status=all", "category=mistreatment"]
    for query in queries:
        page = client.get(f"/grievances/?{query}")
        assert page.status_code == 200
        on_page = {ref for ref in references if ref in page.content.decode()}
        answer = client.get(f"/api/v1/grievances?{query}", **headers)
        assert answer.status_code == 200
        assert on_page == {item["reference"] for item in answer.json()}, query
        answers[query] = {Grievance.objects.get(reference=ref).category for ref in on_page}
    assert answers[""] == {"mistreatment", "support_not_paid"}
    assert answers["status=overdue"] == {"support_not_paid"}
    assert answers["status=resolved"] == {"other"}
    assert len(answers["status=all"]) == 3


@pytest.mark.parametrize(("field", "value"), [("status", "sleeping"), ("category", "x" * 41)])
def test_a_bad_filter_value_is_named_not_a_server_error(world, signed_in, field, value):
    client = signed_in(world.monitor)
    answer = client.get("/api/v1/grievances", {field: value}, **_bearer(world.monitor))
    assert answer.status_code == 422
    assert [detail["field"] for detail in answer.json()["error"]["details"]] == [field]
    page = client.get("/grievances/", {field: value})
    assert page.status_code == 200
    assert "is-invalid" in page.content.decode()
