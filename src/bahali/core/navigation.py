"""The navigation: each entry names the permission it needs, so users see only what they may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bahali.accounts import policies


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    action: str | None  # None: every signed-in user
    testid: str
    any_of: tuple[str, ...] = ()  # instead of ``action``: shown when any of these is allowed


NAVIGATION = [
    NavItem(_("Home"), "core:home", "house", None, "nav-home"),
    NavItem(
        _("Participants"), "registry:list", "person-vcard", "case_summary.read", "nav-participants"
    ),
    NavItem(_("Cases"), "cases:list", "folder2-open", "case_summary.read", "nav-cases"),
    NavItem(_("My work"), "cases:work", "inbox", None, "nav-work"),
    NavItem(_("Programmes"), "programmes:list", "diagram-3", "programme.read", "nav-programmes"),
    NavItem(
        _("Instruments"),
        "assessments:instruments",
        "ui-checks",
        "instrument.write",
        "nav-instruments",
    ),
    NavItem(_("Organisations"), "organisations:list", "buildings", "organisation.read", "nav-orgs"),
    NavItem(_("Members"), "accounts:members", "people", "membership.write", "nav-members"),
    NavItem(_("Audit trail"), "audit:list", "journal-check", "audit_log.read", "nav-audit"),
    NavItem(
        _("Retention"),
        "retention:rules",
        "hourglass-split",
        None,
        "nav-retention",
        any_of=("retention_rule.read", "retention_run.read", "legal_hold.read"),
    ),
]


# Reversed addresses, by URL configuration, script prefix, language and URL name: the same
# for every request that shares them, and reversing costs ~20-30 µs each, ~20 on every page
# (the entries, the layout's own links: ``{% layout_url %}``).
_URLS: dict[tuple[Any, str, str | None, str], str] = {}


def url_of(url_name: str) -> str:
    """``reverse(url_name)`` (no arguments), remembered for the process."""
    key = (get_urlconf(), get_script_prefix(), get_language(), url_name)
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = reverse(url_name)
    return url


# A number no address holds by chance: reversed in its place, it splits an address with one
# key into what comes before and after the key.
_KEY = 987654321987
_AROUND_KEY: dict[tuple[Any, str, str | None, str], tuple[str, str] | None] = {}


def url_with_pk(url_name: str, pk: object) -> str:
    """``reverse(url_name, args=[pk])`` for an address with one integer key: the address is
    reversed once per process, and a row's is the part before the key, the key, the rest
    (~1 µs instead of ~25 µs: a list links each of its rows)."""
    if type(pk) is not int:
        return reverse(url_name, args=[pk])
    key = (get_urlconf(), get_script_prefix(), get_language(), url_name)
    if key not in _AROUND_KEY:
        before, found, after = reverse(url_name, args=[_KEY]).partition(str(_KEY))
        _AROUND_KEY[key] = (before, after) if found else None
    around = _AROUND_KEY[key]
    if around is None:  # the key is not written as given: each row's is reversed
        return reverse(url_name, args=[pk])
    return f"{around[0]}{pk}{around[1]}"


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _URLS.clear()
        _AROUND_KEY.clear()


def items_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for item in NAVIGATION:
        actions = item.any_of or ((item.action,) if item.action is not None else ())
        if actions and not any(policies.can(user, action) for action in actions):
            continue
        url = url_of(item.url_name)
        matches = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"item": item, "url": url, "active": matches})
    # one entry is the current page: the most specific (/evidence/research/ is the research
    # extract's, not also the evidence pages')
    current = max((e for e in items if e["active"]), key=lambda e: len(str(e["url"])), default=None)
    for entry in items:
        entry["active"] = entry is current
    return items
