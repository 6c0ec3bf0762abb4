"""API: initiatives (list, one, register, edit), their funding and activities, district
profiles, the advice line (counts for everyone with the aggregates, contacts for the
counsellors), survey rounds with suppressed results and trends, and the gap analysis — the
same services, lookups and policies as the pages. Creates take an ``Idempotency-Key``."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from bahali.accounts import policies
from bahali.api import idempotency
from bahali.api.errors import ApiError
from bahali.api.schemas import Error, Schema
from bahali.core import suppression
from bahali.core.http import AuthedRequest
from bahali.core.services import local_today
from bahali.geography.models import Community, District, Province
from bahali.organisations.models import Organisation
from bahali.prevention import gaps, services, surveys
from bahali.prevention.forms import MatrixFilter
from bahali.prevention.lookups import (
    get_editable_grant_for_user,
    get_editable_initiative_for_user,
    get_editable_survey_round_for_user,
    get_initiative_for_user,
    get_survey_round_for_user,
)
from bahali.prevention.models import (
    REACH_FIELDS,
    Activity,
    AdviceContact,
    DistrictValue,
    Indicator,
    Initiative,
    Measure,
    SurveyRound,
)

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
    response={201: Created, 403: Error, 409: Error, 422: Error},
    summary="Register an initiative (your organisation's; coordinators: any)",
)
def create_initiative(
    request: AuthedRequest,
    payload: InitiativeIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    def act() -> Status[Any]:
        initiative = services.create_initiative(actor=request.user, data=_initiative_data(payload))
        return Status(201, {"id": initiative.pk})

    return idempotency.once(request, idempotency_key, "prevention_initiative", act, _created)


def _created(pk: int) -> dict[str, int]:
    return {"id": pk}


def _initiative_data(payload: InitiativeIn) -> services.InitiativeData:
    lead = _organisations([payload.lead_organisation_id], "lead_organisation_id")[0]
    communities = list(Community.objects.filter(pk__in=payload.community_ids))
    if len(communities) != len(set(payload.community_ids)):
        raise ValidationError({"community_ids": _("Unknown community.")})
    return services.InitiativeData(
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
    )


class InitiativeEdit(InitiativeIn):
    version: int = Field(..., description="the version read: an edit from an older one is a 409")


@router.put(
    "/prevention/initiatives/{initiative_id}",
    response={200: InitiativeOut, 404: Error, 409: Error, 422: Error},
    summary="Edit an initiative (its organisation's staff, coordinators), from the version read",
)
def update_initiative(
    request: AuthedRequest, initiative_id: int, payload: InitiativeEdit
) -> Initiative:
    initiative = get_editable_initiative_for_user(request.user, initiative_id)
    services.update_initiative(
        actor=request.user,
        initiative=initiative,
        data=_initiative_data(payload),
        expected_version=payload.version,
    )
    return Initiative.objects.prefetch_related("districts", "partners").get(pk=initiative.pk)


@router.post(
    "/prevention/initiatives/{initiative_id}/grants",
    response={201: Created, 404: Error, 409: Error, 422: Error},
    summary="Record a grant to an initiative",
)
def add_initiative_grant(
    request: AuthedRequest,
    initiative_id: int,
    payload: GrantIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    initiative = get_editable_initiative_for_user(request.user, initiative_id)

    def act() -> Status[Any]:
        grant = services.add_grant(actor=request.user, initiative=initiative, **payload.dict())
        return Status(201, {"id": grant.pk})

    return idempotency.once(request, idempotency_key, f"grant:{initiative.pk}", act, _created)


@router.post(
    "/prevention/initiatives/{initiative_id}/activities",
    response={201: Created, 404: Error, 409: Error, 422: Error},
    summary="Record an activity and its reach by sex and age band",
)
def add_initiative_activity(
    request: AuthedRequest,
    initiative_id: int,
    payload: ActivityIn,
    idempotency_key: str | None = idempotency.key_header(),
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

    def act() -> Status[Any]:
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

    return idempotency.once(request, idempotency_key, f"activity:{initiative.pk}", act, _created)


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


# --- funding and reach ---------------------------------------------------------------------


class GrantOut(Schema):
    id: int
    funder_kind: str
    funder_name: str
    amount: int = Field(..., description="PKR")
    paid: int = Field(..., description="PKR disbursed so far")
    starts_on: datetime.date
    ends_on: datetime.date


class FundingOut(Schema):
    status: str = Field(..., description="funded, partly, unfunded or ending (within 90 days)")
    grants: list[GrantOut]


class DisbursementIn(Schema):
    amount: int = Field(..., gt=0, description="PKR")
    paid_on: datetime.date


class ActivityOut(Schema):
    id: int
    held_on: datetime.date
    kind: str
    channel: str
    district: str | None = Field(None, description="district code")
    community_id: int | None
    reach: int
    female_under_15: int
    female_youth: int
    female_30_plus: int
    male_under_15: int
    male_youth: int
    male_30_plus: int

    @staticmethod
    def resolve_district(obj: Activity) -> str | None:
        return obj.district.code if obj.district else None


@router.get(
    "/prevention/initiatives/{initiative_id}/funding",
    response={200: FundingOut, 404: Error},
    summary="An initiative's grants, what was paid, and the funding status that follows",
)
def initiative_funding(request: AuthedRequest, initiative_id: int) -> Any:
    initiative = get_initiative_for_user(request.user, initiative_id)
    status = services.funding_statuses(Initiative.objects.filter(pk=initiative.pk))[initiative.pk]
    grants = initiative.grants.annotate(paid_sum=Sum("disbursements__amount")).order_by(
        "starts_on", "pk"
    )
    return {
        "status": status,
        "grants": [
            {
                "id": g.pk,
                "funder_kind": g.funder_kind,
                "funder_name": g.funder_name,
                "amount": g.amount,
                "paid": g.paid_sum or 0,
                "starts_on": g.starts_on,
                "ends_on": g.ends_on,
            }
            for g in grants
        ],
    }


@router.post(
    "/prevention/grants/{grant_id}/disbursements",
    response={201: Created, 404: Error, 409: Error, 422: Error},
    summary="Record a payment of a grant",
)
def add_grant_disbursement(
    request: AuthedRequest,
    grant_id: int,
    payload: DisbursementIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    grant = get_editable_grant_for_user(request.user, grant_id)

    def act() -> Status[Any]:
        paid = services.add_disbursement(
            actor=request.user, grant=grant, amount=payload.amount, paid_on=payload.paid_on
        )
        return Status(201, {"id": paid.pk})

    return idempotency.once(request, idempotency_key, f"disbursement:{grant.pk}", act, _created)


@router.get(
    "/prevention/initiatives/{initiative_id}/activities",
    response={200: list[ActivityOut], 404: Error},
    summary="An initiative's activities with their reach by sex and age band (newest first)",
)
def initiative_activities(request: AuthedRequest, initiative_id: int) -> Any:
    initiative = get_initiative_for_user(request.user, initiative_id)
    return initiative.activities.select_related("district").order_by("-held_on", "-pk")[:500]


# --- district profiles ---------------------------------------------------------------------


class IndicatorOut(Schema):
    code: str
    name: str
    higher_is_need: bool


class DistrictValueOut(Schema):
    district: str
    indicator: str
    year: int
    value: float


class DistrictValueIn(Schema):
    district: str = Field(..., description="district code")
    indicator: str = Field(..., description="indicator code")
    year: int
    value: float


def _require(request: AuthedRequest, action: str) -> None:
    if not policies.can(request.user, action):
        raise Http404


@router.get(
    "/prevention/indicators",
    response={200: list[IndicatorOut], 404: Error},
    summary="The need indicators districts are profiled by",
)
def list_indicators(request: AuthedRequest) -> Any:
    _require(request, "district_profile.read")
    return Indicator.objects.order_by("name")


@router.get(
    "/prevention/district-values",
    response={200: list[DistrictValueOut], 404: Error, 422: Error},
    summary="District profiles: each indicator's value per district and year",
)
def list_district_values(request: AuthedRequest, district: str = "", indicator: str = "") -> Any:
    _require(request, "district_profile.read")
    values = DistrictValue.objects.all()
    if district:
        values = values.filter(district__in=_districts([district]))
    if indicator:
        values = values.filter(indicator__code=indicator)
    return [
        {"district": code, "indicator": ind, "year": year, "value": float(value)}
        for code, ind, year, value in values.order_by(
            "district__code", "indicator__code", "year"
        ).values_list("district__code", "indicator__code", "year", "value")[:5000]
    ]


@router.post(
    "/prevention/district-values",
    response={200: DistrictValueOut, 404: Error, 422: Error},
    summary="Set an indicator's value for a district and year (coordinators)",
)
def set_district_value(request: AuthedRequest, payload: DistrictValueIn) -> Any:
    _require(request, "district_profile.write")
    district = _districts([payload.district])[0]
    indicator = Indicator.objects.filter(code=payload.indicator).first()
    if indicator is None:
        raise ValidationError({"indicator": _("Unknown indicator.")})
    try:
        value = Decimal(str(payload.value))
    except InvalidOperation as bad:
        raise ValidationError({"value": _("Give a number.")}) from bad
    services.set_district_value(
        actor=request.user, district=district, indicator=indicator, year=payload.year, value=value
    )
    return {
        "district": district.code,
        "indicator": indicator.code,
        "year": payload.year,
        "value": float(value),
    }


# --- the family advice line ------------------------------------------------------------------


class AdviceCountOut(Schema):
    district: str | None = Field(..., description="district code; null: not said")
    concern: str
    contacts: int | None = Field(..., description="null: fewer than the minimum, suppressed")


class AdviceContactOut(Schema):
    id: int
    contacted_on: datetime.date
    district: str | None
    caller_kind: str
    concern: str
    anonymous: bool
    advice: str
    referral: str
    referred_to: str

    @staticmethod
    def resolve_district(obj: AdviceContact) -> str | None:
        return obj.district.code if obj.district else None


class AdviceContactIn(Schema):
    organisation_id: int | None = Field(None, description="your advice line; the first if none")
    contacted_on: datetime.date | None = None
    district: str = Field("", description="district code")
    caller_kind: str
    concern: str
    advice: str = Field(..., max_length=5000)
    caller: str = Field("", max_length=200, description="only if the caller agrees; sealed")
    referral: str = "none"
    referred_to: str = Field("", max_length=200)


@router.get(
    "/prevention/advice-line/counts",
    response={200: list[AdviceCountOut], 404: Error},
    summary="Advice-line contacts of the last year by district and concern, suppressed",
)
def advice_counts(request: AuthedRequest) -> Any:
    _require(request, "prevention_aggregate.read")
    since = local_today() - datetime.timedelta(days=365)
    least = suppression.minimum()
    return [
        {"district": code, "concern": concern, "contacts": suppression.count_or_none(n, k=least)}
        for code, concern, n in AdviceContact.objects.filter(contacted_on__gt=since)
        .values("district__code", "concern")
        .annotate(n=Count("pk"))
        .order_by("district__code", "concern")
        .values_list("district__code", "concern", "n")
    ]


@router.get(
    "/prevention/advice-line/contacts",
    response={200: list[AdviceContactOut], 404: Error},
    summary="The contacts your advice line logged (counsellors; never the caller's identity)",
)
def list_advice_contacts(request: AuthedRequest) -> Any:
    _require(request, "advice_contact.read")
    return AdviceContact.objects.visible_to(request.user).select_related("district")[:500]


@router.post(
    "/prevention/advice-line/contacts",
    response={201: Created, 404: Error, 409: Error, 422: Error},
    summary="Log an advice-line contact (anonymous unless the caller agrees)",
)
def log_advice_contact(
    request: AuthedRequest,
    payload: AdviceContactIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    _require(request, "advice_contact.write")
    lines = Organisation.objects.filter(
        pk__in=policies.acting_organisations(request.user, "advice_contact.write")
    ).order_by("name")
    line = (
        lines.filter(pk=payload.organisation_id).first()
        if payload.organisation_id is not None
        else lines.first()
    )
    if line is None:
        raise ValidationError({"organisation_id": _("Not an advice line of yours.")})
    district = _districts([payload.district])[0] if payload.district else None

    def act() -> Status[Any]:
        contact = services.log_advice_contact(
            actor=request.user,
            organisation=line,
            caller_kind=payload.caller_kind,
            concern=payload.concern,
            advice=payload.advice,
            district=district,
            contacted_on=payload.contacted_on,
            caller=payload.caller,
            referral=payload.referral,
            referred_to=payload.referred_to,
        )
        return Status(201, {"id": contact.pk})

    return idempotency.once(request, idempotency_key, "advice_contact", act, _created)


# --- anonymous trust and stigma surveys -------------------------------------------------------


class ScoresOut(Schema):
    respondents: int | None = Field(..., description="null: fewer than the minimum, suppressed")
    trust: float | None = Field(..., description="0-100, the trust measures' mean")
    trust_programme: float | None
    trust_government: float | None
    trust_initiative: float | None
    stigma: float | None = Field(..., description="0-100; higher is worse")


class SurveyRoundOut(Schema):
    id: int
    organisation_id: int
    community_id: int
    district: str
    instrument: str
    instrument_version: int
    starts_on: datetime.date
    ends_on: datetime.date
    planned_sample: int | None
    is_open: bool
    version: int
    results: ScoresOut | None = Field(..., description="null: you read no prevention figures")


class SurveyRoundIn(Schema):
    organisation_id: int | None = Field(None, description="yours; the first if none")
    community_id: int
    instrument_version_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    planned_sample: int | None = None


class SurveyResponseIn(Schema):
    group: str = Field("not_said", description="women, men or not_said: nothing else of who")
    answers: dict[str, Any]


class TrendPointOut(Schema):
    district: str
    period: str = Field(..., description="half-year, e.g. 2026-H1")
    rounds: int
    results: ScoresOut


def _scores(result: surveys.Result) -> dict[str, Any]:
    return {
        "respondents": result.respondents,
        "trust": result.trust,
        **{m: result.scores.get(m) for m in Measure.values},
    }


def _round_out(request: AuthedRequest, r: SurveyRound) -> dict[str, Any]:
    aggregates = policies.can(request.user, "prevention_aggregate.read")
    return {
        "id": r.pk,
        "organisation_id": r.organisation_id,
        "community_id": r.community_id,
        "district": r.district.code,
        "instrument": r.instrument_version.instrument.code,
        "instrument_version": r.instrument_version.number,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "planned_sample": r.planned_sample,
        "is_open": r.is_open,
        "version": r.version,
        "results": _scores(surveys.result(r.respondents, r.tallies)) if aggregates else None,
    }


def _rounds(request: AuthedRequest) -> Any:
    return SurveyRound.objects.visible_to(request.user).select_related(
        "district", "instrument_version__instrument"
    )


@router.get(
    "/prevention/surveys",
    response={200: list[SurveyRoundOut], 404: Error, 422: Error},
    summary="Survey rounds with their results (suppressed under the minimum)",
)
def list_survey_rounds(request: AuthedRequest, district: str = "") -> Any:
    _require(request, "prevention_survey.read")
    rounds = _rounds(request)
    if district:
        rounds = rounds.filter(district__in=_districts([district]))
    return [_round_out(request, r) for r in rounds.order_by("-ends_on", "-pk")[:500]]


@router.get(
    "/prevention/surveys/trends",
    response={200: list[TrendPointOut], 404: Error, 422: Error},
    summary="Trust and stigma over time per district, by half-year, suppressed",
)
def survey_trends(request: AuthedRequest, district: str = "") -> Any:
    _require(request, "prevention_aggregate.read")
    rounds = SurveyRound.objects.filter(respondents__gt=0)
    if district:
        rounds = rounds.filter(district__in=_districts([district]))
    codes = dict(District.objects.values_list("pk", "code"))
    trends = surveys.trends(
        rounds.values("district_id", "ends_on", "respondents", "tallies"), "district_id"
    )
    return [
        {"district": codes[d], "period": p.period, "rounds": p.rounds, "results": _scores(p.result)}
        for d, points in sorted(trends.items(), key=lambda pair: codes[pair[0]])
        for p in points
    ]


@router.get(
    "/prevention/surveys/{round_id}",
    response={200: SurveyRoundOut, 404: Error},
    summary="One survey round and its results (suppressed under the minimum)",
)
def get_survey_round(request: AuthedRequest, round_id: int) -> Any:
    return _round_out(request, get_survey_round_for_user(request.user, round_id))


@router.post(
    "/prevention/surveys",
    response={201: Created, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Plan a survey round of a community with a published survey questionnaire",
)
def plan_survey_round(
    request: AuthedRequest,
    payload: SurveyRoundIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    _require(request, "prevention_survey.write")
    organisation = (
        _organisations([payload.organisation_id], "organisation_id")[0]
        if payload.organisation_id is not None
        else Organisation.objects.filter(
            pk__in=policies.acting_organisations(request.user, "prevention_survey.write")
        )
        .order_by("name")
        .first()
    )
    community = Community.objects.select_related("tehsil").filter(pk=payload.community_id).first()
    version = services.survey_versions().filter(pk=payload.instrument_version_id).first()
    if organisation is None or community is None or version is None:
        raise ValidationError(
            {
                key: message
                for key, missing, message in (
                    ("organisation_id", organisation is None, _("Unknown organisation.")),
                    ("community_id", community is None, _("Unknown community.")),
                    (
                        "instrument_version_id",
                        version is None,
                        _("Choose a published anonymous survey questionnaire."),
                    ),
                )
                if missing
            }
        )

    def act() -> Status[Any]:
        made = services.plan_survey_round(
            actor=request.user,
            organisation=organisation,
            community=community,
            instrument_version=version,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            planned_sample=payload.planned_sample,
        )
        return Status(201, {"id": made.pk})

    return idempotency.once(request, idempotency_key, "survey_round", act, _created)


@router.post(
    "/prevention/surveys/{round_id}/responses",
    response={201: Created, 404: Error, 409: Error, 422: Error},
    summary="Record one respondent's answers: no identity, no free text",
)
def record_survey_response(
    request: AuthedRequest,
    round_id: int,
    payload: SurveyResponseIn,
    idempotency_key: str | None = idempotency.key_header(),
) -> Status[Any]:
    survey_round = get_editable_survey_round_for_user(request.user, round_id)

    def act() -> Status[Any]:
        made = services.record_survey_response(
            actor=request.user,
            survey_round=survey_round,
            answers=payload.answers,
            group=payload.group,
        )
        return Status(201, {"id": made.pk})

    return idempotency.once(
        request, idempotency_key, f"survey_response:{survey_round.pk}", act, _created
    )
