"""Demo disclosures: one participant whose "who saw my data" panel shows several kinds.

The referrals loader already sent some of the returnees' cases to services; here, on the
case with the most referrals, the team's case worker opens the identity, the programme
manager opens it on request with a stated purpose, the service provider's trainer reads the
referrals addressed to his organisation, and a case worker outside the team opens the case
in an emergency (left for the data steward to review). All through the real services.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.audit.models import AuditEvent
from bahali.cases import services as cases
from bahali.cases.models import Case, EmergencyAccess
from bahali.disclosures.log import PARTNER_READ_ACTION
from bahali.referrals import services as referrals
from bahali.registry import services as registry


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def load_demo_disclosures(world: Any = None) -> None:
    """Once: a second run finds the partner reads and stops."""
    if AuditEvent.objects.filter(action=PARTNER_READ_ACTION).exists():
        return
    reader, manager, outsider = _user("sana"), _user("ayesha"), _user("tariq")
    if reader is None or manager is None or outsider is None:
        return
    candidates = (
        Case.objects.filter(closed_on__isnull=True)
        .annotate(sent=Count("referrals"))
        .filter(sent__gt=0)
        .order_by("-sent", "pk")
        .select_related("participant")
    )
    trainer = _user("bilal")
    provided = (
        set(referrals.received_by(trainer).values_list("case", flat=True)) if trainer else set()
    )
    # a case the case worker's team works, which the prison's case worker is not on; one
    # referred to the trainer's organisation first, so he reads it as its provider
    case = next(
        (
            c
            for c in sorted(candidates, key=lambda c: c.pk not in provided)
            if policies.can(reader, "identity.read", c.participant)
            and not policies.identity_needs_purpose(reader, c.participant)
            and not Case.objects.visible_to(outsider, "case_detail").filter(pk=c.pk).exists()
        ),
        None,
    )
    if case is None:
        return
    participant = case.participant
    registry.read_identity(actor=reader, participant=participant)
    if policies.can(manager, "identity.read", participant):
        registry.read_identity(
            actor=manager,
            participant=participant,
            stated_purpose="verification",
            statement="Checking the record against the NADRA letter before the transition meeting.",
        )
    if trainer is not None:
        received = list(referrals.received_by(trainer).filter(case=case))
        if received:
            referrals.record_partner_reads(actor=trainer, referrals=received)
    if (
        cases.emergency_memberships(outsider)
        and not EmergencyAccess.objects.filter(case=case).exists()
    ):
        cases.open_emergency_access(
            actor=outsider,
            case=case,
            reason="His family called the prison: threats against him after his release; "
            "need his placement address tonight.",
        )
