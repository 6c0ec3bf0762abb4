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


def load_demo_oversight() -> None:
    """What the oversight report watches, so the demo's report has more to show: one
    research consent withdrawn and a verification of the audit chain (the emergency access
    comes from the disclosures demo; no gate is overridden here, as the journeys' pending
    requests must stay pending). Each through its service, as a person would; idempotent
    (each only when none exists)."""

    from bahali.audit import services as audit
    from bahali.audit.models import AuditEvent
    from bahali.cases.models import Case
    from bahali.registry import services as registry
    from bahali.registry.models import Consent, ConsentPurpose

    today = local_today()
    if not Consent.objects.filter(withdrawn_on__isnull=False).exists():
        # a participant who agreed to research a year ago, and has changed his mind
        case = (
            Case.objects.filter(closed_on__isnull=True, participant__is_juvenile=False)
            .select_related("participant")
            .order_by("pk")
            .first()
        )
        if case is not None:
            consent = registry.record_consent(
                actor=SYSTEM,
                participant=case.participant,
                purpose=ConsentPurpose.RESEARCH,
                given_by=Consent.GivenBy.SELF,
                method=Consent.Method.SIGNED,
                given_on=today - datetime.timedelta(days=365),
            )
            registry.withdraw_consent(
                actor=SYSTEM, consent=consent, note="No longer wants to take part in research."
            )
    if not AuditEvent.objects.filter(action="audit.verified").exists():
        audit.verify_and_record(actor=SYSTEM)
