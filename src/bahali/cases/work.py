""" "My work" lives in the platform (``bahali.core.work``) so the home page can gather it
without importing a domain app; this name stays for the apps that register sources."""

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
    "summary_for",
]
