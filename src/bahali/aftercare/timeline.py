"""Aftercare on the case timeline: check-ins held (warning signs flagged) and outcome events
(negative ones flagged; disproved ones marked so). Two queries, whatever the numbers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.aftercare.models import WARNING_FIELDS, CheckIn, OutcomeEvent, Verification
from bahali.cases.timeline import TimelineEntry, as_datetime, person


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.username) if user is not None else ""


def aftercare_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    found: list[TimelineEntry] = []
    if policies.can(user, "check_in.read", case):
        held = (
            CheckIn.objects.filter(case=case, done_on__isnull=False)
            .select_related("recorded_by")
            .only(
                "done_on",
                "method",
                "wellbeing",
                *(name for name, _label in WARNING_FIELDS),
                *person("recorded_by"),
            )
            .order_by("-done_on", "-pk")[:limit]
        )
        for check_in in held:
            warnings = check_in.warnings
            found.append(
                TimelineEntry(
                    when=as_datetime(check_in.done_on),
                    kind="check_in",
                    icon="telephone-inbound",
                    title=_("Aftercare check-in: %(method)s")
                    % {"method": check_in.get_method_display()},
                    detail=", ".join(str(w) for w in warnings)
                    if warnings
                    else str(check_in.get_wellbeing_display()),
                    actor=_name(check_in.recorded_by),
                    flagged=bool(warnings),
                )
            )
    if policies.can(user, "outcome_event.read", case):
        events = (
            OutcomeEvent.objects.filter(case=case)
            .select_related("reported_by")
            .only("occurred_on", "kind", "verification", "source", *person("reported_by"))
            .order_by("-occurred_on", "-pk")[:limit]
        )
        for event in events:
            found.append(
                TimelineEntry(
                    when=as_datetime(event.occurred_on),
                    kind="outcome",
                    icon="exclamation-octagon" if event.is_negative else "award",
                    title=_("%(event)s (%(verification)s)")
                    % {
                        "event": event.get_kind_display(),
                        "verification": event.get_verification_display(),
                    },
                    detail=event.get_source_display(),
                    actor=_name(event.reported_by),
                    flagged=event.is_negative and event.verification != Verification.DISPROVED,
                )
            )
    return found
