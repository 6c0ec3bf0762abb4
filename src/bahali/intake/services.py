"""Intake operations: publishing a programme's eligibility criteria (a new version each
time), recording a referral, screening it to a decision (once: the referral is locked and
its version claimed), and enrolling from an eligible referral; the refusal figures.

Enrolment: once a programme has published criteria, ``cases.services.enrol_participant``
refuses to open a case in it except from an eligible referral of the same person for that
programme (``enrolment_check``, registered from ``IntakeConfig.ready``). Programmes without
published criteria enrol directly, as before.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.cases import services as cases
from bahali.cases.models import Case, ReferralSource
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, user_of
from bahali.core.versioning import Conflict, claim_version
from bahali.geography.models import District
from bahali.intake import criteria
from bahali.intake.models import (
    OPEN_STATUSES,
    Accountability,
    CriteriaVersion,
    Involvement,
    Outcome,
    Referral,
    ReferralStatus,
    Screening,
    SexRule,
    Source,
)
from bahali.organisations.models import Organisation
from bahali.programmes.models import Phase, Programme
from bahali.registry.models import AgeBand, Participant

Actor = User | SystemActor
MAX_TEXT = 2_000
MIN_REASON = 5
# A case's referral source, from the referral's.
CASE_SOURCE = {
    Source.SECURITY: ReferralSource.SECURITY_FORCES,
    Source.COURT: ReferralSource.PRISON,
    Source.FAMILY: ReferralSource.FAMILY,
    Source.SELF: ReferralSource.SELF,
    Source.COMMUNITY: ReferralSource.COMMUNITY,
    Source.CSO: ReferralSource.CIVIL_SOCIETY,
}


def current_criteria(programme: Programme) -> CriteriaVersion | None:
    """The criteria a new screening for ``programme`` applies: its latest version."""
    return programme.criteria_versions.order_by("-number").first()


# --- criteria -----------------------------------------------------------------------


@service
def publish_criteria(
    *,
    actor: Actor,
    programme: Programme,
    min_age: int | None = None,
    max_age: int | None = None,
    sex: str = "",
    involvement_levels: Iterable[str] = (),
    accountability: Iterable[str] = (),
    voluntary_required: bool = True,
    residence: Iterable[District] = (),
    note: str = "",
) -> CriteriaVersion:
    """Publish the next version of ``programme``'s criteria. Earlier versions stay as they
    were: screenings done under them keep pointing at them."""
    if not policies.may_configure_programmes_of(actor, programme.lead_organisation):
        raise PermissionDenied(_("You are not allowed to do this."))
    errors: dict[str, str] = {}
    for field, value in (("min_age", min_age), ("max_age", max_age)):
        if value is not None and not 0 <= value <= 120:
            errors[field] = _("Give an age between 0 and 120.")
    if min_age is not None and max_age is not None and min_age > max_age:
        errors["max_age"] = _("The oldest age admitted cannot be below the youngest.")
    if sex not in SexRule.values:
        errors["sex"] = _("Choose one of the listed options.")
    levels = list(dict.fromkeys(involvement_levels))
    if any(level not in Involvement.values for level in levels):
        errors["involvement_levels"] = _("Choose one of the listed options.")
    statuses = list(dict.fromkeys(accountability))
    if any(status not in Accountability.values for status in statuses):
        errors["accountability"] = _("Choose one of the listed options.")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        errors["note"] = _("This is too long.")
    if errors:
        raise ValidationError(errors)
    # numbering is serialised on the programme's row: two publications get two numbers
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    last = programme.criteria_versions.aggregate(n=models.Max("number"))["n"] or 0
    version = CriteriaVersion(
        programme=programme,
        number=last + 1,
        min_age=min_age,
        max_age=max_age,
        sex=sex,
        involvement_levels=[v for v in Involvement.values if v in levels],
        accountability=[v for v in Accountability.values if v in statuses],
        voluntary_required=voluntary_required,
        note=note,
        published_by=user_of(actor),
        published_on=local_today(),
    )
    version.save()
    version.residence.set(list(residence))
    return version


# --- referrals ----------------------------------------------------------------------


def _receiving_organisation(actor: Actor, organisation: Organisation | None) -> Organisation:
    if organisation is not None:
        if isinstance(actor, SystemActor) or organisation.pk in policies.acting_organisations(
            actor, "intake_referral.write"
        ):
            return organisation
        raise PermissionDenied(_("You are not allowed to do this."))
    user = user_of(actor)
    active = getattr(user, "active_organisation", None)
    acting = policies.acting_organisations(actor, "intake_referral.write")
    if active is not None and active.pk in acting:
        return active
    if acting:
        return Organisation.objects.get(pk=acting[0])
    raise ValidationError(_("Choose the organisation receiving the referral."))


@service
def record_referral(
    *,
    actor: Actor,
    participant: Participant,
    source: str,
    referrer: str,
    from_district: District,
    referred_on: datetime.date | None = None,
    from_place: str = "",
    programme: Programme | None = None,
    referring_organisation: Organisation | None = None,
    note: str = "",
    organisation: Organisation | None = None,
) -> Referral:
    """A referral arrives for a registered participant (found through the registry's
    duplicate check, or registered then); it joins the receiving organisation's queue."""
    policies.require(actor, "intake_referral.write")
    policies.require(actor, "participant_record.write", participant)
    receiving = _receiving_organisation(actor, organisation)
    errors: dict[str, str] = {}
    if participant.merged_into_id:
        errors["participant"] = _("This record was merged: use the record it was merged into.")
    if source not in Source.values:
        errors["source"] = _("Choose one of the listed options.")
    referrer = " ".join((referrer or "").split())
    if not referrer:
        errors["referrer"] = _("Say who referred the person.")
    elif len(referrer) > 200:
        errors["referrer"] = _("This is too long.")
    from_place = (from_place or "").strip()
    if len(from_place) > 200:
        errors["from_place"] = _("This is too long.")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        errors["note"] = _("This is too long.")
    referred_on = referred_on or local_today()
    if referred_on > local_today():
        errors["referred_on"] = _("The date cannot be in the future.")
    if programme is not None and not programme.is_active:
        errors["programme"] = _("This programme is not taking new cases.")
    if errors:
        raise ValidationError(errors)
    if Referral.objects.filter(
        participant=participant, receiving_organisation=receiving, status__in=OPEN_STATUSES
    ).exists():
        raise ValidationError(
            _("This person already has a referral waiting for screening here: screen that one.")
        )
    referral = Referral(
        participant=participant,
        source=source,
        referrer=referrer,
        referring_organisation=referring_organisation,
        referred_on=referred_on,
        from_district=from_district,
        from_place=from_place,
        receiving_organisation=receiving,
        district=participant.district,
        programme=programme,
        note=note,
        recorded_by=user_of(actor),
    )
    referral.save()
    return referral


def _lock(referral: Referral) -> None:
    referral.refresh_from_db(from_queryset=Referral.objects.select_for_update())


@dataclass(frozen=True)
class Answers:
    """What the screener found, one answer per criterion a programme may apply."""

    age: int | None = None
    involvement: str = ""
    accountability: str = ""
    voluntary: bool | None = None
    residence: District | None = None

    def as_dict(self, participant: Participant) -> dict[str, Any]:
        return {
            criteria.AGE: self.age,
            criteria.SEX: participant.sex,
            criteria.INVOLVEMENT: self.involvement,
            criteria.ACCOUNTABILITY: self.accountability,
            criteria.VOLUNTARY: self.voluntary,
            criteria.RESIDENCE: self.residence.code if self.residence else "",
        }


@service
def screen_referral(
    *,
    actor: Actor,
    referral: Referral,
    outcome: str,
    grounds: str,
    answers: Answers,
    programme: Programme | None = None,
    referred_to: str = "",
    expected_version: int | None = None,
) -> Screening:
    """Screen a referral against ``programme``'s current criteria and decide, once.

    Eligible: every criterion met. Not eligible: at least one criterion failed, and the
    decision names them. Referred elsewhere: to whom. Deferred: the referral stays in the
    queue for a later screening. Every decision gives its grounds.
    """
    policies.require(actor, "intake_referral.write", referral)
    _lock(referral)
    if referral.status not in OPEN_STATUSES:
        raise Conflict(_("This referral has been decided already."))
    errors: dict[str, Any] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose one of the listed options.")
    grounds = (grounds or "").strip()
    if len(grounds) < MIN_REASON:
        errors["grounds"] = _("Give the reason for the decision.")
    elif len(grounds) > MAX_TEXT:
        errors["grounds"] = _("This is too long.")
    if answers.age is not None and not 0 <= answers.age <= 120:
        errors["age"] = _("Give an age between 0 and 120.")
    if answers.involvement and answers.involvement not in Involvement.values:
        errors["involvement"] = _("Choose one of the listed options.")
    if answers.accountability and answers.accountability not in Accountability.values:
        errors["accountability"] = _("Choose one of the listed options.")
    referred_to = " ".join((referred_to or "").split())
    if outcome == Outcome.REFERRED_ELSEWHERE and not referred_to:
        errors["referred_to"] = _("Say where the person was referred.")
    elif len(referred_to) > 200:
        errors["referred_to"] = _("This is too long.")
    needs_programme = outcome in (Outcome.ELIGIBLE, Outcome.NOT_ELIGIBLE)
    if needs_programme and programme is None:
        errors["programme"] = _("Choose the programme the person was screened for.")
    if errors:
        raise ValidationError(errors)
    version = current_criteria(programme) if programme is not None else None
    if needs_programme and version is None:
        raise ValidationError(
            {"programme": _("This programme has published no eligibility criteria yet.")}
        )
    results = criteria.evaluate(version, answers.as_dict(referral.participant)) if version else []
    failed = [row["criterion"] for row in results if not row["met"]]
    if outcome == Outcome.ELIGIBLE:
        if failed:
            raise ValidationError(
                _("Not every criterion is met (%(failed)s): the person cannot be found eligible.")
                % {"failed": ", ".join(str(criteria.label(key)) for key in failed)}
            )
        if programme is not None and not programme.is_active:
            raise ValidationError({"programme": _("This programme is not taking new cases.")})
    if outcome == Outcome.NOT_ELIGIBLE and not failed:
        raise ValidationError(
            _("Every criterion is met: a refusal must name the criteria that were not met.")
        )
    claim_version(referral, expected_version)
    referral.refresh_from_db()
    screening = Screening(
        referral=referral,
        programme=programme,
        criteria_version=version,
        answers=results,
        failed=failed if outcome == Outcome.NOT_ELIGIBLE else [],
        outcome=outcome,
        reason=grounds,
        referred_to=referred_to if outcome == Outcome.REFERRED_ELSEWHERE else "",
        screened_by=user_of(actor),
        screened_on=local_today(),
    )
    screening.save()
    referral.status = {
        Outcome.ELIGIBLE: ReferralStatus.ELIGIBLE,
        Outcome.NOT_ELIGIBLE: ReferralStatus.NOT_ELIGIBLE,
        Outcome.REFERRED_ELSEWHERE: ReferralStatus.REFERRED_ELSEWHERE,
        Outcome.DEFERRED: ReferralStatus.DEFERRED,
    }[Outcome(outcome)]
    referral.eligible_for = programme if outcome == Outcome.ELIGIBLE else None
    referral.save()
    return screening


@service
def enrol_from_referral(
    *,
    actor: Actor,
    referral: Referral,
    entry_phase: Phase | None = None,
    expected_version: int | None = None,
) -> Case:
    """Open the case an eligible referral leads to (consent and pledge must be on file, as
    for every enrolment); the referral is then marked enrolled and points at its case."""
    policies.require(actor, "intake_referral.write", referral)
    _lock(referral)
    if referral.status != ReferralStatus.ELIGIBLE or referral.eligible_for is None:
        raise Conflict(_("Only an eligible referral leads to enrolment."))
    claim_version(referral, expected_version)
    referral.refresh_from_db()
    return cases.enrol_participant(
        actor=actor,
        participant=referral.participant,
        programme=referral.eligible_for,
        referral_source=CASE_SOURCE.get(Source(referral.source), ReferralSource.OTHER),
        referred_by=referral.referring_organisation,
        entry_phase=entry_phase,
        district=referral.district,
        lead_organisation=referral.receiving_organisation,
        basis=referral,
    )


def enrolment_check(participant: Participant, programme: Programme, basis: Any) -> list[str]:
    """Registered into ``cases.services.ENROLMENT_CHECKS``: a programme with published
    criteria enrols only from an eligible referral of this person for it."""
    if isinstance(basis, Referral):
        if (
            basis.status != ReferralStatus.ELIGIBLE
            or basis.eligible_for_id != programme.pk
            or basis.participant_id != participant.pk
            or basis.case_id is not None
        ):
            return [_("Enrolment starts from a referral found eligible for this programme.")]
        return []
    if programme.criteria_versions.exists():
        return [
            _(
                "This programme enrols from an eligible referral: record the referral and "
                "screen it against the programme's criteria first."
            )
        ]
    return []


def enrolled(case: Case, basis: Any) -> None:
    """Registered into ``cases.services.ENROLLED``: the referral now leads to its case."""
    if isinstance(basis, Referral):
        basis.case = case
        basis.status = ReferralStatus.ENROLLED
        basis.save()


# --- refusal figures -----------------------------------------------------------------

SMALL_CELL = 5  # counts below this are not shown (nor anything they could be derived from)


@dataclass(frozen=True)
class RateRow:
    label: Any
    decided: int | None  # None: suppressed
    refused: int | None
    rate: int | None  # percent refused

    @property
    def suppressed(self) -> bool:
        return self.decided is None


def _row(label: Any, decided: int, refused: int) -> RateRow:
    small = decided < SMALL_CELL or 0 < refused < SMALL_CELL or 0 < decided - refused < SMALL_CELL
    if small:
        return RateRow(label, None, None, None)
    return RateRow(label, decided, refused, round(100 * refused / decided))


def refusal_rates(screenings: Any) -> dict[str, list[RateRow]]:
    """Refusal rates among eligibility decisions (eligible or not), by programme, district,
    sex and age band; any cell under five (or derivable from one) is suppressed."""
    decided = screenings.filter(outcome__in=[Outcome.ELIGIBLE, Outcome.NOT_ELIGIBLE])
    rows = list(
        decided.values(
            "outcome",
            "programme__code",
            "referral__district__code",
            "referral__participant__sex",
            "referral__participant__age_band",
        )
    )

    def group(key: str, labels: dict[str, Any]) -> list[RateRow]:
        counts: dict[str, list[int]] = {}
        for row in rows:
            cell = counts.setdefault(row[key] or "", [0, 0])
            cell[0] += 1
            cell[1] += row["outcome"] == Outcome.NOT_ELIGIBLE
        return [_row(labels.get(k, k or "—"), n, r) for k, (n, r) in sorted(counts.items())]

    programmes = {
        p.code: p.label
        for p in Programme.objects.filter(code__in={r["programme__code"] for r in rows})
    }
    districts = {
        d.code: d.local_name
        for d in District.objects.filter(code__in={r["referral__district__code"] for r in rows})
    }
    return {
        "programme": group("programme__code", programmes),
        "district": group("referral__district__code", districts),
        "sex": group("referral__participant__sex", {"m": _("Male"), "f": _("Female")}),
        "age_band": group("referral__participant__age_band", dict(AgeBand.choices)),
    }
