"""The tabs of a case's pages: each names the permission it needs on the case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CaseTab:
    key: str
    label: str | Promise
    url_name: str  # takes the case's pk
    action: str  # checked with policies.can(user, action, case)


CASE_TABS: list[CaseTab] = [
    CaseTab("overview", _("Overview"), "cases:detail", "case_summary.read"),
]


def tabs_for(user: Any, case: Any) -> list[CaseTab]:
    from bahali.accounts import policies

    return [tab for tab in CASE_TABS if policies.can(user, tab.action, case)]
