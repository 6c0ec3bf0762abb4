"""Each red flag fires on a case built to trigger it and not on one built not to; stored flags
follow the situation from one computation to the next (issue 14, item 7)."""

from __future__ import annotations

import datetime

import pytest

from bahali.aftercare import services as aftercare
from bahali.audit.models import AuditEvent
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.core.context import SYSTEM, acting_as
from bahali.geography.models import District
from bahali.grievances import services as grievances
from bahali.intake import services as intake
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose
from bahali.rights import flags, services
from bahali.rights.models import FlagKind, FlagRun, RedFlag
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def found(kind: str, today: datetime.date | None = None) -> dict[int | None, RedFlag]:
    """Compute, then the stored flags of ``kind`` by case."""
    services.compute_red_flags(actor=SYSTEM, today=today)
    return {flag.case_id: flag for flag in RedFlag.objects.filter(kind=kind)}


def entered(case: Case, days_ago: int) -> Case:
    """Move the case's entry into its phase back (as if it had been there that long)."""
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(
            phase_entered_on=case.phase_entered_on - datetime.timedelta(days=days_ago)
        )
    case.refresh_from_db()
    return case


# --- 1. a residential stay past its expected length, not reviewed --------------------


def test_a_residential_stay_past_its_length_without_a_review_is_flagged(world):
    rehabilitation = world.programmes["centre"].phases.get(code="rehabilitation")
    assert rehabilitation.is_residential and rehabilitation.expected_days
    expected = rehabilitation.expected_days
    stay = entered(world.case(phase="rehabilitation"), expected + 20)
    reviewed = entered(world.case(phase="rehabilitation"), expected + 20)
    goal = casework.add_goal(actor=SYSTEM, case=reviewed, domain="psychosocial", title="Anger")
    casework.record_goal_review(
        actor=SYSTEM,
        goal=goal,
        reviewed_on=world.today,
        progress_note="Calmer; family visits weekly.",
        status_after="in_progress",
        next_review_on=world.today + 30 * DAY,
    )
    within = entered(world.case(phase="rehabilitation"), expected // 2)
    not_residential = entered(world.case("community", phase="mentoring"), 2 * expected)

    flagged = found(FlagKind.LONG_RESIDENTIAL_STAY)

    assert set(flagged) == {stay.pk}
    flag = flagged[stay.pk]
    assert flag.since == stay.phase_entered_on + datetime.timedelta(days=expected)
    assert flag.detail == {"days": expected + 20, "expected": expected, "last_review": None}
    assert within.pk not in flagged and not_residential.pk not in flagged


def test_a_review_before_the_length_ran_out_does_not_clear_the_flag(world):
    case = entered(world.case(phase="rehabilitation"), 10)
    goal = casework.add_goal(actor=SYSTEM, case=case, domain="education", title="Literacy")
    casework.record_goal_review(
        actor=SYSTEM,
        goal=goal,
        reviewed_on=world.today,
        progress_note="Reads short texts.",
        status_after="in_progress",
        next_review_on=world.today + 30 * DAY,
    )
    later = world.today + datetime.timedelta(days=case.phase.expected_days + 20)
    flagged = found(FlagKind.LONG_RESIDENTIAL_STAY, today=later)
    assert flagged[case.pk].detail["last_review"] == world.today.isoformat()


# --- 2. a juvenile in an adult programme ----------------------------------------------


def _juvenile(world: PathwayWorld) -> object:
    boy = world.participant(consent=False, birth_year=world.today.year - 16)
    assert boy.is_juvenile
    registry.record_consent(
        actor=SYSTEM,
        participant=boy,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian_name="His father",
        method=Consent.Method.SIGNED,
        given_on=world.today,
    )
    return boy


def test_a_juvenile_in_a_programme_not_declared_for_juveniles_is_flagged(world):
    in_centre = world.case(participant=_juvenile(world))  # no criteria: not declared
    in_juvenile_programme = world.case("prison", participant=_juvenile(world))
    intake.publish_criteria(
        actor=world.manager,
        programme=world.programmes["prison"],
        juvenile_programme=True,
        note="For boys under 18.",
    )
    adult = world.case()

    flagged = found(FlagKind.JUVENILE_IN_ADULT_PROGRAMME)

    assert set(flagged) == {in_centre.pk}
    assert in_juvenile_programme.pk not in flagged and adult.pk not in flagged


def test_the_current_criteria_decide_whether_a_programme_takes_juveniles(world):
    case = world.case("prison", participant=_juvenile(world))
    prison = world.programmes["prison"]
    intake.publish_criteria(actor=world.manager, programme=prison, juvenile_programme=True)
    assert case.pk not in found(FlagKind.JUVENILE_IN_ADULT_PROGRAMME)
    intake.publish_criteria(actor=world.manager, programme=prison, min_age=18)
    assert case.pk in found(FlagKind.JUVENILE_IN_ADULT_PROGRAMME)


# --- 3. past intake without consent or pledge ------------------------------------------


def test_a_case_past_intake_without_consent_or_pledge_is_flagged(world):
    withdrawn = world.case(phase="rehabilitation")
    for consent in Consent.objects.filter(participant=withdrawn.participant):
        registry.withdraw_consent(actor=SYSTEM, consent=consent, note="No longer wishes to.")
    no_pledge = world.case(phase="rehabilitation", participant=world.participant(pledge=False))
    pledge_not_yet_needed = world.case(phase="intake", participant=world.participant(pledge=False))
    complete = world.case(phase="rehabilitation")

    flagged = found(FlagKind.NO_CONSENT_OR_PLEDGE)

    assert flagged[withdrawn.pk].detail == {"missing": ["consent"]}
    assert flagged[no_pledge.pk].detail == {"missing": ["pledge"]}
    assert pledge_not_yet_needed.pk not in flagged
    assert complete.pk not in flagged


# --- 4. a pledge although screening noted pressure -------------------------------------


def _screen(world: PathwayWorld, case: Case, *, voluntary: bool) -> None:
    prison = world.programmes["prison"]
    if not prison.criteria_versions.exists():
        intake.publish_criteria(actor=world.manager, programme=prison, min_age=18)
    referral = intake.record_referral(
        actor=SYSTEM,
        participant=case.participant,
        source="community",
        referrer="Village elder",
        from_district=world.swat,
        programme=prison,
        organisation=world.prison,
    )
    intake.screen_referral(
        actor=SYSTEM,
        referral=referral,
        outcome="deferred",
        grounds="To be seen again after the family visit.",
        answers=intake.Answers(age=30, voluntary=voluntary),
        programme=prison,
    )


def test_a_pledge_after_a_screening_that_found_pressure_is_flagged(world):
    pressured = world.case()
    _screen(world, pressured, voluntary=False)
    voluntary = world.case()
    _screen(world, voluntary, voluntary=True)
    no_pledge = world.case(participant=world.participant(pledge=False))
    _screen(world, no_pledge, voluntary=False)

    flagged = found(FlagKind.PLEDGE_UNDER_PRESSURE)

    assert set(flagged) == {pressured.pk}
    flag = flagged[pressured.pk]
    assert flag.participant_id == pressured.participant_id
    assert flag.detail["screened_on"] == world.today.isoformat()


# --- 5. a mistreatment grievance not acknowledged in time ------------------------------


def _grievance(world: PathwayWorld, category: str, days_ago: int) -> object:
    return grievances.lodge_grievance(
        actor=SYSTEM,
        channel="public_form",
        category=category,
        complainant="family",
        description="Beaten by a guard.",
        district=District.objects.get(code="SWT"),
        about_organisation=world.centre,
        received_on=world.today - datetime.timedelta(days=days_ago),
    )


def test_an_unacknowledged_mistreatment_grievance_past_its_limit_is_flagged(world):
    late = _grievance(world, "mistreatment", 10)
    rights = _grievance(world, "rights_violation", 12)
    in_time = _grievance(world, "mistreatment", 2)
    acknowledged = _grievance(world, "mistreatment", 10)
    grievances.acknowledge_grievance(actor=world.monitor, grievance=acknowledged, note="Met him.")
    other_kind = _grievance(world, "support_not_paid", 30)

    services.compute_red_flags(actor=SYSTEM)
    flagged = set(
        RedFlag.objects.filter(kind=FlagKind.GRIEVANCE_NOT_ACKNOWLEDGED).values_list(
            "grievance", flat=True
        )
    )

    assert flagged == {late.pk, rights.pk}
    assert not {in_time.pk, acknowledged.pk, other_kind.pk} & flagged


# --- 6. no contact for longer than the aftercare schedule allows -----------------------


def test_no_aftercare_contact_for_longer_than_the_schedule_allows_is_flagged(world):
    unvisited = entered(world.case(phase="aftercare"), 150)
    visited = world.case(phase="aftercare")
    planned = aftercare.plan_check_ins(actor=SYSTEM, case=visited)
    entered(visited, 150)  # back home for five months, but seen today
    aftercare.record_check_in(
        actor=SYSTEM, check_in=planned[0], done_on=world.today, method="phone", wellbeing="good"
    )
    recent = entered(world.case(phase="aftercare"), 60)  # within three months of return
    not_in_aftercare = entered(world.case(phase="reintegration"), 400)

    flagged = found(FlagKind.NO_AFTERCARE_CONTACT)

    assert set(flagged) == {unvisited.pk}
    assert flagged[unvisited.pk].detail["allowed_months"] == 3  # 12 months: quarterly at last
    assert not {visited.pk, recent.pk, not_in_aftercare.pk} & set(flagged)


def test_the_longest_gap_follows_the_programmes_schedule():
    assert flags.longest_gap_months(12) == 3  # monthly to 6, then 9 and 12
    assert flags.longest_gap_months(6) == 1
    assert flags.longest_gap_months(8) == 2  # 1..6, then 8
    assert flags.longest_gap_months(0) == 0


# --- storing ---------------------------------------------------------------------------


def test_a_flag_keeps_its_first_day_while_it_lasts_and_goes_when_it_ends(world):
    late = _grievance(world, "mistreatment", 10)
    services.compute_red_flags(actor=SYSTEM, today=world.today)
    first = RedFlag.objects.get(grievance=late)
    services.compute_red_flags(actor=SYSTEM, today=world.today + 2 * DAY)
    again = RedFlag.objects.get(grievance=late)
    assert again.pk == first.pk
    assert again.first_seen_on == world.today
    assert again.computed_on == world.today + 2 * DAY
    assert again.detail["days_late"] == first.detail["days_late"] + 2

    grievances.acknowledge_grievance(actor=world.monitor, grievance=late, note="Phoned him.")
    run = services.compute_red_flags(actor=SYSTEM)
    assert not RedFlag.objects.filter(grievance=late).exists()
    assert run.counts[FlagKind.GRIEVANCE_NOT_ACKNOWLEDGED] == 0


def test_each_computation_is_one_audit_event_with_counts_and_no_identity(world):
    _grievance(world, "mistreatment", 10)
    before = AuditEvent.objects.count()
    run = services.compute_red_flags(actor=SYSTEM)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["rights.red_flags_computed"]
    assert events[0].changes["flags"][1] == run.counts
    assert FlagRun.objects.count() == 1


def test_only_the_oversight_body_may_compute_them(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.compute_red_flags(actor=world.manager)
    assert not FlagRun.objects.exists()
    services.compute_red_flags(actor=world.monitor)
    assert FlagRun.objects.count() == 1
