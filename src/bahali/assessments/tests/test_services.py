"""Assessment services: versions, filling in, completing, correcting, the risk band,
proposed plan goals, reassessment schedules and change over time."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from bahali.assessments import services
from bahali.assessments.builtin import builtin_definition
from bahali.assessments.models import (
    Assessment,
    Instrument,
    InstrumentVersion,
    PublishedVersionChanged,
)
from bahali.assessments.services import Judgement
from bahali.cases import due
from bahali.core import crypto, sealing, suppression
from bahali.core.context import SYSTEM, acting_as
from bahali.core.versioning import Stale
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

DOMAINS = ("beliefs", "intent_capability", "social_context", "protective", "engagement")
INDICATORS = (
    "justifies_violence",
    "us_and_them",
    "expressed_intent",
    "capability",
    "contact_with_group",
    "isolation",
    "family_support",
    "employment",
    "community_acceptance",
    "prosocial_identity",
    "attendance",
    "openness",
)

NEEDS = (
    "psychosocial",
    "health",
    "education",
    "vocational",
    "livelihood",
    "family",
    "housing",
    "legal_documents",
    "religious_guidance",
    "safety",
)
FACTORS = (
    "socio_economic",
    "political_marginalisation",
    "identity_crisis",
    "ideological_manipulation",
    "governance_grievance",
    "online_radicalisation",
    "coercion",
    "family_peer_ties",
    "trauma",
    "status_belonging",
)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def progress_answers(level: str = "partly") -> dict[str, Any]:
    return dict.fromkeys(INDICATORS, level)


def judgement(band: str, domains: dict[str, str] | None = None) -> Judgement:
    ratings = domains or dict.fromkeys(DOMAINS, band)
    return Judgement(
        domain_ratings={d: {"rating": r, "rationale": f"{d} is {r}"} for d, r in ratings.items()},
        overall_rating=band,
        overall_rationale=f"Overall {band}",
    )


def complete_progress(
    world: PathwayWorld, case: Any, band: str, days_ago: int, **kw: Any
) -> Assessment:
    day = world.today - datetime.timedelta(days=days_ago)
    assessment = services.start_assessment(
        actor=world.psychologist,
        case=case,
        instrument=Instrument.objects.get(code="progress"),
        assessed_on=day,
    )
    return services.complete_assessment(
        actor=world.psychologist,
        assessment=assessment,
        expected_version=assessment.version,
        answers=progress_answers(),
        judgement=judgement(band, kw.get("domains")),
    )


def _opened_long_ago(case: Any, days: int = 400) -> Any:
    from bahali.cases.models import Case
    from bahali.core.context import acting_as

    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(
            opened_on=case.opened_on - datetime.timedelta(days=days),
            phase_entered_on=case.phase_entered_on - datetime.timedelta(days=days),
        )
    due.refresh([case.pk])  # a queryset update bypasses save(): the due date follows
    case.refresh_from_db()
    return case


def test_published_versions_never_change(world):
    version = Instrument.objects.get(code="progress").current_version()
    version.definition = {"title": {"en": "Changed"}}
    with pytest.raises(PublishedVersionChanged):
        version.save()
    with pytest.raises(ValidationError):
        services.publish_version(actor=SYSTEM, version=InstrumentVersion.objects.get(pk=version.pk))


def test_a_new_version_leaves_answers_under_the_old_one_alone(world):
    case = _opened_long_ago(world.case())
    old = complete_progress(world, case, "high", days_ago=100)
    instrument = Instrument.objects.get(code="progress")
    definition = builtin_definition("progress")
    definition["sections"][0]["items"][0]["label"]["en"] = "Justifies violence (revised)"
    draft = services.save_draft_version(actor=SYSTEM, instrument=instrument, definition=definition)
    services.publish_version(actor=SYSTEM, version=draft)
    assert instrument.current_version().number == 2
    old.refresh_from_db()
    assert old.instrument_version.number == 1
    assert (
        old.definition["sections"][0]["items"][0]["label"]["en"] == "Justifies violence for a cause"
    )
    new = services.start_assessment(actor=world.psychologist, case=case, instrument=instrument)
    assert new.instrument_version.number == 2


def test_only_the_owning_organisations_manager_writes_an_instrument(world):
    definition = builtin_definition("needs")
    version = services.create_instrument(
        actor=world.manager,
        code="lead-needs",
        kind="needs",
        organisation=world.lead,
        definition=definition,
    )
    assert not version.is_published
    with pytest.raises(PermissionDenied):
        services.publish_version(actor=world.case_worker, version=version)
    with pytest.raises(PermissionDenied):
        services.create_instrument(
            actor=world.case_worker,
            code="x",
            kind="needs",
            organisation=world.centre,
            definition=definition,
        )
    with pytest.raises(
        PermissionDenied
    ):  # built-ins are changed by a new version, by no one's manager
        services.save_draft_version(
            actor=world.manager,
            instrument=Instrument.objects.get(code="needs"),
            definition=definition,
        )
    services.publish_version(actor=world.manager, version=version)
    case = world.case()
    assert services.instruments_for_case(case).filter(code="lead-needs").exists()


def test_draft_saves_checks_and_completion_needs_required_items(world):
    case = world.case()
    assessment = services.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="screening")
    )
    with pytest.raises(ValidationError) as refused:
        services.save_answers(
            actor=world.case_worker,
            assessment=assessment,
            expected_version=1,
            answers={"age": "abc"},
        )
    assert refused.value.message_dict == {"age": ["Give a whole number."]}
    services.save_answers(
        actor=world.case_worker,
        assessment=assessment,
        expected_version=1,
        answers={"voluntary": "yes", "age": "16"},
    )
    assessment.refresh_from_db()
    assert assessment.answers == {"voluntary": "yes", "age": 16}
    assert assessment.status == "draft"
    with pytest.raises(Stale):
        services.save_answers(
            actor=world.case_worker, assessment=assessment, expected_version=1, answers={}
        )
    with pytest.raises(ValidationError) as refused:
        services.complete_assessment(
            actor=world.case_worker,
            assessment=assessment,
            expected_version=2,
            answers={"voluntary": "yes", "age": "16"},
        )
    missing = set(refused.value.message_dict)
    assert "guardian_consent" in missing  # shown because the person is under 18
    assert "pressure" not in missing  # hidden: participation is voluntary
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.version == 2


def test_completed_assessments_are_read_only_and_corrected_by_a_new_one(world):
    case = _opened_long_ago(world.case())
    first = complete_progress(world, case, "high", days_ago=30)
    with pytest.raises(ValidationError):
        services.save_answers(
            actor=world.psychologist, assessment=first, expected_version=first.version, answers={}
        )
    with pytest.raises(PublishedVersionChanged):
        first.overall_rating = "low"
        first.save()
    first.refresh_from_db()
    correction = services.correct_assessment(actor=world.psychologist, assessment=first)
    assert correction.corrects == first and correction.answers == first.answers
    services.complete_assessment(
        actor=world.psychologist,
        assessment=correction,
        expected_version=correction.version,
        answers=correction.answers,
        judgement=judgement("moderate"),
    )
    case.refresh_from_db()
    assert case.risk_band == "moderate"
    assert list(services.effective(Assessment.objects.filter(case=case))) == [correction]


def test_a_completed_assessment_takes_a_new_key_but_no_edit(world):
    """Re-sealing under a new key changes ciphertexts only, so a completed assessment takes
    it (a key rotation must finish); any change to what it says is still refused."""
    first = complete_progress(world, _opened_long_ago(world.case()), "high", days_ago=30)
    before = Assessment.objects.get(pk=first.pk)
    ring = {**settings.FIELD_ENCRYPTION_KEYS, "k2": b"n" * 32}
    with override_settings(FIELD_ENCRYPTION_KEYS=ring, FIELD_ENCRYPTION_ACTIVE_KEY="k2"):
        with acting_as(SYSTEM):
            edited = Assessment.objects.get(pk=first.pk)
            edited.overall_rationale = "Overall low"  # sealed fields only, but another text
            with pytest.raises(PublishedVersionChanged):
                edited.save(update_fields=["sealed_overall_rationale"])
            mixed = Assessment.objects.get(pk=first.pk)
            sealing.seal_field(mixed, "sealed_answers", sealing.open_field(mixed, "sealed_answers"))
            mixed.overall_rating = "low"  # a re-seal carrying a clear field along
            with pytest.raises(PublishedVersionChanged):
                mixed.save(update_fields=["sealed_answers", "overall_rating"])
        assert sealing.rotate(actor=SYSTEM)["assessments.assessment"] >= 1
        after = Assessment.objects.get(pk=first.pk)
        assert after.overall_rationale == "Overall high" and after.answers == before.answers
        assert after.domain_ratings == before.domain_ratings
    assert {crypto.key_id_of(after.sealed_answers), crypto.key_id_of(before.sealed_answers)} == {
        "k2",
        crypto.active_key_id(),
    }
    assert (after.status, after.overall_rating, after.version, after.updated_at) == (
        "completed",
        "high",
        before.version,
        before.updated_at,
    )


def test_spj_needs_a_rationale_for_every_domain_and_overall(world):
    case = world.case()
    assessment = services.start_assessment(
        actor=world.psychologist, case=case, instrument=Instrument.objects.get(code="progress")
    )
    ratings = {d: {"rating": "low", "rationale": "why"} for d in DOMAINS}
    ratings["beliefs"] = {"rating": "low", "rationale": " "}
    with pytest.raises(ValidationError) as refused:
        services.complete_assessment(
            actor=world.psychologist,
            assessment=assessment,
            expected_version=1,
            answers=progress_answers(),
            judgement=Judgement(ratings, overall_rating="low", overall_rationale=""),
        )
    assert set(refused.value.message_dict) == {"domain:beliefs", "overall_rationale"}
    case.refresh_from_db()
    assert case.risk_band == ""


def test_risk_band_follows_the_latest_overall_judgement(world):
    case = _opened_long_ago(world.case())
    complete_progress(world, case, "high", days_ago=200)
    case.refresh_from_db()
    assert case.risk_band == "high"
    complete_progress(world, case, "moderate", days_ago=100)
    case.refresh_from_db()
    assert case.risk_band == "moderate"
    complete_progress(world, case, "high", days_ago=150)  # back-dated: not the latest
    case.refresh_from_db()
    assert case.risk_band == "moderate"
    complete_progress(world, case, "low", days_ago=5)
    case.refresh_from_db()
    assert case.risk_band == "low"
    assert services.latest_judgement(case).overall_rationale == "Overall low"


def test_committee_members_and_liaisons_cannot_assess(world):
    case = world.case()
    for user in (world.committee_member, world.liaison, world.manager, world.analyst):
        with pytest.raises(PermissionDenied):
            services.start_assessment(
                actor=user, case=case, instrument=Instrument.objects.get(code="needs")
            )


def test_factors_and_needs_propose_goals_the_user_accepts(world):
    case = world.case()
    assessment = services.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="needs")
    )
    answers = dict.fromkeys(NEEDS, "none")
    answers.update({"vocational": "urgent", "legal_documents": "some"})
    services.complete_assessment(
        actor=world.case_worker, assessment=assessment, expected_version=1, answers=answers
    )
    proposals = services.proposed_goals(assessment)
    assert [(p.domain, p.title) for p in proposals] == [
        ("vocational", "Learn a trade"),
        ("civic", "Obtain a CNIC and legal aid"),
    ]
    assert proposals[0].reason == "Vocational skills: Urgent need"
    goals = services.accept_goals(
        actor=world.case_worker,
        assessment=assessment,
        goals=[services.AcceptedGoal(domain="vocational", title="Learn to repair motorbikes")],
    )
    assert goals[0].case == case and goals[0].domain == "vocational"
    services.accept_goals(
        actor=world.case_worker,
        assessment=assessment,
        goals=[services.AcceptedGoal(domain="civic", title="Obtain a CNIC and legal aid")],
    )
    assert [p.title for p in services.proposed_goals(assessment)] == ["Learn a trade"]
    with pytest.raises(PermissionDenied):
        services.accept_goals(
            actor=world.liaison,
            assessment=assessment,
            goals=[services.AcceptedGoal(domain="civic", title="x")],
        )


def test_factor_goals_come_from_primary_and_secondary_factors(world):
    case = world.case()
    assessment = services.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="factors")
    )
    with pytest.raises(ValidationError) as refused:
        services.complete_assessment(
            actor=world.case_worker,
            assessment=assessment,
            expected_version=1,
            answers={"socio_economic": "primary"},
        )
    assert "socio_economic_evidence" in refused.value.message_dict


def test_chart_data_for_three_successive_assessments(world):
    case = _opened_long_ago(world.case())
    complete_progress(
        world,
        case,
        "high",
        days_ago=180,
        domains={
            "beliefs": "high",
            "intent_capability": "high",
            "social_context": "high",
            "protective": "high",
            "engagement": "moderate",
        },
    )
    complete_progress(
        world,
        case,
        "moderate",
        days_ago=90,
        domains={
            "beliefs": "moderate",
            "intent_capability": "moderate",
            "social_context": "high",
            "protective": "moderate",
            "engagement": "low",
        },
    )
    complete_progress(
        world,
        case,
        "low",
        days_ago=1,
        domains={
            "beliefs": "low",
            "intent_capability": "low",
            "social_context": "moderate",
            "protective": "low",
            "engagement": "low",
        },
    )
    series = services.domain_series(case)
    assert [name for name, _label in series.domains] == list(DOMAINS)
    assert [p.assessment.assessed_on for p in series.points] == sorted(
        p.assessment.assessed_on for p in series.points
    )
    assert [p.ratings["beliefs"] for p in series.points] == ["high", "moderate", "low"]
    assert [p.ratings["social_context"] for p in series.points] == ["high", "high", "moderate"]
    assert [p.overall for p in series.points] == ["high", "moderate", "low"]


def test_reassessment_schedule_follows_the_phase(world):
    case = world.case(phase="rehabilitation")
    assert case.phase.reassess_every_days == 90
    entered = case.phase_entered_on
    assert services.reassessment_due(case, None) == entered + datetime.timedelta(days=30)
    last = world.today
    assert services.reassessment_due(case, last) == last + datetime.timedelta(days=90)
    intake = world.case(phase="intake")
    assert services.reassessment_due(intake, None) is None


def test_overdue_reassessments_reach_the_team_only(world):
    case = _opened_long_ago(world.case(phase="rehabilitation"))
    due = services.reassessments_due_for(world.psychologist)
    assert [c.pk for c, _when in due] == [case.pk]
    assert services.reassessments_due_for(world.liaison) == []
    complete_progress(world, case, "low", days_ago=0)
    assert services.reassessments_due_for(world.psychologist) == []


def test_a_reassessment_falling_due_makes_the_case_due_and_overdue(world):
    from bahali.cases import due
    from bahali.cases.models import Case

    case = world.case(phase="rehabilitation")
    case.refresh_from_db()
    assert case.next_due_on == case.phase_entered_on + datetime.timedelta(days=30)
    case = _opened_long_ago(case)
    due.refresh([case.pk])  # the update above bypassed the hooks
    assert Case.objects.filter(due.overdue(), pk=case.pk).exists()
    complete_progress(world, case, "low", days_ago=0)  # completing moves the date on
    case.refresh_from_db()
    assert case.next_due_on == world.today + datetime.timedelta(days=90)
    assert not Case.objects.filter(due.overdue(), pk=case.pk).exists()


def test_factor_distribution_counts_the_latest_factors_assessment(world):
    cases = [world.case() for _ in range(2)]
    for case, role in zip(cases, ("primary", "secondary"), strict=True):
        assessment = services.start_assessment(
            actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="factors")
        )
        answers = dict.fromkeys(FACTORS, "absent")
        answers.update(
            {"socio_economic": role, "socio_economic_evidence": "Lost work in the floods"}
        )
        services.complete_assessment(
            actor=world.case_worker, assessment=assessment, expected_version=1, answers=answers
        )
    groups, rows = services.factor_distribution(
        cases[0].__class__.objects.filter(pk__in=[c.pk for c in cases]), "district"
    )
    assert len(groups) == 1
    [row] = rows
    assert row.factor == "socio_economic"
    assert row.totals == {"primary": 1, "secondary": 1}
    shown = services.shown_distribution(groups, rows, k=5)
    assert [str(c) for c in shown[0]["totals"]] == ["<5", "<5"]  # one case: hidden, not 0


def test_factor_distribution_reads_only_each_cases_latest_assessment_in_force(world):
    """A case assessed twice counts its later judgement; a corrected assessment counts as
    its correction says; by age band the same totals."""
    factors = Instrument.objects.get(code="factors")

    def assess(case, role, corrects=None):
        assessment = (
            services.correct_assessment(actor=world.case_worker, assessment=corrects)
            if corrects is not None
            else services.start_assessment(actor=world.case_worker, case=case, instrument=factors)
        )
        answers = dict.fromkeys(FACTORS, "absent")
        answers.update({"coercion": role, "coercion_evidence": "Threats to the family"})
        return services.complete_assessment(
            actor=world.case_worker,
            assessment=assessment,
            expected_version=assessment.version,
            answers=answers,
        )

    twice, corrected = world.case(), world.case()
    assess(twice, "primary")
    assess(twice, "secondary")  # the same day, later: the latest
    assess(corrected, "secondary", corrects=assess(corrected, "primary"))
    cases = twice.__class__.objects.filter(pk__in=[twice.pk, corrected.pk])
    for group_by in ("district", "age_band"):
        groups, rows = services.factor_distribution(cases, group_by)
        [row] = rows
        assert row.factor == "coercion" and row.totals == {"primary": 0, "secondary": 2}
        assert sum(row.cells[(g, "secondary")] for g in groups) == 2


def test_a_hidden_factor_cell_cannot_be_recomputed_from_the_factors_total():
    """Two districts, coercion primary in 2 and 7 cases, the total 9 shown beside them:
    before, "<5", 7 and 9 gave the 2 away; now a complement is hidden too."""
    from bahali.core.tests.test_suppression import recomputable

    groups = ["Bajaur", "Swat"]
    cells = {("Bajaur", "primary"): 2, ("Swat", "primary"): 7}
    cells.update({("Bajaur", "secondary"): 0, ("Swat", "secondary"): 6})
    rows = [
        services.FactorRow("coercion", "Coercion", cells, {"primary": 9, "secondary": 6}),
        services.FactorRow(
            "trauma",
            "Trauma",
            {("Bajaur", "primary"): 8, ("Swat", "primary"): 12}
            | {("Bajaur", "secondary"): 0, ("Swat", "secondary"): 0},
            {"primary": 20, "secondary": 0},
        ),
    ]
    shown = services.shown_distribution(groups, rows, k=5)
    coercion = shown[0]
    primary = [pair[0] for pair in coercion["cells"]]
    assert primary[0].hidden and str(primary[0]) == "<5"
    assert primary[1].hidden or coercion["totals"][0].hidden  # the complement
    assert [str(pair[1]) for pair in coercion["cells"]] == ["0", "6"]  # nothing small: shown
    # the page's own figures, checked by an attacker independent of the module
    for role, r in ((0, "primary"), (1, "secondary")):
        raw = [[row.cells[(g, r)] for g in groups] for row in rows]
        table = suppression.Table(
            [[pair[role] for pair in line["cells"]] for line in shown],
            [line["totals"][role] for line in shown],
            None,
            None,
            5,
        )
        assert recomputable(raw, table) == []


def test_the_audit_trail_records_that_answers_changed_not_what_they_say(world):
    from bahali.audit.models import AuditEvent

    case = world.case()
    assessment = services.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="needs")
    )
    services.save_answers(
        actor=world.case_worker,
        assessment=assessment,
        expected_version=1,
        answers={"health": "urgent", "health_details": "Untreated shrapnel wound"},
    )
    event = AuditEvent.objects.filter(action="update").order_by("-pk").first()
    assert "Untreated shrapnel wound" not in str(event.changes)
    assert event.changes["sealed_answers"] == ["[redacted]", "[redacted]"]


def test_builtins_come_back_after_a_flush():
    from bahali.assessments.builtin import BUILTINS

    with acting_as(SYSTEM):
        Assessment.objects.all().delete()
        InstrumentVersion.objects.all().delete()
        Instrument.objects.all().delete()
    loaded = services.load_builtin_instruments(actor=SYSTEM)
    assert {i.code for i in loaded} == set(BUILTINS)
    assert services.load_builtin_instruments(actor=SYSTEM) == []
    assert Instrument.objects.get(code="progress").current_version().number == 1


def test_an_instrument_out_of_use_starts_no_new_assessments(world):
    version = services.create_instrument(
        actor=world.manager,
        code="lead-needs",
        kind="needs",
        organisation=world.lead,
        definition=builtin_definition("needs"),
    )
    services.publish_version(actor=world.manager, version=version)
    instrument = Instrument.objects.get(code="lead-needs")
    case = world.case()
    started = services.start_assessment(actor=world.case_worker, case=case, instrument=instrument)
    services.set_instrument_active(
        actor=world.manager,
        instrument=instrument,
        expected_version=instrument.version,
        active=False,
    )
    with pytest.raises(ValidationError):
        services.start_assessment(actor=world.case_worker, case=case, instrument=instrument)
    assert Assessment.objects.filter(pk=started.pk).exists()  # what exists stays
    with pytest.raises(Stale):
        services.set_instrument_active(
            actor=world.manager, instrument=instrument, expected_version=1, active=True
        )
    with pytest.raises(PermissionDenied):
        services.set_instrument_active(
            actor=world.case_worker,
            instrument=instrument,
            expected_version=instrument.version,
            active=True,
        )
