"""API: initiatives (list, one, register), their grants and activities, and the gap
analysis — the same services, lookups and policies as the pages."""

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
from bahali.geography.models import Community, District, Province
from bahali.organisations.models import Organisation
from bahali.prevention import gaps, services
from bahali.prevention.forms import MatrixFilter
from bahali.prevention.lookups import get_editable_initiative_for_user, get_initiative_for_user
from bahali.prevention.models import REACH_FIELDS, Indicator, Initiative

router = Router(tags=["prevention"])


class InitiativeOut(Schema):
    id: int
    name: str
    lead_organisation_id: int
    kind: str
    status: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    districts: list[str] = Field(..., description="district codes")
    partner_ids: list[int]
    target_groups: list[str]
    frameworks: list[str]
    has_state_partner: bool
    messages: str
    channels: list[str]
    version: int

    @staticmethod
    def resolve_districts(obj: Initiative) -> list[str]:
        return [d.code for d in obj.districts.all()]

    @staticmethod
    def resolve_partner_ids(obj: Initiative) -> list[int]:
        return [p.pk for p in obj.partners.all()]


class InitiativeIn(Schema):
    name: str = Field(..., max_length=200)
    lead_organisation_id: int
    kind: str
    status: str = "active"
    districts: list[str] = Field(..., description="district codes, e.g. BJR")
    community_ids: list[int] = []
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    partner_ids: list[int] = []
    target_groups: list[str] = []
    frameworks: list[str] = []
    description: str = Field("", max_length=5000)
    messages: str = Field("", max_length=5000)
    channels: list[str] = []


class Created(Schema):
    id: int


class GrantIn(Schema):
    funder_kind: str
    funder_name: str = Field("", max_length=200)
    amount: int = Field(..., gt=0, description="PKR")
    starts_on: datetime.date
    ends_on: datetime.date


class ActivityIn(Schema):
    held_on: datetime.date
    kind: str
    channel: str
    district: str = Field("", description="district code")
    community_id: int | None = None
    female_under_15: int = Field(0, ge=0)
    female_youth: int = Field(0, ge=0)
    female_30_plus: int = Field(0, ge=0)
    male_under_15: int = Field(0, ge=0)
    male_youth: int = Field(0, ge=0)
    male_30_plus: int = Field(0, ge=0)


class FlagOut(Schema):
    key: str
    reason: str


class DistrictGapOut(Schema):
    district: str
    need_score: float | None
    initiatives: int
    coordinated: int
    unfunded: int
    ending: int
    funding_per_person: float | None
    reach: int | None = Field(..., description="null: fewer than 5, suppressed")
    women: int | None
    youth: int | None
    uncovered_communities: int | None
    flags: list[FlagOut]


def _districts(codes: list[str]) -> list[District]:
    found = list(District.objects.filter(code__in=[c.upper() for c in codes]))
    if len(found) != len({c.upper() for c in codes}):
        raise ValidationError({"districts": _("Unknown district.")})
    return found


def _organisations(ids: list[int], field: str) -> list[Organisation]:
    found = list(Organisation.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({field: _("Unknown organisation.")})
    return found


@router.get(
    "/prevention/initiatives",
    response={200: list[InitiativeOut], 404: Error, 422: Error},
    summary="Prevention initiatives (the 4W matrix's filters: province, district, kind, ...)",
)
def list_initiatives(request: AuthedRequest) -> Any:
    if not policies.can(request.user, "prevention_initiative.read"):
        raise Http404
    filters = MatrixFilter(request.GET)
    if not filters.is_valid():
        raise ApiError(422, "invalid", _("The request is not valid."), filters.problems())
    listed = filters.filter(Initiative.objects.visible_to(request.user))
    return listed.prefetch_related("districts", "partners").order_by("name", "pk")[:500]


@router.get(
    "/prevention/initiatives/{initiative_id}",
    response={200: InitiativeOut, 404: Error},
    summary="One prevention initiative",
)
def get_initiative(request: AuthedRequest, initiative_id: int) -> Any:
    return get_initiative_for_user(request.user, initiative_id)


@router.post(
    "/prevention/initiatives",
    response={201: Created, 403: Error, 422: Error},
    summary="Register an initiative (your organisation's; coordinators: any)",
)
def create_initiative(request: AuthedRequest, payload: InitiativeIn) -> Status[Any]:
    lead = _organisations([payload.lead_organisation_id], "lead_organisation_id")[0]
    communities = list(Community.objects.filter(pk__in=payload.community_ids))
    if len(communities) != len(set(payload.community_ids)):
        raise ValidationError({"community_ids": _("Unknown community.")})
    initiative = services.create_initiative(
        actor=request.user,
        data=services.InitiativeData(
            name=payload.name,
            lead_organisation=lead,
            kind=payload.kind,
            status=payload.status,
            districts=_districts(payload.districts),
            communities=communities,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            partners=_organisations(payload.partner_ids, "partner_ids"),
            target_groups=payload.target_groups,
            frameworks=payload.frameworks,
            description=payload.description,
            messages=payload.messages,
            channels=payload.channels,
        ),
    )
    return Status(201, {"id": initiative.pk})


@router.post(
    "/prevention/initiatives/{initiative_id}/grants",
    response={201: Created, 404: Error, 422: Error},
    summary="Record a grant to an initiative",
)
def add_initiative_grant(
    request: AuthedRequest, initiative_id: int, payload: GrantIn
) -> Status[Any]:
    initiative = get_editable_initiative_for_user(request.user, initiative_id)
    grant = services.add_grant(actor=request.user, initiative=initiative, **payload.dict())
    return Status(201, {"id": grant.pk})


@router.post(
    "/prevention/initiatives/{initiative_id}/activities",
    response={201: Created, 404: Error, 422: Error},
    summary="Record an activity and its reach by sex and age band",
)
def add_initiative_activity(
    request: AuthedRequest, initiative_id: int, payload: ActivityIn
) -> Status[Any]:
    initiative = get_editable_initiative_for_user(request.user, initiative_id)
    district = None
    if payload.district:
        district = District.objects.filter(code=payload.district.upper()).first()
        if district is None:
            raise ValidationError({"district": _("Unknown district.")})
    community = None
    if payload.community_id is not None:
        community = Community.objects.filter(pk=payload.community_id).first()
        if community is None:
            raise ValidationError({"community_id": _("Unknown community.")})
    activity = services.record_activity(
        actor=request.user,
        initiative=initiative,
        held_on=payload.held_on,
        kind=payload.kind,
        channel=payload.channel,
        district=district,
        community=community,
        reach={f: getattr(payload, f) for f in REACH_FIELDS},
    )
    return Status(201, {"id": activity.pk})


@router.get(
    "/prevention/gaps",
    response={200: list[DistrictGapOut], 404: Error, 422: Error},
    summary="The gap analysis per district, ranked, small cells suppressed",
)
def prevention_gaps(
    request: AuthedRequest, province: str = "", indicator: str = "returnees"
) -> Any:
    if not policies.can(request.user, "prevention_aggregate.read"):
        raise Http404
    districts = District.objects.all()
    if province:
        found = Province.objects.filter(code=province.upper()).first()
        if found is None:
            raise ValidationError({"province": _("Unknown province.")})
        districts = districts.filter(province=found)
    need = Indicator.objects.filter(code=indicator).first()
    if need is None:
        raise ValidationError({"indicator": _("Unknown indicator.")})
    analysis = gaps.analyse(districts, need)
    return [
        {
            "district": g.district.code,
            "need_score": float(g.need_score) if g.need_score is not None else None,
            "initiatives": g.initiatives,
            "coordinated": g.coordinated,
            "unfunded": g.unfunded,
            "ending": g.ending,
            "funding_per_person": g.funding_per_person,
            "reach": g.reach,
            "women": g.women,
            "youth": g.youth,
            "uncovered_communities": g.uncovered_communities,
            "flags": [{"key": f.key, "reason": str(f.reason)} for f in g.flags],
        }
        for g in analysis.districts
    ]
