"""Grievance operations: lodging (by a staff member, or through the public form with no
login), acknowledging and resolving against time limits, opening who complained (oversight
only, audited), and the summary figures of the oversight views.

Every write validates before touching anything, so a refusal changes nothing; each runs in
one transaction with its audit events (``@service``). Who complained, what happened and the
participant concerned never enter the audit trail in clear.
"""

from __future__ import annotations

import datetime
import secrets
import statistics as stats
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.audit.services import record
from bahali.core import sealing
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, user_of
from bahali.core.versioning import Conflict, claim_version
from bahali.geography.models import District
from bahali.grievances.models import (
    Channel,
    Complainant,
    Finding,
    Grievance,
    GrievanceCategory,
    GrievanceStatus,
)
from bahali.organisations.models import Organisation
from bahali.registry.models import Participant

Actor = User | SystemActor
ACKNOWLEDGE_DAYS = 7  # the oversight body acknowledges a grievance within a week
RESOLVE_DAYS = 30  # and resolves it within thirty days
MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 5_000
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_reference() -> str:
    """An unguessable reference the complainant can quote: ``GRV-XXXX-XXXX``."""
    while True:
        body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"GRV-{body[:4]}-{body[4:]}"
        if not Grievance.objects.filter(reference=reference).exists():
            return reference


@service
def lodge_grievance(
    *,
    actor: Actor,
    channel: str,
    category: str,
    complainant: str,
    description: str,
    name: str = "",
    contact: str = "",
    district: District | None = None,
    about_text: str = "",
    about_organisation: Organisation | None = None,
    participant: Participant | None = None,
    received_on: datetime.date | None = None,
) -> Grievance:
    """Record a complaint and start its clock. Through the public form the platform itself
    is the actor (no login); through staff, any role that may lodge one. Name and contact
    are optional (a complaint may be anonymous) and sealed at rest."""
    if channel == Channel.STAFF:
        policies.require(actor, "grievance.write")
    elif not isinstance(actor, SystemActor) or channel != Channel.PUBLIC_FORM:
        raise ValidationError({"channel": _("Choose one of the listed options.")})
    errors: dict[str, str] = {}
    if category not in GrievanceCategory.values:
        errors["category"] = _("Choose one of the listed options.")
    if complainant not in Complainant.values:
        errors["complainant"] = _("Choose one of the listed options.")
    description = (description or "").strip()
    if len(description) < MIN_DESCRIPTION:
        errors["description"] = _("Say what happened, in a sentence or more.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Keep it under %(max)s characters.") % {"max": MAX_DESCRIPTION}
    name = " ".join((name or "").split())
    contact = (contact or "").strip()
    about_text = (about_text or "").strip()
    for field, value in (("name", name), ("contact", contact), ("about_text", about_text)):
        if len(value) > 200:
            errors[field] = _("This is too long.")
    if about_organisation is not None and not about_organisation.is_active:
        errors["about_organisation"] = _("Choose an active organisation.")
    received_on = received_on or local_today()
    if received_on > local_today():
        errors["received_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    grievance = Grievance(
        reference=new_reference(),
        channel=channel,
        category=category,
        complainant=complainant,
        participant=participant,
        district=district,
        about_text=about_text,
        about_organisation=about_organisation,
        description=description,
        lodged_by=user_of(actor),
        received_on=received_on,
        acknowledge_by=received_on + datetime.timedelta(days=ACKNOWLEDGE_DAYS),
        resolve_by=received_on + datetime.timedelta(days=RESOLVE_DAYS),
    )
    sealing.seal_field(grievance, "sealed_name", name)
    sealing.seal_field(grievance, "sealed_contact", contact)
    grievance.save()
    return grievance


def _require_handler(actor: Actor, grievance: Grievance) -> None:
    """Only the oversight body handles grievances: it reads them all and may write them."""
    policies.require(actor, "grievance.read", grievance)
    policies.require(actor, "grievance.write", grievance)


def _bump(grievance: Grievance, expected_version: int | None) -> None:
    claim_version(grievance, expected_version)
    grievance.refresh_from_db()


@service
def acknowledge_grievance(
    *,
    actor: Actor,
    grievance: Grievance,
    note: str,
    about_organisation: Organisation | None = None,
    district: District | None = None,
    expected_version: int | None = None,
) -> Grievance:
    """The oversight body acknowledges the grievance (telling the complainant, where they
    left a contact) and may name the organisation it is about once it knows."""
    _require_handler(actor, grievance)
    if grievance.status != GrievanceStatus.RECEIVED:
        raise Conflict(_("This grievance has been acknowledged already."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Note how and when the complainant was told.")})
    _bump(grievance, expected_version)
    grievance.status = GrievanceStatus.ACKNOWLEDGED
    grievance.acknowledged_on = local_today()
    grievance.acknowledged_by = user_of(actor)
    grievance.acknowledgement = note
    if about_organisation is not None:
        grievance.about_organisation = about_organisation
    if district is not None:
        grievance.district = district
    grievance.save()
    return grievance


@service
def resolve_grievance(
    *,
    actor: Actor,
    grievance: Grievance,
    finding: str,
    resolution: str,
    expected_version: int | None = None,
) -> Grievance:
    """The oversight body closes the grievance with a finding and what was done."""
    _require_handler(actor, grievance)
    if grievance.status == GrievanceStatus.RESOLVED:
        raise Conflict(_("This grievance is resolved already."))
    errors: dict[str, str] = {}
    if finding not in Finding.values:
        errors["finding"] = _("Choose one of the listed options.")
    resolution = (resolution or "").strip()
    if not resolution:
        errors["resolution"] = _("Say what was found and done.")
    if errors:
        raise ValidationError(errors)
    _bump(grievance, expected_version)
    today = local_today()
    if grievance.acknowledged_on is None:
        grievance.acknowledged_on = today
        grievance.acknowledged_by = user_of(actor)
    grievance.status = GrievanceStatus.RESOLVED
    grievance.resolved_on = today
    grievance.resolved_by = user_of(actor)
    grievance.finding = finding
    grievance.resolution = resolution
    grievance.save()
    return grievance


@dataclass(frozen=True)
class ComplainantDetails:
    """Who complained, in the clear: only ever held in memory, for the oversight body."""

    name: str
    contact: str
    participant_code: str


@service
def read_complainant(*, actor: Actor, grievance: Grievance) -> ComplainantDetails:
    """Open who lodged the grievance, for the oversight body only; the reading is audited."""
    policies.require(actor, "grievance_complainant.read", grievance)
    record("grievance_complainant.read", obj=grievance)
    return ComplainantDetails(
        name=sealing.open_field(grievance, "sealed_name"),
        contact=sealing.open_field(grievance, "sealed_contact"),
        participant_code=grievance.participant.code if grievance.participant else "",
    )


# --- figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class GrievanceFigures:
    """Summary statistics of a set of grievances, for the oversight views."""

    total: int
    open: int
    acknowledgement_overdue: int
    resolution_overdue: int
    resolved: int
    resolved_in_time: int
    median_days_to_resolve: float | None
    by_category: list[tuple[Any, int, int]]  # label, open, resolved

    @property
    def share_resolved_in_time(self) -> int | None:
        return round(100 * self.resolved_in_time / self.resolved) if self.resolved else None


def figures(grievances: Any) -> GrievanceFigures:
    """Counts, lateness against the time limits and time to resolution, counted by the
    database (two queries, and a third for the median when some are resolved): the oversight
    body's home page asks this on every visit, and reading every grievance's row to count it
    in Python cost more than the rest of that page."""
    today = local_today()
    if grievances.query.distinct:  # joined for visibility: count each grievance once
        grievances = grievances.model._base_manager.filter(pk__in=grievances.values("pk"))
    resolved_q = Q(status=GrievanceStatus.RESOLVED)
    totals = grievances.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=~resolved_q),
        acknowledgement_overdue=Count(
            "pk", filter=Q(status=GrievanceStatus.RECEIVED, acknowledge_by__lt=today)
        ),
        resolution_overdue=Count("pk", filter=~resolved_q & Q(resolve_by__lt=today)),
        resolved=Count("pk", filter=resolved_q),
        resolved_in_time=Count("pk", filter=resolved_q & Q(resolved_on__lte=F("resolve_by"))),
    )
    counted = {
        row["category"]: (row["open"], row["resolved"])
        for row in grievances.order_by()
        .values("category")
        .annotate(open=Count("pk", filter=~resolved_q), resolved=Count("pk", filter=resolved_q))
    }
    days = []
    if totals["resolved"]:
        days = [
            (resolved_on - received_on).days
            for received_on, resolved_on in grievances.filter(resolved_q)
            .order_by()
            .values_list("received_on", "resolved_on")
        ]
    by_category = [
        (label, *counted.get(value, (0, 0))) for value, label in GrievanceCategory.choices
    ]
    return GrievanceFigures(
        total=totals["total"],
        open=totals["open"],
        acknowledgement_overdue=totals["acknowledgement_overdue"],
        resolution_overdue=totals["resolution_overdue"],
        resolved=totals["resolved"],
        resolved_in_time=totals["resolved_in_time"],
        median_days_to_resolve=stats.median(days) if days else None,
        by_category=[row for row in by_category if row[1] or row[2]],
    )


def handled_by(user: User) -> Any:
    """Open grievances the user handles (the oversight body), oldest deadline first."""
    if not policies.can(user, "grievance.write") or not policies.can(user, "grievance.read"):
        return Grievance.objects.none()
    return (
        Grievance.objects.visible_to(user)
        .visible_to(user, "grievance", "write")
        .open()
        .order_by("resolve_by", "pk")
    )
