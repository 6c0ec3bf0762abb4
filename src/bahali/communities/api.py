"""API: communities with their committees' composition, dialogues, and placing a case — the
same services and policies as the pages. Out of reach answers 404 like missing."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.api.schemas import Error, Schema
from bahali.cases.lookups import get_case_for_user
from bahali.communities import readiness, services
from bahali.communities.lookups import communities_visible_to, get_community_for_user
from bahali.communities.models import CommitteeMember, Dialogue
from bahali.core.http import AuthedRequest
from bahali.geography.models import Community

router = Router(tags=["communities"])


class CommitteeOut(Schema):
    organisation_id: int
    name: str
    members: int
    women: int
    youth: int
    women_share: int | None
    youth_share: int | None
    flags: list[str]


class CommunityOut(Schema):
    id: int
    name: str
    kind: str
    tehsil: str
    district: str
    committee: CommitteeOut | None


class DialogueOut(Schema):
    id: int
    kind: str
    held_on: datetime.date
    topic: str
    facilitator: str
    men: int
    women: int
    young_men: int
    young_women: int
    decisions: str
    follow_ups: str
    follow_up_by: datetime.date | None
    follow_ups_done_on: datetime.date | None


class ReadinessOut(Schema):
    id: int
    assessed_on: datetime.date
    assessor_id: int | None
    instrument_version: int
    overall_rating: str
    overall_rationale: str
    ratings: dict[str, str]  # item -> its answer (low, medium, high)
    corrects_id: int | None


class DialogueIn(Schema):
    kind: str
    held_on: datetime.date
    topic: str = Field(..., max_length=200)
    facilitator: str = Field(..., max_length=200)
    men: int = 0
    women: int = 0
    young_men: int = 0
    young_women: int = 0
    decisions: str = ""
    follow_ups: str = ""
    follow_up_by: datetime.date | None = None


class PlacementIn(Schema):
    community_id: int
    version: int


class PlacementOut(Schema):
    case_id: int
    community_id: int
    committee_id: int
    version: int


def _community_out(community: Community) -> dict[str, Any]:
    committee = getattr(community, "committee", None)
    out: dict[str, Any] = {
        "id": community.pk,
        "name": community.name,
        "kind": community.kind,
        "tehsil": community.tehsil.name,
        "district": community.tehsil.district.code,
        "committee": None,
    }
    if committee is not None:
        composition = services.composition(committee, list(committee.members.all()))
        out["committee"] = {
            "organisation_id": committee.organisation_id,
            "name": committee.organisation.name,
            "members": composition.total,
            "women": composition.women,
            "youth": composition.youth,
            "women_share": composition.women_share,
            "youth_share": composition.youth_share,
            "flags": [str(flag) for flag in composition.flags],
        }
    return out


@router.get(
    "/communities",
    response={200: list[CommunityOut]},
    summary="Communities you may see, with their committee's composition and flags",
)
def list_communities(request: AuthedRequest) -> Any:
    communities = (
        communities_visible_to(request.user)
        .select_related("tehsil__district", "committee__organisation")
        .prefetch_related(
            Prefetch("committee__members", CommitteeMember.objects.filter(left_on__isnull=True))
        )
        .order_by("name")
    )
    return [_community_out(community) for community in communities]


@router.get(
    "/communities/{community_id}/dialogues",
    response={200: list[DialogueOut], 404: Error},
    summary="A community's jirgas and meetings, newest first",
)
def list_dialogues(request: AuthedRequest, community_id: int) -> Any:
    community = get_community_for_user(request.user, community_id)
    return list(Dialogue.objects.filter(community=community))


@router.post(
    "/communities/{community_id}/dialogues",
    response={201: DialogueOut, 404: Error, 422: Error},
    summary="Record a jirga or community meeting with attendance by sex and age band",
)
def create_dialogue(request: AuthedRequest, community_id: int, payload: DialogueIn) -> Status[Any]:
    community = get_community_for_user(request.user, community_id, "write")
    dialogue = services.record_dialogue(actor=request.user, community=community, **payload.dict())
    return Status(201, dialogue)


@router.put(
    "/cases/{case_id}/placement",
    response={200: PlacementOut, 404: Error, 409: Error, 422: Error},
    summary="Place a case in a community; its committee then signs the gates towards it",
)
def place_case(request: AuthedRequest, case_id: int, payload: PlacementIn) -> Any:
    case = get_case_for_user(request.user, case_id, "transition", "write")
    community = Community.objects.filter(pk=payload.community_id).first()
    if community is None:
        raise ValidationError({"community_id": _("Unknown community.")})
    services.place_case(
        actor=request.user, case=case, community=community, expected_version=payload.version
    )
    return {
        "case_id": case.pk,
        "community_id": community.pk,
        "committee_id": case.receiving_committee_id,
        "version": case.version,
    }


@router.get(
    "/communities/{community_id}/readiness",
    response={200: list[ReadinessOut], 404: Error},
    summary="A community's completed readiness assessments in force, newest first",
)
def list_readiness(request: AuthedRequest, community_id: int) -> Any:
    community = get_community_for_user(request.user, community_id)
    done = readiness.history(community)
    data = readiness.series(done)
    rated = [name for name, _label in data.domains]
    return [
        {
            "id": a.pk,
            "assessed_on": a.assessed_on,
            "assessor_id": a.assessor_id,
            "instrument_version": a.instrument_version.number,
            "overall_rating": a.overall_rating,
            "overall_rationale": a.overall_rationale,
            "ratings": {name: a.answers[name] for name in rated if name in a.answers},
            "corrects_id": a.corrects_id,
        }
        for a in done
    ]
