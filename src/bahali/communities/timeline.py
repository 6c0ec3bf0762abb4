"""The receiving community on the case timeline: dialogues held there since the case opened,
for those who follow the community's readiness work on this case (one query)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.cases.timeline import TimelineEntry, as_datetime
from bahali.communities.models import Dialogue


def dialogue_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    if case.receiving_community_id is None:
        return []
    if not policies.can(user, "community_readiness.read", case):
        return []
    dialogues = (
        Dialogue.objects.filter(community=case.receiving_community_id, held_on__gte=case.opened_on)
        .only("held_on", "kind", "topic", "facilitator")
        .order_by("-held_on", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            when=as_datetime(dialogue.held_on),
            kind="dialogue",
            icon="people",
            title=_("%(kind)s in the receiving community") % {"kind": dialogue.get_kind_display()},
            detail=dialogue.topic,
            actor=dialogue.facilitator,
        )
        for dialogue in dialogues
    ]
