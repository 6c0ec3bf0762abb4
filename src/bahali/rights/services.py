"""Computing and reading the rights red flags (issue 14, item 7).

``compute_red_flags`` runs every rule of ``flags.DEFINITIONS`` and brings the stored flags in
line with what it found, in one transaction and one computation at a time (``core.locks``):
a situation still going on keeps its row (and the day it was first found), one that ended
disappears, a new one is added. It runs daily in the worker (``jobs.schedules``, registered
by ``RightsConfig.ready``) and on demand through ``bahali rights compute``; each run is one
audit event with its counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bahali.accounts import policies
from bahali.core import locks, recording
from bahali.core.context import SYSTEM, Actor, current, service
from bahali.core.services import local_today
from bahali.rights.flags import DEFINITIONS, Definition, Finding
from bahali.rights.models import FlagRun, RedFlag

DETAIL_FIELDS = ["since", "detail", "computed_on", "district", "case", "participant"]


@service
def compute_red_flags(*, actor: Actor, today: datetime.date | None = None) -> FlagRun:
    """Find every red flag as of ``today`` and store them; return the run with its counts.

    The system (the daily task, an operator's command) may always run it; a signed-in user
    only when the table grants it (the oversight body's "compute now")."""
    policies.require(actor, "rights_flag.write")
    # The daily task and an oversight "compute now" at once would both find a new situation
    # missing from the stored flags and both add it: one computation at a time.
    locks.serialise("rights.compute_red_flags")
    started = timezone.now()
    today = today or local_today()
    findings: dict[tuple[Any, ...], Finding] = {}
    for definition in DEFINITIONS:
        for finding in definition.rule(today):
            findings[finding.key] = finding
    stored = {flag.key: flag for flag in RedFlag.objects.all()}
    gone = [flag.pk for key, flag in stored.items() if key not in findings]
    RedFlag.objects.filter(pk__in=gone).delete()
    changed, added = [], []
    for key, finding in findings.items():
        flag = stored.get(key)
        if flag is None:
            flag = RedFlag(
                kind=finding.kind, grievance_id=finding.grievance_id, first_seen_on=today
            )
            added.append(flag)
        else:
            changed.append(flag)
        flag.case_id = finding.case_id
        flag.participant_id = finding.participant_id
        flag.district_id = finding.district_id
        flag.since = finding.since
        flag.detail = finding.detail
        flag.computed_on = today
    RedFlag.objects.bulk_create(added, batch_size=500)
    RedFlag.objects.bulk_update(changed, DETAIL_FIELDS, batch_size=500)
    counts = {str(d.kind): 0 for d in DEFINITIONS}
    for finding in findings.values():
        counts[str(finding.kind)] += 1
    run = FlagRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        source=current().source[:20],
        counts=counts,
    )
    recording.record(
        "rights.red_flags_computed",
        changes={"flags": [None, counts], "new": [None, len(added)], "ended": [None, len(gone)]},
    )
    return run


def daily_red_flags() -> str:
    """The daily task: compute as the system; the summary names counts only."""
    run = compute_red_flags(actor=SYSTEM)
    return ", ".join(f"{kind}={count}" for kind, count in run.counts.items())


def latest_run() -> FlagRun | None:
    return FlagRun.objects.order_by("-finished_at").first()


@dataclass
class FlagGroup:
    """One flag on the page: its definition and the flags found (those the user may see)."""

    definition: Definition
    flags: list[RedFlag]

    @property
    def kind(self) -> str:
        return str(self.definition.kind)

    @property
    def count(self) -> int:
        return len(self.flags)


def groups_for(user: Any) -> list[FlagGroup]:
    """Every flag definition with the flags ``user`` may see, oldest situation first; the
    cases, participants and grievances behind them read with their codes in a few queries."""
    visible = (
        RedFlag.objects.visible_to(user)
        .select_related(
            "case__participant",
            "case__programme",
            "case__phase",
            "participant",
            "grievance",
            "district",
        )
        .order_by("since", "pk")
    )
    by_kind: dict[str, list[RedFlag]] = {str(d.kind): [] for d in DEFINITIONS}
    for flag in visible:
        by_kind.setdefault(flag.kind, []).append(flag)
    return [FlagGroup(definition, by_kind[str(definition.kind)]) for definition in DEFINITIONS]


def counts_for(user: Any) -> dict[str, int]:
    """How many flags of each kind ``user`` may see (the home page's panel): one query."""
    from django.db.models import Count

    rows = RedFlag.objects.visible_to(user).values("kind").annotate(n=Count("pk"))
    found = {row["kind"]: row["n"] for row in rows}
    return {str(d.kind): found.get(str(d.kind), 0) for d in DEFINITIONS}


NEVER_COMPUTED = _("The red flags have not been computed yet.")
