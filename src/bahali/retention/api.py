"""API: retention rules per programme, what is due (the dry run), and legal holds. The same
services and scopes as the pages; nothing here returns identity, only participant codes."""

from __future__ import annotations

import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from bahali.accounts import policies
from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest
from bahali.programmes.models import Programme
from bahali.retention import services
from bahali.retention.models import LegalHold, RetentionRule
from bahali.retention.scopes import participants_for

router = Router(tags=["retention"])


class RuleOut(Schema):
    programme: str
    identity_years: int | None
    notes_years: int | None
    version: int  # 0: no rule yet (everything is kept)


class RuleIn(Schema):
    identity_years: int
    notes_years: int
    version: int


class DueOut(Schema):
    participant: str
    scope: str
    cause: str
    since: datetime.date
    cases: list[int]
    held: bool


class HoldOut(Schema):
    id: int
    participant: str
    reference: str
    reason: str
    placed_on: datetime.date
    lifted_on: datetime.date | None
    lift_reason: str
    version: int

    @staticmethod
    def resolve_participant(obj: LegalHold) -> str:
        return obj.participant.code


class HoldIn(Schema):
    participant: str
    reference: str
    reason: str


class LiftIn(Schema):
    reason: str
    version: int


def _rule_out(programme: Programme, rule: RetentionRule | None) -> RuleOut:
    return RuleOut(
        programme=programme.code,
        identity_years=rule.identity_years if rule else None,
        notes_years=rule.notes_years if rule else None,
        version=rule.version if rule else 0,
    )


@router.get(
    "/retention/rules",
    response={200: list[RuleOut], 404: Error},
    summary="Each programme's retention rule (programmes without one keep everything)",
)
def list_rules(request: AuthedRequest) -> list[RuleOut]:
    if not policies.can(request.user, "retention_rule.read"):
        raise Http404
    programmes = policies.filter_visible(
        Programme.objects.order_by("code"), request.user, "retention_rule", "read"
    )
    rules = {rule.programme_id: rule for rule in RetentionRule.objects.all()}
    return [_rule_out(programme, rules.get(programme.pk)) for programme in programmes]


@router.put(
    "/retention/rules/{code}",
    response={200: RuleOut, 404: Error, 409: Error, 422: Error},
    summary="Set a programme's retention rule (version 0 when it has none yet)",
)
def save_rule(request: AuthedRequest, code: str, payload: RuleIn) -> RuleOut:
    programme = get_object_or_404(
        policies.filter_visible(Programme.objects.all(), request.user, "retention_rule", "write"),
        code=code,
    )
    rule = services.save_rule(
        actor=request.user,
        programme=programme,
        identity_years=payload.identity_years,
        notes_years=payload.notes_years,
        expected_version=payload.version,
    )
    return _rule_out(programme, rule)


@router.get(
    "/retention/due",
    response={200: list[DueOut], 404: Error},
    summary="What the next retention run would anonymise (a dry run: changes nothing)",
)
def list_due(request: AuthedRequest) -> list[DueOut]:
    if not policies.can(request.user, "retention_run.read"):
        raise Http404
    return [
        DueOut(
            participant=item.participant.code,
            scope=item.scope,
            cause=item.cause,
            since=item.since,
            cases=[case.pk for case in item.cases],
            held=item.held,
        )
        for item in services.due(participants_for(request.user, "retention_run.read"))
    ]


@router.get(
    "/retention/holds",
    response={200: list[HoldOut], 404: Error},
    summary="Legal holds, standing first",
)
@paginate(Pagination)
def list_holds(request: AuthedRequest) -> object:
    if not policies.can(request.user, "legal_hold.read"):
        raise Http404
    return LegalHold.objects.visible_to(request.user, "legal_hold").select_related("participant")


@router.post(
    "/retention/holds",
    response={201: HoldOut, 404: Error, 422: Error},
    summary="Place a legal hold on a participant (by code): nothing of theirs is anonymised",
)
def place_hold(request: AuthedRequest, payload: HoldIn) -> Status[LegalHold]:
    participant = get_object_or_404(
        participants_for(request.user, "legal_hold.write"),
        code=payload.participant.strip().upper(),
    )
    hold = services.place_hold(
        actor=request.user,
        participant=participant,
        reason=payload.reason,
        reference=payload.reference,
    )
    return Status(201, hold)


@router.post(
    "/retention/holds/{hold_id}/lift",
    response={200: HoldOut, 404: Error, 409: Error, 422: Error},
    summary="Lift a legal hold, saying why",
)
def lift_hold(request: AuthedRequest, hold_id: int, payload: LiftIn) -> LegalHold:
    hold = get_object_or_404(
        LegalHold.objects.visible_to(request.user, "legal_hold", "write").select_related(
            "participant"
        ),
        pk=hold_id,
    )
    return services.lift_hold(
        actor=request.user, hold=hold, reason=payload.reason, expected_version=payload.version
    )
