""" "My work" from communities: follow-ups agreed at a dialogue that fall due within a week
or are overdue, for the community's committee members and whoever recorded the dialogue."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.cases.work import Found, WorkItem
from bahali.communities.services import follow_ups_due_for


def dialogue_follow_ups(user: Any, limit: int | None) -> Found:
    if not policies.can(user, "community_readiness.write"):  # the dialogues one may write
        return Found(0, [])
    return Found.of(
        (
            WorkItem(
                kind="dialogue_follow_up",
                title=_("Follow-ups of the %(kind)s of %(date)s")
                % {
                    "kind": dialogue.get_kind_display().lower(),
                    "date": dialogue.held_on.isoformat(),
                },
                url=reverse("communities:detail", args=[dialogue.community_id])
                + f"#dialogue-{dialogue.pk}",
                case_label=dialogue.community.local_name,
                due=dialogue.follow_up_by,
                detail=dialogue.follow_ups[:120],
            )
            for dialogue in follow_ups_due_for(user)
        ),
        limit,
    )
