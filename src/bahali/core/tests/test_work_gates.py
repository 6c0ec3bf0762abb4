"""A "My work" source answers a role that can never have items from it without a question:
the rows of each source below are narrowed by a grant (or a provider scope) the role does
not hold, so the database could only ever answer "none". Roles holding the grant still ask
(``cases/tests/test_work_source_query_counts.py`` checks they find work)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bahali.accounts import policies
from bahali.aftercare.services import check_ins_due_for, warnings_for
from bahali.assessments.models import Calibration
from bahali.cases.models import Case
from bahali.cases.tests.test_work_query_counts import _counts, _waiting
from bahali.cases.work import sits_on_teams
from bahali.casework.services import reviews_due_for
from bahali.communities.services import follow_ups_due_for
from bahali.core.work import SOURCES
from bahali.grievances.services import handled_by
from bahali.referrals.services import provider_organisations, waiting_for
from bahali.registry.models import LinkRequest
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

ROLES = ["case_worker", "psychologist", "scholar", "trainer", "mentor", "cso_worker"]
ROLES += ["committee_member", "manager", "liaison", "monitor", "steward", "analyst"]


def _grievance_handler(user: Any) -> bool:
    return policies.can(user, "grievance.write") and policies.can(user, "grievance.read")


# kind → (whether the user may ever have items, the rows the source reads, ungated)
GATES: dict[str, tuple[Any, Any]] = {
    "plan_review": (lambda u: sits_on_teams(u) and policies.can(u, "plan.write"), reviews_due_for),
    "reassessment": (
        lambda u: policies.can(u, "assessment.write"),
        lambda u: Case.objects.visible_to(u, "assessment", "write"),
    ),
    "calibration": (
        lambda u: policies.can(u, "calibration_rating.write"),
        lambda u: Calibration.objects.visible_to(u, "calibration_rating", "write"),
    ),
    "referral": (lambda u: bool(provider_organisations(u)), waiting_for),
    "check_in": (
        lambda u: sits_on_teams(u) and policies.can(u, "check_in.write"),
        check_ins_due_for,
    ),
    "warning": (lambda u: sits_on_teams(u) and policies.can(u, "check_in.read"), warnings_for),
    "dialogue_follow_up": (
        lambda u: policies.can(u, "community_readiness.write"),
        follow_ups_due_for,
    ),
    "link_request": (
        lambda u: policies.can(u, "link_review.read"),
        lambda u: LinkRequest.objects.visible_to(u),
    ),
    "grievance": (_grievance_handler, handled_by),
}


@pytest.mark.parametrize("kind", list(GATES))
def test_a_source_asks_nothing_of_roles_that_can_never_have_its_work(kind: str) -> None:
    world = PathwayWorld()
    source = next(source for source in SOURCES if source.kind == kind)
    may, rows = GATES[kind]
    closed = [who for who in ROLES if not may(getattr(world, who))]
    assert closed, f"{kind}: every role may have its work, the test shows nothing"
    for who in closed:
        user = getattr(world, who)
        # what the source would have read: nothing, whatever the data
        read = rows(user)
        assert (len(read) if isinstance(read, list) else read.count()) == 0, (kind, who)
        for limit in (None, 50, 6, 0):
            with CaptureQueriesContext(connection) as captured:
                found = source.find(user, limit)
            assert (found.count, found.items) == (0, []), (kind, who, limit)
            assert not captured.captured_queries, (kind, who, limit)


# Queries of the home page, My work and the API's My work, per role, with one of everything
# waiting (``test_work_query_counts._waiting``): a ceiling, so that a source asking again
# for roles that cannot have its work shows here (the session, the user, the memberships
# and their districts included; the same for every number of cases, see that test).
CEILINGS: dict[str, tuple[int, int, int]] = {
    "case_worker": (17, 17, 15),
    "psychologist": (17, 17, 15),
    "scholar": (16, 16, 14),
    "trainer": (16, 16, 14),
    "mentor": (16, 16, 14),
    "cso_worker": (16, 16, 14),
    "committee_member": (10, 10, 8),
    "manager": (13, 13, 11),  # neither warnings nor check-ins asked: never on a team
    "liaison": (10, 8, 5),
    "monitor": (21, 8, 6),
    "steward": (11, 8, 6),
    "analyst": (9, 7, 4),
}


def test_home_and_my_work_stay_under_their_query_ceilings(
    client: Client, signed_in: Callable[[Any], Client]
) -> None:
    world = PathwayWorld()
    _waiting(world, 2)
    found = _counts(world, client, signed_in)
    counts = {who: (pages[0], pages[1], pages[3]) for who, pages in found.items()}
    for who, ceiling in CEILINGS.items():
        assert all(
            n is not None and n <= most for n, most in zip(counts[who], ceiling, strict=True)
        ), f"{who}: {counts[who]} queries for home, My work, API My work; at most {ceiling}"
