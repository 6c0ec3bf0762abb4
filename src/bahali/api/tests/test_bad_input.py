"""Bad input is refused with a clear 4xx and changes nothing: each case that answered 500.

Measured before (issue 12): a NUL byte in JSON text or in a URL value (PostgreSQL), unknown
or over-long ``languages``, ``starts_on: 9999-12-01`` on check-ins (both databases), a
``limit`` or ``offset`` past 64 bits, an attendance ``case_id`` of 2^64 (SQLite). Forms keep
the same bounds as the API (``bahali.core.inputs``), with a form error instead of a 422.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import pydantic
import pytest
from django import forms
from django.db import transaction

from bahali.accounts import services as accounts
from bahali.aftercare.models import CheckIn
from bahali.api.pagination import MAX_PAGE_SIZE
from bahali.api.schemas import Schema
from bahali.casework.models import Goal, Session
from bahali.core.forms import BootstrapForm
from bahali.core.inputs import Years
from bahali.registry.models import Participant
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db

HUGE = 2**64
NUL = "\x00"


@dataclass
class World:
    world: PathwayWorld
    case: Any
    returned: Any  # a case in aftercare, with no check-ins planned
    auth: dict[str, str]  # the programme manager's token
    worker_auth: dict[str, str]  # the case worker's token


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module, rolled back at its end; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        cast = PathwayWorld()

        def bearer(user: Any) -> dict[str, str]:
            secret = accounts.issue_api_token(actor=user, name="bad input").secret
            return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

        yield World(
            world=cast,
            case=cast.case(),
            returned=cast.case(phase="aftercare"),
            auth=bearer(cast.manager),
            worker_auth=bearer(cast.case_worker),
        )
        transaction.set_rollback(True)


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def _fields(error: dict[str, Any]) -> set[str]:
    """The fields named, without the body's parameter name (``payload.title`` → ``title``)."""
    return {detail["field"].removeprefix("payload.").split(".")[0] for detail in error["details"]}


def _post(client: Any, url: str, data: Any, auth: dict[str, str]) -> Any:
    return client.post(url, data, content_type="application/json", **auth)


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", f"Electri{NUL}cian"),
        ("interventions", f"Weekly{NUL}"),
        ("title", "Bell\x07"),
        ("interventions", "Escape \x1b[31m"),
        ("title", "C1 \x85 control"),
        ("title", "Lone \ud800 surrogate"),  # refused by the JSON reader itself
    ],
)
def test_control_characters_in_json_text_are_refused(client, world, field, value):
    payload = {"domain": "vocational", "title": "Electrician", field: value}
    response = _post(client, f"/api/v1/cases/{world.case.pk}/goals", payload, world.worker_auth)
    error = _error(response, 422, "invalid")
    assert _fields(error) == {field}
    assert "U+" in error["details"][0]["message"] or "\ud800" in value
    assert not Goal.objects.filter(case=world.case).exists()


def test_line_breaks_and_tabs_are_kept_in_text(client, world):
    payload = {"domain": "vocational", "title": "Electrician", "interventions": "a\r\n\tb"}
    response = _post(client, f"/api/v1/cases/{world.case.pk}/goals", payload, world.worker_auth)
    assert response.status_code == 201, response.content
    assert Goal.objects.get(case=world.case).interventions.startswith("a")


def test_nul_in_a_session_topic_is_refused(client, world):
    payload = {
        "kind": "psychosocial",
        "format": "individual",
        "held_on": world.world.today.isoformat(),
        "duration_minutes": 60,
        "topic": f"Anger{NUL}",
        "attendances": [{"case_id": world.case.pk}],
    }
    error = _error(_post(client, "/api/v1/sessions", payload, world.worker_auth), 422, "invalid")
    assert _fields(error) == {"topic"}
    assert not Session.objects.exists()


def test_nul_in_a_nested_answer_is_refused(client, world):
    """Assessment answers are free-form JSON: keys and values inside are checked too."""
    started = _post(
        client,
        f"/api/v1/cases/{world.case.pk}/assessments",
        {"instrument": "screening"},
        world.worker_auth,
    )
    assert started.status_code == 201, started.content
    assessment = started.json()
    response = client.put(
        f"/api/v1/assessments/{assessment['id']}",
        {"version": assessment["version"], "answers": {"item": f"x{NUL}"}},
        content_type="application/json",
        **world.worker_auth,
    )
    assert _fields(_error(response, 422, "invalid")) == {"answers"}


# --- values in the address ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/participants/SWT-25%0000001-7",
        "/api/v1/participants/SWT%00/identity",
        "/api/v1/programmes/centre%00",
        "/api/v1/programmes/centre%00/recidivism",
        "/api/v1/instruments/screening%00",
        "/api/v1/services?district=SW%00T",
        "/api/v1/services?category=%00",
        "/api/v1/cases?district=%00",
        "/api/v1/cases?programme=centre%01",
        "/api/v1/referrals/received?status=%00",
        "/api/v1/grievances?status=%0A",
        "/api/v1/me?%00=1",
    ],
)
def test_control_characters_in_the_address_answer_400(client, world, url):
    error = _error(client.get(url, **world.auth), 400, "bad_request")
    assert error["details"] and "U+" in error["details"][0]["message"]


def test_control_characters_in_a_page_address_answer_a_400_page(client, world):
    sign_in(client, world.world.manager)
    response = client.get("/cases/?district=%00")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"U+0000" in response.content


# --- languages ----------------------------------------------------------------------


def _registration(**extra: Any) -> dict[str, Any]:
    return {"name": "Languages Person", "birth_year": 1990, "sex": "m", "district": "SWT"} | extra


@pytest.mark.parametrize(
    ("languages", "status"),
    [
        (["xx"], 422),
        (["ps", "klingon"], 422),
        (["p" * 200], 422),
        (["ps"] * 9, 422),  # more than there are known languages
        ([f"ps{NUL}"], 422),
        (["ur", "ps", "ur"], 201),
    ],
)
def test_languages_are_known_codes(client, world, languages, status):
    payload = _registration(languages=languages, decision="new")
    response = _post(client, "/api/v1/participants", payload, world.worker_auth)
    assert response.status_code == status, response.content
    if status == 422:
        error = _error(response, 422, "invalid")
        assert _fields(error) == {"languages"}
        assert not Participant.objects.filter(languages__contains="klingon").exists()
    else:
        assert response.json()["languages"] == "ur,ps"


# --- dates --------------------------------------------------------------------------


@pytest.mark.parametrize("starts_on", ["9999-12-01", "1899-12-31", "2101-01-01"])
def test_check_in_plans_start_within_the_years_1900_to_2100(client, world, starts_on):
    response = _post(
        client,
        f"/api/v1/cases/{world.returned.pk}/check-ins",
        {"starts_on": starts_on},
        world.worker_auth,
    )
    error = _error(response, 422, "invalid")
    assert _fields(error) == {"starts_on"}
    assert "1900" in error["details"][0]["message"]
    assert not CheckIn.objects.filter(case=world.returned).exists()


def test_a_goal_target_in_year_9999_is_refused(client, world):
    payload = {"domain": "vocational", "title": "Electrician", "target_on": "9999-12-01"}
    response = _post(client, f"/api/v1/cases/{world.case.pk}/goals", payload, world.worker_auth)
    assert _fields(_error(response, 422, "invalid")) == {"target_on"}


class _Visit(Schema):
    on: Annotated[datetime.date, Years(2000, 2030)]
    born: datetime.date | None = None


def test_a_field_may_give_other_years():
    assert _Visit(on=datetime.date(2030, 1, 1)).on.year == 2030
    with pytest.raises(pydantic.ValidationError, match="2000 and 2030"):
        _Visit(on=datetime.date(1999, 12, 31))
    with pytest.raises(pydantic.ValidationError, match="1900 and 2100"):
        _Visit(on=datetime.date(2001, 1, 1), born=datetime.date(1899, 1, 1))


# --- integers and paging ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "limit=9223372036854775808",
        "offset=9223372036854775808",
        f"limit={MAX_PAGE_SIZE + 1}",
        "limit=0",
        "offset=-1",
        f"offset={HUGE}",
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/cases", "/api/v1/participants", "/api/v1/organisations"])
def test_limit_and_offset_are_bounded_on_every_list(client, world, url, query):
    error = _error(client.get(f"{url}?{query}", **world.auth), 422, "invalid")
    assert _fields(error) & {"limit", "offset"}


def test_the_largest_page_is_served(client, world):
    response = client.get(f"/api/v1/cases?limit={MAX_PAGE_SIZE}&offset=0", **world.auth)
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_an_attendance_case_id_of_2_to_the_64_is_refused(client, world):
    payload = {
        "kind": "psychosocial",
        "format": "individual",
        "held_on": world.world.today.isoformat(),
        "duration_minutes": 60,
        "attendances": [{"case_id": HUGE}],
    }
    error = _error(_post(client, "/api/v1/sessions", payload, world.worker_auth), 422, "invalid")
    assert _fields(error) == {"attendances"}
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "url",
    [f"/api/v1/cases/{HUGE}", f"/api/v1/goals/{HUGE}/reviews", f"/api/v1/assessments/{HUGE}"],
)
def test_a_path_id_past_64_bits_is_not_found(client, world, url):
    _error(client.get(url, **world.auth), 404, "not_found")


def test_huge_numbers_in_a_body_are_refused(client, world):
    payload = {"domain": "vocational", "title": "Electrician", "responsible_id": HUGE}
    response = _post(client, f"/api/v1/cases/{world.case.pk}/goals", payload, world.worker_auth)
    assert _fields(_error(response, 422, "invalid")) == {"responsible_id"}


# --- forms --------------------------------------------------------------------------


class _Form(BootstrapForm):
    title = forms.CharField()
    story = forms.CharField(widget=forms.Textarea)
    on = forms.DateField(required=False)
    count = forms.IntegerField(required=False)
    founded = forms.DateField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["founded"].years = Years(1800, 2100)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "Bell\x07"}, "title"),
        ({"title": "two\nlines"}, "title"),  # a one-line field keeps to one line
        ({"story": "Escape \x1b"}, "story"),
        ({"on": "9999-12-01"}, "on"),
        ({"count": str(HUGE)}, "count"),
        ({"founded": "1799-12-31"}, "founded"),
    ],
)
def test_forms_keep_the_same_bounds_with_a_form_error(data, field):
    form = _Form({"title": "Title", "story": "line one\r\n\tline two"} | data)
    assert not form.is_valid()
    assert set(form.errors) == {field}
    assert form.fields[field].widget.attrs["aria-invalid"] == "true"


def test_a_form_within_bounds_is_valid():
    form = _Form(
        {"title": "T", "story": "one\r\n\ttwo", "on": "2026-12-01", "founded": "1850-01-01"}
    )
    assert form.is_valid(), form.errors


def test_a_page_form_refuses_a_control_character(client, world):
    sign_in(client, world.world.case_worker)
    response = client.post(
        f"/cases/{world.case.pk}/plan/",
        {"domain": "vocational", "title": "Electri\x01cian", "target_on": "9999-12-01"},
    )
    assert response.status_code == 200
    assert "U+0001" in response.content.decode()
    assert not Goal.objects.filter(case=world.case).exists()
