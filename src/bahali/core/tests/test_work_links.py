"""``work.link`` reverses a URL once for a list of items: each link must be exactly what
``reverse`` gives for its key, with the suffix after it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bahali.core.work import link


@pytest.mark.parametrize(
    "name", ["cases:detail", "casework:plan", "aftercare:case", "assessments:list"]
)
@pytest.mark.parametrize("key", [1, 7, 42, 918273, 2_000_000_001])
def test_a_link_is_what_reverse_gives_for_its_key(name: str, key: int) -> None:
    assert link(name)(key) == reverse(name, args=[key])
    assert link(name, "#team")(key) == reverse(name, args=[key]) + "#team"
