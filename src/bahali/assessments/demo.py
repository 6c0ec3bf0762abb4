"""Demo assessments: factors and needs at intake and two or three progress assessments
months apart, so the case page's chart shows change. Through the real services; every
answer and rationale is invented."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from bahali.accounts.models import User
from bahali.assessments import services
from bahali.assessments.models import Instrument
from bahali.cases.models import Case, CaseRole
from bahali.core.context import SYSTEM

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
EVIDENCE = {
    "socio_economic": "Lost his work at the brick kiln after the floods; the family is in debt.",
    "political_marginalisation": "Says no one in authority ever listened to his village.",
    "identity_crisis": "Left school early; describes feeling like nobody before he joined.",
    "ideological_manipulation": "A recruiter at a study circle gave him a narrow reading of jihad.",
    "governance_grievance": "A land dispute went unheard for years; blames the state for it.",
    "online_radicalisation": "Watched the group's videos on a shared phone for months.",
    "coercion": "Was threatened that his younger brother would be taken instead.",
    "family_peer_ties": "A cousin and two friends from the same street joined before him.",
    "trauma": "Saw his uncle killed in a drone strike; sleeps badly since.",
    "status_belonging": "Says the group gave him a name and a place among men.",
}
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
DOMAINS = ("beliefs", "intent_capability", "social_context", "protective", "engagement")
RISK_INDICATORS = {
    "beliefs": ("justifies_violence", "us_and_them"),
    "intent_capability": ("expressed_intent", "capability"),
    "social_context": ("contact_with_group", "isolation"),
}
PROTECTIVE = {
    "protective": ("family_support", "employment", "community_acceptance", "prosocial_identity"),
    "engagement": ("attendance", "openness"),
}
LEVELS = ("low", "moderate", "high")
RATIONALE = {
    "beliefs": {
        "high": "Still defends the group's use of violence in sessions.",
        "moderate": "Questions some of the recruiter's claims; still wavers.",
        "low": "Rejects violence in his own words and argues it with others.",
    },
    "intent_capability": {
        "high": "Has spoken of settling scores; knows how to get weapons.",
        "moderate": "No stated intent; the skills he learned remain.",
        "low": "No intent expressed; no access to weapons or former trainers.",
    },
    "social_context": {
        "high": "Still in touch with the cousin who recruited him.",
        "moderate": "Contact with former associates has thinned out.",
        "low": "New friends through the course; no contact with the group.",
    },
    "protective": {
        "high": "Family distant; no work and no standing in the village.",
        "moderate": "Mother supportive; training started; elders undecided.",
        "low": "Family close, an apprenticeship, and the jirga welcomes him.",
    },
    "engagement": {
        "high": "Misses sessions and says little when present.",
        "moderate": "Attends most sessions; opening up slowly.",
        "low": "Attends every session and asks for more.",
    },
}
OVERALL = {
    "high": "Beliefs and ties to the group still carry real concern; keep close monitoring.",
    "moderate": "Real progress in beliefs and engagement; social ties still need work.",
    "low": "Sustained change across domains and strong protective factors.",
}


def _team_user(case: Case, role: CaseRole) -> User | None:
    member = (
        case.team.filter(case_role=role, left_on__isnull=True)
        .select_related("membership__user")
        .first()
    )
    return member.membership.user if member else None


def _indicator(domain: str, level: str) -> str:
    """What a rater might have seen for a domain judged at ``level``."""
    if domain in PROTECTIVE:  # strong protective factors: low concern
        return {"low": "present", "moderate": "partly", "high": "absent"}[level]
    return {"low": "absent", "moderate": "partly", "high": "present"}[level]


def _progress(case: Case, assessor: User, day: datetime.date, ratings: dict[str, str]) -> None:
    answers: dict[str, Any] = {}
    for domain, names in {**RISK_INDICATORS, **PROTECTIVE}.items():
        for name in names:
            answers[name] = _indicator(domain, ratings[domain])
    answers["sessions_attended"] = {"low": 11, "moderate": 7, "high": 3}[ratings["engagement"]]
    overall = max(
        (ratings["beliefs"], ratings["intent_capability"], ratings["social_context"]),
        key=LEVELS.index,
    )
    assessment = services.start_assessment(
        actor=assessor,
        case=case,
        instrument=Instrument.objects.get(code="progress"),
        assessed_on=day,
    )
    services.complete_assessment(
        actor=assessor,
        assessment=assessment,
        expected_version=assessment.version,
        answers=answers,
        judgement=services.Judgement(
            domain_ratings={
                d: {"rating": ratings[d], "rationale": RATIONALE[d][ratings[d]]} for d in DOMAINS
            },
            overall_rating=overall,
            overall_rationale=OVERALL[overall],
        ),
    )


def _improved(ratings: dict[str, str], number: int, step: int) -> dict[str, str]:
    """The next assessment's ratings: most domains one step better; one domain (which one
    varies by case) holds, and on every fifth case social ties slip back once."""
    holding = DOMAINS[(number + step) % len(DOMAINS)]
    changed = {}
    for domain, level in ratings.items():
        position = LEVELS.index(level)
        if number % 5 == 0 and step == 1 and domain == "social_context":
            position = min(2, position + 1)
        elif domain != holding:
            position = max(0, position - 1)
        changed[domain] = LEVELS[position]
    return changed


def load_demo_assessments(cases: list[Case]) -> None:
    """Factors and needs on every open case past entry; progress assessments months apart
    on those long enough in the programme."""
    services.load_builtin_instruments(actor=SYSTEM)
    today = timezone.localdate()
    factors = Instrument.objects.get(code="factors")
    needs = Instrument.objects.get(code="needs")
    for number, case in enumerate(cases):
        case.refresh_from_db()
        if not case.is_open or case.phase.is_entry:
            continue
        lead = _team_user(case, CaseRole.LEAD_CASE_WORKER)
        if lead is None:
            continue
        day = min(today, case.opened_on + datetime.timedelta(days=7))
        primary = FACTORS[number % len(FACTORS)]
        secondary = {FACTORS[(number + 3) % len(FACTORS)], FACTORS[(number + 7) % len(FACTORS)]}
        answers: dict[str, Any] = {}
        for name in FACTORS:
            role = "primary" if name == primary else "secondary" if name in secondary else "absent"
            answers[name] = role
            if role != "absent":
                answers[f"{name}_evidence"] = EVIDENCE[name]
        assessment = services.start_assessment(
            actor=lead, case=case, instrument=factors, assessed_on=day
        )
        services.complete_assessment(
            actor=lead, assessment=assessment, expected_version=1, answers=answers
        )
        wanted = {NEEDS[number % len(NEEDS)]: "urgent", NEEDS[(number + 4) % len(NEEDS)]: "some"}
        answers = {name: wanted.get(name, "none") for name in NEEDS}
        answers.update(
            {f"{name}_details": "Raised by him and his mother at intake." for name in wanted}
        )
        assessment = services.start_assessment(
            actor=lead, case=case, instrument=needs, assessed_on=day
        )
        services.complete_assessment(
            actor=lead, assessment=assessment, expected_version=1, answers=answers
        )
        assessor = _team_user(case, CaseRole.PSYCHOLOGIST) or lead
        age = (today - case.opened_on).days
        if age < 60:
            continue
        count = 3 if age >= 150 else 2
        first = case.opened_on + datetime.timedelta(days=14)
        # Most were reassessed days ago; every third case is due again about now (some just
        # overdue), so "My work" and the overdue filter show reassessments (journey 2).
        last = today - datetime.timedelta(days=3)
        every = case.phase.reassess_every_days
        if every and number % 3 == 0:
            due_again = today + datetime.timedelta(days=-4 if number % 2 else 6)
            if (due_again - datetime.timedelta(days=every) - first).days >= 30:
                last = due_again - datetime.timedelta(days=every)
        gap = (last - first).days // (count - 1)
        ratings = {
            "beliefs": "high",
            "intent_capability": LEVELS[1 + number % 2],
            "social_context": "high",
            "protective": LEVELS[1 + (number + 1) % 2],
            "engagement": "moderate",
        }
        for step in range(count):
            _progress(case, assessor, first + datetime.timedelta(days=gap * step), ratings)
            ratings = _improved(ratings, number, step)


def load_demo_calibration() -> None:
    """Assessor calibration: everyone who completed a progress assessment is recorded as
    trained on the instrument (two in-house trainings), the instrument then requires
    training, and eight completed progress assessments are rated a second time, blind, by
    another trained assessor: six rated (mostly agreeing, some a step apart), two awaited."""
    from bahali.accounts import policies
    from bahali.assessments.models import Assessment, Calibration, Training

    progress = Instrument.objects.get(code="progress")
    if Training.objects.filter(instrument=progress).exists():
        return
    today = timezone.localdate()
    completed = list(
        services.effective(
            Assessment.objects.filter(instrument_version__instrument=progress, case__isnull=False)
        )
        .select_related("assessor", "case")
        .order_by("pk")
    )
    assessors = {a.assessor for a in completed if a.assessor is not None}
    extra = User.objects.filter(username__in=["sana", "farah", "tariq"])
    for number, user in enumerate(sorted(assessors | set(extra), key=lambda u: u.username)):
        services.record_training(
            actor=SYSTEM,
            user=user,
            instrument=progress,
            trained_by="Dr. Rubina Akhtar, SPJ trainer (invented)"
            if number % 2
            else "Roshan Centre in-house SPJ course (invented)",
            trained_on=today - datetime.timedelta(days=200 + 30 * number),
        )
    manager = User.objects.filter(username="ayesha").first() or SYSTEM
    services.set_training_required(actor=SYSTEM, instrument=progress, required=True)
    trained = list(services.trained_assessors(progress))
    picked = [a for a in completed if a.case.is_open][:8]
    for number, assessment in enumerate(picked):
        second = next(
            (u for u in trained[number % len(trained) :] + trained if u != assessment.assessor),
            None,
        )
        if second is None or Calibration.objects.filter(assessment=assessment).exists():
            continue
        calibration = services.request_calibration(
            actor=manager
            if policies.can(manager, "calibration.write", assessment.case)
            else SYSTEM,
            assessment=assessment,
            second_assessor=second,
        )
        if number >= 6:
            continue  # still awaited
        first = {d: (assessment.domain_ratings.get(d) or {}).get("rating") for d in DOMAINS}
        given = {}
        for index, domain in enumerate(DOMAINS):
            level = LEVELS.index(first[domain] or "moderate")
            if (number + index) % 4 == 0:  # a step apart on about a quarter of the domains
                level = level - 1 if level > 0 else level + 1
            given[domain] = LEVELS[level]
        services.rate_calibration(actor=second, calibration=calibration, ratings=given)
