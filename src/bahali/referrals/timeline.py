"""Referrals on the case timeline: each referral sent, with where it stands now."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.cases.timeline import TimelineEntry, as_datetime, display, name_of, person, rows
from bahali.referrals.models import Referral, ReferralStatus


def referral_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    """One entry per referral, for those who read the case's referrals (two queries)."""
    if not policies.can(user, "referral.read", case):
        return []
    status = display(Referral, "status")
    referrals = rows(
        Referral.objects.filter(case=case).order_by("-sent_on", "-pk")[:limit],
        "sent_on",
        "status",
        "service__name",
        "provider__name",
        *person("sent_by"),
    )
    return [
        TimelineEntry(
            when=as_datetime(referral["sent_on"]),
            kind="referral",
            icon="signpost-split",
            title=_("Referred to %(service)s (%(status)s)")
            % {"service": referral["service__name"], "status": status(referral["status"])},
            detail=referral["provider__name"],
            actor=name_of(referral, "sent_by"),
            flagged=referral["status"] == ReferralStatus.DECLINED,
        )
        for referral in referrals
    ]
