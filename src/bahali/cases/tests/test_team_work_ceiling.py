"""Home and My work of a team member with many cases ask at most a set number of questions
(counted after a first request, sessions and caches warm): a work source that goes back to
asking per case, or a second time for what the request already knows (memberships,
permissions), fails here. The national seed's figures: ``tools/profile_mix.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bahali.cases.tests.test_query_counts import _count
from bahali.cases.tests.test_work_query_counts import _waiting
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

# Queries of one page, by team role: what they are on 30 cases with something of every kind
# waiting (a gate, an objection, a goal review, a check-in due, a warning sign ...).
CEILING = {
    "case_worker": {"/": 17, "/cases/my-work/": 17},
    "mentor": {"/": 16, "/cases/my-work/": 16},
    "psychologist": {"/": 17, "/cases/my-work/": 17},
    "scholar": {"/": 16, "/cases/my-work/": 16},
    "trainer": {"/": 16, "/cases/my-work/": 16},
    # who signs or verifies rather than sits on teams: the sources their roles' grants
    # cannot reach answer without asking (a liaison's sign-offs, say)
    "committee_member": {"/": 10, "/cases/my-work/": 10},
    "manager": {"/": 15, "/cases/my-work/": 15},
    "liaison": {"/": 10, "/cases/my-work/": 8},
}


def test_home_and_my_work_of_team_members_with_many_cases_stay_under_their_ceiling(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    _waiting(world, 30)
    found: dict[str, dict[str, int | None]] = {}
    for who, pages in CEILING.items():
        signed_in(getattr(world, who))
        found[who] = {url: _count(client, url) for url in pages}
        client.logout()
    for who, pages in CEILING.items():
        for url, ceiling in pages.items():
            asked = found[who][url]
            assert asked is not None, f"{who}: {url} not shown"
            assert asked <= ceiling, f"{who} {url}: {asked} > {ceiling}"


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()
