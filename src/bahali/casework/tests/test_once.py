"""Back, then submit again (issue 13, item 9): a create form carries a one-time token, so
the second submission of the same token is refused with a clear message and records
nothing; a fresh page's token still works, and a form sent back with errors may be
corrected and sent again."""

from __future__ import annotations

import re

import pytest

from bahali.casework.models import Goal, Note, SupportItem
from bahali.core.once import FIELD
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

ALREADY = "This form was already sent; nothing was recorded twice."


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def token(client, page: str, action: str | None = None) -> str:
    """The one-time token of the form posting to ``action`` on ``page``, as a browser has it."""
    html = client.get(page).content.decode()
    form = re.search(
        rf'<form[^>]*action="{re.escape(action or page)}"[^>]*>.*?name="{FIELD}" value="(\w+)"',
        html,
        re.S,
    )
    assert form, f"no one-time token in the form posting to {action or page}"
    return form.group(1)


def test_the_same_stipend_sent_twice_is_recorded_once(world, signed_in):
    case = world.case()
    client = signed_in(world.case_worker)
    page = f"/cases/{case.pk}/support/"
    stipend = {
        "kind": "stipend",
        "amount": "6000",
        "provided_on": world.today.isoformat(),
        "organisation": world.centre.pk,
        "status": "paid",
        "description": "",
        FIELD: token(client, page),
    }
    first = client.post(page, stipend)
    assert first.status_code == 302
    again = client.post(page, stipend, follow=True)
    assert ALREADY in again.content.decode()
    assert SupportItem.objects.filter(case=case).count() == 1
    fresh = client.post(page, {**stipend, FIELD: token(client, page)})
    assert fresh.status_code == 302
    assert SupportItem.objects.filter(case=case).count() == 2


def test_a_form_sent_back_with_errors_may_be_corrected_and_sent(world, signed_in):
    """Only a successful submission uses the token up: nothing was recorded before."""
    case = world.case()
    client = signed_in(world.case_worker)
    page = f"/cases/{case.pk}/plan/"
    sent = token(client, page)
    bad = client.post(page, {"domain": "vocational", "title": "", FIELD: sent})
    assert bad.status_code == 200 and ALREADY not in bad.content.decode()
    goal = {"domain": "vocational", "title": "Electrician course", FIELD: sent}
    assert client.post(page, goal).status_code == 302
    again = client.post(page, goal, follow=True)
    assert ALREADY in again.content.decode()
    assert Goal.objects.filter(case=case).count() == 1


def test_a_note_sent_twice_is_written_once(world, signed_in):
    case = world.case()
    client = signed_in(world.case_worker)
    page = f"/cases/{case.pk}/notes/"
    note = {"sensitivity": "general", "body": "Came with his brother", FIELD: token(client, page)}
    assert client.post(page, note).status_code == 302
    again = client.post(page, note, follow=True)
    assert ALREADY in again.content.decode()
    assert Note.objects.filter(case=case).count() == 1
