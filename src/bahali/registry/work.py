""" "My work" from the registry: for data stewards, the requests of other organisations to
work with a participant their organisation holds (issue 14, item 2)."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.core.work import Found, WorkItem
from bahali.registry.models import LinkRequest

REVIEW_DAYS = 7  # a steward answers a request within a week; older ones show as overdue


def _item(link_request: LinkRequest) -> WorkItem:
    return WorkItem(
        kind="link_request",
        title=_("Decide whether %(organisation)s may work with %(code)s")
        % {"organisation": link_request.organisation.name, "code": link_request.participant.code},
        url=reverse("registry:link_requests"),
        case_label=link_request.participant.code,
        due=link_request.created_at.date() + datetime.timedelta(days=REVIEW_DAYS),
    )


def link_requests_waiting(user: Any, limit: int | None) -> Found:
    if not policies.can(user, "link_review.read"):  # the requests a steward decides
        return Found(0, [])
    rows = (
        LinkRequest.objects.visible_to(user)
        .pending()
        .select_related("participant", "organisation")
        .order_by("created_at", "pk")
    )
    return Found.of_rows(rows, limit, _item)
