"""The pathway's rules: enrolment preconditions, gates, objections, overrides, closure."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.audit.models import AuditEvent
from bahali.cases import services
from bahali.cases.models import Case, Closure, PhaseChange, SignOff, TransitionRequest
from bahali.core.context import SYSTEM, acting_as
from bahali.core.versioning import Conflict
from bahali.programmes.blueprints import BLUEPRINTS
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _transition(case: Case, target: str):
    return case.programme.transitions.get(from_phase=case.phase, to_phase__code=target)


# Who signs for each organisation kind, in the world above.
def _signers(world: PathwayWorld) -> dict[str, object]:
    return {
        "rehabilitation_centre": world.psychologist,
        "civil_society": world.trainer,
        "community_committee": world.committee_member,
        "prison_service": world.prison_worker,
    }


def _walk(world: PathwayWorld, case: Case) -> None:
    """Request each next transition and have every required kind approve it."""
    signers = _signers(world)
    requester = world.case_worker  # four eyes: never one of the signers
    while case.is_open:
        transition = case.programme.transitions.filter(from_phase=case.phase).first()
        request = services.request_transition(
            actor=requester, case=case, transition=transition, reason="Ready to move on"
        )
        for kind in transition.required_kinds:
            request.refresh_from_db()
            if request.status == TransitionRequest.Status.APPLIED:
                break
            services.record_sign_off(
                actor=signers[kind], request=request, decision="approve", reason="Agreed"
            )
        request.refresh_from_db()
        assert request.status == TransitionRequest.Status.APPLIED, transition
        case.refresh_from_db()


@pytest.mark.parametrize("key", list(BLUEPRINTS))
def test_each_template_walks_from_referral_to_completed(world, key):
    case = world.case(key)
    first = case.phase.code
    _walk(world, case)
    assert case.closure == Closure.COMPLETED and case.closed_on is not None
    history = list(case.phase_changes.order_by("pk").values_list("to_phase__code", flat=True))
    expected = [p.code for p in BLUEPRINTS[key].phases]
    assert history == expected[expected.index(first) :]
    assert AuditEvent.objects.filter(action="create", object_type__endswith="signoff").exists()


def test_enrolment_is_refused_without_consent(world):
    participant = world.participant(consent=False)
    with pytest.raises(ValidationError, match="consent"):
        world.case("centre", participant=participant)
    assert not Case.objects.filter(participant=participant).exists()


def test_enrolment_is_refused_without_the_pledge_where_the_programme_asks(world):
    programme = world.programmes["community"]
    programme.pledge_at_enrolment = True
    with acting_as(SYSTEM):
        programme.save()
    participant = world.participant(pledge=False)
    with pytest.raises(ValidationError, match="pledge"):
        world.case("community", participant=participant)
    assert not Case.objects.filter(participant=participant).exists()


def test_entering_rehabilitation_needs_the_pledge(world):
    participant = world.participant(pledge=False)
    case = world.case("centre", participant=participant, phase="intake")
    with pytest.raises(ValidationError, match="pledge"):
        services.request_transition(
            actor=world.case_worker,
            case=case,
            transition=_transition(case, "rehabilitation"),
            reason="Ready",
        )


def test_gate_refuses_with_too_few_organisation_kinds(world):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker,
        case=case,
        transition=_transition(case, "transition"),
        reason="Ready for the community",
    )
    services.record_sign_off(
        actor=world.psychologist, request=request, decision="approve", reason="Progress good"
    )
    # The centre's programme manager cannot stand in for the CSO or the committee.
    services.record_sign_off(
        actor=world.trainer, request=request, decision="approve", reason="Skills ready"
    )
    status = services.gate_status(request)
    assert not status.is_met and status.missing_kinds == ["community_committee"]
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.PENDING
    case.refresh_from_db()
    assert case.phase.code == "rehabilitation"


def test_a_second_member_of_the_same_kind_does_not_count_twice(world):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    services.record_sign_off(
        actor=world.psychologist, request=request, decision="approve", reason="a"
    )
    with pytest.raises(Conflict, match="decided so"):  # the same decision, once
        services.record_sign_off(
            actor=world.scholar, request=request, decision="approve", reason="b"
        )
    assert SignOff.objects.filter(request=request).count() == 1
    assert services.gate_status(request).approvals == 1


def test_objection_blocks_until_answered(world):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    objection = services.record_sign_off(
        actor=world.committee_member,
        request=request,
        decision="object",
        reason="Victims' families are afraid; hold a jirga first.",
    )
    services.record_sign_off(
        actor=world.psychologist, request=request, decision="approve", reason="a"
    )
    services.record_sign_off(actor=world.trainer, request=request, decision="approve", reason="b")
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.PENDING
    assert services.gate_status(request).open_objections == [objection]
    # Answering does not approve on the committee's behalf: it still has to approve.
    services.answer_objection(
        actor=world.case_worker, sign_off=objection, answer="A jirga is set for Friday."
    )
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.PENDING
    services.record_sign_off(
        actor=world.committee_member, request=request, decision="approve", reason="Jirga held"
    )
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == TransitionRequest.Status.APPLIED
    assert case.phase.code == "transition"


def test_withdrawn_objection_lets_the_gate_apply(world):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    services.record_sign_off(
        actor=world.psychologist, request=request, decision="approve", reason="a"
    )
    services.record_sign_off(actor=world.trainer, request=request, decision="object", reason="wait")
    services.record_sign_off(
        actor=world.committee_member, request=request, decision="approve", reason="c"
    )
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.PENDING
    services.record_sign_off(actor=world.trainer, request=request, decision="approve", reason="ok")
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.APPLIED


def test_the_system_actor_cannot_withdraw_an_organisations_objection(world):
    """An objection is withdrawn in the objecting organisation's name; the system actor
    holds no membership, so it gets a clear refusal (it used to crash: the system actor had
    no ``active_memberships``) and the objection stays open."""
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    objection = services.record_sign_off(
        actor=world.trainer, request=request, decision="object", reason="wait"
    )
    with pytest.raises(ValidationError, match="Only the organisation that objected"):
        services.withdraw_objection(actor=SYSTEM, sign_off=objection)
    objection.refresh_from_db()
    assert objection.objection == SignOff.ObjectionState.OPEN
    services.withdraw_objection(actor=world.trainer, sign_off=objection)
    objection.refresh_from_db()
    assert objection.objection == SignOff.ObjectionState.WITHDRAWN


def test_only_organisations_involved_in_the_case_sign(world, member):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    with pytest.raises((PermissionDenied, ValidationError)):
        services.record_sign_off(
            actor=world.outsider, request=request, decision="approve", reason="a"
        )
    with pytest.raises((PermissionDenied, ValidationError)):
        services.record_sign_off(
            actor=world.liaison, request=request, decision="approve", reason="a"
        )
    assert not request.sign_offs.exists()


def test_programme_manager_cannot_bypass_a_gate_but_steward_override_is_flagged(world):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.manager, case=case, transition=_transition(case, "transition"), reason="x"
    )
    with pytest.raises((PermissionDenied, ValidationError)):
        services.override_gate(actor=world.manager, request=request, reason="r", reference="d")
    with pytest.raises(ValidationError):
        services.override_gate(actor=world.steward, request=request, reason="r", reference="")
    services.override_gate(
        actor=world.steward, request=request, reason="Court order", reference="Order 12/2026"
    )
    request.refresh_from_db()
    case.refresh_from_db()
    assert request.is_overridden and request.status == TransitionRequest.Status.APPLIED
    assert case.phase.code == "transition"


def test_closure_needs_a_reason_and_cancels_the_waiting_request(world):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    with pytest.raises(ValidationError):
        services.close_case(actor=world.case_worker, case=case, closure="withdrawn", note=" ")
    services.close_case(
        actor=world.case_worker, case=case, closure="withdrawn", note="Chose to leave"
    )
    request.refresh_from_db()
    assert request.status == TransitionRequest.Status.CANCELLED
    assert PhaseChange.objects.filter(case=case, closure="withdrawn").exists()


def test_sign_off_queue_lists_requests_for_the_users_organisations(world):
    case = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    assert services.SignOffQueue(world.committee_member)[:100] == [request]
    assert services.SignOffQueue(world.trainer)[:100] == [request]
    assert services.SignOffQueue(world.outsider)[:100] == []
    services.record_sign_off(
        actor=world.committee_member, request=request, decision="approve", reason="ok"
    )
    assert services.SignOffQueue(world.committee_member)[:100] == []


def test_a_request_waiting_more_than_two_weeks_makes_the_case_overdue(world):
    import datetime

    from django.utils import timezone

    from bahali.cases import due

    case = world.case("centre", phase="rehabilitation")
    other = world.case("centre", phase="rehabilitation")
    request = services.request_transition(
        actor=world.case_worker, case=case, transition=_transition(case, "transition"), reason="x"
    )
    services.request_transition(
        actor=world.case_worker, case=other, transition=_transition(other, "transition"), reason="y"
    )
    case.refresh_from_db()
    assert case.next_due_on == timezone.localdate() + datetime.timedelta(days=14)
    assert not Case.objects.filter(due.overdue()).exists()
    with acting_as(SYSTEM):
        TransitionRequest.objects.filter(pk=request.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=15)
        )
    assert due.refresh() == 1  # an update bypasses the hooks: the command's way back
    assert list(Case.objects.filter(due.overdue())) == [case]
    # Settling the request settles the date.
    services.cancel_request(actor=world.case_worker, request=request, reason="Not yet.")
    case.refresh_from_db()
    assert not Case.objects.filter(due.overdue()).exists()
    # What is left is due later (the phase's first progress assessment, when scheduled).
    assert case.next_due_on == due.due_dates([case.pk]).get(case.pk)
    assert case.next_due_on is None or case.next_due_on > timezone.localdate()
