"""The navigation marks one entry as the current page: the most specific one."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.core.navigation import items_for
from bahali.testing import make_member

pytestmark = pytest.mark.django_db


def _active(user: object, path: str) -> list[str]:
    return [entry["item"].testid for entry in items_for(user, path) if entry["active"]]


def test_a_page_under_another_entry_marks_only_its_own():
    steward = make_member(Role.DATA_STEWARD)
    assert _active(steward, "/evidence/research/") == ["nav-research"]
    assert _active(steward, "/evidence/") == ["nav-evidence"]
    assert _active(steward, "/") == ["nav-home"]
    assert _active(steward, "/nowhere-in-the-menu/") == []
