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


def test_remembered_addresses_are_the_reversed_ones():
    """``url_of`` answers what ``reverse`` does, also after the URL configuration changes."""
    from django.test import override_settings
    from django.urls import reverse

    from bahali.core.navigation import NAVIGATION, url_of

    for item in NAVIGATION:
        assert url_of(item.url_name) == reverse(item.url_name)
    assert url_of("accounts:profile") == url_of("accounts:profile") == "/accounts/profile/"
    with override_settings(ROOT_URLCONF="bahali.core.urls"):
        assert url_of("home") == reverse("home")
    assert url_of("core:home") == "/"


def test_the_layout_links_where_it_did(signed_in):
    """The layout's own links (``{% layout_url %}``) are the pages' addresses."""
    from django.urls import reverse

    steward = make_member(Role.DATA_STEWARD)
    page = signed_in(steward).get(reverse("jobs:list")).content.decode()
    for name in ("core:home", "accounts:profile", "jobs:list", "accounts:logout", "set_language"):
        assert f'"{reverse(name)}"' in page


def test_an_address_with_a_key_is_the_reversed_one():
    from django.urls import NoReverseMatch, reverse

    from bahali.core.navigation import url_with_pk
    from bahali.core.templatetags.navigation import pk_url

    for name in ("aftercare:case", "cases:detail", "aftercare:outcomes"):
        for pk in (1, 42, 1234567):
            assert url_with_pk(name, pk) == reverse(name, args=[pk]) == pk_url(pk, name)
    with pytest.raises(NoReverseMatch):
        url_with_pk("aftercare:case", None)
