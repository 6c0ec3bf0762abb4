"""One referral as its provider reaches it: the same getter for the pages and the API, 404
alike for "missing" and "not sent to you"."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from bahali.accounts.models import User
from bahali.referrals import services
from bahali.referrals.models import Referral


def get_received_referral_for_user(user: User, pk: int) -> Referral:
    """A referral addressed to one of the user's organisations, for the provider to act on."""
    return get_object_or_404(services.received_by(user), pk=pk)
