"""The participant page's retention panel, registered with ``bahali.registry.panels``: that the
identity was anonymised (when, why), and for those who handle legal holds, a standing hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bahali.accounts import policies
from bahali.registry.panels import Panel
from bahali.retention.models import Erasure, LegalHold, Scope
from bahali.retention.scopes import participants_for

if TYPE_CHECKING:
    from bahali.accounts.models import User
    from bahali.registry.models import Participant


def participant_retention(participant: Participant, user: User) -> dict[str, Any]:
    anonymised = Erasure.objects.filter(participant=participant, scope=Scope.IDENTITY).first()
    hold = None
    can_hold = False
    if policies.can(user, "legal_hold.read"):
        hold = (
            LegalHold.objects.visible_to(user, "legal_hold")
            .filter(participant=participant, lifted_on__isnull=True)
            .first()
        )
        can_hold = (
            anonymised is None
            and hold is None
            and participants_for(user, "legal_hold.write").filter(pk=participant.pk).exists()
        )
    return {"anonymised": anonymised, "hold": hold, "can_hold": can_hold}


RETENTION_PANEL = Panel("retention", "retention/_participant_panel.html", participant_retention)
