"""Intake operations: publishing a programme's eligibility criteria (a new version each
time), recording a referral, screening it to a decision (once: the referral is locked and
its version claimed), and enrolling from an eligible referral; the refusal figures.

Enrolment: once a programme has published criteria, ``cases.services.enrol_participant``
refuses to open a case in it except from an eligible referral of the same person for that
programme (``enrolment_check``, registered from ``IntakeConfig.ready``). Programmes without
published criteria enrol directly, as before.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.audit.services import record
from bahali.cases import services as cases
from bahali.cases.models import Case, ReferralSource
from bahali.core import suppression
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, user_of
from bahali.core.versioning import Conflict, claim_version
from bahali.geography.models import District
from bahali.intake import criteria
from bahali.intake.models import (
    CHILD_AGE,
    OPEN_STATUSES,
    Accountability,
    ArmedGroup,
    Classification,
    CriteriaVersion,
    GroupRole,
    Involvement,
    Joined,
    LegalBasis,
    LegalBasisKind,
    Outcome,
    Referral,
    ReferralStatus,
    Screening,
    SexRule,
    Source,
    StaffSex,
    WomenStaffRule,
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
    juvenile_programme: bool = False,
    confirm_levels: Iterable[str] = ("leader",),
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
    confirming = list(dict.fromkeys(confirm_levels))
    if any(level not in Involvement.values for level in confirming):
        errors["confirm_levels"] = _("Choose one of the listed options.")
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
        juvenile_programme=juvenile_programme,
        confirm_levels=[v for v in Involvement.values if v in confirming],
        note=note,
        published_by=user_of(actor),
        published_on=local_today(),
    )
    version.save()
    version.residence.set(list(residence))
    return version


@service
def set_legal_basis(
    *,
    actor: Actor,
    programme: Programme,
    kind: str,
    reference: str,
    reports_to: str,
    expected_version: int | None = None,
) -> LegalBasis:
    """Record (or correct) the programme's legal basis and the body it reports to."""
    if not policies.may_configure_programmes_of(actor, programme.lead_organisation):
        raise PermissionDenied(_("You are not allowed to do this."))
    errors: dict[str, str] = {}
    if kind not in LegalBasisKind.values:
        errors["kind"] = _("Choose one of the listed options.")
    reference = " ".join((reference or "").split())
    if not reference or len(reference) > 300:
        errors["reference"] = _("Name the law, order or direction (up to 300 characters).")
    reports_to = " ".join((reports_to or "").split())
    if not reports_to or len(reports_to) > 200:
        errors["reports_to"] = _("Name the body the programme reports to.")
    if errors:
        raise ValidationError(errors)
    basis = LegalBasis.objects.filter(programme=programme).first()
    if basis is None:
        basis = LegalBasis(programme=programme)
    else:
        claim_version(basis, expected_version)
        basis.refresh_from_db()
    basis.kind = kind
    basis.reference = reference
    basis.reports_to = reports_to
    basis.save()
    return basis


@service
def set_women_rule(*, actor: Actor, programme: Programme, applies: bool) -> WomenStaffRule:
    """Turn the women-and-girls rule on or off for ``programme`` (on by default)."""
    if not policies.may_configure_programmes_of(actor, programme.lead_organisation):
        raise PermissionDenied(_("You are not allowed to do this."))
    rule = WomenStaffRule.objects.filter(programme=programme).first() or WomenStaffRule(
        programme=programme
    )
    rule.applies = bool(applies)
    rule.save()
    return rule


@service
def record_staff_sex(*, actor: Actor, user: User, sex: str) -> StaffSex:
    """Record a staff member's sex, for the women-and-girls rule only: by a data steward of
    their organisation."""
    policies.require(actor, "user.write", user)
    if sex not in {"m", "f"}:
        raise ValidationError({"sex": _("Choose one of the listed options.")})
    found = StaffSex.objects.filter(user=user).first() or StaffSex(user=user)
    found.sex = sex
    found.save()
    return found


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
    involvement = answers.involvement or classified_level(referral.participant)
    if involvement != answers.involvement:
        answers = dataclasses.replace(answers, involvement=involvement)
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
        juvenile = referral.participant.is_juvenile or (
            answers.age is not None and answers.age < CHILD_AGE
        )
        if juvenile and version is not None and not version.juvenile_programme:
            raise ValidationError(
                {
                    "programme": _(
                        "A child goes to a juvenile programme (%(programmes)s): refer the "
                        "person there instead."
                    )
                    % {"programmes": ", ".join(juvenile_programmes()) or "—"}
                }
            )
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
        failed=failed if outcome == Outcome.NOT_ELIGIBLE else [],
        outcome=outcome,
        reason=grounds,
        referred_to=referred_to if outcome == Outcome.REFERRED_ELSEWHERE else "",
        screened_by=user_of(actor),
        screened_on=local_today(),
    )
    screening.answer_data = {"rows": results}
    screening.save()
    referral.status = {
        Outcome.ELIGIBLE: ReferralStatus.ELIGIBLE,
        Outcome.NOT_ELIGIBLE: ReferralStatus.NOT_ELIGIBLE,
        Outcome.REFERRED_ELSEWHERE: ReferralStatus.REFERRED_ELSEWHERE,
        Outcome.DEFERRED: ReferralStatus.DEFERRED,
    }[Outcome(outcome)]
    referral.eligible_for = programme if outcome == Outcome.ELIGIBLE else None
    referral.needs_confirmation = bool(
        outcome == Outcome.ELIGIBLE and version and involvement in version.confirm_levels
    )
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


@service
def confirm_eligibility(
    *, actor: Actor, referral: Referral, expected_version: int | None = None
) -> Referral:
    """The additional gate a programme sets for some levels of involvement (a leader): a
    programme manager, not the person who screened, confirms the eligibility, once."""
    policies.require(actor, "eligibility_confirmation.write", referral)
    _lock(referral)
    if referral.status != ReferralStatus.ELIGIBLE or not referral.needs_confirmation:
        raise Conflict(_("This referral needs no confirmation."))
    if referral.confirmed_on is not None:
        raise Conflict(_("The eligibility has been confirmed already."))
    last = referral.screenings.order_by("-pk").first()
    user = user_of(actor)
    if user is not None and last is not None and last.screened_by_id == user.pk:
        raise ValidationError(_("Someone other than the person who screened must confirm."))
    claim_version(referral, expected_version)
    referral.refresh_from_db()
    referral.confirmed_by = user
    referral.confirmed_on = local_today()
    referral.save()
    return referral


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
        if basis.needs_confirmation and basis.confirmed_on is None:
            return [
                _(
                    "At this level of involvement a programme manager must confirm the "
                    "eligibility before enrolment."
                )
            ]
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


# --- who the person was in the group (sealed) ------------------------------------------


def juvenile_programmes() -> list[str]:
    """The programmes whose current criteria are for juveniles (where a child is routed)."""
    found = []
    for programme in Programme.objects.filter(is_active=True).order_by("code"):
        version = current_criteria(programme)
        if version is not None and version.juvenile_programme:
            found.append(programme.label)
    return found


def classified_level(participant: Participant) -> str:
    """The involvement level recorded in the participant's classification ("" if none)."""
    classification = Classification.objects.filter(participant=participant).first()
    if classification is None:
        return ""
    return str(classification.details.get("involvement", ""))


@service
def add_group(*, actor: Actor, name: str) -> ArmedGroup:
    policies.require(actor, "armed_group.write")
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise ValidationError({"name": _("Give the group's name (up to 120 characters).")})
    if ArmedGroup.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("This group is on the list already.")})
    group = ArmedGroup(name=name)
    group.save()
    return group


@dataclass(frozen=True)
class ClassificationDetails:
    group: ArmedGroup | None
    involvement: str
    roles: list[str]
    joined: str
    age_at_first_involvement: int | None
    months_in_group: int | None

    @property
    def child_recruited(self) -> bool:
        age = self.age_at_first_involvement
        return age is not None and age < CHILD_AGE

    def labels(self) -> dict[str, Any]:
        return {
            "group": self.group.name if self.group else "—",
            "involvement": dict(Involvement.choices).get(self.involvement, "—"),
            "roles": ", ".join(str(dict(GroupRole.choices).get(r, r)) for r in self.roles) or "—",
            "joined": dict(Joined.choices).get(self.joined, "—"),
        }


def _details(classification: Classification) -> ClassificationDetails:
    data = classification.details
    group = ArmedGroup.objects.filter(pk=data.get("group")).first() if data.get("group") else None
    return ClassificationDetails(
        group=group,
        involvement=data.get("involvement", ""),
        roles=list(data.get("roles", [])),
        joined=data.get("joined", ""),
        age_at_first_involvement=data.get("age_at_first_involvement"),
        months_in_group=data.get("months_in_group"),
    )


@service
def read_classification(
    *, actor: Actor, participant: Participant
) -> tuple[Classification, ClassificationDetails] | None:
    """Open who the person was in the group, for the roles granted it; each reading recorded."""
    policies.require(actor, "classification.read", participant)
    classification = Classification.objects.filter(participant=participant).first()
    if classification is None:
        return None
    record("classification.read", obj=classification)
    return classification, _details(classification)


@service
def record_classification(
    *,
    actor: Actor,
    participant: Participant,
    group: ArmedGroup | None,
    involvement: str,
    roles: Iterable[str] = (),
    joined: str = "",
    age_at_first_involvement: int | None = None,
    months_in_group: int | None = None,
    expected_version: int | None = None,
) -> Classification:
    """Record (or correct) who the person was in the group; sealed at rest."""
    policies.require(actor, "classification.write", participant)
    errors: dict[str, str] = {}
    if involvement not in Involvement.values:
        errors["involvement"] = _("Choose one of the listed options.")
    chosen_roles = list(dict.fromkeys(roles))
    if any(r not in GroupRole.values for r in chosen_roles):
        errors["roles"] = _("Choose one of the listed options.")
    if joined and joined not in Joined.values:
        errors["joined"] = _("Choose one of the listed options.")
    if age_at_first_involvement is not None and not 0 < age_at_first_involvement <= 100:
        errors["age_at_first_involvement"] = _("Give an age between 1 and 100.")
    if months_in_group is not None and not 0 <= months_in_group <= 1200:
        errors["months_in_group"] = _("Give a number of months between 0 and 1200.")
    if group is not None and not group.is_active:
        errors["group"] = _("Choose a group in use.")
    if errors:
        raise ValidationError(errors)
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    classification = Classification.objects.filter(participant=participant).first()
    if classification is None:
        classification = Classification(participant=participant)
    else:
        claim_version(classification, expected_version)
        classification.refresh_from_db()
    classification.details = {
        "group": group.pk if group else None,
        "involvement": involvement,
        "roles": [r for r in GroupRole.values if r in chosen_roles],
        "joined": joined,
        "age_at_first_involvement": age_at_first_involvement,
        "months_in_group": months_in_group,
    }
    classification.recorded_by = user_of(actor)
    classification.recorded_on = local_today()
    classification.save()
    return classification


def groups_of(participant_ids: Iterable[int]) -> dict[int, str]:
    """Each participant's group name, opened from the seals, for aggregate figures only."""
    names = dict(ArmedGroup.objects.values_list("pk", "name"))
    found = {}
    for classification in Classification.objects.filter(participant__in=list(participant_ids)):
        group = classification.details.get("group")
        found[classification.participant_id] = names.get(group, "") if group else ""
    return found


# --- refusal figures -----------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    label: Any
    decided: int | None  # None: suppressed
    refused: int | None
    rate: int | None  # percent refused

    @property
    def suppressed(self) -> bool:
        return self.decided is None


def _row(label: Any, decided: int, refused: int, k: int | None = None) -> RateRow:
    """A group's row: hidden when its decisions, refusals or acceptances are under the
    minimum (``core.suppression.suppress_ratio``)."""
    if suppression.suppress_ratio(None, refused, decided, k=k).hidden:
        return RateRow(label, None, None, None)
    return RateRow(label, decided, refused, round(100 * refused / decided))


def _secondary(rows: list[RateRow], counts: list[tuple[int, int]]) -> list[RateRow]:
    """Every breakdown's rows add up to the same decisions and refusals, which a breakdown
    shown in full gives away: so a breakdown never hides exactly one row (its figures would
    be the total less the rows shown). The smallest row shown is hidden with it."""
    hidden = [n for n, row in enumerate(rows) if row.suppressed]
    if len(hidden) != 1 or len(rows) < 2:
        return rows
    complement = min(
        (n for n, row in enumerate(rows) if not row.suppressed),
        key=lambda n: (counts[n][0], n),
    )
    rows = list(rows)
    rows[complement] = RateRow(rows[complement].label, None, None, None)
    return rows


def refusal_rates(screenings: Any) -> dict[str, list[RateRow]]:
    """Refusal rates among eligibility decisions (eligible or not), by programme, district,
    sex, age band and group; any row under the minimum (``BAHALI_SMALL_CELL``), or one it
    could be worked out from, is suppressed."""
    least = suppression.minimum()
    decided = screenings.filter(outcome__in=[Outcome.ELIGIBLE, Outcome.NOT_ELIGIBLE])
    rows = list(
        decided.values(
            "outcome",
            "programme__code",
            "referral__district__code",
            "referral__participant__sex",
            "referral__participant__age_band",
            "referral__participant",
        )
    )
    groups = groups_of({r["referral__participant"] for r in rows})
    for row in rows:
        row["group"] = groups.get(row["referral__participant"], "")

    def group(key: str, labels: dict[str, Any]) -> list[RateRow]:
        counts: dict[str, list[int]] = {}
        for row in rows:
            cell = counts.setdefault(row[key] or "", [0, 0])
            cell[0] += 1
            cell[1] += row["outcome"] == Outcome.NOT_ELIGIBLE
        ordered = sorted(counts.items())
        shown = [_row(labels.get(k, k or "—"), n, r, least) for k, (n, r) in ordered]
        return _secondary(shown, [(n, r) for _k, (n, r) in ordered])

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
        "group": group("group", {"": _("Not classified")}),
    }
