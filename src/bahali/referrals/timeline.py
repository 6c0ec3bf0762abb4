"""Referrals on the case timeline: each referral sent, with where it stands now."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.cases.timeline import TimelineEntry, as_datetime, person
from bahali.referrals.models import Referral, ReferralStatus


def referral_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    """One entry per referral, for those who read the case's referrals (two queries)."""
    if not policies.can(user, "referral.read", case):
        return []
    referrals = (
        Referral.objects.filter(case=case)
        .select_related("service", "provider", "sent_by")
        .only("sent_on", "status", "service__name", "provider__name", *person("sent_by"))
        .order_by("-sent_on", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            when=as_datetime(referral.sent_on),
            kind="referral",
            icon="signpost-split",
            title=_("Referred to %(service)s (%(status)s)")
            % {"service": referral.service.name, "status": referral.get_status_display()},
            detail=referral.provider.name,
            actor=(referral.sent_by.get_full_name() or referral.sent_by.username)
            if referral.sent_by
            else "",
            flagged=referral.status == ReferralStatus.DECLINED,
        )
        for referral in referrals
    ]
