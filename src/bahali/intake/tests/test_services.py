"""Intake: referrals, screening against versioned criteria, enrolment from an eligible
referral, refusal figures."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.accounts.roles import Role
from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.core.context import SYSTEM
from bahali.core.versioning import Conflict
from bahali.intake import criteria, services
from bahali.intake.models import Classification, Referral, ReferralStatus, Screening
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return PathwayWorld()


def _publish(world, **kw):
    kw.setdefault("min_age", 18)
    kw.setdefault("max_age", 35)
    kw.setdefault("involvement_levels", ["sympathiser", "supporter", "member"])
    kw.setdefault("accountability", ["no_pending_charge", "diverted_by_court"])
    kw.setdefault("residence", [world.swat])
    return services.publish_criteria(
        actor=world.manager, programme=world.programmes["centre"], **kw
    )


def _refer(world, participant=None, **kw):
    return services.record_referral(
        actor=world.case_worker,
        participant=participant or world.participant(),
        source=kw.pop("source", "security_forces"),
        referrer="District Security Liaison Office Swat",
        from_district=world.swat,
        programme=world.programmes["centre"],
        **kw,
    )


def _answers(world, **kw):
    values = {
        "age": 24,
        "involvement": "member",
        "accountability": "no_pending_charge",
        "voluntary": True,
        "residence": world.swat,
    }
    values.update(kw)
    return services.Answers(**values)


def _screen(world, referral, outcome="eligible", **kw):
    return services.screen_referral(
        actor=world.case_worker,
        referral=referral,
        outcome=outcome,
        grounds=kw.pop("grounds", "Screened with the family present."),
        answers=kw.pop("answers", _answers(world)),
        programme=kw.pop("programme", world.programmes["centre"]),
        **kw,
    )


def test_a_referral_joins_the_receiving_organisations_queue(world):
    referral = _refer(world)
    assert referral.status == ReferralStatus.RECEIVED
    assert referral.receiving_organisation == world.centre
    assert list(Referral.objects.visible_to(world.case_worker)) == [referral]
    assert list(Referral.objects.visible_to(world.cso_worker)) == []
    assert list(Referral.objects.visible_to(world.manager)) == [referral]  # Swat
    assert list(Referral.objects.visible_to(world.monitor)) == [referral]
    assert list(Referral.objects.visible_to(world.scholar)) == []
    with pytest.raises(ValidationError):  # one open referral per person and organisation
        _refer(world, participant=referral.participant)


def test_a_refusal_names_the_failed_criteria_and_opens_no_case(world):
    _publish(world)
    referral = _refer(world)
    screening = _screen(
        world,
        referral,
        "not_eligible",
        answers=_answers(world, age=44, involvement="leader"),
    )
    assert screening.failed == [criteria.AGE, criteria.INVOLVEMENT]
    assert screening.criteria_version.number == 1
    assert {row["criterion"]: row["met"] for row in screening.answers} == {
        "age": False,
        "involvement": False,
        "accountability": True,
        "voluntary": True,
        "residence": True,
    }
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NOT_ELIGIBLE
    assert not Case.objects.filter(participant=referral.participant).exists()
    with pytest.raises(Conflict):  # a decision applies once
        services.enrol_from_referral(actor=world.case_worker, referral=referral)
    with pytest.raises(Conflict):
        _screen(world, referral, "deferred")


def test_eligible_needs_every_criterion_and_a_refusal_needs_a_failed_one(world):
    _publish(world)
    referral = _refer(world)
    with pytest.raises(ValidationError, match="Not every criterion"):
        _screen(world, referral, answers=_answers(world, voluntary=False))
    with pytest.raises(ValidationError, match="must name the criteria"):
        _screen(world, referral, "not_eligible")
    with pytest.raises(ValidationError):
        _screen(world, referral, "referred_elsewhere", programme=None)  # to whom?
    assert not Screening.objects.exists()


def test_enrolment_only_from_an_eligible_referral(world):
    _publish(world)
    participant = world.participant()
    with pytest.raises(ValidationError, match="eligible referral"):
        cases.enrol_participant(
            actor=world.case_worker,
            participant=participant,
            programme=world.programmes["centre"],
            referral_source="security_forces",
        )
    referral = _refer(world, participant=participant)
    _screen(world, referral)
    referral.refresh_from_db()
    case = services.enrol_from_referral(
        actor=world.case_worker, referral=referral, expected_version=referral.version
    )
    referral.refresh_from_db()
    assert referral.case == case
    assert referral.status == ReferralStatus.ENROLLED
    assert case.programme == world.programmes["centre"]
    assert case.referral_source == "security_forces"
    with pytest.raises(Conflict):  # once
        services.enrol_from_referral(actor=world.case_worker, referral=referral)


def test_programmes_without_criteria_enrol_directly_as_before(world):
    case = world.case("prison")
    assert case.pk


def test_consent_still_needed_when_enrolling_from_a_referral(world):
    _publish(world)
    referral = _refer(world, participant=world.participant(consent=False))
    _screen(world, referral)
    referral.refresh_from_db()
    with pytest.raises(ValidationError, match="consent"):
        services.enrol_from_referral(actor=world.case_worker, referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ELIGIBLE


def test_a_criteria_change_applies_to_new_screenings_only(world):
    first = _publish(world)
    early = _refer(world)
    _screen(world, early, "not_eligible", answers=_answers(world, age=38))
    second = _publish(world, max_age=40, note="Upper age raised")
    late = _refer(world)
    screening = _screen(world, late, answers=_answers(world, age=38))
    assert screening.criteria_version == second
    old = Screening.objects.get(referral=early)
    assert old.criteria_version == first
    assert old.failed == ["age"]
    first.refresh_from_db()
    assert (first.number, first.max_age, second.number, second.max_age) == (1, 35, 2, 40)
    assert [c.admits for c in criteria.criteria_of(first) if c.key == "age"] == ["18–35"]


def test_only_the_programmes_configurers_publish_criteria(world):
    with pytest.raises(PermissionDenied):
        services.publish_criteria(actor=world.case_worker, programme=world.programmes["centre"])
    with pytest.raises(ValidationError):
        _publish(world, min_age=40, max_age=20)


def test_stale_screening_is_refused(world):
    referral = _refer(world)
    with pytest.raises(Conflict):
        _screen(world, referral, "deferred", programme=None, expected_version=referral.version + 3)


def test_deferred_stays_in_the_queue(world):
    _publish(world)
    referral = _refer(world)
    _screen(world, referral, "deferred", programme=None, grounds="Waiting for the court order")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DEFERRED
    _screen(world, referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ELIGIBLE
    assert referral.eligible_for == world.programmes["centre"]


def test_refusal_rates_suppress_small_cells(world):
    _publish(world)
    for index in range(12):
        referral = _refer(world)
        if index < 6:
            _screen(world, referral)
        else:
            _screen(world, referral, "not_eligible", answers=_answers(world, age=50))
    rates = services.refusal_rates(Screening.objects.all())
    (row,) = rates["programme"]
    assert (row.decided, row.refused, row.rate) == (12, 6, 50)
    (sex,) = rates["sex"]
    assert sex.rate == 50
    # a cell of under five, or one whose refusals or acceptances number under five, is hidden
    assert services._row("x", 4, 0).suppressed
    assert services._row("x", 12, 3).suppressed
    assert services._row("x", 12, 9).suppressed
    assert not services._row("x", 10, 0).suppressed


def test_a_hidden_rate_row_cannot_be_recomputed_from_another_breakdown():
    """By sex: 12 men (6 refused) and 3 women (1 refused); by programme, the one programme
    shows 15 decisions and 7 refusals. The women's row is hidden; were the men's shown, the
    women's would be 15 - 12 and 7 - 6. So the men's row is hidden with it."""
    counts = [(12, 6), (3, 1)]
    rows = [services._row(label, n, r) for label, (n, r) in zip("mf", counts, strict=True)]
    assert [row.suppressed for row in rows] == [False, True]  # primary only: a leak
    shown = services._secondary(rows, counts)
    assert all(row.suppressed for row in shown)
    # two hidden rows among shown ones: nothing more to hide
    counts = [(12, 6), (3, 1), (2, 1), (20, 10)]
    rows = [services._row(str(n), a, b) for n, (a, b) in enumerate(counts)]
    assert [row.suppressed for row in services._secondary(rows, counts)] == [
        False,
        True,
        True,
        False,
    ]
    # the smallest row shown is the one hidden with a lone hidden row
    counts = [(30, 10), (3, 1), (12, 6)]
    rows = [services._row(str(n), a, b) for n, (a, b) in enumerate(counts)]
    assert [row.suppressed for row in services._secondary(rows, counts)] == [False, True, True]


def test_system_actor_demo_loads_every_state(world):
    from bahali.intake.demo import load_demo_intake

    class _World:
        organisations = {"centre": world.centre, "security": world.security}
        district = world.swat

    # the demo's programmes are the cast's (same codes)
    load_demo_intake(_World())  # type: ignore[arg-type]
    states = set(Referral.objects.values_list("status", flat=True))
    assert states == set(ReferralStatus.values)
    assert Screening.objects.filter(outcome="not_eligible").count() >= 4
    load_demo_intake(_World())  # type: ignore[arg-type]  # again: nothing more
    assert Referral.objects.count() == 17
    assert Referral.objects.filter(needs_confirmation=True, confirmed_on__isnull=True).count() == 1
    levels = {c.details["involvement"] for c in Classification.objects.all()}
    assert levels == {"sympathiser", "supporter", "member", "mid_level", "leader"}
    roles = {r for c in Classification.objects.all() for r in c.details["roles"]}
    assert roles == {"fighter", "logistics", "recruitment", "propaganda", "finance", "other"}
    joined = {c.details["joined"] for c in Classification.objects.all()}
    assert joined == {"voluntary", "coerced", "born_into"}
    assert any(c.details["age_at_first_involvement"] < 18 for c in Classification.objects.all())


def _classify(world, participant, **kw):
    group = services.add_group(actor=world.manager, name=kw.pop("group", "Black Ridge Front"))
    values = {
        "involvement": "member",
        "roles": ["logistics"],
        "joined": "coerced",
        "age_at_first_involvement": 15,
        "months_in_group": 30,
    }
    values.update(kw)
    return services.record_classification(
        actor=world.case_worker, participant=participant, group=group, **values
    )


def test_classification_is_sealed_and_read_only_by_roles_granted_it(world):
    from django.db import connection

    participant = world.participant()
    classification = _classify(world, participant)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed_details FROM intake_classification WHERE id = %s", [classification.pk]
        )
        (stored,) = cursor.fetchone()
    assert "Black Ridge" not in stored and "coerced" not in stored and stored
    _row, details = services.read_classification(actor=world.case_worker, participant=participant)
    assert details.group.name == "Black Ridge Front"
    assert details.child_recruited
    others = [world.scholar, world.trainer, world.mentor, world.liaison, world.monitor]
    others += [world.steward, world.analyst, world.committee_member, world.cso_worker]
    for user in others:
        with pytest.raises(PermissionDenied):
            services.read_classification(actor=user, participant=participant)
    from bahali.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="classification.read").exists()


def test_a_leader_needs_a_managers_confirmation_before_enrolment(world):
    _publish(world, involvement_levels=[], confirm_levels=["leader"])
    participant = world.participant()
    _classify(world, participant, involvement="leader", age_at_first_involvement=25)
    referral = _refer(world, participant=participant)
    _screen(world, referral, answers=_answers(world, involvement=""))  # from the classification
    referral.refresh_from_db()
    assert referral.needs_confirmation and referral.status == ReferralStatus.ELIGIBLE
    with pytest.raises(ValidationError, match="confirm"):
        services.enrol_from_referral(actor=world.case_worker, referral=referral)
    with pytest.raises(PermissionDenied):
        services.confirm_eligibility(actor=world.case_worker, referral=referral)
    services.confirm_eligibility(actor=world.manager, referral=referral)
    referral.refresh_from_db()
    case = services.enrol_from_referral(actor=world.case_worker, referral=referral)
    assert case.pk
    follower = _refer(world)
    _screen(world, follower)
    follower.refresh_from_db()
    assert not follower.needs_confirmation


def test_a_child_goes_to_the_juvenile_programme(world):
    _publish(world, min_age=None, max_age=None)
    services.publish_criteria(
        actor=world.manager, programme=world.programmes["prison"], juvenile_programme=True
    )
    referral = _refer(world)
    with pytest.raises(ValidationError, match="juvenile programme"):
        _screen(world, referral, answers=_answers(world, age=16))
    screening = _screen(
        world, referral, answers=_answers(world, age=16), programme=world.programmes["prison"]
    )
    assert screening.outcome == "eligible"


def test_refusal_rates_by_group(world):
    _publish(world)
    for index in range(10):
        participant = world.participant()
        services.record_classification(
            actor=world.case_worker,
            participant=participant,
            group=None,
            involvement="member",
        )
        referral = _refer(world, participant=participant)
        if index < 5:
            _screen(world, referral)
        else:
            _screen(world, referral, "not_eligible", answers=_answers(world, age=60))
    (row,) = services.refusal_rates(Screening.objects.all())["group"]
    assert (row.decided, row.refused) == (10, 5)


def test_legal_basis_is_recorded_by_the_programmes_configurers(world):
    with pytest.raises(PermissionDenied):
        services.set_legal_basis(
            actor=world.case_worker,
            programme=world.programmes["centre"],
            kind="law",
            reference="An act",
            reports_to="A commission",
        )
    basis = services.set_legal_basis(
        actor=world.manager,
        programme=world.programmes["centre"],
        kind="court_direction",
        reference="High Court direction (invented) 2026",
        reports_to="Provincial Human Rights Oversight Commission",
    )
    with pytest.raises(Conflict):
        services.set_legal_basis(
            actor=world.manager,
            programme=world.programmes["centre"],
            kind="law",
            reference="An act",
            reports_to="A commission",
            expected_version=basis.version + 5,
        )
    with pytest.raises(ValidationError):
        services.set_legal_basis(
            actor=world.manager,
            programme=world.programmes["centre"],
            kind="decree",
            reference="",
            reports_to="",
        )


def _api_get(client, user, url):
    from bahali.accounts import services as accounts

    token = accounts.issue_api_token(actor=user, name="test").secret
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_woman_is_flagged_without_a_female_case_worker_where_one_exists(world, client):
    from bahali.intake import women
    from bahali.registry.models import Consent, ConsentPurpose
    from bahali.testing import make_member

    woman = world.registry.register_participant(
        actor=world.case_worker,
        identity=world.registry.Identity(
            name="Bibi Zarmina", father_name="Gul Bad", birth_year=1998
        ),
        sex="f",
        district=world.swat,
        organisation=world.centre,
    )
    world.registry.record_consent(
        actor=world.case_worker,
        participant=woman,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=world.today,
    )
    world.registry.record_pledge(
        actor=world.case_worker, participant=woman, pledged_on=world.today, witnesses="Imam"
    )
    case = cases.enrol_participant(
        actor=world.case_worker,
        participant=woman,
        programme=world.programmes["prison"],
        referral_source="family",
    )
    assert women.gaps(case) == []  # no woman on staff anywhere: nothing to flag
    services.record_staff_sex(actor=SYSTEM, user=world.case_worker, sex="m")
    female_worker = make_member(Role.CASE_WORKER, organisation=world.centre)
    services.record_staff_sex(actor=SYSTEM, user=female_worker, sex="f")
    assert [g.role for g in women.gaps(case)] == [Role.CASE_WORKER]
    # the case API says the same, to those who read the team; 404 to the analyst
    answer = _api_get(client, world.case_worker, f"/api/v1/cases/{case.pk}/women-staff")
    assert answer.status_code == 200
    assert answer.json() == {"applies": True, "flagged": True, "missing": ["case_worker"]}
    assert (
        _api_get(client, world.analyst, f"/api/v1/cases/{case.pk}/women-staff").status_code == 404
    )
    alerts = women.case_alerts(world.case_worker, case)
    assert alerts and alerts[0].key == "women-staff"
    assert women.case_alerts(world.analyst, case) == []
    assert [c.pk for c, _g in women.flagged_cases()] == [case.pk]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as asked:  # set-based: not per case
        assert [(c.pk, [g.role for g in found]) for c, found in women.flagged(5)[1]] == [
            (case.pk, [Role.CASE_WORKER])
        ]
    assert len(asked.captured_queries) <= 5
    panel = women.oversight_panel(world.monitor)
    assert panel["flagged"] and panel["flagged_count"] == 1
    cases.add_team_member(
        actor=world.manager, case=case, membership=female_worker.memberships.get()
    )
    assert women.gaps(case) == []
    services.set_women_rule(
        actor=world.manager, programme=world.programmes["prison"], applies=False
    )
    assert not women.rule_applies(world.programmes["prison"].pk)
    answer = _api_get(client, world.case_worker, f"/api/v1/cases/{case.pk}/women-staff")
    assert answer.json() == {"applies": False, "flagged": False, "missing": []}
    with pytest.raises(PermissionDenied):
        services.record_staff_sex(actor=world.case_worker, user=female_worker, sex="m")
    with pytest.raises(PermissionDenied):  # another organisation's staff
        services.record_staff_sex(actor=world.steward, user=female_worker, sex="m")
    assert services.record_staff_sex(actor=world.steward, user=world.manager, sex="f").pk
