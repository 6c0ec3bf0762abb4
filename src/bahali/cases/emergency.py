"""Break-the-glass on the case page: the team sees who opened their case in an emergency,
when, until when and why (issue 14, item 3). A case alert, registered from
``CasesConfig.ready``."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from bahali.cases.alerts import CaseAlert
from bahali.cases.models import EmergencyAccess
from bahali.cases.timeline import person

SHOWN_FOR_DAYS = 30  # an access stays on the case page this long after it opened


def emergency_alerts(user: Any, case: Any) -> list[CaseAlert]:
    """The emergency accesses to ``case`` of the last ``SHOWN_FOR_DAYS`` days that ``user``
    may read (the case's team, its data steward, oversight): one query."""
    since = timezone.now() - datetime.timedelta(days=SHOWN_FOR_DAYS)
    accesses = (
        EmergencyAccess.objects.visible_to(user, "emergency_access")
        .filter(case=case.pk, opened_at__gte=since)
        .select_related("membership__user", "membership__organisation")
        .only(  # what the alert shows: on every tab of every case page
            "reason",
            "opened_at",
            "expires_at",
            *person("membership__user"),
            "membership__organisation__name",
        )
        .order_by("-opened_at")
    )
    alerts = []
    for access in accesses:
        opener = access.membership.user.get_full_name() or access.membership.user.username
        alerts.append(
            CaseAlert(
                key=f"emergency-{access.pk}",
                title=_("Emergency access"),
                detail=_(
                    "%(user)s (%(organisation)s) opened this case outside its team on "
                    "%(opened)s, until %(until)s: “%(reason)s”"
                )
                % {
                    "user": opener,
                    "organisation": access.membership.organisation.name,
                    "opened": formats.date_format(
                        timezone.localtime(access.opened_at), "SHORT_DATETIME_FORMAT"
                    ),
                    "until": formats.date_format(
                        timezone.localtime(access.expires_at), "SHORT_DATETIME_FORMAT"
                    ),
                    "reason": access.reason,
                },
                url=reverse("cases:emergency_review") + f"#emergency-{access.pk}",
                action=_("Details"),
            )
        )
    return alerts
