""" "My work" lives in the platform (``bahali.core.work``) so the home page can gather it
without importing a domain app; this name stays for the apps that register sources."""

from typing import Any

from bahali.core.work import (
    SOURCES,
    Found,
    KindCount,
    Pages,
    Source,
    Summary,
    WorkItem,
    case_columns,
    items_for,
    link,
    register,
    summary_for,
)

__all__ = [
    "SOURCES",
    "Found",
    "KindCount",
    "Pages",
    "Source",
    "Summary",
    "WorkItem",
    "case_columns",
    "items_for",
    "link",
    "register",
    "sits_on_teams",
    "summary_for",
]


def sits_on_teams(user: Any) -> bool:
    """Can one of the user's active memberships hold a place on a case team? Only the roles
    of ``CASE_ROLES_FOR`` are ever put on a team (``cases.services.add_team_member`` and
    enrolment refuse the others), so a source reading the places of the user's active
    memberships answers the others (managers, committees, stewards ...) without a query."""
    from bahali.accounts.roles import Role
    from bahali.cases.services import CASE_ROLES_FOR

    return any(Role(membership.role) in CASE_ROLES_FOR for membership in user.active_memberships())
