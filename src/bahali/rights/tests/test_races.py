"""Two computations of the red flags at once (the daily task and an oversight "compute now")
store each situation once."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from bahali.core.context import SYSTEM
from bahali.rights import flags, services
from bahali.rights.models import FlagKind, FlagRun, RedFlag
from bahali.rights.tests.test_flags import entered
from bahali.testing import PathwayWorld, race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shipped_geography")]


def test_two_computations_at_once_store_each_flag_once(monkeypatch):
    world = PathwayWorld()
    expected = world.programmes["centre"].phases.get(code="rehabilitation").expected_days
    stays = [entered(world.case(phase="rehabilitation"), expected + 20) for _ in range(3)]

    # Each computation takes a moment to find its flags, so that without serialising both
    # would find them missing from the (empty) table and both add them.
    def slowly(definition: flags.Definition) -> flags.Definition:
        def rule(today):
            found = definition.rule(today)
            time.sleep(0.3)
            return found

        return flags.Definition(definition.kind, definition.title, definition.definition, rule)

    monkeypatch.setattr(services, "DEFINITIONS", [slowly(d) for d in services.DEFINITIONS])

    outcomes = race(
        lambda: services.compute_red_flags(actor=SYSTEM),
        lambda: services.compute_red_flags(actor=SYSTEM),
    )

    assert all(isinstance(o, FlagRun) for o in outcomes), outcomes
    keys = Counter(flag.key for flag in RedFlag.objects.all())
    assert keys and max(keys.values()) == 1, keys
    assert set(
        RedFlag.objects.filter(kind=FlagKind.LONG_RESIDENTIAL_STAY).values_list("case", flat=True)
    ) == {stay.pk for stay in stays}
