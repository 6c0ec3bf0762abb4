"""One referral as a user may reach it: the same getters for the pages and the API, 404
alike for "missing" and "out of your scope"."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.intake.models import Referral
from bahali.programmes.models import Programme


def get_referral_for_user(user: User, pk: int) -> Referral:
    return get_object_or_404(
        Referral.objects.visible_to(user).select_related(
            "participant", "receiving_organisation", "district", "from_district", "eligible_for"
        ),
        pk=pk,
    )


def get_handled_referral_for_user(user: User, pk: int) -> Referral:
    """The referral if the user screens it and enrols from it."""
    referral = get_referral_for_user(user, pk)
    if not policies.can(user, "intake_referral.write", referral):
        raise Http404
    return referral


def get_programme_for_user(user: User, code: str) -> Programme:
    if not policies.can(user, "programme.read"):
        raise Http404
    return get_object_or_404(Programme.objects.all(), code=code)
