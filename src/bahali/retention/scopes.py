"""How a data steward's scope reaches retention's rows (registered from ``RetentionConfig.ready``).

A steward answers for the retention of the participants their organisation works with
(linked to it, as ``cases.scopes`` reaches a participant) and of those whose cases it leads
or whose programme it leads: the programme's rule applies to them, so its steward must see
what the rule makes due and be able to hold it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from bahali.accounts import policies
from bahali.accounts.policies import Scope, register_scope_paths
from bahali.cases.models import Case
from bahali.registry.models import Participant, ParticipantLink

if TYPE_CHECKING:
    from bahali.accounts.models import Membership


def stewarded(m: Membership, lookup: str = "pk__in") -> models.Q:
    """Participants in ``m``'s organisation's care, as a condition on ``lookup``."""
    links = ParticipantLink.objects.filter(organisation=m.organisation_id).values("participant")
    led = Case.objects.filter(
        models.Q(lead_organisation=m.organisation_id)
        | models.Q(programme__lead_organisation=m.organisation_id)
    ).values("participant")
    return models.Q(**{lookup: links}) | models.Q(**{lookup: led})


def _through_participant(m: Membership, resource: str) -> models.Q:
    return stewarded(m, "participant__in")


def participants_for(actor: Any, action: str) -> models.QuerySet[Participant]:
    """The participants ``actor`` may do ``action`` ("retention_run.write", ...) about:
    everyone for the system (the nightly command), none without a grant."""
    if not getattr(actor, "is_authenticated", False):
        return Participant.objects.all()
    memberships = policies.acting_memberships(actor, action, Scope.OWN_ORGANISATION)
    if not memberships:
        return Participant.objects.none()
    condition = models.Q()
    for membership in memberships:
        condition |= stewarded(membership)
    return Participant.objects.filter(condition)


def register() -> None:
    register_scope_paths(
        "retention.retentionrule", {Scope.OWN_ORGANISATION: "programme__lead_organisation"}
    )
    for label in ("retention.legalhold", "retention.erasure"):
        register_scope_paths(label, {Scope.OWN_ORGANISATION: _through_participant})
