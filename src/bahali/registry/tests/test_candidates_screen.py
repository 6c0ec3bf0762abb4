"""The duplicate screen at registration (issue 13, item 8): confirming the likely match is
the natural action, weaker candidates stay within reach, and the birth year is checked the
same way on every screen."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import services
from bahali.registry.models import Participant
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def aman():
    return OrganisationFactory(name="Aman Welfare Society", kind=OrganisationKind.CIVIL_SOCIETY)


@pytest.fixture
def centre():
    return OrganisationFactory(name="Roshan Centre", kind=OrganisationKind.REHABILITATION_CENTRE)


def _register(aman, centre, name, father, year):
    """Registered by Aman and shared with the centre: within Sana's reach (issue 14, item 2:
    the duplicate check shows only the candidates the user may already see)."""
    identity = services.Identity(name=name, father_name=father, birth_year=year)
    swat = District.objects.get(code="SWT")
    participant = services.register_participant(
        actor=SYSTEM, identity=identity, sex="m", district=swat, organisation=aman
    )
    services.confirm_same_person(
        actor=SYSTEM,
        participant=participant,
        identity=identity,
        sex="m",
        district=swat,
        organisation=centre,
    )
    return participant


@pytest.fixture
def likely(aman, centre):
    return _register(aman, centre, "Muhammad Rahmatullah Khan", "Gul Khan", 2001)


@pytest.fixture
def unlikely(aman, centre):
    return _register(aman, centre, "Rahmatullah", "Noor Khan", 1999)


@pytest.fixture
def sana(member, centre):
    return member(Role.CASE_WORKER, organisation=centre)


def _form(**overrides):
    data = {
        "name": "Mohd Rehmatullah Khan s/o Gul Khan",
        "birth_year": "2001",
        "sex": "m",
        "district": District.objects.get(code="SWT").pk,
        "decision": "check",
    }
    data.update(overrides)
    return data


def _button(page: str, testid: str) -> str:
    found = re.search(rf'<button class="([^"]*)"[^>]*data-testid="{testid}"', page)
    assert found, testid
    return found.group(1)


def test_the_best_match_is_the_filled_button_and_new_person_an_outline(
    likely, unlikely, sana, signed_in
):
    page = signed_in(sana).post("/participants/register/", _form()).content.decode()
    assert "btn-primary" in _button(page, f"same-{likely.code}").split()
    assert "btn-primary" not in _button(page, "different-person").split()
    assert "btn-outline-secondary" in _button(page, "different-person").split()


def test_the_weaker_candidate_is_shown_in_a_collapsed_group(likely, unlikely, sana, signed_in):
    page = signed_in(sana).post("/participants/register/", _form()).content.decode()
    assert unlikely.code in page
    group = page.split('data-testid="less-likely"', 1)
    assert len(group) == 2, "no less-likely group"
    assert unlikely.code in group[1] and likely.code not in group[1]
    assert "<details" in group[0].rsplit("\n", 1)[-1] or "<details" in group[0][-200:]
    assert "btn-primary" not in _button(page, f"same-{unlikely.code}").split()


def test_the_weaker_candidate_can_be_confirmed(likely, unlikely, sana, signed_in):
    client = signed_in(sana)
    response = client.post("/participants/register/", _form(decision=f"same:{unlikely.pk}"))
    assert response.status_code == 302
    assert Participant.objects.count() == 2


def test_registration_candidates_include_those_below_zero_when_one_is_likely(likely, unlikely):
    identity = services.Identity(
        name="Mohd Rehmatullah Khan", father_name="Gul Khan", birth_year=2001
    )
    swat = District.objects.get(code="SWT")
    found = services.find_candidates(identity, sex="m", district=swat, weaker=True)
    assert [c.participant for c in found] == [likely, unlikely]
    assert found[1].comparison.decision == "none"
    # the duplicates review (duplicates_of) keeps to candidates worth a data steward's time
    assert [c.participant for c in services.find_candidates(identity, sex="m", district=swat)] == [
        likely
    ]


def test_a_future_birth_year_is_refused_on_the_candidates_screen(likely, sana, signed_in):
    client = signed_in(sana)
    for decision in ("check", f"same:{likely.pk}", "new"):
        response = client.post(
            "/participants/register/", _form(birth_year="2031", decision=decision)
        )
        assert response.status_code == 400, decision
        assert 'data-testid="error-birth_year"' in response.content.decode()
        assert 'data-testid="candidates-form"' not in response.content.decode()
    assert Participant.objects.count() == 1
    assert likely.links.count() == 2  # Aman's and the centre's, as before


def test_same_person_refuses_a_future_birth_year(likely, sana):
    with pytest.raises(ValidationError):
        services.confirm_same_person(
            actor=sana,
            participant=likely,
            identity=services.Identity(
                name="Mohd Rehmatullah Khan", father_name="Gul Khan", birth_year=2031
            ),
            sex="m",
            district=District.objects.get(code="SWT"),
        )
    assert likely.links.count() == 2
