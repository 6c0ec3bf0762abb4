"""Configuring programmes.

Each change is validated on its own (codes, gate rules, concurrent edits); whether the
pathway as a whole can be walked is reported by ``configuration_problems`` on the
programme's page and enforced where it matters: no enrolment into an unwalkable programme.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.core.context import SystemActor, service
from bahali.core.versioning import claim_version
from bahali.geography.models import District
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.programmes.blueprints import BLUEPRINTS, Blueprint
from bahali.programmes.models import Phase, Programme, Transition

Actor = User | SystemActor

# Whether rows of the apps built on programmes (cases in a phase, phase changes into it)
# still refer to a phase: each such app registers a check from its ``AppConfig.ready``.
PHASE_IN_USE: list[Callable[[Phase], bool]] = []

PROGRAMME_FIELDS = (
    "name_en",
    "name_ur",
    "name_ps",
    "description",
    "aftercare_months",
    "pledge_at_enrolment",
    "is_active",
    "statistics_consent_required",
)
PHASE_FIELDS = (
    "code",
    "name_en",
    "name_ur",
    "name_ps",
    "order",
    "is_entry",
    "is_final",
    "is_aftercare",
    "requires_consent",
    "requires_pledge",
    "instruments",
    "reassess_every_days",
    "is_residential",
    "expected_days",
)
TRANSITION_FIELDS = (
    "from_phase",
    "to_phase",
    "required_kinds",
    "approvals_required",
    "objection_blocks",
)


def configuration_problems(programme: Programme) -> list[str]:
    """What makes the pathway unwalkable, in words a programme manager can act on."""
    phases = list(programme.phases.all())
    transitions = list(programme.transitions.select_related("from_phase", "to_phase"))
    problems: list[str] = []
    if not any(p.is_entry for p in phases):
        problems.append(_("Mark at least one phase as an entry phase."))
    if not any(p.is_final for p in phases):
        problems.append(_("Mark one phase as final (reaching it completes the case)."))
    outgoing: dict[int, list[Transition]] = {p.pk: [] for p in phases}
    for t in transitions:
        outgoing[t.from_phase_id].append(t)
    for phase in phases:
        if phase.is_final and outgoing[phase.pk]:
            problems.append(
                _("The final phase “%(phase)s” cannot lead anywhere.") % {"phase": phase.label}
            )
        if not phase.is_final and not outgoing[phase.pk]:
            problems.append(
                _("The phase “%(phase)s” has no way out: add a transition.")
                % {"phase": phase.label}
            )
    reached = {p.pk for p in phases if p.is_entry}
    queue = deque(reached)
    while queue:
        for t in outgoing.get(queue.popleft(), []):
            if t.to_phase_id not in reached:
                reached.add(t.to_phase_id)
                queue.append(t.to_phase_id)
    for phase in phases:
        if phase.pk not in reached:
            problems.append(
                _("No path leads from an entry phase to “%(phase)s”.") % {"phase": phase.label}
            )
    return problems


def _check_programme(programme: Programme) -> None:
    problems = configuration_problems(programme)
    if problems:
        raise ValidationError(problems)


def _check_transition(transition: Transition) -> None:
    errors: dict[str, Any] = {}
    kinds = set(OrganisationKind.values)
    unknown = [k for k in transition.required_kinds if k not in kinds]
    if unknown:
        errors["required_kinds"] = _("Unknown organisation kind: %(kinds)s.") % {
            "kinds": ", ".join(unknown)
        }
    if len(set(transition.required_kinds)) != len(transition.required_kinds):
        errors["required_kinds"] = _("Name each organisation kind once.")
    if transition.approvals_required < len(transition.required_kinds):
        errors["approvals_required"] = _(
            "At least one approval is needed from each kind named: %(count)s or more."
        ) % {"count": len(transition.required_kinds)}
    if transition.from_phase_id == transition.to_phase_id:
        errors["to_phase"] = _("A transition must lead to another phase.")
    for side in ("from_phase", "to_phase"):
        phase = getattr(transition, side)
        if phase.programme_id != transition.programme_id:
            errors[side] = _("Choose a phase of this programme.")
    if errors:
        raise ValidationError(errors)


def _bump(programme: Programme, expected_version: int | None) -> None:
    """Detect concurrent edits of a programme's configuration (any part of it)."""
    claim_version(programme, expected_version)


@service
def create_programme(
    *,
    actor: Actor,
    code: str,
    name_en: str,
    model: str,
    lead_organisation: Organisation,
    districts: list[District] | None = None,
    **fields: Any,
) -> Programme:
    """A new, empty programme; phases and transitions are added next (or from a blueprint)."""
    programme = Programme(
        code=code, name_en=name_en, model=model, lead_organisation=lead_organisation
    )
    for name in PROGRAMME_FIELDS:
        if name in fields:
            setattr(programme, name, fields[name])
    policies.require(actor, "programme.write")
    _require_lead(actor, lead_organisation)
    if Programme.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A programme with this code exists already.")})
    programme.full_clean(exclude=["districts"])
    programme.save()
    if districts:
        programme.districts.set(districts)
    return programme


def _require_lead(actor: Actor, organisation: Organisation) -> None:
    """Only a programme manager of the lead organisation configures its programmes."""
    if not policies.may_configure_programmes_of(actor, organisation):
        raise ValidationError(
            {"lead_organisation": _("You can only set up programmes your organisation leads.")}
        )


@service
def update_programme(
    *,
    actor: Actor,
    programme: Programme,
    expected_version: int,
    districts: list[District] | None = None,
    **fields: Any,
) -> Programme:
    policies.require(actor, "programme.write", programme)
    _bump(programme, expected_version)
    for name in PROGRAMME_FIELDS:
        if name in fields:
            setattr(programme, name, fields[name])
    programme.full_clean(exclude=["districts"])
    programme.save()
    if districts is not None:
        programme.districts.set(districts)
    return programme


@service
def save_phase(
    *,
    actor: Actor,
    programme: Programme,
    expected_version: int,
    phase: Phase | None = None,
    **fields: Any,
) -> Phase:
    """Add or change a phase; the whole pathway must still be walkable afterwards."""
    policies.require(actor, "programme.write", programme)
    _bump(programme, expected_version)
    phase = phase or Phase(programme=programme)
    for name in PHASE_FIELDS:
        if name in fields:
            setattr(phase, name, fields[name])
    if phase.programme_id != programme.pk:
        raise ValidationError(_("This phase belongs to another programme."))
    phase.full_clean(exclude=["programme"])
    _unique_phase(phase)
    phase.save()
    return phase


def _unique_phase(phase: Phase) -> None:
    siblings = Phase.objects.filter(programme=phase.programme_id).exclude(pk=phase.pk)
    if siblings.filter(code=phase.code).exists():
        raise ValidationError({"code": _("Another phase of this programme has this code.")})
    if siblings.filter(order=phase.order).exists():
        raise ValidationError({"order": _("Another phase of this programme has this position.")})


@service
def delete_phase(
    *, actor: Actor, programme: Programme, expected_version: int, phase: Phase
) -> None:
    policies.require(actor, "programme.write", programme)
    _bump(programme, expected_version)
    if any(in_use(phase) for in_use in PHASE_IN_USE):
        raise ValidationError(_("Cases have been in this phase: it cannot be removed."))
    for transition in list(phase.transitions_out.all()) + list(phase.transitions_in.all()):
        if transition.requests.exists():
            raise ValidationError(_("Transitions of this phase have been requested: keep it."))
        transition.delete()
    phase.delete()


@service
def save_transition(
    *,
    actor: Actor,
    programme: Programme,
    expected_version: int,
    transition: Transition | None = None,
    **fields: Any,
) -> Transition:
    """Add or change a transition and its gate rule."""
    policies.require(actor, "programme.write", programme)
    _bump(programme, expected_version)
    transition = transition or Transition(programme=programme)
    for name in TRANSITION_FIELDS:
        if name in fields:
            setattr(transition, name, fields[name])
    transition.required_kinds = list(transition.required_kinds or [])
    _check_transition(transition)
    duplicate = Transition.objects.filter(
        from_phase=transition.from_phase, to_phase=transition.to_phase
    ).exclude(pk=transition.pk)
    if duplicate.exists():
        raise ValidationError({"to_phase": _("This transition exists already.")})
    transition.save()
    return transition


@service
def delete_transition(
    *, actor: Actor, programme: Programme, expected_version: int, transition: Transition
) -> None:
    policies.require(actor, "programme.write", programme)
    _bump(programme, expected_version)
    if transition.requests.exists():
        raise ValidationError(_("This transition has been requested on cases: keep it."))
    transition.delete()


@service
def load_blueprint(
    *,
    actor: Actor,
    blueprint: str | Blueprint,
    lead_organisation: Organisation,
    code: str = "",
    districts: list[District] | None = None,
) -> Programme:
    """Create a programme from one of the ready configurations; returns the existing one
    when a programme with that code exists (loading twice adds nothing)."""
    spec = BLUEPRINTS[blueprint] if isinstance(blueprint, str) else blueprint
    code = code or spec.key
    existing = Programme.objects.filter(code=code).first()
    if existing is not None:
        return existing
    programme = create_programme(
        actor=actor,
        code=code,
        name_en=spec.names[0],
        name_ur=spec.names[1],
        name_ps=spec.names[2],
        model=spec.model,
        lead_organisation=lead_organisation,
        districts=districts,
        description=str(spec.description),
        aftercare_months=spec.aftercare_months,
        pledge_at_enrolment=spec.pledge_at_enrolment,
    )
    phases: dict[str, Phase] = {}
    for order, p in enumerate(spec.phases, start=1):
        phase = Phase(
            programme=programme,
            code=p.code,
            name_en=p.names[0],
            name_ur=p.names[1],
            name_ps=p.names[2],
            order=order * 10,
            is_entry=p.entry,
            is_final=p.final,
            is_aftercare=p.aftercare,
            requires_consent=p.consent,
            requires_pledge=p.pledge,
            instruments=list(p.instruments),
            reassess_every_days=p.reassess_every_days,
            is_residential=p.residential,
            expected_days=p.expected_days,
        )
        phase.save()
        phases[p.code] = phase
    for gate in spec.gates:
        transition = Transition(
            programme=programme,
            from_phase=phases[gate.source],
            to_phase=phases[gate.target],
            required_kinds=[str(kind) for kind in gate.kinds],
            approvals_required=gate.approvals,
            objection_blocks=gate.objection_blocks,
        )
        _check_transition(transition)
        transition.save()
    _check_programme(programme)
    return programme
