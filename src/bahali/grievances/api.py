"""API: lodging grievances through staff, and the oversight body's queue — the same services
and policies as the pages. Who lodged a grievance never leaves through the API; the
organisation complained about cannot reach its grievances here at all."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.accounts import policies
from bahali.api.errors import ApiError
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest
from bahali.geography.models import District
from bahali.grievances import services
from bahali.grievances.filters import GrievanceFilter
from bahali.grievances.lookups import get_grievance_for_user, get_handled_grievance_for_user
from bahali.grievances.models import Channel, Grievance
from bahali.organisations.models import Organisation

router = Router(tags=["grievances"])


class GrievanceOut(Schema):
    id: int
    reference: str
    channel: str
    category: str
    complainant: str = Field(..., description="participant, family, community or other")
    district: str | None
    about_organisation_id: int | None
    about_text: str
    description: str
    received_on: datetime.date
    acknowledge_by: datetime.date
    resolve_by: datetime.date
    status: str
    acknowledged_on: datetime.date | None
    resolved_on: datetime.date | None
    finding: str
    resolution: str
    version: int

    @staticmethod
    def resolve_district(obj: Grievance) -> str | None:
        return obj.district.code if obj.district else None


class GrievanceLodged(Schema):
    id: int
    reference: str


class GrievanceIn(Schema):
    category: str
    complainant: str
    description: str = Field(..., max_length=5000)
    name: str = Field("", max_length=200)
    contact: str = Field("", max_length=200)
    district: str = Field("", description="district code, e.g. SWT")
    about_organisation_id: int | None = None
    about_text: str = Field("", max_length=200)


class GrievanceAcknowledgementIn(Schema):
    note: str
    about_organisation_id: int | None = None
    version: int


class GrievanceResolutionIn(Schema):
    finding: str
    resolution: str
    version: int


class GrievanceFiguresOut(Schema):
    total: int
    open: int
    acknowledgement_overdue: int
    resolution_overdue: int
    resolved: int
    resolved_in_time: int
    median_days_to_resolve: float | None


def _organisation(organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise ValidationError({"about_organisation_id": _("Unknown organisation.")})
    return organisation


@router.post(
    "/grievances",
    response={201: GrievanceLodged, 403: Error, 422: Error},
    summary="Lodge a grievance on someone's behalf; it goes to the oversight body",
)
def lodge_grievance(request: AuthedRequest, payload: GrievanceIn) -> Status[Any]:
    district = None
    if payload.district:
        district = District.objects.filter(code=payload.district.upper()).first()
        if district is None:
            raise ValidationError({"district": _("Unknown district.")})
    grievance = services.lodge_grievance(
        actor=request.user,
        channel=Channel.STAFF,
        category=payload.category,
        complainant=payload.complainant,
        description=payload.description,
        name=payload.name,
        contact=payload.contact,
        district=district,
        about_text=payload.about_text,
        about_organisation=_organisation(payload.about_organisation_id),
    )
    return Status(201, {"id": grievance.pk, "reference": grievance.reference})


@router.get(
    "/grievances",
    response={200: list[GrievanceOut], 404: Error, 422: Error},
    summary="Grievances you may read (oversight: all; managers: not about their organisation)",
)
def list_grievances(request: AuthedRequest, status: str = "open", category: str = "") -> Any:
    """The queue's filters (``grievances/filters.py``), the same as the page's: status (open,
    overdue, resolved or all) and category."""
    if not policies.can(request.user, "grievance.read"):
        raise Http404
    filters = GrievanceFilter(request.GET)
    if not filters.is_valid():
        raise ApiError(422, "invalid", _("The request is not valid."), filters.problems())
    listed = filters.filter(Grievance.objects.visible_to(request.user)).select_related("district")
    return listed.order_by("resolve_by", "pk")


@router.get(
    "/grievances/figures",
    response={200: GrievanceFiguresOut, 404: Error},
    summary="Summary figures of the grievances you may read, against the time limits",
)
def grievance_figures(request: AuthedRequest) -> Any:
    if not policies.can(request.user, "grievance.read"):
        raise Http404
    return services.figures(Grievance.objects.visible_to(request.user))


@router.get(
    "/grievances/{grievance_id}",
    response={200: GrievanceOut, 404: Error},
    summary="One grievance (never who lodged it)",
)
def get_grievance(request: AuthedRequest, grievance_id: int) -> Any:
    return get_grievance_for_user(request.user, grievance_id)


@router.post(
    "/grievances/{grievance_id}/acknowledgement",
    response={200: GrievanceOut, 404: Error, 409: Error, 422: Error},
    summary="Acknowledge a grievance (the oversight body)",
)
def acknowledge_grievance(
    request: AuthedRequest, grievance_id: int, payload: GrievanceAcknowledgementIn
) -> Any:
    grievance = get_handled_grievance_for_user(request.user, grievance_id)
    return services.acknowledge_grievance(
        actor=request.user,
        grievance=grievance,
        note=payload.note,
        about_organisation=_organisation(payload.about_organisation_id),
        expected_version=payload.version,
    )


@router.post(
    "/grievances/{grievance_id}/resolution",
    response={200: GrievanceOut, 404: Error, 409: Error, 422: Error},
    summary="Resolve a grievance with a finding (the oversight body)",
)
def resolve_grievance(
    request: AuthedRequest, grievance_id: int, payload: GrievanceResolutionIn
) -> Any:
    grievance = get_handled_grievance_for_user(request.user, grievance_id)
    return services.resolve_grievance(
        actor=request.user,
        grievance=grievance,
        finding=payload.finding,
        resolution=payload.resolution,
        expected_version=payload.version,
    )
