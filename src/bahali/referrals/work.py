""" "My work" from referrals: referrals sent to the user's organisation that wait for an answer."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.cases.work import Found, WorkItem
from bahali.referrals.services import provider_organisations, waiting_for

# A referral unanswered this long is shown as overdue.
ANSWER_DAYS = 7


def referrals_waiting(user: Any, limit: int | None) -> Found:
    if not provider_organisations(user):  # answers for no provider: none addressed to it
        return Found(0, [])
    inbox = reverse("referrals:inbox")
    return Found.of_rows(
        waiting_for(user),
        limit,
        lambda referral: WorkItem(
            kind="referral",
            title=_("Answer the referral to “%(service)s”") % {"service": referral.service.name},
            url=f"{inbox}#referral-{referral.pk}",
            case_label=referral.case.participant.code,
            due=referral.sent_on + datetime.timedelta(days=ANSWER_DAYS),
            detail=referral.need,
        ),
    )
