"""Demo evidence: the indicator definitions registered three years back (so every period
the demo covers was defined beforehand), and one published release for the last full
quarter. Idempotent: a second run registers nothing new and publishes nothing."""

from __future__ import annotations

import datetime

from bahali.core.context import SYSTEM
from bahali.core.services import local_today
from bahali.evidence import services
from bahali.evidence.models import Release


def last_full_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = today.replace(month=first_month, day=1)
    end = this_quarter - datetime.timedelta(days=1)
    start = end.replace(month=3 * ((end.month - 1) // 3) + 1, day=1)
    return start, end


def load_demo_evidence() -> None:
    today = local_today()
    services.register_definitions(
        actor=SYSTEM,
        effective_from=today.replace(year=today.year - 3, day=1),
        note="Demo: definitions as first agreed",
    )
    if Release.objects.exists():
        return
    start, end = last_full_quarter(today)
    services.publish_release(
        actor=SYSTEM,
        title=f"Programme outcomes {start.year} Q{(start.month - 1) // 3 + 1}",
        start=start,
        end=end,
    )
