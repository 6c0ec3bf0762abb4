"""Assessment operations: instruments and their versions, filling in, completing and
correcting assessments, the risk band from the latest overall judgement, reassessment
schedules, proposed plan goals and the programme's factor distribution.

Every write checks policy first and validates before touching anything, so a refusal
changes nothing; each runs in one transaction with its audit events (``@service``).
"""

from __future__ import annotations

import datetime
import json
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.assessments import definition as spec
from bahali.assessments.agreement import Agreement, agreement
from bahali.assessments.models import (
    Assessment,
    AssessmentStatus,
    Band,
    Calibration,
    Instrument,
    InstrumentKind,
    InstrumentVersion,
    Training,
)
from bahali.cases.models import Case
from bahali.core import crypto, sealing, suppression
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, user_of
from bahali.core.versioning import Conflict, claim_version
from bahali.core.work import LABEL_COLUMNS
from bahali.geography.models import District
from bahali.organisations.models import Organisation
from bahali.registry.models import AgeBand

Actor = User | SystemActor
MAX_RATIONALE = 5000
BASELINE_DAYS = 30  # a first progress assessment is due this long after entering a phase
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud without doubt


# --- instruments --------------------------------------------------------------------


def _refuse_problems(problems: list[spec.Problem]) -> None:
    if problems:
        raise ValidationError([str(problem) for problem in problems])


@service
def create_instrument(
    *,
    actor: Actor,
    code: str,
    kind: str,
    organisation: Organisation,
    definition: dict[str, Any],
    note: str = "",
) -> InstrumentVersion:
    """A new instrument owned by an organisation, its first version as a draft."""
    probe = Instrument(organisation=organisation)
    if not policies.may_own_instruments_of(actor, organisation):
        raise PermissionDenied(_("You are not allowed to do this."))
    errors: dict[str, str] = {}
    if kind not in InstrumentKind.values:
        errors["kind"] = _("Choose one of the listed options.")
    if not code or not spec.NAME.match(code.replace("-", "_")) or len(code) > 40:
        errors["code"] = _("A code is lower-case letters, digits, - and _.")
    elif Instrument.objects.filter(code=code).exists():
        errors["code"] = _("Another instrument has this code.")
    if errors:
        raise ValidationError(errors)
    _refuse_problems(spec.check_definition(definition, kind=kind))
    title = definition["title"]
    probe.code = code
    probe.kind = kind
    probe.name_en = spec.label(title, "en")[:120]
    probe.name_ur = spec.label(title, "ur")[:120]
    probe.name_ps = spec.label(title, "ps")[:120]
    probe.save()
    version = InstrumentVersion(instrument=probe, number=1, definition=definition, note=note[:300])
    version.save()
    return version


@service
def save_draft_version(
    *, actor: Actor, instrument: Instrument, definition: dict[str, Any], note: str = ""
) -> InstrumentVersion:
    """A new definition for an instrument, as a draft version (replacing an earlier
    unpublished draft). Published versions are never touched."""
    policies.require(actor, "instrument.write", instrument)
    _refuse_problems(spec.check_definition(definition, kind=instrument.kind))
    draft = instrument.versions.filter(published_at__isnull=True).first()
    if draft is None:
        last = instrument.versions.order_by("-number").first()
        draft = InstrumentVersion(instrument=instrument, number=(last.number + 1) if last else 1)
    draft.definition = definition
    draft.note = note[:300]
    draft.save()
    return draft


@service
def publish_version(*, actor: Actor, version: InstrumentVersion) -> InstrumentVersion:
    """Publish a draft version: new assessments use it from now on; assessments answered
    under earlier versions keep theirs. A published version never changes again."""
    instrument = version.instrument
    policies.require(actor, "instrument.write", instrument)
    claim_version(instrument)  # publishing twice at once: the second finds it moved on
    if version.is_published:
        raise ValidationError(_("This version is already published; it cannot change."))
    _refuse_problems(spec.check_definition(version.definition, kind=instrument.kind))
    version.published_at = timezone.now()
    version.published_by = user_of(actor)
    version.save(update_fields=["published_at", "published_by", "updated_at"])
    title = version.definition["title"]
    instrument.name_en = spec.label(title, "en")[:120]
    instrument.name_ur = spec.label(title, "ur")[:120]
    instrument.name_ps = spec.label(title, "ps")[:120]
    instrument.save(update_fields=["name_en", "name_ur", "name_ps", "updated_at"])
    return version


@service
def load_builtin_instruments(*, actor: Actor) -> list[Instrument]:
    """Make sure the built-in instruments exist, each with a published version 1 (the data
    migration ships them; this puts them back after a test database was flushed)."""
    from bahali.assessments.builtin import BUILTINS, builtin_definition

    loaded = []
    for code, kind in BUILTINS.items():
        if Instrument.objects.filter(code=code).exists():
            continue
        definition = builtin_definition(code)
        title = definition["title"]
        instrument = Instrument(
            code=code,
            kind=kind,
            is_builtin=True,
            name_en=spec.label(title, "en")[:120],
            name_ur=spec.label(title, "ur")[:120],
            name_ps=spec.label(title, "ps")[:120],
        )
        instrument.save()
        InstrumentVersion(
            instrument=instrument,
            number=1,
            definition=definition,
            note="Built in.",
            published_at=timezone.now(),
        ).save()
        loaded.append(instrument)
    return loaded


@service
def set_instrument_active(
    *, actor: Actor, instrument: Instrument, expected_version: int, active: bool
) -> Instrument:
    """Take an instrument out of use (no new assessments start with it; completed ones stay
    readable) or put it back."""
    policies.require(actor, "instrument.write", instrument)
    claim_version(instrument, expected_version)
    instrument.is_active = active
    instrument.save(update_fields=["is_active", "updated_at"])
    return instrument


def instruments_for_case(case: Case) -> Any:
    """Instruments a case can be assessed with: built-in or owned by an organisation that
    leads the case or its programme, in use, with a published version; not community
    readiness (that assesses a community)."""
    published = InstrumentVersion.objects.filter(
        instrument=OuterRef("pk"), published_at__isnull=False
    )
    owners = {case.lead_organisation_id, case.programme.lead_organisation_id}
    return (
        Instrument.objects.filter(is_active=True)
        .filter(Q(is_builtin=True) | Q(organisation__in=owners))
        .exclude(kind__in=[InstrumentKind.READINESS, InstrumentKind.SURVEY])
        .filter(Exists(published))
        .order_by("kind", "code")
    )


# --- filling in ---------------------------------------------------------------------


@service
def start_assessment(
    *,
    actor: Actor,
    case: Case,
    instrument: Instrument,
    assessed_on: datetime.date | None = None,
) -> Assessment:
    """Start a draft assessment of a case with the instrument's current version."""
    policies.require(actor, "assessment.write", case)
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    if not instruments_for_case(case).filter(pk=instrument.pk).exists():
        raise ValidationError({"instrument": _("This instrument cannot be used for this case.")})
    assessed_on = assessed_on or local_today()
    _check_date(assessed_on, case)
    version = instrument.current_version()
    if version is None:  # instruments_for_case requires one; a race could unpublish none
        raise ValidationError({"instrument": _("This instrument has no published version.")})
    assessment = Assessment(
        case=case,
        instrument_version=version,
        assessor=user_of(actor),
        assessed_on=assessed_on,
    )
    assessment.save()
    return assessment


def _check_date(assessed_on: datetime.date | None, case: Case | None) -> None:
    if assessed_on is None:
        raise ValidationError({"assessed_on": _("Give the date.")})
    if assessed_on > local_today():
        raise ValidationError({"assessed_on": _("The date cannot be in the future.")})
    if case is not None and assessed_on < case.opened_on:
        raise ValidationError(
            {"assessed_on": _("The assessment cannot be dated before the case was opened.")}
        )


@dataclass(frozen=True)
class Judgement:
    """What the assessor concluded: a rating and rationale per rated domain, and overall."""

    domain_ratings: dict[str, dict[str, str]]
    overall_rating: str = ""
    overall_rationale: str = ""

    @classmethod
    def of(cls, assessment: Assessment) -> Judgement:
        """The judgement an assessment holds now."""
        return cls(
            assessment.domain_ratings, assessment.overall_rating, assessment.overall_rationale
        )


def _check_judgement(
    definition: dict[str, Any], judgement: Judgement, *, complete: bool
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    errors: dict[str, str] = {}
    clean: dict[str, dict[str, str]] = {}
    for domain in spec.rated_domains(definition):
        name = domain["name"]
        given = judgement.domain_ratings.get(name) or {}
        rating = str(given.get("rating") or "")
        rationale = str(given.get("rationale") or "").strip()
        if rating and rating not in Band.values:
            errors[f"domain:{name}"] = _("Choose low, moderate or high.")
        elif len(rationale) > MAX_RATIONALE:
            errors[f"domain:{name}"] = _("This is too long.")
        elif complete and not rating:
            errors[f"domain:{name}"] = _("Rate this domain.")
        elif complete and not rationale:
            errors[f"domain:{name}"] = _("Give the rationale of this rating.")
        if rating or rationale:
            clean[name] = {"rating": rating, "rationale": rationale}
    if definition.get("overall"):
        rating, rationale = judgement.overall_rating, judgement.overall_rationale.strip()
        if rating and rating not in Band.values:
            errors["overall_rating"] = _("Choose low, moderate or high.")
        elif complete and not rating:
            errors["overall_rating"] = _("Form the overall judgement.")
        if len(rationale) > MAX_RATIONALE:
            errors["overall_rationale"] = _("This is too long.")
        elif complete and not rationale:
            errors["overall_rationale"] = _("Give the rationale of the overall judgement.")
    return clean, errors


def _require_write(actor: Actor, assessment: Assessment) -> None:
    """An assessment of a case is written under ``assessment``; a community's readiness
    assessment under ``community_readiness``, scoped by its community."""
    if assessment.case_id is None and assessment.community is not None:
        policies.require(actor, "community_readiness.write", assessment.community)
    else:
        policies.require(actor, "assessment.write", assessment)


def _draft_for_edit(actor: Actor, assessment: Assessment) -> None:
    _require_write(actor, assessment)
    if assessment.is_completed:
        raise ValidationError(
            _("This assessment is completed and read-only; correct it with a new assessment.")
        )
    if assessment.case is not None and not assessment.case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))


def _apply(
    assessment: Assessment,
    answers: dict[str, Any],
    judgement: Judgement,
    assessed_on: datetime.date | None,
    *,
    complete: bool,
) -> None:
    definition = assessment.definition
    clean, errors = spec.check_answers(definition, answers, complete=complete)
    ratings, judgement_errors = _check_judgement(definition, judgement, complete=complete)
    errors.update(judgement_errors)
    assessed_on = assessed_on or assessment.assessed_on
    try:
        _check_date(assessed_on, assessment.case)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    assessment.answers = clean
    assessment.domain_ratings = ratings
    has_overall = bool(definition.get("overall"))
    assessment.overall_rating = judgement.overall_rating if has_overall else ""
    assessment.overall_rationale = judgement.overall_rationale.strip() if has_overall else ""
    assessment.assessed_on = assessed_on


@service
def save_answers(
    *,
    actor: Actor,
    assessment: Assessment,
    expected_version: int,
    answers: dict[str, Any],
    judgement: Judgement | None = None,
    assessed_on: datetime.date | None = None,
) -> Assessment:
    """Save a draft to resume later. Answers are checked (types, constraints) but required
    items may still be empty; answers hidden by skip logic are dropped."""
    _draft_for_edit(actor, assessment)
    _apply(assessment, answers, judgement or Judgement({}), assessed_on, complete=False)
    claim_version(assessment, expected_version)
    assessment.save()
    return assessment


@service
def complete_assessment(
    *,
    actor: Actor,
    assessment: Assessment,
    expected_version: int,
    answers: dict[str, Any],
    judgement: Judgement | None = None,
    assessed_on: datetime.date | None = None,
) -> Assessment:
    """Complete an assessment: every required item shown answered, every rated domain rated
    with a rationale, the overall judgement formed with its rationale. It is read-only
    from then on. A progress assessment's overall judgement becomes the case's risk band
    when it is the latest."""
    _draft_for_edit(actor, assessment)
    _require_training(actor, assessment.instrument)
    _apply(assessment, answers, judgement or Judgement({}), assessed_on, complete=True)
    claim_version(assessment, expected_version)
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.save()
    if assessment.case is not None and assessment.instrument.kind == InstrumentKind.PROGRESS:
        _follow_latest_judgement(actor, assessment.case)
    return assessment


def effective(queryset: Any) -> Any:
    """Completed assessments not superseded by a completed correction."""
    corrected = Assessment.objects.filter(
        corrects=OuterRef("pk"), status=AssessmentStatus.COMPLETED
    )
    return queryset.filter(status=AssessmentStatus.COMPLETED).exclude(Exists(corrected))


def latest_judgement(case: Case) -> Assessment | None:
    """The latest completed progress assessment in force, whose overall judgement is the
    case's risk band."""
    return (
        effective(Assessment.objects.filter(case=case))
        .filter(instrument_version__instrument__kind=InstrumentKind.PROGRESS)
        .exclude(overall_rating="")
        .order_by("-assessed_on", "-completed_at", "-pk")
        .first()
    )


def _follow_latest_judgement(actor: Actor, case: Case) -> None:
    from bahali.cases.services import record_risk_band

    latest = latest_judgement(case)
    if latest is None or latest.overall_rating == case.risk_band:
        return
    record_risk_band(
        actor=actor,
        case=case,
        band=latest.overall_rating,
        reason=_("Overall judgement of the progress assessment of %(date)s (no. %(number)d).")
        % {"date": latest.assessed_on.isoformat(), "number": latest.pk},
    )


@service
def correct_assessment(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Start a correction of a completed assessment: a new draft under the same instrument
    version, prefilled with its answers and judgement, linked to it. Once completed, it
    takes the corrected assessment's place."""
    _require_write(actor, assessment)
    if not assessment.is_completed:
        raise ValidationError(_("Only a completed assessment is corrected; edit the draft."))
    if assessment.case is not None and not assessment.case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    if assessment.corrections.filter(status=AssessmentStatus.DRAFT).exists():
        raise ValidationError(_("A correction of this assessment is already in progress."))
    correction = Assessment(
        case=assessment.case,
        community=assessment.community,
        instrument_version=assessment.instrument_version,
        assessor=user_of(actor),
        assessed_on=assessment.assessed_on,
        overall_rating=assessment.overall_rating,
        corrects=assessment,
    )
    correction.answers = dict(assessment.answers)  # sealed attributes: assigned, not kwargs
    correction.domain_ratings = dict(assessment.domain_ratings)
    correction.overall_rationale = assessment.overall_rationale
    correction.save()
    return correction


@service
def discard_draft(*, actor: Actor, assessment: Assessment) -> None:
    """Throw away a draft nobody needs (a completed assessment is never deleted)."""
    _require_write(actor, assessment)
    if assessment.is_completed:
        raise ValidationError(_("A completed assessment cannot be discarded."))
    assessment.delete()


# --- plan linkage -------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedGoal:
    """A plan goal an answered factor or need proposes; the user accepts or edits it."""

    item: str
    domain: str
    title: str
    reason: str  # the factor or need and the answer given


def proposed_goals(assessment: Assessment) -> list[ProposedGoal]:
    """Goals proposed by the factors and needs this assessment rated present, less those
    the case's plan already has (same domain and title)."""
    definition = assessment.definition
    existing: set[tuple[str, str]] = set()
    if assessment.case is not None:
        existing = {
            (domain, title.casefold())
            for domain, title in assessment.case.goals.values_list("domain", "title")
        }
    proposals = []
    for item in spec.items(definition):
        value = assessment.answers.get(item["name"])
        if not spec.proposes_goal(item, value):
            continue
        title = (spec.label(item.get("goal")) or spec.label(item.get("label")))[:200]
        domain = item["goal_domain"]
        if (domain, title.casefold()) in existing:
            continue
        reason = f"{spec.label(item.get('label'))}: {spec.answer_text(definition, item, value)}"
        proposals.append(ProposedGoal(item=item["name"], domain=domain, title=title, reason=reason))
    return proposals


@dataclass(frozen=True)
class AcceptedGoal:
    domain: str
    title: str
    interventions: str = ""


@service
def accept_goals(
    *, actor: Actor, assessment: Assessment, goals: Iterable[AcceptedGoal]
) -> list[Any]:
    """Add the proposed goals the user accepted (perhaps edited) to the case's plan,
    through casework's own service."""
    from bahali.casework.services import add_goal

    policies.require(actor, "assessment.read", assessment)
    if assessment.case is None or not assessment.is_completed:
        raise ValidationError(_("Goals are proposed from a completed assessment of a case."))
    chosen = list(goals)
    if not chosen:
        raise ValidationError(_("Choose at least one goal to add."))
    return [
        add_goal(
            actor=actor,
            case=assessment.case,
            domain=goal.domain,
            title=goal.title,
            interventions=goal.interventions,
        )
        for goal in chosen
    ]


# --- reassessment -------------------------------------------------------------------


WARNING_REASSESS_DAYS = 14  # a check-in with warning signs brings reassessment this close


def reassessment_due(
    case: Case, last: datetime.date | None, warned: datetime.date | None = None
) -> datetime.date | None:
    """When the next progress assessment is due in the case's current phase: the phase's
    interval after the last one, or ``BASELINE_DAYS`` after entering the phase when there
    has been none since; no later than ``WARNING_REASSESS_DAYS`` after an aftercare
    check-in with warning signs (``warned``) held since the last one. None when the phase
    schedules none or the case is closed."""
    every = case.phase.reassess_every_days
    if not every or not case.is_open:
        return None
    if last is None or last < case.phase_entered_on:
        due = case.phase_entered_on + datetime.timedelta(days=min(every, BASELINE_DAYS))
        if last is not None:
            due = min(due, last + datetime.timedelta(days=every))
    else:
        due = last + datetime.timedelta(days=every)
    if warned is not None and (last is None or warned > last):
        due = min(due, warned + datetime.timedelta(days=WARNING_REASSESS_DAYS))
    return due


def last_warning_dates(cases: Iterable[Case]) -> dict[int, datetime.date]:
    """Each case's latest held aftercare check-in that raised any warning sign, in one
    query."""
    from django.db.models import Max

    from bahali.aftercare.models import WARNING_FIELDS, CheckIn

    warned = Q()
    for name, _label in WARNING_FIELDS:
        warned |= Q(**{name: True})
    rows = (
        CheckIn.objects.filter(warned, case__in=[c.pk for c in cases], done_on__isnull=False)
        .values("case")
        .annotate(last=Max("done_on"))
    )
    return {row["case"]: row["last"] for row in rows}


def last_progress_dates(cases: Iterable[Case]) -> dict[int, datetime.date]:
    """Each case's latest completed progress assessment date, in one query."""
    from django.db.models import Max

    rows = (
        Assessment.objects.filter(
            case__in=[c.pk for c in cases],
            status=AssessmentStatus.COMPLETED,
            instrument_version__instrument__kind=InstrumentKind.PROGRESS,
        )
        .values("case")
        .annotate(last=Max("assessed_on"))
    )
    return {row["case"]: row["last"] for row in rows}


def reassessment_due_dates(case_ids: list[int]) -> dict[int, datetime.date]:
    """When each open case's next progress assessment is due, if its phase schedules one
    (``cases.due``)."""
    cases = list(
        Case.objects.filter(
            pk__in=case_ids, closed_on__isnull=True, phase__reassess_every_days__isnull=False
        ).select_related("phase")
    )
    last = last_progress_dates(cases) if cases else {}
    warned = last_warning_dates(cases) if cases else {}
    found = {}
    for case in cases:
        when = reassessment_due(case, last.get(case.pk), warned.get(case.pk))
        if when is not None:
            found[case.pk] = when
    return found


REASSESSMENT_HORIZON_DAYS = 14


def reassessments_due_for(user: User) -> list[tuple[Case, datetime.date]]:
    """Open cases the user may assess whose progress reassessment falls due within the
    horizon (or has passed), soonest first."""
    return reassessments_due_page(user, None)[1]


def reassessments_due_page(
    user: User, limit: int | None
) -> tuple[int, list[tuple[Case, datetime.date]]]:
    """How many of the user's cases fall due for a progress reassessment within the horizon
    (or have passed), and the soonest ``limit`` of them (all when None), in two queries.

    Each case keeps its reassessment date (``Case.reassess_on``, kept by ``cases.due`` from
    :func:`reassessment_due_dates` whenever an assessment, a phase or a check-in moves it):
    the keys of the soonest few come from an index with the count riding on them, then
    only the cases shown are read whole."""
    horizon = local_today() + datetime.timedelta(days=REASSESSMENT_HORIZON_DAYS)
    due = (
        Case.objects.visible_to(user, "assessment", "write")
        .open()
        .filter(reassess_on__lte=horizon)
        .order_by("reassess_on", "pk")
    )
    if limit == 0:
        return due.count(), []
    counted = due.annotate(due_total=Window(Count("pk"))).values_list(
        "pk", "reassess_on", "due_total"
    )
    keys = list(counted if limit is None else counted[:limit])
    if not keys:
        return 0, []
    whole = (
        Case.objects.select_related("participant", "programme", "phase")
        .only(  # what "My work" shows of them: the code, the programme's and phase's labels
            "participant",
            "participant__code",
            "programme",
            "phase",
            *(f"programme__{column}" for column in LABEL_COLUMNS),
            *(f"phase__{column}" for column in LABEL_COLUMNS),
        )
        .in_bulk([pk for pk, _when, _total in keys])
    )
    return keys[0][2], [(whole[pk], when) for pk, when, _total in keys if pk in whole]


# --- change over time ---------------------------------------------------------------


@dataclass(frozen=True)
class SeriesPoint:
    assessment: Assessment
    ratings: dict[str, str]  # domain name -> band
    overall: str


@dataclass(frozen=True)
class DomainSeries:
    """Domain ratings of a case's successive progress assessments, oldest first."""

    domains: list[tuple[str, str]]  # (name, label), in the instrument's order
    points: list[SeriesPoint]


BAND_LEVEL = {"low": 1, "moderate": 2, "high": 3}


def domain_series(case: Case) -> DomainSeries:
    """The rated domains and overall judgement of every completed progress assessment in
    force, oldest first: what the case page's chart draws."""
    assessments = list(
        effective(Assessment.objects.filter(case=case))
        .filter(instrument_version__instrument__kind=InstrumentKind.PROGRESS)
        .select_related("instrument_version__instrument", "assessor")
        .order_by("assessed_on", "completed_at", "pk")
    )
    domains: dict[str, str] = {}
    for assessment in reversed(assessments):  # the newest definition's labels win
        for domain in spec.rated_domains(assessment.definition):
            domains.setdefault(domain["name"], spec.label(domain.get("label")))
    points = [
        SeriesPoint(
            assessment=a,
            ratings={
                name: rating["rating"]
                for name, rating in a.domain_ratings.items()
                if rating.get("rating") in BAND_LEVEL
            },
            overall=a.overall_rating,
        )
        for a in assessments
    ]
    return DomainSeries(domains=list(domains.items()), points=points)


# --- programme view -----------------------------------------------------------------


@dataclass(frozen=True)
class FactorRow:
    factor: str
    label: str
    cells: dict[tuple[str, str], int]  # (group, role) -> count
    totals: dict[str, int]  # role -> count


def factor_distribution(cases: Any, group_by: str) -> tuple[list[str], list[FactorRow]]:
    """How often each factor was judged primary or secondary in the latest factors
    assessment of each case, by district or age band (``group_by``). Raw counts: callers
    suppress them (``core.suppression``, with the totals they show) before showing them.

    The latest assessment in force of each case is chosen by the database (a window over
    the case's factors assessments) and read as plain values: its sealed answers opened
    bound to their row, the group, and its instrument version, whose definition (which
    answers are factors: a ``select_one`` item that proposes a goal) is read once per
    version, not once per case."""
    field = "case__district" if group_by == "district" else "case__participant__age_band"
    latest = (
        effective(Assessment.objects.filter(case__in=cases))
        .filter(instrument_version__instrument__kind=InstrumentKind.FACTORS)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("case_id")],
                order_by=[F("assessed_on").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values_list("pk", "row_uuid", "sealed_answers", "instrument_version", field)
    )
    rows_read = list(latest)
    definitions = dict(
        InstrumentVersion.objects.filter(pk__in={row[3] for row in rows_read}).values_list(
            "pk", "definition"
        )
    )
    factor_items: dict[int, list[dict[str, Any]]] = {
        version: [
            item
            for item in spec.items(definition)
            if item.get("propose_goal") and item.get("type") == "select_one"
        ]
        for version, definition in definitions.items()
    }
    if group_by == "district":
        districts = District.objects.in_bulk({row[4] for row in rows_read})
        group_of = {pk: str(district.local_name) for pk, district in districts.items()}
    else:
        bands = dict(AgeBand.choices)
        group_of = {
            row[4]: str(bands.get(row[4], row[4])) if row[4] else str(_("Unknown"))
            for row in rows_read
        }
    factors: dict[str, str] = {}
    counts: Counter[tuple[str, str, str]] = Counter()
    groups: set[str] = set()
    for pk, row_uuid, token, version, key in rows_read:
        group = group_of[key]
        groups.add(group)
        answers = _opened_answers(pk, row_uuid, token)
        for item in factor_items[version]:
            value = answers.get(item["name"])
            if value in ("primary", "secondary"):
                if item["name"] not in factors:
                    factors[item["name"]] = spec.label(item.get("label"))
                counts[(item["name"], group, value)] += 1
    rows = []
    for name, text in factors.items():
        cells = {(g, r): counts[(name, g, r)] for g in groups for r in ("primary", "secondary")}
        totals = {r: sum(counts[(name, g, r)] for g in groups) for r in ("primary", "secondary")}
        rows.append(FactorRow(factor=name, label=text, cells=cells, totals=totals))
    rows.sort(key=lambda row: (-row.totals["primary"], -row.totals["secondary"], row.label))
    return sorted(groups), rows


def _opened_answers(pk: int, row_uuid: Any, token: str) -> dict[str, Any]:
    """An assessment's answers from its stored value, opened bound to its row as the model
    opens them; a value that does not open is opened again through the model, which raises
    the error naming the row."""
    try:
        text = crypto.unseal(
            token, context=sealing.context_for(Assessment, row_uuid, "sealed_answers")
        )
    except crypto.SealError:
        return dict(Assessment.objects.get(pk=pk).answers)
    return json.loads(text) if text else {}


def shown_distribution(
    groups: list[str], rows: list[FactorRow], *, k: int | None = None
) -> list[dict[str, Any]]:
    """The factor distribution as shown: one table per role (factors by group, each
    factor's total beside it), primary and secondary suppression (``core.suppression``),
    so no hidden cell can be worked out from a factor's total."""
    shown = {
        role: suppression.suppress_table(
            [[row.cells[(g, role)] for g in groups] for row in rows],
            row_totals=True,
            column_totals=False,
            k=k,
        )
        for role in ("primary", "secondary")
    }
    return [
        {
            "label": row.label,
            "cells": list(zip(shown["primary"].cells[r], shown["secondary"].cells[r], strict=True)),
            "totals": (
                (shown["primary"].row_totals or [])[r],
                (shown["secondary"].row_totals or [])[r],
            ),
        }
        for r, row in enumerate(rows)
    ]


# --- assessor calibration: training records, blind second ratings, agreement ----------


def is_trained(user: Any, instrument: Instrument) -> bool:
    return Training.objects.filter(user=user, instrument=instrument).exists()


def _require_training(actor: Actor, instrument: Instrument) -> None:
    """An instrument that requires training is completed only by assessors trained on it."""
    if not instrument.requires_training or isinstance(actor, SystemActor):
        return
    if not is_trained(actor, instrument):
        raise ValidationError(
            _(
                "Only assessors trained on “%(instrument)s” may complete it, and no training "
                "on it is recorded for you. Ask your programme manager to record your "
                "training; your answers are kept as a draft."
            )
            % {"instrument": instrument.label}
        )


@service
def record_training(
    *,
    actor: Actor,
    user: User,
    instrument: Instrument,
    trained_by: str,
    trained_on: datetime.date | None = None,
) -> Training:
    """Record that a member of staff was trained on an instrument: by whom and when."""
    policies.require(actor, "assessor_training.write")
    errors: dict[str, str] = {}
    trained_by = (trained_by or "").strip()
    if not trained_by:
        errors["trained_by"] = _("Say who trained them.")
    elif len(trained_by) > 200:
        errors["trained_by"] = _("This is too long.")
    trained_on = trained_on or local_today()
    if trained_on > local_today():
        errors["trained_on"] = _("The date cannot be in the future.")
    if user is None or not user.is_active:
        errors["user"] = _("Choose an active member of staff.")
    elif Training.objects.filter(user=user, instrument=instrument).exists():
        errors["user"] = _("Their training on this instrument is on record already.")
    if errors:
        raise ValidationError(errors)
    training = Training(
        user=user,
        instrument=instrument,
        trained_by=trained_by,
        trained_on=trained_on,
        recorded_by=user_of(actor),
    )
    training.save()
    return training


@service
def set_training_required(
    *, actor: Actor, instrument: Instrument, required: bool, expected_version: int | None = None
) -> Instrument:
    """Have only trained assessors complete the instrument (or lift the rule). A rule about
    assessors, not the instrument's content: programme managers set it on any instrument,
    built-in ones included."""
    policies.require(actor, "assessor_training.write")
    claim_version(instrument, expected_version)
    instrument.refresh_from_db()
    if instrument.requires_training != required:
        instrument.requires_training = required
        instrument.save(update_fields=["requires_training", "updated_at"])
    return instrument


def trained_assessors(instrument: Instrument) -> Any:
    """Active staff trained on the instrument, who may be asked for a second rating."""
    return User.objects.filter(
        is_active=True, instrument_trainings__instrument=instrument
    ).order_by("first_name", "last_name", "username")


def _calibration_code() -> str:
    while True:
        code = "CAL-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not Calibration.objects.filter(code=code).exists():
            return code


@service
def request_calibration(
    *, actor: Actor, assessment: Assessment, second_assessor: User
) -> Calibration:
    """Ask a second trained assessor to rate a completed assessment's domains again, blind:
    they see a pseudonymous code and the answers, not the person, the case or the first
    ratings."""
    if assessment.case is None:
        raise ValidationError(_("Only an assessment of a case is rated a second time."))
    policies.require(actor, "calibration.write", assessment.case)
    errors: dict[str, str] = {}
    if not assessment.is_completed:
        errors["assessment"] = _("Only a completed assessment is rated a second time.")
    elif not spec.rated_domains(assessment.definition):
        errors["assessment"] = _("This instrument has no rated domains to compare.")
    if second_assessor is None or not second_assessor.is_active:
        errors["second_assessor"] = _("Choose an active member of staff.")
    elif second_assessor.pk == assessment.assessor_id:
        errors["second_assessor"] = _("The second assessor cannot be the first one.")
    elif not is_trained(second_assessor, assessment.instrument):
        errors["second_assessor"] = _("Choose an assessor trained on this instrument.")
    elif Calibration.objects.filter(
        assessment=assessment, second_assessor=second_assessor
    ).exists():
        errors["second_assessor"] = _("This assessor was asked already for this assessment.")
    if errors:
        raise ValidationError(errors)
    calibration = Calibration(
        assessment=assessment,
        code=_calibration_code(),
        second_assessor=second_assessor,
        requested_by=user_of(actor),
        requested_on=local_today(),
    )
    calibration.domain_ratings = {}
    calibration.save()
    return calibration


@service
def rate_calibration(
    *,
    actor: Actor,
    calibration: Calibration,
    ratings: dict[str, str],
    expected_version: int | None = None,
) -> Calibration:
    """The second assessor's blind rating of every rated domain; once given, it stays."""
    policies.require(actor, "calibration_rating.write", calibration)
    if calibration.is_rated:
        raise Conflict(_("This blind rating has been given already."))
    _require_training(actor, calibration.assessment.instrument)
    domains = spec.rated_domains(calibration.assessment.definition)
    errors: dict[str, str] = {}
    given: dict[str, str] = {}
    for domain in domains:
        value = str(ratings.get(domain["name"]) or "")
        if value not in BAND_LEVEL:
            errors[f"domain:{domain['name']}"] = _("Choose low, moderate or high.")
        given[domain["name"]] = value
    if errors:
        raise ValidationError(errors)
    claim_version(calibration, expected_version)
    calibration.refresh_from_db()
    calibration.domain_ratings = given
    calibration.rated_on = local_today()
    calibration.save()
    return calibration


@dataclass(frozen=True)
class DomainAgreement:
    domain: str
    label: str
    result: Agreement


def agreement_by_domain(instrument: Instrument, calibrations: Any) -> list[DomainAgreement]:
    """Agreement between first and second assessors on each rated domain of the instrument,
    over the blind ratings given (``calibrations``, already scoped to the reader)."""
    rated = list(
        calibrations.filter(
            rated_on__isnull=False, assessment__instrument_version__instrument=instrument
        ).select_related("assessment__instrument_version")
    )
    labels: dict[str, str] = {}
    pairs: dict[str, list[tuple[str, str]]] = {}
    for calibration in rated:
        first = calibration.assessment.domain_ratings or {}
        for domain in spec.rated_domains(calibration.assessment.definition):
            name = domain["name"]
            labels.setdefault(name, spec.label(domain.get("label")))
            a = (first.get(name) or {}).get("rating", "")
            b = (calibration.domain_ratings or {}).get(name, "")
            if a and b:
                pairs.setdefault(name, []).append((a, b))
    return [DomainAgreement(name, labels[name], agreement(pairs.get(name, []))) for name in labels]
