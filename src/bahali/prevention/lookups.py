"""One initiative or grant as a user may reach it: 404 alike for "missing" and "out of
your scope", for the pages and the API."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.prevention.models import Grant, Initiative, SurveyRound


def get_initiative_for_user(user: User, pk: int) -> Initiative:
    return get_object_or_404(
        Initiative.objects.visible_to(user).select_related("lead_organisation"), pk=pk
    )


def get_editable_initiative_for_user(user: User, pk: int) -> Initiative:
    """The initiative if the user may edit it (its organisation's staff, coordinators)."""
    initiative = get_initiative_for_user(user, pk)
    if not policies.can(user, "prevention_initiative.write", initiative):
        raise Http404
    return initiative


def get_editable_grant_for_user(user: User, pk: int) -> Grant:
    grant = get_object_or_404(Grant.objects.visible_to(user).select_related("initiative"), pk=pk)
    if not policies.can(user, "prevention_initiative.write", grant.initiative):
        raise Http404
    return grant


def get_survey_round_for_user(user: User, pk: int) -> SurveyRound:
    return get_object_or_404(
        SurveyRound.objects.visible_to(user).select_related(
            "community", "district", "organisation", "instrument_version__instrument"
        ),
        pk=pk,
    )


def get_editable_survey_round_for_user(user: User, pk: int) -> SurveyRound:
    """The round if the user may enter its responses (its organisation's staff,
    coordinators)."""
    survey_round = get_survey_round_for_user(user, pk)
    if not policies.can(user, "prevention_survey.write", survey_round):
        raise Http404
    return survey_round
