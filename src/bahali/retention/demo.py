"""Demo retention: a rule on every demo programme, and two people who withdrew their consent
to participate weeks ago (past the grace period), so the dry run has something to show: one
due now, one kept by a legal hold. All invented."""

from __future__ import annotations

import datetime

from django.utils import timezone

from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.core.demo import DemoWorld
from bahali.programmes.models import Programme
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose
from bahali.retention import services
from bahali.retention.models import LegalHold, RetentionRule

# identity years, notes years, by blueprint-ish programme code prefix; others get the default
RULES = {"centre": (10, 5), "prison": (15, 7), "community": (7, 3)}
DEFAULT_RULE = (10, 5)


def load_demo_retention(world: DemoWorld) -> None:
    for programme in Programme.objects.order_by("code"):
        if RetentionRule.objects.filter(programme=programme).exists():
            continue
        identity, notes = next(
            (years for prefix, years in RULES.items() if programme.code.startswith(prefix)),
            DEFAULT_RULE,
        )
        services.save_rule(
            actor=SYSTEM,
            programme=programme,
            identity_years=identity,
            notes_years=notes,
            expected_version=0,
        )
    closed = list(
        Case.objects.filter(closure__in=["withdrawn", "transferred"])
        .select_related("participant")
        .order_by("closure", "pk")
    )
    today = timezone.localdate()
    for days_ago, case in zip((60, 45), closed, strict=False):
        participant = case.participant
        consents = Consent.objects.filter(
            participant=participant, purpose=ConsentPurpose.PARTICIPATION
        )
        if consents.filter(withdrawn_on__isnull=False).exists():
            continue
        for consent in consents:
            registry.withdraw_consent(
                actor=SYSTEM, consent=consent, note="He asked to leave and to be forgotten."
            )
        with acting_as(SYSTEM, reason="demo: the withdrawal happened weeks ago"):
            consents.update(withdrawn_on=today - datetime.timedelta(days=days_ago))
        if (
            case.closure == "transferred"
            and not LegalHold.objects.filter(participant=participant).exists()
        ):
            services.place_hold(
                actor=SYSTEM,
                participant=participant,
                reason="The Peshawar programme asked for the record until his transfer is "
                "confirmed by the court.",
                reference="Peshawar High Court order W.P. 1234/2026 (invented)",
            )
