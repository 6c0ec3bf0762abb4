"""The pathway: enrolment, teams, transitions through gates, sign-offs, overrides, closure.

No single organisation kind can move a person along alone: a gated transition applies only
when each kind its rule names has approved through a member of an organisation involved in
the case, the count is reached and no objection stands unanswered (DESIGN.md §4).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import Membership, User
from bahali.accounts.roles import Role
from bahali.cases import due
from bahali.cases.models import (
    Case,
    CaseRole,
    Closure,
    EmergencyAccess,
    PhaseChange,
    RiskBand,
    SignOff,
    TeamMember,
    TransitionRequest,
)
from bahali.core.context import SystemActor, service
from bahali.core.paging import ordered_count
from bahali.core.services import local_today, user_of
from bahali.core.versioning import Conflict, Stale, claim_version
from bahali.geography.models import Community, District
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.programmes.models import Phase, Programme, Transition
from bahali.programmes.services import configuration_problems
from bahali.registry.models import Consent, ConsentPurpose, Participant, Pledge
from bahali.registry.services import has_consent

Actor = User | SystemActor

# Which membership roles may hold which case roles.
CASE_ROLES_FOR: dict[Role, tuple[CaseRole, ...]] = {
    Role.CASE_WORKER: (CaseRole.LEAD_CASE_WORKER, CaseRole.CASE_WORKER),
    Role.PSYCHOLOGIST: (CaseRole.PSYCHOLOGIST,),
    Role.RELIGIOUS_SCHOLAR: (CaseRole.RELIGIOUS_SCHOLAR,),
    Role.TRAINER: (CaseRole.TRAINER,),
    Role.MENTOR: (CaseRole.MENTOR,),
}


# Called as ``hook(case, change)`` after a transition applies, inside its transaction; apps
# add theirs from ``AppConfig.ready`` (aftercare plans its check-ins on entering aftercare).
PHASE_ENTERED: list[Callable[[Case, PhaseChange], None]] = []
# Called as ``hook(member)`` when a member leaves a team, inside the same transaction
# (casework ends the mentoring the member was doing).
MEMBER_LEFT: list[Callable[[TeamMember], None]] = []
# Preconditions of enrolment kept by apps above this one (intake: a programme whose
# eligibility criteria are published enrols only from an eligible referral). Called as
# ``check(participant, programme, basis)`` before anything is written; each returns the
# reasons it refuses (empty: no objection). ``basis`` is what the enrolment starts from
# (an intake referral), or None for a direct enrolment.
ENROLMENT_CHECKS: list[Callable[[Participant, Programme, Any], list[str]]] = []
# Called as ``hook(case, basis)`` once the case is open, inside the same transaction.
ENROLLED: list[Callable[[Case, Any], None]] = []


def phase_requirements_missing(case_or_participant: Case | Participant, phase: Phase) -> list[str]:
    """What must be on file before a participant may enter ``phase`` (consent, pledge)."""
    participant = (
        case_or_participant.participant
        if isinstance(case_or_participant, Case)
        else case_or_participant
    )
    on_file = participant.__dict__.get("_requirements_on_file")
    if on_file is not None:  # read for a whole list at once (note_requirements_on_file)
        consented, pledged = on_file
    else:
        consented = pledged = None
    missing = []
    if phase.requires_consent and not (
        consented
        if consented is not None
        else has_consent(participant, ConsentPurpose.PARTICIPATION)
    ):
        missing.append(
            _("Voluntary consent to participate must be on file before “%(phase)s”.")
            % {"phase": phase.label}
        )
    if phase.requires_pledge and not (
        pledged if pledged is not None else participant.pledges.exists()
    ):
        missing.append(
            _("The pledge renouncing violence must be on file before “%(phase)s”.")
            % {"phase": phase.label}
        )
    return missing


def _lock(row: Case | Participant | TeamMember) -> None:
    """Lock ``row`` until the transaction ends and re-read it.

    Every decision about a case (a request, a sign-off, an answer, an override, a closure)
    locks the case's row first, so two at once queue here, in the same order everywhere, and
    the second sees what the first decided. PostgreSQL: ``SELECT … FOR UPDATE``; SQLite
    ignores it, but its IMMEDIATE transactions already admit one writer at a time.
    """
    row.refresh_from_db(from_queryset=type(row).objects.select_for_update())


def note_requirements_on_file(participants: list[Participant]) -> None:
    """Whether each participant's consent to participate and pledge are on file, read for
    all of them in two queries and kept on each (for :func:`phase_requirements_missing`)."""
    if not participants:
        return
    ids = {p.pk for p in participants}
    consents = Consent.objects.filter(
        participant__in=ids, purpose=ConsentPurpose.PARTICIPATION, withdrawn_on__isnull=True
    )
    adult = set(consents.values_list("participant", flat=True).distinct())
    by_guardian = set(
        consents.filter(given_by=Consent.GivenBy.GUARDIAN)
        .values_list("participant", flat=True)
        .distinct()
    )
    pledged = set(
        Pledge.objects.filter(participant__in=ids).values_list("participant", flat=True).distinct()
    )
    for participant in participants:
        consented = participant.pk in (by_guardian if participant.is_juvenile else adult)
        participant.__dict__["_requirements_on_file"] = (consented, participant.pk in pledged)


def _acting_membership(actor: Actor, action: str) -> Membership | None:
    """The actor's membership granting ``action``, in their active organisation if any."""
    user = user_of(actor)
    if user is None:
        return None
    active = getattr(user, "active_organisation", None)
    found = policies.acting_memberships(user, action)
    for membership in found:
        if active is not None and membership.organisation_id == active.pk:
            return membership
    return found[0] if found else None


@service
def enrol_participant(
    *,
    actor: Actor,
    participant: Participant,
    programme: Programme,
    referral_source: str,
    entry_phase: Phase | None = None,
    district: District | None = None,
    referred_by: Organisation | None = None,
    receiving_community: Community | None = None,
    receiving_committee: Organisation | None = None,
    lead_organisation: Organisation | None = None,
    opened_on: datetime.date | None = None,
    basis: Any = None,
) -> Case:
    """Open a case. Participation consent must be on file, and the pledge where the programme
    or the entry phase asks for it; otherwise a clear refusal and nothing changes. The
    checks registered in ``ENROLMENT_CHECKS`` may refuse too (``basis``: what the enrolment
    starts from, such as an eligible referral).

    A case worker or psychologist who enrols joins the team, so the case stays in their sight.
    """
    policies.require(actor, "enrolment.write")
    policies.require(actor, "participant_record.write", participant)
    _lock(participant)  # two enrolments of the same person at once: one case
    if participant.merged_into_id:
        raise ValidationError(_("This record was merged: enrol the record it was merged into."))
    if not programme.is_active:
        raise ValidationError({"programme": _("This programme is not taking new cases.")})
    problems = configuration_problems(programme)
    if problems:
        raise ValidationError(
            {"programme": [_("This programme's pathway is incomplete."), *problems]}
        )
    entry_phase = entry_phase or programme.entry_phase
    if entry_phase is None or entry_phase.programme_id != programme.pk or not entry_phase.is_entry:
        raise ValidationError({"entry_phase": _("Choose an entry phase of this programme.")})
    if Case.objects.filter(participant=participant, programme=programme).open().exists():
        raise ValidationError(
            {"programme": _("This participant already has an open case in this programme.")}
        )
    missing = []
    if not has_consent(participant, ConsentPurpose.PARTICIPATION):
        missing.append(
            _("Voluntary consent to participate must be recorded before enrolment.")
            if not participant.is_juvenile
            else _("A guardian's consent to participate must be recorded before enrolment.")
        )
    if (programme.pledge_at_enrolment or entry_phase.requires_pledge) and not (
        participant.pledges.exists()
    ):
        missing.append(_("This programme needs the pledge renouncing violence before enrolment."))
    for check in ENROLMENT_CHECKS:
        missing.extend(check(participant, programme, basis))
    if missing:
        raise ValidationError(missing)
    if receiving_committee is not None and (
        receiving_committee.kind != OrganisationKind.COMMUNITY_COMMITTEE
    ):
        raise ValidationError(
            {"receiving_committee": _("Choose a community reintegration committee.")}
        )
    enroller = _acting_membership(actor, "enrolment.write")
    lead = lead_organisation or (enroller.organisation if enroller else None)
    if lead is None:
        raise ValidationError({"lead_organisation": _("Name the organisation leading the case.")})
    opened_on = opened_on or local_today()
    case = Case(
        participant=participant,
        programme=programme,
        phase=entry_phase,
        phase_entered_on=opened_on,
        lead_organisation=lead,
        district=district or participant.district,
        referral_source=referral_source,
        referred_by=referred_by,
        receiving_community=receiving_community,
        receiving_committee=receiving_committee,
        opened_on=opened_on,
    )
    case.full_clean()
    case.save()
    PhaseChange(
        case=case,
        from_phase=None,
        to_phase=entry_phase,
        changed_on=opened_on,
        changed_by=user_of(actor),
    ).save()
    # the enroller leads the case when their role may hold that case role (case workers)
    if enroller is not None and CaseRole.LEAD_CASE_WORKER in CASE_ROLES_FOR.get(
        Role(enroller.role), ()
    ):
        TeamMember(
            case=case,
            membership=enroller,
            case_role=CaseRole.LEAD_CASE_WORKER,
            joined_on=opened_on,
        ).save()
    for hook in ENROLLED:
        hook(case, basis)
    return case


def default_case_role(case: Case | None, membership: Membership) -> str:
    """The case role a member takes unless told otherwise: the one their membership role
    allows; a case worker leads a case that has no lead yet and assists one that has.
    Empty when their role sits on no case team (the service then refuses it)."""
    allowed = CASE_ROLES_FOR.get(Role(membership.role), ())
    if not allowed:
        return ""
    if CaseRole.LEAD_CASE_WORKER in allowed and case is not None:
        led = case.team.filter(case_role=CaseRole.LEAD_CASE_WORKER, left_on__isnull=True)
        return str(CaseRole.CASE_WORKER if led.exists() else CaseRole.LEAD_CASE_WORKER)
    return str(allowed[0])


@service
def add_team_member(
    *,
    actor: Actor,
    case: Case,
    membership: Membership,
    case_role: str | None = None,
    joined_on: datetime.date | None = None,
) -> TeamMember:
    """Put a member of an organisation on the case's team, in a role their own role allows;
    without a case role, the one their role allows (``default_case_role``)."""
    policies.require(actor, "case_team.write", case)
    _lock(case)
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    if not (membership.is_active and membership.organisation.is_active):
        raise ValidationError({"membership": _("This member's role has ended.")})
    if not case_role:
        case_role = default_case_role(case, membership)
    allowed = CASE_ROLES_FOR.get(Role(membership.role), ())
    if case_role not in allowed:
        raise ValidationError(
            {
                "case_role": _("A %(role)s cannot hold this case role.")
                % {"role": Role(membership.role).label}
            }
        )
    if case.team.filter(membership=membership, left_on__isnull=True).exists():
        raise ValidationError({"membership": _("This member is on the team already.")})
    member = TeamMember(
        case=case, membership=membership, case_role=case_role, joined_on=joined_on or local_today()
    )
    member.save()
    return member


@service
def remove_team_member(*, actor: Actor, member: TeamMember) -> TeamMember:
    """The member leaves the team from today; their past work stays on the case."""
    policies.require(actor, "case_team.write", member.case)
    _lock(member)
    if member.left_on is None:
        member.left_on = local_today()
        member.save(update_fields=["left_on", "updated_at"])
        for hook in MEMBER_LEFT:
            hook(member)
    return member


def involved_organisations(case: Case) -> set[int]:
    """Organisations taking part in the case: lead, team, receiving committee, referrer."""
    ids = set(
        case.team.filter(left_on__isnull=True).values_list("membership__organisation", flat=True)
    )
    ids.add(case.lead_organisation_id)
    for other in (case.receiving_committee_id, case.referred_by_id):
        if other:
            ids.add(other)
    return ids


@dataclass
class GateStatus:
    """Where a request stands against its transition's gate rule."""

    required_kinds: list[str]
    approved_kinds: set[str]
    approvals: int
    approvals_required: int
    open_objections: list[SignOff]
    requirements_missing: list[str]
    sign_offs: list[SignOff] = field(default_factory=list)

    @property
    def missing_kinds(self) -> list[str]:
        return [kind for kind in self.required_kinds if kind not in self.approved_kinds]

    @property
    def missing_kind_labels(self) -> list[Any]:
        labels = dict(OrganisationKind.choices)
        return [labels[kind] for kind in self.missing_kinds]

    @property
    def is_met(self) -> bool:
        return (
            not self.missing_kinds
            and self.approvals >= self.approvals_required
            and not self.open_objections
            and not self.requirements_missing
        )


def gate_status(request: TransitionRequest) -> GateStatus:
    transition = request.transition
    if "sign_offs" in getattr(request, "_prefetched_objects_cache", {}):
        sign_offs = list(request.sign_offs.all())
    else:
        sign_offs = list(request.sign_offs.select_related("organisation", "signed_by"))
    approvals = [s for s in sign_offs if s.decision == SignOff.Decision.APPROVE]
    blocking = (
        [s for s in sign_offs if s.objection == SignOff.ObjectionState.OPEN]
        if transition.objection_blocks
        else []
    )
    return GateStatus(
        required_kinds=list(transition.required_kinds),
        approved_kinds={s.organisation_kind for s in approvals},
        approvals=len(approvals),
        approvals_required=transition.approvals_required,
        open_objections=blocking,
        requirements_missing=phase_requirements_missing(request.case, transition.to_phase),
        sign_offs=sign_offs,
    )


def signing_memberships(user: Actor, request: TransitionRequest) -> list[Membership]:
    """The user's memberships that may sign this request in their organisation's name.

    The organisation must take part in the case and be of a kind the rule names (any kind,
    when the rule only counts approvals), and the role must grant sign-off on this case.
    """
    if not getattr(user, "is_authenticated", False) or request.status != request.Status.PENDING:
        return []
    transition = request.transition
    if not transition.is_gate or request.requested_by_id == user.pk:  # four eyes
        return []
    involved = involved_organisations(request.case)
    kinds = set(transition.required_kinds)
    signed = _signed_kinds(request)
    return [
        m
        for m in user.active_memberships()
        if m.organisation_id in involved
        and (not kinds or m.organisation.kind in kinds)
        and signed.get(m.organisation.kind, m.organisation_id) == m.organisation_id
        and policies.membership_can(m, "sign_off.write", request.case)
    ]


def _signed_kinds(request: TransitionRequest) -> dict[str, int]:
    """Which organisation signed for each kind: one sign-off per kind and request."""
    return {s.organisation_kind: s.organisation_id for s in request.sign_offs.all()}


def _pending_request(case: Case) -> TransitionRequest | None:
    return case.transition_requests.filter(status=TransitionRequest.Status.PENDING).first()


@service
def request_transition(
    *,
    actor: Actor,
    case: Case,
    transition: Transition,
    reason: str,
    expected_version: int | None = None,
) -> TransitionRequest:
    """Ask to move the case on. Without a gate it applies at once; with one it waits for
    the sign-offs, which appear in the signers' queues."""
    policies.require(actor, "transition.write", case)
    seen = case.version if expected_version is None else expected_version
    _lock(case)
    if case.version != seen:  # it moved on (or was closed) since the request was made
        raise Stale
    if not case.is_open:
        raise ValidationError(_("This case is closed."))
    if transition.programme_id != case.programme_id or transition.from_phase_id != case.phase_id:
        raise ValidationError(
            {"transition": _("This transition does not start from the case's current phase.")}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case should move on.")})
    if _pending_request(case) is not None:
        raise Conflict(_("A transition is already waiting for sign-offs on this case."))
    missing = phase_requirements_missing(case, transition.to_phase)
    if missing:
        raise ValidationError({"transition": missing})
    request = TransitionRequest(
        case=case, transition=transition, requested_by=user_of(actor), reason=reason.strip()
    )
    request.save()
    if not transition.is_gate:
        _apply(request, by=user_of(actor))
    return request


@service
def record_sign_off(
    *,
    actor: Actor,
    request: TransitionRequest,
    decision: str,
    reason: str,
    organisation: Organisation | None = None,
) -> SignOff:
    """An organisation approves or objects, with a reason; signing again with another
    decision replaces its own. One organisation signs for each kind; whoever requested the
    transition never signs it (four eyes). The transition applies by itself, once, when the
    rule is met: the same decision sent twice, or two at once, is answered :class:`Conflict`.
    """
    _lock(request.case)
    request.refresh_from_db()
    if request.status != TransitionRequest.Status.PENDING:
        raise Conflict(_("This request has been decided already."))
    if request.requested_by_id is not None and request.requested_by_id == getattr(
        actor, "pk", None
    ):
        raise PermissionDenied(
            _("You requested this transition: someone else must sign it off (four eyes).")
        )
    if decision not in SignOff.Decision.values:
        raise ValidationError({"decision": _("Approve or object.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for your decision.")})
    memberships = signing_memberships(actor, request)
    if organisation is not None:
        memberships = [m for m in memberships if m.organisation_id == organisation.pk]
    if not memberships:
        policies.require(actor, "sign_off.write", request.case)
        signed = _signed_kinds(request)
        if any(
            signed.get(m.organisation.kind) not in (None, m.organisation_id)
            for m in (actor.active_memberships() if isinstance(actor, User) else [])
        ):
            raise Conflict(_("Another organisation of your kind has signed this request."))
        raise ValidationError(_("None of your organisations is asked to sign this transition."))
    membership = memberships[0]
    sign_off = SignOff.objects.filter(request=request, organisation=membership.organisation).first()
    if (
        sign_off is not None
        and sign_off.decision == decision
        and (
            decision == SignOff.Decision.APPROVE
            or sign_off.objection == SignOff.ObjectionState.OPEN
        )
    ):
        raise Conflict(_("Your organisation has decided so on this request already."))
    sign_off = sign_off or SignOff(request=request, organisation=membership.organisation)
    sign_off.organisation_kind = membership.organisation.kind
    sign_off.signed_by = actor
    sign_off.decision = decision
    sign_off.reason = reason.strip()
    if decision == SignOff.Decision.OBJECT:
        sign_off.objection = SignOff.ObjectionState.OPEN
        sign_off.answer = ""
        sign_off.answered_by = None
        sign_off.answered_at = None
    elif sign_off.objection == SignOff.ObjectionState.OPEN:
        sign_off.objection = SignOff.ObjectionState.WITHDRAWN
    sign_off.save()
    _apply_if_met(request, by=actor)
    return sign_off


@service
def answer_objection(*, actor: Actor, sign_off: SignOff, answer: str) -> SignOff:
    """The team answers an objection; an answered objection no longer blocks the gate."""
    request = sign_off.request
    policies.require(actor, "transition.write", request.case)
    _lock(request.case)
    sign_off.refresh_from_db()
    request.refresh_from_db()
    if sign_off.objection != SignOff.ObjectionState.OPEN:
        raise Conflict(_("This objection is not open."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer to the objection.")})
    sign_off.objection = SignOff.ObjectionState.ANSWERED
    sign_off.answer = answer.strip()
    sign_off.answered_by = user_of(actor)
    sign_off.answered_at = timezone.now()
    sign_off.save()
    _apply_if_met(request, by=actor)
    return sign_off


@service
def withdraw_objection(*, actor: Actor, sign_off: SignOff) -> SignOff:
    """The objecting organisation takes its objection back."""
    _lock(sign_off.request.case)
    sign_off.refresh_from_db()
    sign_off.request.refresh_from_db()
    if sign_off.objection != SignOff.ObjectionState.OPEN:
        raise Conflict(_("This objection is not open."))
    if not any(m.organisation_id == sign_off.organisation_id for m in actor.active_memberships()):
        policies.require(actor, "sign_off.write", sign_off.request.case)
        raise ValidationError(_("Only the organisation that objected can withdraw it."))
    sign_off.objection = SignOff.ObjectionState.WITHDRAWN
    sign_off.save()
    _apply_if_met(sign_off.request, by=actor)
    return sign_off


@service
def cancel_request(*, actor: Actor, request: TransitionRequest, reason: str) -> TransitionRequest:
    policies.require(actor, "transition.write", request.case)
    _lock(request.case)
    request.refresh_from_db()
    if request.status != TransitionRequest.Status.PENDING:
        raise Conflict(_("This request has been decided already."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is withdrawn.")})
    request.status = TransitionRequest.Status.CANCELLED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    return request


@service
def override_gate(
    *, actor: Actor, request: TransitionRequest, reason: str, reference: str
) -> TransitionRequest:
    """A data steward applies a waiting transition without its sign-offs, for a documented
    reason. The override is kept on the request and flagged wherever oversight looks."""
    policies.require(actor, "gate_override.write", request.case)
    _lock(request.case)
    request.refresh_from_db()
    if request.status != TransitionRequest.Status.PENDING:
        raise Conflict(_("This request has been decided already."))
    errors = {}
    if not reason.strip():
        errors["reason"] = _("An override needs its reason.")
    if not reference.strip():
        errors["reference"] = _("Name the document that authorises the override.")
    if errors:
        raise ValidationError(errors)
    missing = phase_requirements_missing(request.case, request.transition.to_phase)
    if missing:
        raise ValidationError(missing)
    request.overridden_by = user_of(actor)
    request.override_reason = reason.strip()
    request.override_reference = reference.strip()
    request.save(
        update_fields=["overridden_by", "override_reason", "override_reference", "updated_at"]
    )
    _apply(request, by=actor)
    return request


def _apply_if_met(request: TransitionRequest, *, by: Any) -> None:
    if gate_status(request).is_met:
        _apply(request, by=by)


def _apply(request: TransitionRequest, *, by: Any) -> None:
    """Move the case; its row is locked already (``_lock``) by the decision applying."""
    case = request.case
    transition = request.transition
    today = local_today()
    change = PhaseChange(
        case=case,
        from_phase=case.phase,
        to_phase=transition.to_phase,
        changed_on=today,
        changed_by=by if isinstance(by, User) else None,
        request=request,
        reason=request.reason,
    )
    claim_version(case)
    case.phase = transition.to_phase
    case.phase_entered_on = today
    fields = ["phase", "phase_entered_on", "updated_at"]
    if transition.to_phase.is_final:
        case.closed_on = today
        case.closure = Closure.COMPLETED
        change.closure = Closure.COMPLETED
        fields += ["closed_on", "closure"]
    case.save(update_fields=fields)
    change.save()
    request.status = TransitionRequest.Status.APPLIED
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_at", "updated_at"])
    for hook in PHASE_ENTERED:
        hook(case, change)


@service
def close_case(*, actor: Actor, case: Case, closure: str, note: str) -> Case:
    """Withdrawn, exited or transferred, from any open phase, with a note saying why."""
    policies.require(actor, "transition.write", case)
    _lock(case)
    if not case.is_open:
        raise Conflict(_("This case is closed already."))
    if closure not in {Closure.WITHDRAWN, Closure.EXITED, Closure.TRANSFERRED}:
        raise ValidationError(
            {"closure": _("A case closes as withdrawn, exited or transferred here.")}
        )
    if not note.strip():
        raise ValidationError({"note": _("Say why the case is closed.")})
    if closure == Closure.TRANSFERRED and not has_consent(
        case.participant, ConsentPurpose.PARTICIPATION
    ):
        # Consent at the moment of use (issue 14, item 6): a transfer hands the record to
        # another programme, which the person's consent no longer covers.
        raise ValidationError(
            {
                "closure": _(
                    "No transfer: the person's consent to participate is withdrawn (or not on "
                    "file), so the record cannot go to another programme. Close the case as "
                    "withdrawn instead."
                )
            }
        )
    pending = _pending_request(case)
    if pending is not None:
        pending.status = TransitionRequest.Status.CANCELLED
        pending.decided_at = timezone.now()
        pending.save(update_fields=["status", "decided_at", "updated_at"])
    claim_version(case)
    today = local_today()
    case.closed_on = today
    case.closure = closure
    case.closure_note = note.strip()
    case.save(update_fields=["closed_on", "closure", "closure_note", "updated_at"])
    due.refresh([case.pk])
    PhaseChange(
        case=case,
        from_phase=case.phase,
        to_phase=None,
        closure=closure,
        changed_on=today,
        changed_by=user_of(actor),
        reason=note.strip(),
    ).save()
    return case


@service
def record_risk_band(*, actor: Actor, case: Case, band: str, reason: str) -> Case:
    """The case's risk band, as an assessor's overall judgement concluded."""
    policies.require(actor, "assessment.write", case)
    if band not in RiskBand.values:
        raise ValidationError({"band": _("Choose low, moderate or high.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the judgement's rationale.")})
    case.risk_band = band
    case.save(update_fields=["risk_band", "updated_at"])
    return case


def waiting_for_sign_off(user: User | Any) -> Any:
    """Pending requests waiting for a decision from one of the user's organisations, oldest
    first, as one query whatever the number of cases.

    The rule of :func:`signing_memberships`, set-based: for each membership that may sign,
    the case is in the membership's sign-off scope, its organisation takes part in the case
    (lead, team, receiving committee or referrer), is of a kind the gate names (any kind,
    when the gate only counts approvals) and has not signed yet.
    """
    if not getattr(user, "is_authenticated", False):
        return TransitionRequest.objects.none()
    gates = [t for t in Transition.objects.all() if t.is_gate]
    condition = models.Q(pk__in=[])
    for membership in user.active_memberships():
        if not policies.role_grants("sign_off", Role(membership.role)):
            continue
        reach = policies.membership_condition(membership, "sign_off.write", TransitionRequest)
        organisation = membership.organisation_id
        kind = membership.organisation.kind
        transitions = [t.pk for t in gates if not t.required_kinds or kind in t.required_kinds]
        if not transitions:
            continue
        on_team = TeamMember.objects.filter(
            case=models.OuterRef("case"),
            left_on__isnull=True,
            membership__organisation=organisation,
        )
        signed = SignOff.objects.filter(request=models.OuterRef("pk"), organisation=organisation)
        involved = (
            models.Q(case__lead_organisation=organisation)
            | models.Q(case__receiving_committee=organisation)
            | models.Q(case__referred_by=organisation)
            | models.Exists(on_team)
        )
        mine = models.Q(transition__in=transitions) & involved & ~models.Exists(signed)
        condition |= mine if reach is None else mine & reach
    return (
        TransitionRequest.objects.filter(condition, status=TransitionRequest.Status.PENDING)
        .select_related(
            "case__participant",
            "case__programme",
            "case__district",
            "requested_by",
            "transition__from_phase",
            "transition__to_phase",
        )
        .order_by("created_at", "pk")
    )


class SignOffQueue:
    """Requests waiting for a decision from one of the user's organisations, read a page at
    a time (the API's ``?limit=&offset=``), each with what its gate status needs (sign-offs,
    consent and pledge on file) read for the page at once."""

    def __init__(self, user: User) -> None:
        self.waiting = waiting_for_sign_off(user)

    def __getitem__(self, page: slice) -> list[TransitionRequest]:
        # The page's keys first, narrow (with the joins of the rows, PostgreSQL hashed whole
        # tables to find a page), then those rows whole.
        keys = list(self.waiting.select_related(None).values_list("pk", flat=True)[page])
        found = self.waiting.filter(pk__in=keys).prefetch_related(
            models.Prefetch(
                "sign_offs", SignOff.objects.select_related("organisation", "signed_by")
            )
        )
        by_key = {request.pk: request for request in found}
        queue = [by_key[pk] for pk in keys if pk in by_key]
        note_requirements_on_file([request.case.participant for request in queue])
        return queue

    def all(self) -> SignOffQueue:
        return self

    def count(self) -> int:
        return ordered_count(self.waiting)


def phase_in_use(phase: Phase) -> bool:
    """Cases are in ``phase`` or have been (registered in ``programmes.services.PHASE_IN_USE``,
    so a phase cases have passed through cannot be removed)."""
    return (
        Case.objects.filter(phase=phase).exists()
        or PhaseChange.objects.filter(to_phase=phase).exists()
    )


# --- break-the-glass (issue 14, item 3) -------------------------------------------------

EMERGENCY_REASON_MIN = 20  # a sentence: who is in danger and why this case must open now


def emergency_memberships(actor: User) -> list[Membership]:
    """The actor's memberships in whose name they may open a case in an emergency (the grant
    reaching every case)."""
    return policies.acting_memberships(actor, "emergency_access.write", policies.Scope.ALL)


@service
def open_emergency_access(
    *,
    actor: User,
    case: Case,
    reason: str,
    now: datetime.datetime | None = None,
) -> EmergencyAccess:
    """Open ``case`` to ``actor`` for ``BAHALI_EMERGENCY_ACCESS_HOURS`` from ``now``: for an
    urgent, legitimate need (a threat to life), stated in ``reason``. Refused to whoever
    already reaches the case (nothing to break) and on a closed case. The access is audited
    with its reason, shown to the case's team, and waits in the data steward's review."""
    from django.conf import settings

    memberships = emergency_memberships(actor)
    if not memberships:
        raise PermissionDenied(_("You are not allowed to do this."))
    reason = (reason or "").strip()
    if len(reason) < EMERGENCY_REASON_MIN:
        raise ValidationError(
            {
                "reason": _(
                    "Say in a sentence who is in danger and why the case must open now "
                    "(at least %(count)s characters)."
                )
                % {"count": EMERGENCY_REASON_MIN}
            }
        )
    if len(reason) > 2000:
        raise ValidationError({"reason": _("The reason can be at most 2,000 characters.")})
    if not case.is_open:
        raise ValidationError(_("This case is closed; emergency access opens open cases only."))
    if Case.objects.visible_to(actor, "case_detail").filter(pk=case.pk).exists():
        raise ValidationError(_("You can already open this case; no emergency access is needed."))
    opened = now or timezone.now()
    access = EmergencyAccess(
        case=case,
        membership=memberships[0],
        reason=reason,
        opened_at=opened,
        expires_at=opened + datetime.timedelta(hours=settings.BAHALI_EMERGENCY_ACCESS_HOURS),
    )
    access.save()
    return access


def emergency_case(code: str) -> Case | None:
    """The open case of the participant whose code is ``code`` (the latest opened), looked
    up without scope: only to open it in an emergency, which is then audited."""
    return (
        Case.objects.filter(participant__code=(code or "").strip().upper(), closed_on__isnull=True)
        .order_by("-opened_on", "-pk")
        .first()
    )


@service
def review_emergency_access(*, actor: User, access: EmergencyAccess, note: str) -> EmergencyAccess:
    """A data steward of the case's lead organisation records that they reviewed an
    emergency access (justified or not, in ``note``); the note is audited."""
    policies.require(actor, "emergency_review.write", access)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what you found: was the access justified?")})
    if len(note) > 2000:
        raise ValidationError({"note": _("The review can be at most 2,000 characters.")})
    if access.reviewed_at is not None:
        raise Conflict(_("This emergency access was already reviewed."))
    access.reviewed_at = timezone.now()
    access.reviewed_by = actor
    access.review_note = note
    access.save(update_fields=["reviewed_at", "reviewed_by", "review_note", "updated_at"])
    return access
