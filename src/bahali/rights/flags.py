"""The six rights red flags: each one's definition in plain words, and the rule that finds
it in the records the other apps keep (issue 14, item 7).

Every rule is a function of the database and ``today``, reading in a fixed number of
queries (the pledge rule also opens the sealed screening answers of the few people who
pledged). A rule returns :class:`Finding` rows; ``services.compute_red_flags`` stores them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db.models import Exists, Max, Min, OuterRef, Q, Subquery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bahali.aftercare.models import CheckIn
from bahali.aftercare.services import add_months, schedule_months
from bahali.assessments.models import Assessment, AssessmentStatus
from bahali.cases.models import Case
from bahali.casework.models import GoalReview
from bahali.grievances.models import Grievance, GrievanceCategory, GrievanceStatus
from bahali.intake import criteria
from bahali.intake.models import CriteriaVersion, Screening
from bahali.programmes.models import Phase
from bahali.registry.models import Consent, ConsentPurpose, Pledge
from bahali.rights.models import FlagKind

# The grievances whose acknowledgement the oversight body watches here.
MISTREATMENT = (GrievanceCategory.MISTREATMENT, GrievanceCategory.RIGHTS)


@dataclass(frozen=True)
class Finding:
    """One situation a rule found: what, about which case or person, since when, and the
    figures that explain it (numbers and codes only)."""

    kind: str
    since: datetime.date
    case_id: int | None = None
    participant_id: int | None = None
    grievance_id: int | None = None
    district_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int | None, int | None, int | None]:
        return (self.kind, self.case_id, self.participant_id, self.grievance_id)


@dataclass(frozen=True)
class Definition:
    kind: str
    title: str | Promise
    definition: str | Promise
    rule: Callable[[datetime.date], list[Finding]]


def _open_cases() -> Any:
    return Case.objects.filter(closed_on__isnull=True)


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def long_residential_stays(today: datetime.date) -> list[Finding]:
    """Open cases in a residential phase longer than its expected length, with no plan
    review and no completed assessment since that length ran out."""
    last_review = (
        GoalReview.objects.filter(goal__case=OuterRef("pk"))
        .order_by("-reviewed_on")
        .values("reviewed_on")[:1]
    )
    last_assessment = (
        Assessment.objects.filter(case=OuterRef("pk"), status=AssessmentStatus.COMPLETED)
        .order_by("-assessed_on")
        .values("assessed_on")[:1]
    )
    cases = (
        _open_cases()
        .filter(phase__is_residential=True, phase__expected_days__isnull=False)
        .annotate(last_review=Subquery(last_review), last_assessment=Subquery(last_assessment))
        .select_related("phase")
        .only("pk", "district_id", "phase_entered_on", "phase__expected_days", "phase__code")
    )
    found = []
    for case in cases:
        expected = case.phase.expected_days
        ran_out = case.phase_entered_on + datetime.timedelta(days=expected)
        if today <= ran_out:
            continue
        reviews = [day for day in (case.last_review, case.last_assessment) if day]
        last = max(reviews) if reviews else None
        if last is not None and last >= ran_out:
            continue
        found.append(
            Finding(
                FlagKind.LONG_RESIDENTIAL_STAY,
                since=ran_out,
                case_id=case.pk,
                district_id=case.district_id,
                detail={
                    "days": (today - case.phase_entered_on).days,
                    "expected": expected,
                    "last_review": _iso(last),
                },
            )
        )
    return found


def juveniles_in_adult_programmes(today: datetime.date) -> list[Finding]:
    """Open cases of a participant registered as a juvenile, in a programme whose current
    eligibility criteria do not declare it a programme for juveniles (none published: not
    declared either)."""
    juvenile_programme = (
        CriteriaVersion.objects.filter(programme=OuterRef("programme"))
        .order_by("-number")
        .values("juvenile_programme")[:1]
    )
    cases = (
        _open_cases()
        .filter(participant__is_juvenile=True)
        .annotate(for_juveniles=Subquery(juvenile_programme))
        .filter(Q(for_juveniles__isnull=True) | Q(for_juveniles=False))
        .only("pk", "district_id", "opened_on")
    )
    return [
        Finding(
            FlagKind.JUVENILE_IN_ADULT_PROGRAMME,
            since=case.opened_on,
            case_id=case.pk,
            district_id=case.district_id,
            detail={},
        )
        for case in cases
    ]


def _first_requiring(flag: str) -> dict[int, int]:
    """Per programme, the position of its first phase that requires ``flag``."""
    rows = Phase.objects.filter(**{flag: True}).values("programme").annotate(first=Min("order"))
    return {row["programme"]: row["first"] for row in rows}


def missing_consent_or_pledge(today: datetime.date) -> list[Finding]:
    """Open cases in a phase that needs participation consent (or the pledge) by the
    programme's rules, or past such a phase, with none on file: no participation consent in
    force (a guardian's, for a juvenile), or no pledge recorded."""
    consent_from = _first_requiring("requires_consent")
    pledge_from = _first_requiring("requires_pledge")
    in_force = Consent.objects.filter(
        participant=OuterRef("participant"),
        purpose=ConsentPurpose.PARTICIPATION,
        withdrawn_on__isnull=True,
    ).filter(Q(given_by=Consent.GivenBy.GUARDIAN) | Q(participant__is_juvenile=False))
    withdrawn = (
        Consent.objects.filter(
            participant=OuterRef("participant"),
            purpose=ConsentPurpose.PARTICIPATION,
            withdrawn_on__isnull=False,
        )
        .order_by("-withdrawn_on")
        .values("withdrawn_on")[:1]
    )
    cases = (
        _open_cases()
        .annotate(
            consented=Exists(in_force),
            pledged=Exists(Pledge.objects.filter(participant=OuterRef("participant"))),
            withdrawn_on=Subquery(withdrawn),
        )
        .filter(Q(consented=False) | Q(pledged=False))
        .select_related("phase", "programme")
        .only(
            "pk",
            "district_id",
            "phase_entered_on",
            "opened_on",
            "phase__order",
            "programme__pledge_at_enrolment",
        )
    )
    found = []
    for case in cases:
        missing = []
        needs_consent = case.phase.order >= consent_from.get(case.programme_id, 1 << 30)
        needs_pledge = case.programme.pledge_at_enrolment or (
            case.phase.order >= pledge_from.get(case.programme_id, 1 << 30)
        )
        if needs_consent and not case.consented:
            missing.append("consent")
        if needs_pledge and not case.pledged:
            missing.append("pledge")
        if not missing:
            continue
        since = case.phase_entered_on
        if "consent" in missing and case.withdrawn_on:
            since = max(case.opened_on, case.withdrawn_on)
        found.append(
            Finding(
                FlagKind.NO_CONSENT_OR_PLEDGE,
                since=since,
                case_id=case.pk,
                district_id=case.district_id,
                detail={"missing": missing},
            )
        )
    return found


def _answered_not_voluntary(screening: Screening) -> bool:
    if criteria.VOLUNTARY in (screening.failed or []):
        return True
    return any(
        row.get("criterion") == criteria.VOLUNTARY and row.get("answer") is False
        for row in screening.answers
    )


def pledges_under_pressure(today: datetime.date) -> list[Finding]:
    """Participants with an open case and a pledge on file, one of whose screenings
    answered that they did not come voluntarily (pressure or coercion noted)."""
    open_case = (
        _open_cases()
        .filter(participant=OuterRef("referral__participant"))
        .order_by("-opened_on", "-pk")
    )
    screenings = (
        Screening.objects.filter(
            Exists(Pledge.objects.filter(participant=OuterRef("referral__participant"))),
            Exists(open_case),
        )
        .annotate(
            case_id=Subquery(open_case.values("pk")[:1]),
            case_district=Subquery(open_case.values("district")[:1]),
        )
        .select_related("referral")
        .order_by("screened_on", "pk")
    )
    pressured: dict[int, Screening] = {}
    for screening in screenings:
        participant = screening.referral.participant_id
        if participant not in pressured and _answered_not_voluntary(screening):
            pressured[participant] = screening
    if not pressured:
        return []
    pledged_on = dict(
        Pledge.objects.filter(participant__in=pressured)
        .values("participant")
        .annotate(latest=Max("pledged_on"))
        .values_list("participant", "latest")
    )
    return [
        Finding(
            FlagKind.PLEDGE_UNDER_PRESSURE,
            since=max(pledged_on[participant], screening.screened_on),
            case_id=screening.case_id,  # type: ignore[attr-defined]
            participant_id=participant,
            district_id=screening.case_district,  # type: ignore[attr-defined]
            detail={
                "screened_on": _iso(screening.screened_on),
                "pledged_on": _iso(pledged_on[participant]),
            },
        )
        for participant, screening in pressured.items()
    ]


def unacknowledged_grievances(today: datetime.date) -> list[Finding]:
    """Grievances of mistreatment or of a rights violation still not acknowledged after
    their acknowledgement date."""
    grievances = Grievance.objects.filter(
        category__in=MISTREATMENT,
        status=GrievanceStatus.RECEIVED,
        acknowledged_on__isnull=True,
        acknowledge_by__lt=today,
    ).only("pk", "participant_id", "district_id", "acknowledge_by", "received_on")
    return [
        Finding(
            FlagKind.GRIEVANCE_NOT_ACKNOWLEDGED,
            since=grievance.acknowledge_by,
            grievance_id=grievance.pk,
            participant_id=grievance.participant_id,
            district_id=grievance.district_id,
            detail={
                "received_on": _iso(grievance.received_on),
                "days_late": (today - grievance.acknowledge_by).days,
            },
        )
        for grievance in grievances
    ]


def longest_gap_months(aftercare_months: int) -> int:
    """The longest interval, in months, between two contacts of the aftercare schedule
    (counting the return home as the first); 0 when the programme has no aftercare."""
    months = schedule_months(aftercare_months)
    if not months:
        return 0
    points = [0, *months]
    return max(later - earlier for earlier, later in pairwise(points))


def no_aftercare_contact(today: datetime.date) -> list[Finding]:
    """Open cases in an aftercare phase whose last check-in held (or, with none, the return
    home) is further back than the longest interval of the programme's schedule."""
    last_contact = (
        CheckIn.objects.filter(case=OuterRef("pk"), done_on__isnull=False)
        .order_by("-done_on")
        .values("done_on")[:1]
    )
    cases = (
        _open_cases()
        .filter(phase__is_aftercare=True, programme__aftercare_months__gt=0)
        .annotate(last_contact=Subquery(last_contact))
        .select_related("programme")
        .only("pk", "district_id", "phase_entered_on", "programme__aftercare_months")
    )
    found = []
    for case in cases:
        gap = longest_gap_months(case.programme.aftercare_months)
        last = case.last_contact or case.phase_entered_on
        allowed_until = add_months(last, gap)
        if today <= allowed_until:
            continue
        found.append(
            Finding(
                FlagKind.NO_AFTERCARE_CONTACT,
                since=allowed_until,
                case_id=case.pk,
                district_id=case.district_id,
                detail={
                    "last_contact": _iso(case.last_contact),
                    "days": (today - last).days,
                    "allowed_months": gap,
                },
            )
        )
    return found


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        FlagKind.LONG_RESIDENTIAL_STAY,
        FlagKind.LONG_RESIDENTIAL_STAY.label,
        _(
            "The person has lived in a residential phase (a centre, a prison, a halfway "
            "house) for longer than the programme's expected length for that phase, and "
            "nobody has reviewed the case since that length ran out: no plan review and no "
            "completed assessment."
        ),
        long_residential_stays,
    ),
    Definition(
        FlagKind.JUVENILE_IN_ADULT_PROGRAMME,
        FlagKind.JUVENILE_IN_ADULT_PROGRAMME.label,
        _(
            "A person registered as under 18 has an open case in a programme whose current "
            "eligibility criteria do not declare it a programme for juveniles."
        ),
        juveniles_in_adult_programmes,
    ),
    Definition(
        FlagKind.NO_CONSENT_OR_PLEDGE,
        FlagKind.NO_CONSENT_OR_PLEDGE.label,
        _(
            "The case is in, or past, a phase whose rules require the person's consent to "
            "take part or their pledge renouncing violence, but it is not on file: no consent "
            "in force (a guardian's, for a juvenile) or no pledge recorded."
        ),
        missing_consent_or_pledge,
    ),
    Definition(
        FlagKind.PLEDGE_UNDER_PRESSURE,
        FlagKind.PLEDGE_UNDER_PRESSURE.label,
        _(
            "A pledge renouncing violence is on file for a person in the programme although "
            "a screening recorded that they did not come voluntarily (pressure or coercion)."
        ),
        pledges_under_pressure,
    ),
    Definition(
        FlagKind.GRIEVANCE_NOT_ACKNOWLEDGED,
        FlagKind.GRIEVANCE_NOT_ACKNOWLEDGED.label,
        _(
            "A grievance of mistreatment or of a rights violation has not been acknowledged, "
            "and the date by which it had to be acknowledged has passed."
        ),
        unacknowledged_grievances,
    ),
    Definition(
        FlagKind.NO_AFTERCARE_CONTACT,
        FlagKind.NO_AFTERCARE_CONTACT.label,
        _(
            "A person in aftercare has had no check-in for longer than the programme's "
            "aftercare schedule allows between two contacts, counted from the last check-in "
            "held or, when there was none, from the return home."
        ),
        no_aftercare_contact,
    ),
)
