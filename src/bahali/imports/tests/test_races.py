"""Two stewards deciding one cluster at once: one decision applies, the other is told."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.core.versioning import Stale
from bahali.imports import review, services
from bahali.imports.models import PairDecision, ReviewCluster
from bahali.imports.tests.test_imports import GOOD, check
from bahali.registry.models import Merge
from bahali.testing import membership_of, race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_one_cluster_decided_twice_at_once_applies_once(member):
    steward = member(Role.DATA_STEWARD)
    other = member(Role.DATA_STEWARD, organisation=membership_of(steward).organisation)
    batch = services.run_import(actor=steward, batch=check(steward, *GOOD))
    cluster = ReviewCluster.objects.get(batch=batch)
    results = race(
        lambda: review.decide_cluster(
            actor=steward, review=cluster, same=True, version=cluster.version
        ),
        lambda: review.decide_cluster(
            actor=other, review=cluster, same=False, version=cluster.version
        ),
    )
    assert sum(isinstance(result, Stale) for result in results) == 1
    assert PairDecision.objects.count() == 1
    cluster.refresh_from_db()
    assert Merge.objects.count() == (1 if cluster.status == "same" else 0)
