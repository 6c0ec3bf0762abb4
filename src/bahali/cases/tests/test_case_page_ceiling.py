"""Ceilings on the queries of a case's overview and tabs, per reader: the case page is the
most requested page of the load test, and each query costs the web process a millisecond or
so of Python. The phases onward are read once for the form asking to move on (a model
choice field reads its queryset each time it is rendered), the gate's sign-offs once, the
summary's organisations together; the form asking to move on reads the transitions' programme
with them (the related manager sets it from its key: deferred, a query per transition).
Lower a ceiling when a page gets cheaper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bahali.cases.tests.test_query_counts import _count, _grow
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

PAGES = ["", "plan/", "sessions/", "notes/"]
# reader → page → most queries (a case with a pending request and its gate; a case that
# may move on, with the form asking to)
CEILINGS: dict[str, dict[str, tuple[int, int]]] = {
    "case_worker": {"": (31, 25), "plan/": (12, 11), "sessions/": (15, 12), "notes/": (13, 11)},
    "psychologist": {"": (35, 25), "plan/": (12, 11), "sessions/": (15, 12), "notes/": (13, 11)},
    "manager": {"": (31, 24), "plan/": (10, 9), "sessions/": (12, 9), "notes/": (10, 9)},
    "committee_member": {"": (18, 13)},  # the overview only: no tab beyond the summary
    "scholar": {"": (35, 25), "plan/": (12, 11), "sessions/": (15, 12), "notes/": (13, 11)},
}


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def test_case_page_and_tabs_stay_under_their_query_ceilings(
    world: PathwayWorld, client: Client, signed_in: Callable[[Any], Client]
) -> None:
    gated, quiet = world.case(phase="intake"), world.case(phase="intake")
    _grow(world, gated, 3)
    for who, ceilings in CEILINGS.items():
        signed_in(getattr(world, who))
        for page in PAGES:
            counts = (
                _count(client, f"/cases/{gated.pk}/{page}"),
                _count(client, f"/cases/{quiet.pk}/{page}"),
            )
            if page not in ceilings:
                assert counts == (None, None), f"{who} /cases/<pk>/{page} is not theirs"
                continue
            highest = ceilings[page]
            assert None not in counts, f"{who} /cases/<pk>/{page} did not render"
            assert counts[0] <= highest[0] and counts[1] <= highest[1], (  # type: ignore[operator]
                f"{who} /cases/<pk>/{page}: {counts} queries, ceiling {highest}"
            )
        client.logout()
