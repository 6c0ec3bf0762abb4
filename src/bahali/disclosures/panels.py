"""The participant page's "Who saw my data" panel, registered with ``bahali.registry.panels``
from ``DisclosuresConfig.ready``: the newest entries of the disclosure log, a link to the
whole log (paged) and, for a data steward, to subject access."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bahali.accounts import policies
from bahali.disclosures.log import disclosures_of, may_see_log
from bahali.registry.panels import Panel

if TYPE_CHECKING:
    from bahali.accounts.models import User
    from bahali.registry.models import Participant

PANEL_SIZE = 6  # the newest entries on the participant's page; the rest on the log's page


def participant_disclosures(participant: Participant, user: User) -> dict[str, Any]:
    """The newest disclosures of ``participant`` ``user`` may see (nothing for roles that may
    not see the log: the panel does not show)."""
    if not may_see_log(user, participant):
        return {"disclosures_shown": False}
    entries = disclosures_of(participant, user)
    return {
        "disclosures_shown": True,
        "disclosures": entries[:PANEL_SIZE],
        "disclosures_total": len(entries),
        "can_produce_subject_access": policies.can(user, "subject_access.write", participant),
    }


DISCLOSURES_PANEL = Panel("disclosures", "disclosures/_panel.html", participant_disclosures)
