"""Community pages: the composition and its flags on the list and the community page,
dialogues recorded, a case placed from its community tab."""

from __future__ import annotations

import pytest

from bahali.communities import services
from bahali.core.context import SYSTEM
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def village(world):
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code="SWT"), name="Matta"
    )
    village = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shah Dheri")
    committee = services.form_committee(
        actor=SYSTEM, community=village, organisation=world.committee
    )
    services.add_committee_member(
        actor=SYSTEM, committee=committee, name="Haji Gul", role="elder", sex="m", age_band="senior"
    )
    return village


def test_flags_on_list_and_page(world, village, signed_in):
    client = signed_in(world.committee_member)
    listing = client.get("/communities/").content.decode()
    assert "Shah Dheri" in listing and "No women sit on this committee." in listing
    page = client.get(f"/communities/{village.pk}/").content.decode()
    assert page.count('data-testid="composition-flag"') == 2
    client.post(
        f"/communities/{village.pk}/members/",
        {
            "name": "Bibi Sultana",
            "role": "womens_representative",
            "sex": "f",
            "age_band": "youth",
            "joined_on": world.today.isoformat(),
        },
    )
    page = client.get(f"/communities/{village.pk}/").content.decode()
    assert 'data-testid="composition-flag"' not in page
    assert 'data-testid="women-share">1 (50%)' in page


def test_dialogue_recorded_and_refused(world, village, signed_in):
    client = signed_in(world.committee_member)
    url = f"/communities/{village.pk}/dialogues/new/"
    refused = client.post(url, {"kind": "jirga", "held_on": world.today.isoformat()})
    assert refused.status_code == 200 and not village.dialogues.exists()
    client.post(
        url,
        {
            "kind": "jirga",
            "held_on": world.today.isoformat(),
            "topic": "Receiving him back",
            "facilitator": "Haji Gul",
            "men": 23,
            "women": 9,
            "young_men": 8,
            "young_women": 3,
        },
    )
    page = client.get(f"/communities/{village.pk}/").content.decode()
    assert "43 attended: 23 men, 9 women, 8 young men, 3 young women" in page


def test_placement_from_the_case_tab(world, village, signed_in):
    case = world.case(receiving_committee=None)
    client = signed_in(world.case_worker)
    page = client.get(f"/cases/{case.pk}/community/").content.decode()
    assert 'data-testid="not-placed"' in page and "Shah Dheri" in page
    response = client.post(
        f"/cases/{case.pk}/community/", {"community": village.pk, "version": case.version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.receiving_committee == world.committee
    client.logout()
    client = signed_in(world.committee_member)
    page = client.get(f"/communities/{village.pk}/").content.decode()
    assert case.participant.code in page
