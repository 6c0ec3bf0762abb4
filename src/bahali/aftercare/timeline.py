"""Aftercare on the case timeline: check-ins held (warning signs flagged) and outcome events
(negative ones flagged; disproved ones marked so). Two queries, whatever the numbers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.aftercare.models import (
    NEGATIVE_OUTCOMES,
    WARNING_FIELDS,
    CheckIn,
    OutcomeEvent,
    Verification,
)
from bahali.cases.timeline import TimelineEntry, as_datetime, display, name_of, person, rows


def aftercare_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    found: list[TimelineEntry] = []
    if policies.can(user, "check_in.read", case):
        method, wellbeing = display(CheckIn, "method"), display(CheckIn, "wellbeing")
        held = rows(
            CheckIn.objects.filter(case=case, done_on__isnull=False).order_by("-done_on", "-pk")[
                :limit
            ],
            "done_on",
            "method",
            "wellbeing",
            *(name for name, _label in WARNING_FIELDS),
            *person("recorded_by"),
        )
        for check_in in held:
            warnings = [label for name, label in WARNING_FIELDS if check_in[name]]
            found.append(
                TimelineEntry(
                    when=as_datetime(check_in["done_on"]),
                    kind="check_in",
                    icon="telephone-inbound",
                    title=_("Aftercare check-in: %(method)s")
                    % {"method": method(check_in["method"])},
                    detail=", ".join(str(w) for w in warnings)
                    if warnings
                    else str(wellbeing(check_in["wellbeing"])),
                    actor=name_of(check_in, "recorded_by"),
                    flagged=bool(warnings),
                )
            )
    if policies.can(user, "outcome_event.read", case):
        kind = display(OutcomeEvent, "kind")
        verification = display(OutcomeEvent, "verification")
        source = display(OutcomeEvent, "source")
        events = rows(
            OutcomeEvent.objects.filter(case=case).order_by("-occurred_on", "-pk")[:limit],
            "occurred_on",
            "kind",
            "verification",
            "source",
            *person("reported_by"),
        )
        for event in events:
            negative = event["kind"] in NEGATIVE_OUTCOMES
            found.append(
                TimelineEntry(
                    when=as_datetime(event["occurred_on"]),
                    kind="outcome",
                    icon="exclamation-octagon" if negative else "award",
                    title=_("%(event)s (%(verification)s)")
                    % {
                        "event": kind(event["kind"]),
                        "verification": verification(event["verification"]),
                    },
                    detail=source(event["source"]),
                    actor=name_of(event, "reported_by"),
                    flagged=negative and event["verification"] != Verification.DISPROVED,
                )
            )
    return found
