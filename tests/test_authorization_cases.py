"""Programmes, cases and gates: every role against every page and endpoint, through HTTP.

One test per endpoint builds the pathway's cast (``PathwayWorld``: one user per role, each
in scope of the case where their role allows) and calls the endpoint as each role in
turn, every call inside a savepoint that is rolled back, so one role's write never changes
what the next one meets. Out-of-scope objects answer 404, like missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bahali.accounts.roles import Role
from bahali.cases import services as cases
from bahali.cases.models import Case, TransitionRequest
from bahali.programmes import services as programmes
from bahali.testing import (
    PathwayWorld,
    make_member,
    membership_of,
)
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

EVERYONE = set(Role)
TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
SUMMARY = TEAM | {
    Role.COMMITTEE_MEMBER,
    Role.PROGRAMME_MANAGER,
    Role.SECURITY_LIAISON,
    Role.OVERSIGHT_MONITOR,
    Role.DATA_STEWARD,
}
# Beyond the summary (the team, reasons in requests and sign-offs): not the security liaison.
DETAIL = SUMMARY - {Role.SECURITY_LIAISON}
MOVERS = TEAM | {Role.PROGRAMME_MANAGER}
SIGNERS = TEAM | {Role.COMMITTEE_MEMBER}  # the centre, the CSO and the committee sign
PM = {Role.PROGRAMME_MANAGER}
DS = {Role.DATA_STEWARD}
EMERGENCY_REASON = "A threat to his life reported tonight; the team cannot be reached."


@dataclass
class CaseWorld:
    world: PathwayWorld
    case: Case  # in rehabilitation, everyone's scope
    pending: TransitionRequest  # rehabilitation → transition, the committee objected
    stranger: Case  # another lead organisation's programme, in Bajaur
    waiting_participant: Any  # registered by the centre, not yet enrolled
    member_pk: int
    objection_pk: int
    emergency_pk: int  # break-the-glass on ``case`` by a case worker of another centre


def _world() -> CaseWorld:
    world = PathwayWorld()
    case = world.case("centre", phase="rehabilitation")
    pending = cases.request_transition(
        # four eyes: whoever requests never signs, so another manager, outside the cast, asks
        actor=make_member(Role.PROGRAMME_MANAGER, organisation=world.lead),
        case=case,
        transition=case.programme.transitions.get(from_phase=case.phase),
        reason="Ready",
    )
    objection = cases.record_sign_off(
        actor=world.committee_member, request=pending, decision="object", reason="Jirga first"
    )
    stranger = world.stranger_case()
    member = case.team.get(membership__user=world.mentor)
    emergency = cases.open_emergency_access(
        actor=make_member(Role.CASE_WORKER), case=case, reason=EMERGENCY_REASON
    )
    return CaseWorld(
        world=world,
        case=case,
        pending=pending,
        stranger=stranger,
        waiting_participant=world.participant(),
        member_pk=member.pk,
        objection_pk=objection.pk,
        emergency_pk=emergency.pk,
    )


def _form_data(obj: Any, fields: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    """What the edit form posts back unchanged: ``obj``'s values of ``fields``."""
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if value is None or value is False:
            continue  # an empty field or an unticked box is not sent
        data[name] = "on" if value is True else getattr(value, "pk", value)
    return {**data, **extra}


def _programme_data(w: CaseWorld) -> dict[str, Any]:
    programme = w.case.programme
    return _form_data(
        programme,
        programmes.PROGRAMME_FIELDS,
        version=programme.version,
        districts=[district.pk for district in programme.districts.all()],
    )


def _phase_data(w: CaseWorld) -> dict[str, Any]:
    return _form_data(w.case.phase, programmes.PHASE_FIELDS, version=w.case.programme.version)


def _new_phase_data(w: CaseWorld) -> dict[str, Any]:
    return {
        "version": w.case.programme.version,
        "code": "halfway",
        "name_en": "Halfway",
        "order": 55,
    }


def _free_transition(w: CaseWorld) -> Any:
    """A transition of the case's programme with no request pending on it."""
    return w.case.programme.transitions.exclude(pk=w.pending.transition_id).first()


def _transition_data(w: CaseWorld) -> dict[str, Any]:
    transition = _free_transition(w)
    return _form_data(transition, programmes.TRANSITION_FIELDS, version=w.case.programme.version)


def _new_transition_data(w: CaseWorld) -> dict[str, Any]:
    """Back from the transition phase to rehabilitation, which the blueprint does not have."""
    transition = w.pending.transition
    return {
        "version": w.case.programme.version,
        "from_phase": transition.to_phase_id,
        "to_phase": transition.from_phase_id,
        "approvals_required": 0,
    }


def _enrolment_data(w: CaseWorld) -> dict[str, Any]:
    return {
        "programme": w.case.programme_id,
        "referral_source": "family",
        "district": w.world.swat.pk,
    }


def _transition_id(w: CaseWorld) -> dict[str, Any]:
    return {"transition": w.pending.transition_id, "reason": "Ready"}


PAGES = [
    page("cases:list", "get", lambda w: "/cases/", SUMMARY, 200),
    page("cases:detail", "get", lambda w: f"/cases/{w.case.pk}/", SUMMARY, 200),
    page(
        "cases:detail",
        "get",
        lambda w: f"/cases/{w.stranger.pk}/",
        {Role.OVERSIGHT_MONITOR},
        200,
    ),
    page("cases:queue", "get", lambda w: "/cases/sign-offs/", SIGNERS | PM, 200),
    page("cases:work", "get", lambda w: "/cases/my-work/", EVERYONE, 200),
    # break-the-glass: the roles that work cases open one outside their teams (the stranger
    # case: nobody of the cast reaches it); the team, the steward and oversight read them;
    # the lead organisation's steward reviews
    page("cases:emergency", "get", lambda w: "/cases/emergency/", TEAM, 200),
    page(
        "cases:emergency",
        "post",
        lambda w: "/cases/emergency/",
        TEAM,
        302,
        data=lambda w: {"code": w.stranger.participant.code, "reason": EMERGENCY_REASON},
    ),
    page(
        "cases:emergency_review",
        "get",
        lambda w: "/cases/emergency/review/",
        TEAM | DS | {Role.OVERSIGHT_MONITOR},
        200,
    ),
    page(
        "cases:review_emergency",
        "post",
        lambda w: f"/cases/emergency/{w.emergency_pk}/review/",
        DS,
        302,
        data={"note": "Justified: the police were told."},
    ),
    page(
        "cases:enrol",
        "get",
        lambda w: f"/cases/enrol/{w.waiting_participant.code}/",
        {Role.CASE_WORKER, Role.PROGRAMME_MANAGER},
        200,
    ),
    page(
        "cases:enrol",
        "post",
        lambda w: f"/cases/enrol/{w.waiting_participant.code}/",
        {Role.CASE_WORKER, Role.PROGRAMME_MANAGER},
        302,
        data=_enrolment_data,
    ),
    page(
        "cases:enrol",
        "post",
        lambda w: f"/cases/enrol/{w.stranger.participant.code}/",
        set(),
        302,
        data=_enrolment_data,
    ),
    page(
        "cases:add_member",
        "post",
        lambda w: f"/cases/{w.case.pk}/team/",
        PM,
        302,
        data=lambda w: {
            "membership": membership_of(w.world.outsider).pk,
            "case_role": "case_worker",
        },
    ),
    page("cases:add_member", "get", lambda w: f"/cases/{w.case.pk}/team/", PM, 200),
    page(
        "cases:add_member",
        "post",
        lambda w: f"/cases/{w.stranger.pk}/team/",
        set(),
        302,
    ),
    page(
        "cases:remove_member",
        "post",
        lambda w: f"/cases/{w.case.pk}/team/{w.member_pk}/leave/",
        PM,
        302,
    ),
    page(
        "cases:request_transition",
        "post",
        lambda w: f"/cases/{w.case.pk}/transitions/",
        MOVERS,
        302,
        data=_transition_id,
    ),
    page(
        "cases:sign",
        "post",
        lambda w: f"/cases/{w.case.pk}/transitions/{w.pending.pk}/sign/",
        SIGNERS,
        302,
        data={"decision": "approve", "reason": "ok"},
    ),
    page(
        "cases:cancel",
        "post",
        lambda w: f"/cases/{w.case.pk}/transitions/{w.pending.pk}/cancel/",
        MOVERS,
        302,
        data={"reason": "not yet"},
    ),
    page(
        "cases:override",
        "post",
        lambda w: f"/cases/{w.case.pk}/transitions/{w.pending.pk}/override/",
        DS,
        302,
        data={"reason": "court order", "reference": "Order 1"},
    ),
    page(
        "cases:answer",
        "post",
        lambda w: f"/cases/{w.case.pk}/objections/{w.objection_pk}/answer/",
        MOVERS,
        302,
        data={"answer": "The jirga is set."},
    ),
    page(
        "cases:withdraw",
        "post",
        lambda w: f"/cases/{w.case.pk}/objections/{w.objection_pk}/withdraw/",
        {Role.COMMITTEE_MEMBER},
        302,
    ),
    page(
        "cases:close",
        "post",
        lambda w: f"/cases/{w.case.pk}/close/",
        MOVERS,
        302,
        data={"closure": "withdrawn", "note": "left"},
    ),
    page("programmes:list", "get", lambda w: "/programmes/", EVERYONE, 200),
    page("programmes:detail", "get", lambda w: "/programmes/centre/", EVERYONE, 200),
    page("programmes:edit", "get", lambda w: "/programmes/centre/edit/", PM, 200),
    page("programmes:edit", "get", lambda w: "/programmes/bajaur-centre/edit/", set(), 200),
    page(
        "programmes:edit",
        "post",
        lambda w: "/programmes/centre/edit/",
        PM,
        302,
        data=_programme_data,
    ),
    page(
        "programmes:edit",
        "post",
        lambda w: "/programmes/bajaur-centre/edit/",
        set(),
        302,
        data=_programme_data,
    ),
    page(
        "programmes:add_phase",
        "post",
        lambda w: "/programmes/centre/phases/new/",
        PM,
        302,
        data=_new_phase_data,
    ),
    page(
        "programmes:add_phase",
        "post",
        lambda w: "/programmes/bajaur-centre/phases/new/",
        set(),
        302,
        data=_new_phase_data,
    ),
    page(
        "programmes:edit_phase",
        "post",
        lambda w: f"/programmes/centre/phases/{w.case.phase_id}/",
        PM,
        302,
        data=_phase_data,
    ),
    page(
        "programmes:edit_phase",
        "post",
        lambda w: f"/programmes/bajaur-centre/phases/{w.stranger.phase_id}/",
        set(),
        302,
        data=_phase_data,
    ),
    page(
        "programmes:add_transition",
        "post",
        lambda w: "/programmes/centre/transitions/new/",
        PM,
        302,
        data=_new_transition_data,
    ),
    page(
        "programmes:add_transition",
        "post",
        lambda w: "/programmes/bajaur-centre/transitions/new/",
        set(),
        302,
        data=_new_transition_data,
    ),
    page(
        "programmes:edit_transition",
        "post",
        lambda w: f"/programmes/centre/transitions/{_free_transition(w).pk}/",
        PM,
        302,
        data=_transition_data,
    ),
    page(
        "programmes:edit_transition",
        "post",
        lambda w: (
            f"/programmes/bajaur-centre/transitions/{w.stranger.programme.transitions.first().pk}/"
        ),
        set(),
        302,
        data=_transition_data,
    ),
    page("programmes:add_phase", "get", lambda w: "/programmes/centre/phases/new/", PM, 200),
    page(
        "programmes:edit_phase",
        "get",
        lambda w: f"/programmes/centre/phases/{w.case.phase_id}/",
        PM,
        200,
    ),
    page(
        "programmes:delete_phase",
        "post",
        lambda w: f"/programmes/centre/phases/{w.case.phase_id}/delete/",
        PM,
        302,
    ),
    page(
        "programmes:add_transition",
        "get",
        lambda w: "/programmes/centre/transitions/new/",
        PM,
        200,
    ),
    page(
        "programmes:edit_transition",
        "get",
        lambda w: f"/programmes/centre/transitions/{w.pending.transition_id}/",
        PM,
        200,
    ),
    page(
        "programmes:delete_transition",
        "post",
        lambda w: f"/programmes/centre/transitions/{w.pending.transition_id}/delete/",
        PM,
        302,
    ),
]

API = [
    api("api:list_programmes", "get", lambda w: "/api/v1/programmes", EVERYONE, 200),
    api("api:get_programme", "get", lambda w: "/api/v1/programmes/centre", EVERYONE, 200),
    api(
        "api:add_phase",
        "post",
        lambda w: "/api/v1/programmes/centre/phases",
        PM,
        201,
        data=lambda w: {
            "version": w.case.programme.version,
            "code": "halfway",
            "name_en": "Halfway house",
            "order": 55,
        },
    ),
    api(
        "api:add_transition",
        "post",
        lambda w: "/api/v1/programmes/centre/transitions",
        PM,
        201,
        data=lambda w: {
            "version": w.case.programme.version,
            "from_phase": "referred",
            "to_phase": "intake",
            "required_kinds": ["rehabilitation_centre"],
            "approvals_required": 1,
        },
    ),
    api("api:list_cases", "get", lambda w: "/api/v1/cases", EVERYONE, 200),
    api(
        "api:enrol_case",
        "post",
        lambda w: "/api/v1/cases",
        {Role.CASE_WORKER, Role.PROGRAMME_MANAGER},
        201,
        denied=403,
        data=lambda w: {
            "participant": w.waiting_participant.code,
            "programme": "community",
            "referral_source": "family",
        },
    ),
    api("api:get_case", "get", lambda w: f"/api/v1/cases/{w.case.pk}", SUMMARY, 200),
    api(
        "api:get_case",
        "get",
        lambda w: f"/api/v1/cases/{w.stranger.pk}",
        {Role.OVERSIGHT_MONITOR},
        200,
    ),
    api(
        "api:add_team_member",
        "post",
        lambda w: f"/api/v1/cases/{w.case.pk}/team",
        PM,
        201,
        data=lambda w: {
            "membership_id": membership_of(w.world.outsider).pk,
            "case_role": "case_worker",
        },
    ),
    api(
        "api:remove_team_member",
        "delete",
        lambda w: f"/api/v1/cases/{w.case.pk}/team/{w.member_pk}",
        PM,
        200,
    ),
    api(
        "api:request_transition",
        "post",
        lambda w: f"/api/v1/cases/{w.stranger.pk}/transitions",
        set(),
        201,
        data={"to_phase": "screening", "reason": "ready", "version": 1},
    ),
    api(
        "api:close_case",
        "post",
        lambda w: f"/api/v1/cases/{w.case.pk}/close",
        MOVERS,
        200,
        data={"closure": "exited", "note": "exited the programme"},
    ),
    api(
        "api:get_request",
        "get",
        lambda w: f"/api/v1/transition-requests/{w.pending.pk}",
        DETAIL,
        200,
    ),
    api(
        "api:sign_request",
        "post",
        lambda w: f"/api/v1/transition-requests/{w.pending.pk}/sign-offs",
        SIGNERS,
        201,
        data={"decision": "approve", "reason": "ok"},
    ),
    api(
        "api:cancel_request",
        "post",
        lambda w: f"/api/v1/transition-requests/{w.pending.pk}/cancel",
        MOVERS,
        200,
        data={"reason": "not yet"},
    ),
    api(
        "api:override_gate",
        "post",
        lambda w: f"/api/v1/transition-requests/{w.pending.pk}/override",
        DS,
        200,
        data={"reason": "court order", "reference": "Order 1"},
    ),
    api(
        "api:answer_objection",
        "post",
        lambda w: f"/api/v1/sign-offs/{w.objection_pk}/answer",
        MOVERS,
        200,
        data={"answer": "The jirga is set."},
    ),
    api(
        "api:withdraw_objection",
        "post",
        lambda w: f"/api/v1/sign-offs/{w.objection_pk}/withdraw",
        {Role.COMMITTEE_MEMBER},
        200,
    ),
    api("api:sign_off_queue", "get", lambda w: "/api/v1/sign-offs", EVERYONE, 200),
    api("api:my_work", "get", lambda w: "/api/v1/me/work", EVERYONE, 200),
]


world = module_world(_world)


@pytest.mark.parametrize(
    "endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
