"""A red flag's figures in words, for its row on the oversight body's page."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bahali.core.dates import format_day
from bahali.rights.models import FlagKind, RedFlag


def _day(value: str | None) -> str:
    return format_day(datetime.date.fromisoformat(value)) if value else "—"


def explain(flag: RedFlag) -> str:
    """What the flag's stored figures say (days, limits, dates): no names, no notes."""
    detail = flag.detail or {}
    if flag.kind == FlagKind.LONG_RESIDENTIAL_STAY:
        text = _("%(days)s days in this phase; expected %(expected)s.") % {
            "days": detail.get("days", "—"),
            "expected": detail.get("expected", "—"),
        }
        if detail.get("last_review"):
            return text + " " + _("Last review: %(day)s.") % {"day": _day(detail["last_review"])}
        return text + " " + _("Never reviewed.")
    if flag.kind == FlagKind.JUVENILE_IN_ADULT_PROGRAMME:
        return _("Registered as under 18; the programme is not declared for juveniles.")
    if flag.kind == FlagKind.NO_CONSENT_OR_PLEDGE:
        missing = detail.get("missing", [])
        if "consent" in missing and "pledge" in missing:
            return _("Neither consent to take part nor the pledge is on file.")
        if "consent" in missing:
            return _("No consent to take part is in force.")
        return _("No pledge renouncing violence is on file.")
    if flag.kind == FlagKind.PLEDGE_UNDER_PRESSURE:
        return _(
            "Screened on %(screened)s: did not come voluntarily. Pledge recorded on %(pledged)s."
        ) % {"screened": _day(detail.get("screened_on")), "pledged": _day(detail.get("pledged_on"))}
    if flag.kind == FlagKind.GRIEVANCE_NOT_ACKNOWLEDGED:
        days = int(detail.get("days_late", 0))
        return ngettext(
            "Received on %(received)s; %(days)s day past its acknowledgement date.",
            "Received on %(received)s; %(days)s days past its acknowledgement date.",
            days,
        ) % {"received": _day(detail.get("received_on")), "days": days}
    if flag.kind == FlagKind.NO_AFTERCARE_CONTACT:
        months = int(detail.get("allowed_months", 0))
        text = ngettext(
            "%(days)s days without contact; the schedule allows %(months)s month.",
            "%(days)s days without contact; the schedule allows %(months)s months.",
            months,
        ) % {"days": detail.get("days", "—"), "months": months}
        if detail.get("last_contact"):
            return text + " " + _("Last check-in: %(day)s.") % {"day": _day(detail["last_contact"])}
        return text + " " + _("No check-in held since the return home.")
    return ""
