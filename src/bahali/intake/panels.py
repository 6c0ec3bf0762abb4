"""The referrals panel on a participant's page (registered into ``registry.panels``)."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.intake.models import Referral
from bahali.registry.models import Participant


def referrals_panel(participant: Participant, user: User) -> dict[str, Any]:
    referrals = (
        Referral.objects.visible_to(user)
        .filter(participant=participant)
        .select_related("receiving_organisation", "eligible_for")
        .order_by("-referred_on", "-pk")
    )
    return {
        "intake_referrals": list(referrals[:20]),
        "can_refer": policies.can(user, "intake_referral.write")
        and policies.can(user, "participant_record.write", participant)
        and not participant.merged_into_id,
        "shows_intake": policies.can(user, "intake_referral.read"),
        "can_classify": policies.can(user, "classification.read", participant),
    }
