"""Who may do what: the one place authorization is decided.

Everything here is data a reviewer can check against DESIGN.md §2:

* ``MATRIX`` says, per resource and role, whether the role may read and/or write it and
  within which scope (all, its own organisation, itself, the case team, ...).
* ``SCOPE_PATHS`` says, per model, how a scope reaches its rows.

``can(user, "resource.read|write", obj)`` and ``filter_visible(queryset, user, resource)``
(behind every ``Model.objects.visible_to(user)``) both read these tables, so a list and a
detail page can never disagree. Anything not granted here is denied: unknown actions,
resources, scopes without a path, inactive users, memberships or organisations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.accounts.roles import TEAM_ROLES, Role

if TYPE_CHECKING:
    from bahali.accounts.models import Membership
    from bahali.core.context import Actor


class Scope(StrEnum):
    ALL = "all"  # every row of the resource
    OWN_ORGANISATION = "own_organisation"  # rows of an organisation where the role is held
    SELF = "self"  # the user's own rows
    TEAM = "team"  # cases on whose team the user sits
    COMMUNITY = "community"  # cases placed in the committee's community
    DISTRICTS = "districts"  # rows in the membership's districts
    REFERRED_OR_DISTRICTS = "referred_or_districts"  # cases referred by them or in districts
    PROVIDER = "provider"  # referrals addressed to the membership's organisation


@dataclass(frozen=True)
class Grant:
    read: bool
    write: bool
    scope: Scope
    note: Any = ""


def R(scope: Scope, note: Any = "") -> Grant:
    return Grant(read=True, write=False, scope=scope, note=note)


def RW(scope: Scope, note: Any = "") -> Grant:
    return Grant(read=True, write=True, scope=scope, note=note)


def W(scope: Scope, note: Any = "") -> Grant:
    return Grant(read=False, write=True, scope=scope, note=note)


def _each(
    roles: frozenset[Role] | set[Role], grant: Grant | tuple[Grant, ...]
) -> dict[Role, Grant | tuple[Grant, ...]]:
    return dict.fromkeys(roles, grant)


ALL_ROLES = frozenset(Role)
PSY = Role.PSYCHOLOGIST
CM = Role.COMMITTEE_MEMBER
PM = Role.PROGRAMME_MANAGER
SEC = Role.SECURITY_LIAISON
OVS = Role.OVERSIGHT_MONITOR
DS = Role.DATA_STEWARD
AN = Role.ANALYST
S = Scope

# DESIGN.md §2, "Default access". Programmes may tighten these, never loosen them.
# A role holds one grant per resource, or a tuple when read and write reach differently.
MATRIX: dict[str, dict[Role, Grant | tuple[Grant, ...]]] = {
    # --- case data (used by the registry, pathway and later issues) ---
    "identity": {
        **_each(TEAM_ROLES, R(S.TEAM)),
        PSY: R(S.TEAM),
        CM: R(S.COMMUNITY, _("name only, with consent to share with committees")),
        PM: R(S.DISTRICTS, _("on request")),
        DS: R(S.OWN_ORGANISATION),
    },
    "case_summary": {
        **_each(TEAM_ROLES, R(S.TEAM)),
        PSY: R(S.TEAM),
        CM: R(S.COMMUNITY),
        PM: R(S.DISTRICTS),
        SEC: R(S.REFERRED_OR_DISTRICTS),
        OVS: R(S.ALL),
        DS: R(S.OWN_ORGANISATION),
    },
    # Beyond the summary: the team's names, the reasons given in requests, sign-offs and
    # closures, who did what on the timeline, and when sessions fall due. DESIGN.md §2:
    # the security liaison reads the summary (code, phase, status, risk band, district) only.
    "case_detail": {
        **_each(TEAM_ROLES, R(S.TEAM)),
        PSY: R(S.TEAM),
        CM: R(S.COMMUNITY, _("the team, requests and sign-offs; never clinical notes")),
        PM: R(S.DISTRICTS),
        OVS: R(S.ALL, _("sign-off records")),
        DS: R(S.OWN_ORGANISATION),
    },
    "plan": {  # plan, sessions, general notes
        **_each(TEAM_ROLES, RW(S.TEAM)),
        PSY: RW(S.TEAM),
        PM: R(S.DISTRICTS),
        OVS: R(S.ALL, _("pseudonymous")),
    },
    "clinical_note": {PSY: RW(S.TEAM)},
    "security_note": {PM: RW(S.DISTRICTS), SEC: RW(S.REFERRED_OR_DISTRICTS), OVS: R(S.ALL)},
    "assessment": {  # item answers, domain ratings and rationales
        **_each(TEAM_ROLES, RW(S.TEAM)),
        PSY: RW(S.TEAM),
        PM: R(S.DISTRICTS),
        OVS: R(S.ALL),
    },
    "assessment_band": {  # that an assessment took place, and its overall judgement
        **_each(TEAM_ROLES, R(S.TEAM)),
        PSY: R(S.TEAM),
        PM: R(S.DISTRICTS),
        SEC: R(S.REFERRED_OR_DISTRICTS, _("overall band only")),
        OVS: R(S.ALL),
    },
    "instrument": {**_each(ALL_ROLES, R(S.ALL)), PM: (R(S.ALL), W(S.OWN_ORGANISATION))},
    "community_readiness": {
        **_each(TEAM_ROLES, R(S.TEAM)),
        PSY: R(S.TEAM),
        CM: RW(S.COMMUNITY, _("own community")),
        PM: RW(S.DISTRICTS),
        OVS: R(S.ALL),
    },
    "outcome_event": {
        **_each(TEAM_ROLES, RW(S.TEAM)),
        PSY: RW(S.TEAM),
        CM: W(S.COMMUNITY, _("report only")),
        PM: RW(S.DISTRICTS),
        SEC: RW(S.REFERRED_OR_DISTRICTS, _("report, and read")),
        OVS: R(S.ALL),
    },
    "check_in": {  # aftercare contacts after return
        **_each(TEAM_ROLES, RW(S.TEAM)),
        PSY: RW(S.TEAM),
        PM: RW(S.DISTRICTS),
        OVS: R(S.ALL, _("pseudonymous")),
    },
    "outcome_verification": {PM: W(S.DISTRICTS, _("verify or disprove reported events"))},
    "grievance": {
        **_each(TEAM_ROLES, W(S.ALL, _("lodge"))),
        PSY: W(S.ALL, _("lodge")),
        CM: W(S.ALL, _("lodge")),
        PM: R(S.DISTRICTS, _("not about their own organisation; never who lodged it")),
        OVS: RW(S.ALL),
    },
    "grievance_complainant": {OVS: R(S.ALL, _("each reading recorded"))},
    "grievance_notice": _each(
        ALL_ROLES, R(S.OWN_ORGANISATION, _("that one exists, never who lodged it or what it says"))
    ),
    "audit_log": {OVS: R(S.ALL), DS: R(S.OWN_ORGANISATION)},
    # Rights red flags (issue 14, item 7): the cases behind each flag, by code only; the
    # oversight body may have them computed again at once.
    "rights_flag": {OVS: RW(S.ALL, _("pseudonymous; compute again now"))},
    # --- the support network (service directory, referrals) ---
    "service_directory": {**_each(ALL_ROLES, R(S.ALL)), PM: RW(S.ALL)},
    "referral": {
        **_each(
            TEAM_ROLES | {PSY},
            (RW(S.TEAM), RW(S.PROVIDER, _("referrals addressed to your organisation"))),
        ),
        PM: RW(S.DISTRICTS),
        OVS: R(S.ALL, _("pseudonymous")),
    },
    "aggregate_report": {
        **_each(TEAM_ROLES | {PSY, PM, SEC, OVS, DS}, R(S.ALL)),
        AN: R(S.ALL, _("small cells suppressed")),
    },
    # --- evidence (issue 15): indicator definitions; figures read via aggregate_report ---
    "indicator_definition": {
        **_each(ALL_ROLES, R(S.ALL)),
        PM: (R(S.ALL), W(S.ALL, _("register new versions of definitions"))),
        DS: (R(S.ALL), W(S.ALL, _("register new versions of definitions"))),
    },
    "release": {**_each(ALL_ROLES, R(S.ALL)), PM: RW(S.ALL, _("publish; suppressed, signed"))},
    # the oversight body's report: gate decisions and overrides, emergency accesses,
    # grievances, consent withdrawals, long residential stays, juveniles, the audit chain
    "oversight_report": {OVS: R(S.ALL, _("pseudonymous; printable"))},
    # the programme manager's dashboard: figures over the cases they may read
    "programme_dashboard": {PM: R(S.ALL, _("over the cases of your districts"))},
    # the pseudonymised case-level research extract (issue 15, item 6): a data steward
    # approves a named analyst for a study over programmes their organisation leads (and
    # revokes it); the analyst extracts only while an approval of their own is in force,
    # only cases whose participant consented to research. Oversight reads every approval.
    "research_approval": {
        DS: RW(S.OWN_ORGANISATION, _("approve researchers for programmes you lead")),
        OVS: R(S.ALL),
        AN: R(S.SELF, _("your own approvals")),
    },
    "research_extract": {
        AN: R(S.SELF, _("pseudonymised, research-consented cases; with an approval in force"))
    },
    # --- writing participant records (registration, identity corrections, consent, pledge) ---
    "registration": {Role.CASE_WORKER: W(S.ALL), PM: W(S.ALL), DS: W(S.ALL)},
    "participant_record": {
        Role.CASE_WORKER: W(S.TEAM),
        PSY: W(S.TEAM),
        PM: W(S.DISTRICTS),
        DS: W(S.OWN_ORGANISATION),
    },
    "merge": {DS: W(S.OWN_ORGANISATION)},
    # "Same person" at registration, where the participant's consent does not cover the
    # asking organisation's kind (issue 14, item 2): a steward of an organisation holding the
    # record decides.
    "link_review": {
        DS: RW(S.OWN_ORGANISATION, _("organisations asking to work with a person you hold"))
    },
    # --- retention and anonymisation (issue 14, item 5). DESIGN.md §2: the data steward owns
    # retention; the programme's manager reads its rule, oversight reads them all.
    "retention_rule": {
        DS: RW(S.OWN_ORGANISATION, _("programmes your organisation leads")),
        PM: R(S.OWN_ORGANISATION),
        OVS: R(S.ALL),
    },
    "legal_hold": {
        DS: RW(S.OWN_ORGANISATION, _("participants your organisation works with")),
        OVS: R(S.ALL),
    },
    "retention_run": {  # what is due (a dry run) and anonymising it now
        DS: RW(S.OWN_ORGANISATION, _("participants your organisation works with")),
    },
    # --- imports of an existing caseload (issue 20) ---
    "import": {PM: W(S.ALL), DS: W(S.ALL)},
    # --- the pathway (programmes, cases, transitions and their gates) ---
    "programme": {**_each(ALL_ROLES, R(S.ALL)), PM: (R(S.ALL), W(S.OWN_ORGANISATION))},
    "enrolment": {Role.CASE_WORKER: W(S.ALL), PM: W(S.ALL)},
    "case_team": {PM: W(S.DISTRICTS)},
    "transition": {**_each(TEAM_ROLES, W(S.TEAM)), PSY: W(S.TEAM), PM: W(S.DISTRICTS)},
    "sign_off": {
        **_each(TEAM_ROLES, W(S.TEAM)),
        PSY: W(S.TEAM),
        CM: W(S.COMMUNITY),
        PM: W(S.DISTRICTS),
    },
    "gate_override": {DS: W(S.OWN_ORGANISATION, _("documented, flagged to oversight"))},
    # Break-the-glass (issue 14, item 3): a member who works on cases opens one outside their
    # teams for a threat to life, with a reason, for a limited time; the case's team sees it,
    # the lead organisation's data steward reviews it, oversight reads every one.
    "emergency_access": {
        **_each(
            TEAM_ROLES | {PSY},
            (
                W(S.ALL, _("open a case outside your teams for a threat to life; reviewed")),
                R(S.TEAM, _("who opened your cases so")),
            ),
        ),
        DS: R(S.OWN_ORGANISATION),
        OVS: R(S.ALL),
    },
    "emergency_review": {DS: W(S.OWN_ORGANISATION, _("cases your organisation leads"))},
    # Who saw a participant's data, and why (issue 14, item 4): each identity read and each
    # disclosure to another organisation, with its purpose and the consent it relied on.
    # Those who may see the person's case detail, never committees or security liaisons.
    "disclosure_log": {
        **_each(TEAM_ROLES, R(S.TEAM)),
        PSY: R(S.TEAM),
        PM: R(S.DISTRICTS),
        OVS: R(S.ALL, _("pseudonymous")),
        DS: R(S.OWN_ORGANISATION),
    },
    # Subject access: everything held about one person, as a JSON bundle and a PDF, audited.
    "subject_access": {DS: W(S.OWN_ORGANISATION, _("people your organisation works with"))},
    # --- before the case: referrals, screening, eligibility (intake, issue 17) ---
    "intake_referral": {
        Role.CASE_WORKER: RW(S.OWN_ORGANISATION, _("referrals to your organisation")),
        PSY: RW(S.OWN_ORGANISATION, _("referrals to your organisation")),
        PM: RW(S.DISTRICTS),
        OVS: R(S.ALL, _("pseudonymous")),
    },
    "eligibility_figures": {
        PM: R(S.ALL, _("small cells suppressed")),
        OVS: R(S.ALL, _("small cells suppressed")),
    },
    "eligibility_confirmation": {PM: W(S.DISTRICTS, _("the extra gate for some levels"))},
    # who the person was in the group: sealed like clinical data, each reading recorded
    "classification": {
        Role.CASE_WORKER: RW(S.TEAM),
        PSY: RW(S.TEAM),
        PM: RW(S.DISTRICTS),
    },
    "armed_group": {PM: RW(S.ALL)},
    # assessor calibration (issue 17, item 6): blind second ratings, training records
    "calibration": {PM: RW(S.DISTRICTS, _("ask for a blind second rating; see agreement"))},
    "calibration_rating": _each(
        TEAM_ROLES | {PSY}, RW(S.SELF, _("blind second ratings asked of you"))
    ),
    "assessor_training": {
        **_each(TEAM_ROLES | {PSY}, R(S.SELF)),
        PM: RW(S.ALL),
    },
    # families and receiving communities as beneficiaries (issue 17, item 5)
    "family_support": {  # the family's support plan, relatives' own consent to be referred
        **_each(TEAM_ROLES, RW(S.TEAM)),
        PSY: RW(S.TEAM),
        PM: R(S.DISTRICTS),
        OVS: R(S.ALL, _("pseudonymous")),
    },
    "community_benefit": {  # support given to the receiving community with a placement
        **_each(TEAM_ROLES, RW(S.TEAM)),
        PSY: R(S.TEAM),
        CM: R(S.COMMUNITY, _("support to your own community")),
        PM: RW(S.DISTRICTS),
        OVS: R(S.ALL),
    },
    "support_share": {  # PKR reaching returnees and community members, per programme
        PM: R(S.ALL, _("programme totals")),
        OVS: R(S.ALL, _("programme totals")),
    },
    # --- prevention (issue 16): initiatives, funding, reach, advice line, district profiles.
    # Grassroots organisations edit their own initiatives; coordinators (programme managers)
    # all; analysts read only suppressed aggregates; the security liaison sees none of it.
    "prevention_initiative": {
        **_each(TEAM_ROLES | {PSY}, (R(S.ALL), W(S.OWN_ORGANISATION, _("its own initiatives")))),
        CM: R(S.ALL),
        DS: R(S.ALL),
        OVS: R(S.ALL),
        PM: RW(S.ALL, _("coordinator")),
    },
    "district_profile": {**_each(ALL_ROLES - {SEC, AN}, R(S.ALL)), PM: RW(S.ALL)},
    "advice_contact": {
        **_each(TEAM_ROLES | {PSY}, RW(S.OWN_ORGANISATION, _("counsellors of its advice line"))),
        OVS: R(S.ALL),
    },
    "prevention_aggregate": _each(ALL_ROLES - {SEC}, R(S.ALL, _("small cells suppressed"))),
    # anonymous survey rounds: who runs which round where; their results are aggregates
    "prevention_survey": {
        **_each(TEAM_ROLES | {PSY}, (R(S.ALL), W(S.OWN_ORGANISATION, _("rounds it runs")))),
        CM: R(S.ALL),
        DS: R(S.ALL),
        OVS: R(S.ALL),
        AN: R(S.ALL),
        PM: RW(S.ALL, _("coordinator")),
    },
    # --- the platform itself ---
    "organisation": {**_each(ALL_ROLES, R(S.ALL)), DS: (R(S.ALL), W(S.OWN_ORGANISATION))},
    "membership": {**_each(ALL_ROLES, R(S.SELF)), DS: (R(S.SELF), RW(S.OWN_ORGANISATION))},
    "user": {**_each(ALL_ROLES, R(S.SELF)), DS: (R(S.SELF), RW(S.OWN_ORGANISATION))},
    "api_token": _each(ALL_ROLES, RW(S.SELF)),
    # --- field work (ODK Collect / KoboCollect devices, their submissions) ---
    "device_credential": _each(ALL_ROLES, RW(S.SELF)),
    "field_submission": {
        **_each(ALL_ROLES, RW(S.SELF)),
        DS: (RW(S.SELF), R(S.OWN_ORGANISATION, _("refused submissions of their people"))),
    },
}

# How each scope reaches a model's rows, per model (app label and model name): a lookup
# from the model to the value the membership supplies (its organisation, its user, its
# districts), or a function of the membership and resource giving the condition. A scope
# missing here matches nothing on that model.
Reach = str | Callable[["Membership", str], models.Q]
SCOPE_PATHS: dict[str, dict[Scope, Reach]] = {
    "organisations.organisation": {Scope.OWN_ORGANISATION: "pk"},
    "accounts.membership": {Scope.OWN_ORGANISATION: "organisation", Scope.SELF: "user"},
    "accounts.user": {Scope.OWN_ORGANISATION: "memberships__organisation", Scope.SELF: "pk"},
    "accounts.apitoken": {Scope.SELF: "user"},
    "audit.auditevent": {Scope.OWN_ORGANISATION: "organisation"},
}


def districts_of(membership: Membership) -> list[int]:
    """The districts a membership covers (the value the districts scopes compare with):
    read with the user's active memberships, else from the database."""
    if membership.district_ids is not None:
        return list(membership.district_ids)
    return [district.pk for district in membership.districts.all()]


# Reaches whose condition is the same whatever the resource asked about (a case's team
# reaches the case alike for its plan, its notes and its check-ins): actions reaching a row
# through one of them share a column of ``can_many``'s single query.
RESOURCE_BLIND: set[Callable[..., models.Q]] = set()


def resource_blind(reach: Callable[[Membership, str], models.Q]) -> Callable[..., models.Q]:
    """Mark a reach function that ignores its ``resource`` argument (see ``can_many``)."""
    RESOURCE_BLIND.add(reach)
    return reach


def register_scope_paths(label: str, reach: dict[Scope, Reach]) -> None:
    """Say how each scope reaches the rows of model ``label`` ("app_label.model").

    Each app registers its own models' entries from its ``AppConfig.ready`` (see
    docs/development/layers.md): this module knows the roles and scopes, the apps know how
    their rows hang together. Registering again replaces the entry.
    """
    SCOPE_PATHS[label] = dict(reach)


def role_grants(resource: str, role: Role) -> tuple[Grant, ...]:
    """The grants ``role`` holds on ``resource`` (none when the table is silent)."""
    held = MATRIX.get(resource, {}).get(role, ())
    return held if isinstance(held, tuple) else (held,)


def roles_that_may(action: str) -> list[str]:
    """The names of the roles granted ``action`` ("resource.verb"), from the table: what a
    page tells someone who may not do it about who can."""
    resource, verb = action.split(".")
    return [
        str(role.label)
        for role in Role
        if any(getattr(grant, verb) for grant in role_grants(resource, role))
    ]


def _scope_values(scope: Scope, membership: Membership) -> list[Any]:
    if scope is Scope.OWN_ORGANISATION:
        return [membership.organisation_id]
    if scope is Scope.SELF:
        return [membership.user_id]
    if scope in (Scope.DISTRICTS, Scope.REFERRED_OR_DISTRICTS):
        return districts_of(membership)
    return []


def grants(user: Actor, resource: str, verb: str) -> list[tuple[Membership, Grant]]:
    """The user's active memberships that grant ``verb`` on ``resource``, with the grant."""
    if verb not in {"read", "write"} or not user.is_authenticated:
        return []
    return [
        (membership, grant)
        for membership in user.active_memberships()
        for grant in role_grants(resource, Role(membership.role))
        if getattr(grant, verb)
    ]


Q = TypeVar("Q", bound=models.QuerySet[Any])


def _condition(
    model: type[models.Model], user: Actor, resource: str, verb: str
) -> tuple[models.Q | None, bool]:
    """The rows of ``model`` the user may ``verb`` the ``resource`` of, as a condition (None:
    every row), and whether it crosses a multi-valued relation (so a list needs DISTINCT)."""
    condition = models.Q(pk__in=[])
    paths = SCOPE_PATHS.get(model._meta.label_lower, {})
    multi_valued = False
    for membership, grant in grants(user, resource, verb):
        if grant.scope is Scope.ALL:
            return None, False
        reach = paths.get(grant.scope)
        if reach is None:
            continue
        if callable(reach):  # conditions built as subqueries: never multi-valued
            condition |= reach(membership, resource)
        else:
            multi_valued = multi_valued or "__" in reach
            condition |= models.Q(**{f"{reach}__in": _scope_values(grant.scope, membership)})
    return condition, multi_valued


def _condition_key(
    model: type[models.Model], user: Actor, resource: str, verb: str
) -> tuple[Any, ...]:
    """What :func:`_condition` builds its condition from: two actions with the same key
    have the same condition (a scope reached by a function depends on the resource too)."""
    paths = SCOPE_PATHS.get(model._meta.label_lower, {})
    return tuple(
        (
            membership.pk,
            grant.scope,
            resource if _uses_resource(paths.get(grant.scope)) else None,
        )
        for membership, grant in grants(user, resource, verb)
    )


def _uses_resource(reach: Reach | None) -> bool:
    return callable(reach) and reach not in RESOURCE_BLIND


def filter_visible(queryset: Q, user: Actor, resource: str, verb: str = "read") -> Q:
    """Narrow ``queryset`` to the rows ``user`` may ``verb``; none when nothing grants it."""
    condition, multi_valued = _condition(queryset.model, user, resource, verb)
    if condition is None:
        return queryset
    narrowed = queryset.filter(condition)
    return narrowed.distinct() if multi_valued else narrowed


def can_many(user: Actor, actions: Iterable[str], obj: models.Model) -> dict[str, bool]:
    """``can(user, action, obj)`` for several actions at once, in one query.

    A case page asks a dozen questions of one case (which tabs, which timeline entries,
    which buttons); each distinct condition becomes an ``EXISTS`` column of a single row
    (actions whose grants reach the row the same way share a column). ``EXISTS`` keeps each
    answer an index probe: an ``IN (subquery)`` column would read every row of the user's
    scope (a psychologist's thousands of team places) once per column. Within a read-only
    request the answers are remembered for ``can`` (see :func:`answers_remembered`).
    """
    model = type(obj)
    answers: dict[str, bool] = {}
    remembered = _REMEMBERED.get()
    if remembered is not None:  # what this request has asked already is not asked again
        label = obj._meta.label_lower
        for action in actions:
            key = (user.pk, action, label, obj.pk)
            if key in remembered:
                answers[action] = remembered[key]
    column_of: dict[str, str] = {}  # action → column
    columns: dict[str, models.Exists] = {}
    keys: dict[tuple[Any, ...], str] = {}  # how a condition reaches the row → column
    for action in dict.fromkeys(actions):
        if action in answers:
            continue
        resource, _sep, verb = action.partition(".")
        if obj.pk is None or not grants(user, resource, verb):
            answers[action] = False
            continue
        key = _condition_key(model, user, resource, verb)
        if key in keys:
            column_of[action] = keys[key]
            continue
        condition, _multi_valued = _condition(model, user, resource, verb)
        if condition is None:
            answers[action] = True
            continue
        name = keys[key] = column_of[action] = f"may_{len(columns)}"
        # EXISTS answers once per row whatever the join repeats: no DISTINCT needed.
        columns[name] = models.Exists(
            model._default_manager.filter(pk=models.OuterRef("pk")).filter(condition)
        )
    if columns:
        found = model._default_manager.filter(pk=obj.pk).values(**columns).first()
        for action, name in column_of.items():
            answers[action] = bool(found and found[name])
    if remembered is not None:
        for action, allowed in answers.items():
            remembered[(user.pk, action, obj._meta.label_lower, obj.pk)] = allowed
    return answers


def require(actor: Actor, action: str, obj: models.Model | None = None) -> None:
    """For services: raise PermissionDenied unless ``actor`` may do ``action``.

    The system actor (operator commands, scheduled work) is not a person with roles; it
    passes. Every request-driven call site passes a real user.
    """
    from bahali.core.context import SystemActor

    if isinstance(actor, SystemActor):
        return
    if not can(actor, action, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def can(user: Actor, action: str, obj: models.Model | None = None) -> bool:
    """May ``user`` do ``action`` ("resource.read" or "resource.write"), on ``obj`` if given?

    Without ``obj`` the question is whether any of the user's roles could ever do it (for
    navigation and forms); with ``obj`` the answer respects scope.
    """
    resource, _, verb = action.partition(".")
    found = grants(user, resource, verb)
    if not found:
        return False
    if obj is None:
        return True
    if obj.pk is None:
        return False
    remembered = _REMEMBERED.get()
    key = (user.pk, action, obj._meta.label_lower, obj.pk)
    if remembered is not None and key in remembered:
        return remembered[key]
    queryset = type(obj)._default_manager.filter(pk=obj.pk)
    allowed = filter_visible(queryset, user, resource, verb).exists()
    if remembered is not None:
        remembered[key] = allowed
    return allowed


# Answers of ``can`` kept for the length of one request that changes nothing (see
# :func:`answers_remembered`); None outside such a request, where every call asks afresh.
_REMEMBERED: ContextVar[dict[tuple[Any, ...], bool] | None] = ContextVar(
    "bahali_policies_remembered", default=None
)


@contextmanager
def answers_remembered() -> Iterator[None]:
    """While a read-only request is answered, ask the database once per user, action and
    object: a page's tabs, timeline and buttons often ask the same question. Nothing that
    could change an answer happens while a page is read, so no answer goes stale."""
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def remember(user: Actor, action: str, obj: models.Model) -> None:
    """Within :func:`answers_remembered`: ``user`` may do ``action`` on ``obj`` — the caller
    has just found ``obj`` through :func:`filter_visible` for the same resource and verb, so
    the service it hands ``obj`` to need not ask the database again (outside the block,
    nothing is noted)."""
    remembered = _REMEMBERED.get()
    if remembered is not None and obj.pk is not None:
        remembered[(user.pk, action, obj._meta.label_lower, obj.pk)] = True


def membership_can(membership: Membership, action: str, obj: models.Model) -> bool:
    """May this one membership (not the user's others) do ``action`` on ``obj``?

    For acts done in an organisation's name, such as a sign-off: the organisation that signs
    must be the one whose role grants it.
    """
    if not (membership.is_active and membership.organisation.is_active):
        return False
    if not membership.user.is_active:
        return False
    condition = membership_condition(membership, action, type(obj))
    if condition is None:
        return True
    return type(obj)._default_manager.filter(condition, pk=obj.pk).exists()


def on_case_team(user: Actor, case: models.Model) -> bool:
    """Does the user sit on the case's team now? For what only the team does together, such
    as acknowledging a warning sign once it has met. (The case's ``team`` relation, so this
    module imports no domain app.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    team: models.QuerySet[Any] = getattr(case, "team").all()  # noqa: B009
    return team.filter(
        left_on__isnull=True,
        membership__user=user.pk,
        membership__is_active=True,
        membership__organisation__is_active=True,
    ).exists()


def membership_condition(
    membership: Membership, action: str, model: type[models.Model]
) -> models.Q | None:
    """The rows of ``model`` this one membership may do ``action`` on, as a condition (None:
    every row; a condition matching nothing when no grant reaches the model).

    For lists of acts done in an organisation's name (the sign-off queue): one condition
    per membership, asked in one query, instead of :func:`membership_can` row by row.
    """
    resource, _sep, verb = action.partition(".")
    paths = SCOPE_PATHS.get(model._meta.label_lower, {})
    condition = models.Q(pk__in=[])
    for grant in role_grants(resource, Role(membership.role)):
        if not getattr(grant, verb, False):
            continue
        if grant.scope is Scope.ALL:
            return None
        reach = paths.get(grant.scope)
        if reach is None:
            continue
        if callable(reach):
            condition |= reach(membership, resource)
        else:
            condition |= models.Q(**{f"{reach}__in": _scope_values(grant.scope, membership)})
    return condition


# --- rules that compare roles: here, not in the apps' services and views ---------------

# Roles whose identity grant opens the name alone (DESIGN.md §2: committee members, with
# consent to share with committees).
NAME_ONLY_IDENTITY = frozenset({Role.COMMITTEE_MEMBER})
# Roles whose identity grant is "on request" (DESIGN.md §2): the identity opens only once
# a purpose is stated, and the purpose is recorded with the read.
IDENTITY_ON_REQUEST = frozenset({Role.PROGRAMME_MANAGER})


def acting_memberships(actor: Actor, action: str, scope: Scope | None = None) -> list[Membership]:
    """The actor's active memberships whose role grants ``action`` (reaching through
    ``scope``, when given): those in whose name the actor may do it."""
    resource, _sep, verb = action.partition(".")
    if verb not in {"read", "write"} or not actor.is_authenticated:
        return []
    return [
        m
        for m in actor.active_memberships()
        if any(
            getattr(grant, verb) and (scope is None or grant.scope is scope)
            for grant in role_grants(resource, Role(m.role))
        )
    ]


def acting_organisations(actor: Actor, action: str, scope: Scope | None = None) -> list[int]:
    """The organisations in whose name ``actor`` may do ``action``: those where one of their
    active memberships holds a role granting it (reaching through ``scope``, when given).

    For acts done for an organisation rather than on a row: owning instruments, leading
    programmes, answering referrals addressed to it, speaking for a committee.
    """
    return list(dict.fromkeys(m.organisation_id for m in acting_memberships(actor, action, scope)))


def may_act_for(actor: Actor, action: str, organisation: models.Model) -> bool:
    """May ``actor`` do ``action`` in ``organisation``'s name? The system actor (operator
    commands, the demo) may act for any."""
    from bahali.core.context import SystemActor

    if isinstance(actor, SystemActor):
        return True
    return organisation.pk in acting_organisations(actor, action)


def may_own_instruments_of(actor: Actor, organisation: models.Model) -> bool:
    """May ``actor`` create and change instruments owned by ``organisation``?"""
    return may_act_for(actor, "instrument.write", organisation)


def may_configure_programmes_of(actor: Actor, organisation: models.Model) -> bool:
    """May ``actor`` set up programmes led by ``organisation``?"""
    return may_act_for(actor, "programme.write", organisation)


def referral_providers(actor: Actor) -> list[int]:
    """The organisations for which ``actor`` answers referrals (the provider scope)."""
    return acting_organisations(actor, "referral.write", Scope.PROVIDER)


def committees_of(actor: Actor) -> list[int]:
    """The committees (organisations) for which ``actor`` records their community's
    readiness and dialogues as a member."""
    return acting_organisations(actor, "community_readiness.write", Scope.COMMUNITY)


def identity_names_only(actor: Actor, participant: models.Model) -> bool:
    """Does ``actor`` see only the name of ``participant``'s identity? Yes unless a
    membership whose role opens the whole identity reaches it (committee members see the
    name alone, DESIGN.md §2). The system actor sees it all."""
    from bahali.core.context import SystemActor

    if isinstance(actor, SystemActor):
        return False
    return not any(
        Role(m.role) not in NAME_ONLY_IDENTITY and membership_can(m, "identity.read", participant)
        for m in actor.active_memberships()
    )


def identity_needs_purpose(actor: Actor, participant: models.Model) -> bool:
    """Must ``actor`` state a purpose before ``participant``'s identity opens? Yes when
    every membership reaching it holds the identity "on request" (programme managers); a
    membership with plain read access (a case worker on the team) opens it as before."""
    from bahali.core.context import SystemActor

    if isinstance(actor, SystemActor):
        return False
    reaching = [
        m for m in actor.active_memberships() if membership_can(m, "identity.read", participant)
    ]
    return bool(reaching) and all(Role(m.role) in IDENTITY_ON_REQUEST for m in reaching)


def identity_access(
    actor: Actor, participants: Iterable[models.Model]
) -> dict[Any, tuple[bool, bool]]:
    """For each of ``participants`` whose identity ``actor`` may read (``can(actor,
    "identity.read", participant)``): (:func:`identity_names_only`,
    :func:`identity_needs_purpose`), as those answer one participant at a time, in one
    query and one per membership however many participants are asked about (a review page
    showing a cluster of records side by side). Those the actor may not read are left out.
    """
    from bahali.core.context import SystemActor

    listed = [participant for participant in participants if participant.pk is not None]
    if not listed:
        return {}
    if isinstance(actor, SystemActor):
        return {participant.pk: (False, False) for participant in listed}
    if not grants(actor, "identity", "read"):
        return {}
    model = type(listed[0])
    ids = [participant.pk for participant in listed]
    allowed = set(
        filter_visible(
            model._default_manager.filter(pk__in=ids), actor, "identity", "read"
        ).values_list("pk", flat=True)
    )
    reaching: dict[Any, list[Membership]] = {pk: [] for pk in allowed}
    for membership in actor.active_memberships():
        if not (membership.is_active and membership.organisation.is_active):
            continue
        if not membership.user.is_active:
            continue
        condition = membership_condition(membership, "identity.read", model)
        reached = (
            allowed
            if condition is None
            else model._default_manager.filter(condition, pk__in=allowed).values_list(
                "pk", flat=True
            )
        )
        for pk in reached:
            reaching[pk].append(membership)
    return {
        pk: (
            not any(Role(m.role) not in NAME_ONLY_IDENTITY for m in memberships),
            bool(memberships) and all(Role(m.role) in IDENTITY_ON_REQUEST for m in memberships),
        )
        for pk, memberships in reaching.items()
    }


# Two-factor sign-in (issue 14, item 1): required of every role that can read identity or
# clinical data (the resources below: a person's names and numbers, clinical notes, who the
# person was in the group, who lodged a grievance) and of data stewards, who manage users.
# Derived from MATRIX, so a role given such a read later needs the second factor at once.
SECOND_FACTOR_RESOURCES = ("identity", "clinical_note", "classification", "grievance_complainant")
SECOND_FACTOR_ROLES: frozenset[Role] = frozenset(
    role
    for role in Role
    if role is DS
    or any(
        grant.read for resource in SECOND_FACTOR_RESOURCES for grant in role_grants(resource, role)
    )
)


def requires_second_factor(user: Actor) -> bool:
    """Must ``user`` sign in with a second factor? Yes when any of their active roles is in
    ``SECOND_FACTOR_ROLES``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return any(Role(m.role) in SECOND_FACTOR_ROLES for m in user.active_memberships())


# Words for the tables above, shown to users on their home page ("what you may see").
RESOURCE_LABELS: dict[str, Any] = {
    "identity": _("Identity (names, CNIC, phone, address)"),
    "case_summary": _("Case summary (code, phase, risk band, district)"),
    "case_detail": _("Case team, reasons given in requests and sign-offs, dates due"),
    "plan": _("Plans, sessions and general notes"),
    "clinical_note": _("Clinical notes"),
    "security_note": _("Security notes"),
    "assessment": _("Assessments (answers, ratings and rationales)"),
    "assessment_band": _("Assessments' overall judgement"),
    "instrument": _("Assessment instruments"),
    "community_readiness": _("Community readiness and dialogues"),
    "outcome_event": _("Outcome events"),
    "check_in": _("Aftercare check-ins"),
    "outcome_verification": _("Verifying outcome events"),
    "grievance": _("Grievances"),
    "grievance_complainant": _("Who lodged a grievance"),
    "grievance_notice": _("Grievances about your organisation"),
    "audit_log": _("Audit trail"),
    "rights_flag": _("Rights red flags and the cases behind them (by code)"),
    "link_review": _("Requests to work with a participant registered elsewhere"),
    "service_directory": _("Service directory"),
    "referral": _("Referrals to services"),
    "aggregate_report": _("Aggregate reports"),
    # evidence (issue 15)
    "indicator_definition": _("Indicator definitions"),
    "release": _("Outcome releases"),
    "oversight_report": _("The oversight report"),
    "programme_dashboard": _("The programme dashboard"),
    "research_approval": _("Approvals of researchers for the research extract"),
    "research_extract": _("The pseudonymised case-level research extract"),
    "organisation": _("Organisations"),
    "membership": _("Memberships"),
    "user": _("User accounts"),
    "api_token": _("API tokens"),
    "device_credential": _("Field devices (ODK Collect, KoboCollect)"),
    "field_submission": _("Field submissions"),
    "registration": _("Registering participants"),
    "participant_record": _("Correcting identity, recording consent and pledge"),
    "merge": _("Merging duplicate records"),
    "import": _("Importing people from a sheet"),  # issue 20
    "retention_rule": _("Retention rules of programmes"),  # issue 14, item 5
    "legal_hold": _("Legal holds that stop anonymisation"),
    "retention_run": _("Anonymising records past their retention"),
    "programme": _("Programme configuration"),
    "enrolment": _("Enrolling participants in a programme"),
    "case_team": _("Case teams"),
    "transition": _("Requesting phase transitions and closing cases"),
    "sign_off": _("Signing off transitions"),
    "gate_override": _("Overriding a gate"),
    "emergency_access": _("Emergency access to a case (break-the-glass)"),
    "emergency_review": _("Reviewing emergency access"),
    "disclosure_log": _("Who saw a participant's data, and why"),
    "subject_access": _("Everything held about a participant (subject access)"),
    "prevention_initiative": _("Prevention initiatives, their funding and activities"),
    "district_profile": _("District profiles (need indicators per district and year)"),
    "advice_contact": _("Family advice line contacts"),
    "prevention_aggregate": _("Prevention figures and the district gap analysis"),
    "prevention_survey": _("Anonymous trust and stigma survey rounds and their responses"),
    "intake_referral": _("Referrals before enrolment and their screening"),
    "eligibility_figures": _("Refusal rates at screening"),
    "eligibility_confirmation": _("Confirming eligibility (the extra gate)"),
    "classification": _("Who the person was in the group"),
    "armed_group": _("The list of groups"),
    "calibration": _("Blind second ratings and agreement between assessors"),
    "calibration_rating": _("Rating an anonymised assessment a second time"),
    "assessor_training": _("Assessors' training on instruments"),
    "family_support": _("Family support plans and relatives' consent"),
    "community_benefit": _("Support to receiving communities"),
    "support_share": _("Share of support reaching returnees and communities"),
}
SCOPE_LABELS: dict[Scope, Any] = {
    Scope.ALL: _("all"),
    Scope.OWN_ORGANISATION: _("your organisation"),
    Scope.SELF: _("your own"),
    Scope.TEAM: _("cases on your team"),
    Scope.COMMUNITY: _("cases placed in your community"),
    Scope.DISTRICTS: _("your districts"),
    Scope.REFERRED_OR_DISTRICTS: _("cases you referred or in your districts"),
    Scope.PROVIDER: _("referrals to your organisation"),
}


@dataclass(frozen=True)
class AccessLine:
    resource: str
    label: Any
    read: bool
    write: bool
    scopes: tuple[Any, ...]
    notes: tuple[Any, ...]


def access_summary(user: Actor) -> list[AccessLine]:
    """What the user's roles together allow, resource by resource, for their home page."""
    lines = []
    roles = {Role(m.role) for m in user.active_memberships()}
    for resource in MATRIX:
        held = [grant for role in roles for grant in role_grants(resource, role)]
        if not held:
            continue
        lines.append(
            AccessLine(
                resource=resource,
                label=RESOURCE_LABELS[resource],
                read=any(g.read for g in held),
                write=any(g.write for g in held),
                scopes=tuple(dict.fromkeys(SCOPE_LABELS[g.scope] for g in held)),
                notes=tuple(dict.fromkeys(g.note for g in held if g.note)),
            )
        )
    return lines
