"""Demo communities: four Swat communities with their committees (two flagged: one without
women, one without youth), dialogues, and readiness assessed over time in three of them
(Dherai has none yet, so placing a case there warns); then families and receiving
communities as beneficiaries (``load_demo_beneficiaries``), through the real services. All
invented."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.utils import timezone

from bahali.accounts.models import User
from bahali.assessments import services as assessments
from bahali.cases.models import Case
from bahali.communities import readiness, services
from bahali.communities.models import Committee
from bahali.core.context import SYSTEM
from bahali.geography.models import Community, District
from bahali.organisations import services as organisations
from bahali.organisations.models import Organisation, OrganisationKind

# community name -> committee organisation (None: the demo's existing Matta committee)
COMMITTEES = {
    "Shah Dheri": None,
    "Sakhra": "Sakhra Reintegration Committee",
    "Dherai": "Dherai Village Reintegration Committee",
    "Mingora Mohalla 4": "Mingora Mohalla 4 Peace Committee",
}
# name, role, sex, age band — JOURNEYS.md 3: an elder, the imam, a teacher, a women's and a
# youth representative; Sakhra has no woman, Dherai no one under 30 (both flagged).
MEMBERS = {
    "Shah Dheri": [
        ("Haji Sher Bahadur", "elder", "m", "senior"),
        ("Maulana Abdul Rauf", "religious_leader", "m", "adult"),
        ("Ustad Fazal Wahid", "teacher", "m", "adult"),
        ("Bibi Nasreen", "womens_representative", "f", "adult"),
        ("Imran Ali", "youth_representative", "m", "youth"),
        ("Gul Rukhsar", "victims_representative", "f", "adult"),
    ],
    "Sakhra": [
        ("Malik Zarin Khan", "elder", "m", "senior"),
        ("Qari Naeem", "religious_leader", "m", "adult"),
        ("Sajid Khan", "youth_representative", "m", "youth"),
    ],
    "Dherai": [
        ("Haji Mohammad Ayub", "elder", "m", "senior"),
        ("Shaheen Begum", "womens_representative", "f", "adult"),
        ("Tehsil councillor Amir Zeb", "local_official", "m", "adult"),
    ],
    "Mingora Mohalla 4": [
        ("Haji Akbar Ali", "elder", "m", "senior"),
        ("Maulana Sami", "religious_leader", "m", "adult"),
        ("Farzana Bibi", "womens_representative", "f", "adult"),
        ("Hina Gul", "youth_representative", "f", "youth"),
        ("Shaukat Ali", "teacher", "m", "adult"),
    ],
}
# community, kind, days ago, topic, facilitator, men, women, young men, young women, decisions,
# follow-ups, follow-ups due in days (from today)
DIALOGUES = [
    ("Shah Dheri", "victims_meeting", 95, "Fears of the victims' families",
     "Bibi Nasreen", 6, 8, 1, 2,
     "Hear the families before any return is agreed.", "A jirga with the whole village.", -60),
    ("Shah Dheri", "jirga", 60, "Receiving a returnee back into the village",
     "Haji Sher Bahadur", 15, 6, 8, 3,
     "The village will receive him; he pledges before the jirga.",
     "The imam speaks at Friday prayers; the mentor visits the families.", -30),
    ("Sakhra", "community_meeting", 40, "Stigma in the bazaar", "Malik Zarin Khan", 19, 0, 7, 0,
     "Shopkeepers asked not to refuse returnees' families.",
     "Ask the women's group to hold its own meeting.", 10),
    ("Dherai", "womens_meeting", 25, "Mothers of returnees", "Shaheen Begum", 0, 14, 0, 5,
     "A monthly mothers' circle at the school.", "", None),
    ("Mingora Mohalla 4", "youth_meeting", 12, "Cricket league with returnees",
     "Hina Gul", 2, 1, 18, 6, "A mixed team for the spring league.",
     "Find a sponsor for kit.", 20),
]  # fmt: skip


READINESS_ITEMS = (
    "acceptance",
    "stigma",
    "safety",
    "victims_concerns",
    "elders_support",
    "religious_support",
    "services",
)
# community -> assessor's username and, oldest first: days ago, the seven item ratings (in
# READINESS_ITEMS order; stigma rated high is bad news), overall judgement, its rationale
READINESS = {
    "Shah Dheri": ("rahim", [
        (300, ("low", "high", "medium", "low", "medium", "low", "low"), "low",
         "Victims' families not yet heard; the imam will not speak for returns."),
        (170, ("medium", "medium", "medium", "medium", "high", "medium", "low"), "moderate",
         "After the victims' meeting the families asked for a jirga; the elders support it."),
        (45, ("high", "low", "high", "high", "high", "high", "medium"), "high",
         "The jirga agreed to receive him; the imam spoke at Friday prayers."),
    ]),
    "Sakhra": ("ayesha", [
        (220, ("low", "high", "low", "low", "medium", "low", "low"), "low",
         "Shopkeepers refuse returnees' families; threats reported in the bazaar."),
        (35, ("medium", "high", "medium", "low", "medium", "medium", "low"), "low",
         "Less hostility after the meeting in the bazaar, but women were not heard."),
    ]),
    "Mingora Mohalla 4": ("ayesha", [
        (150, ("medium", "medium", "high", "medium", "medium", "medium", "high"), "moderate",
         "Services are close by; some neighbours still wary."),
        (20, ("high", "low", "high", "medium", "high", "high", "high"), "high",
         "The youth league brought families together; the mohalla is ready."),
    ]),
}  # fmt: skip


def load_demo_readiness(swat: District) -> None:
    """Readiness assessed two or three times, months apart, in three Swat communities, by
    their committee member or the programme manager (first load only)."""
    today = timezone.localdate()
    for name, (username, rounds) in READINESS.items():
        community = Community.objects.filter(tehsil__district=swat, name=name).first()
        if community is None or readiness.assessments_of(community).exists():
            continue
        assessor = User.objects.filter(username=username).first() or SYSTEM
        for ago, levels, overall, rationale in rounds:
            on = today - datetime.timedelta(days=ago)
            draft = readiness.start_readiness_assessment(
                actor=assessor, community=community, assessed_on=on
            )
            assessments.complete_assessment(
                actor=assessor,
                assessment=draft,
                expected_version=draft.version,
                answers=dict(zip(READINESS_ITEMS, levels, strict=True)),
                judgement=assessments.Judgement({}, overall, rationale),
                assessed_on=on,
            )


def load_demo_communities(orgs: dict[str, Organisation], swat: District) -> None:
    """Committees and dialogues for the demo's Swat communities (first load only)."""
    today = timezone.localdate()
    for name, organisation_name in COMMITTEES.items():
        community = Community.objects.filter(tehsil__district=swat, name=name).first()
        if community is None or Committee.objects.filter(community=community).exists():
            continue
        if organisation_name is None:
            organisation = orgs["committee"]
        else:
            organisation = Organisation.objects.filter(
                name=organisation_name
            ).first() or organisations.register_organisation(
                actor=SYSTEM,
                name=organisation_name,
                kind=OrganisationKind.COMMUNITY_COMMITTEE,
                district=swat,
                description="A village reintegration committee (fictional).",
            )
        committee = services.form_committee(
            actor=SYSTEM,
            community=community,
            organisation=organisation,
            formed_on=today - datetime.timedelta(days=400),
        )
        for member_name, role, sex, age_band in MEMBERS[name]:
            services.add_committee_member(
                actor=SYSTEM,
                committee=committee,
                name=member_name,
                role=role,
                sex=sex,
                age_band=age_band,
                joined_on=today - datetime.timedelta(days=380),
            )
    for (name, kind, ago, topic, facilitator, men, women, young_men, young_women, decisions,
         follow_ups, due) in DIALOGUES:  # fmt: skip
        community = Community.objects.filter(tehsil__district=swat, name=name).first()
        if community is None:
            continue
        services.record_dialogue(
            actor=SYSTEM,
            community=community,
            kind=kind,
            held_on=today - datetime.timedelta(days=ago),
            topic=topic,
            facilitator=facilitator,
            men=men,
            women=women,
            young_men=young_men,
            young_women=young_women,
            decisions=decisions,
            follow_ups=follow_ups,
            follow_up_by=today + datetime.timedelta(days=due) if due is not None else None,
        )
    load_demo_readiness(swat)


def load_demo_beneficiaries(cases: list[Case]) -> None:
    """Families and receiving communities as beneficiaries, through the real services: one
    family's support plan with a family session, a relative's own consent and a service she
    receives; community-benefit support with the placements of returning cases (a livelihood
    grant paid, training paid, a repair still planned). All invented."""
    from bahali.casework import services as casework
    from bahali.casework.services import AttendanceLine
    from bahali.referrals import services as referrals
    from bahali.referrals.models import FamilySupportPlan, Service

    today = timezone.localdate()
    returning = [
        c
        for c in cases
        if c.is_open
        and c.receiving_community_id is not None
        and (c.phase.is_aftercare or c.phase.code in {"transition", "reintegration", "halfway"})
    ]
    if not returning or FamilySupportPlan.objects.filter(case__in=returning).exists():
        return
    family_case = next((c for c in returning if c.family.exists()), None)
    if family_case is not None:
        lead = _lead_of(family_case) or SYSTEM
        mother = family_case.family.order_by("pk").first()
        referrals.save_family_plan(
            actor=lead,
            case=family_case,
            needs=(
                "The family lost its income while he was away: the mother sells vegetables and "
                "needs a steadier livelihood. The younger brother left school. Neighbours avoid "
                "the family since his arrest."
            ),
            agreed_on=max(family_case.opened_on, today - datetime.timedelta(days=40)),
            review_on=today + datetime.timedelta(days=50),
        )
        if mother is not None:
            casework.record_session(
                actor=lead,
                kind="family",
                format="family",
                held_on=max(family_case.opened_on, today - datetime.timedelta(days=30)),
                duration_minutes=60,
                topic="What the family needs now he is coming home",
                attendances=[AttendanceLine(case=family_case)],
                family_attendees=[mother],
            )
            referrals.record_family_consent(
                actor=lead,
                member=mother,
                share_with="civil_society",
                method="thumbprint",
                given_on=max(family_case.opened_on, today - datetime.timedelta(days=30)),
            )
            literacy = Service.objects.filter(
                name="Adult literacy classes", districts=family_case.district
            ).first()
            if literacy is not None:
                referral = referrals.refer(
                    actor=lead,
                    case=family_case,
                    service_item=literacy,
                    need="His mother wants to read the letters from the programme herself.",
                    family_member=mother,
                    sent_on=max(family_case.opened_on, today - datetime.timedelta(days=25)),
                )
                referrals.respond_to_referral(
                    actor=SYSTEM, referral=referral, accept=True, note="Joins the women's class."
                )
                referrals.complete_referral(
                    actor=SYSTEM,
                    referral=referral,
                    feedback="Attends twice a week; reads simple Urdu.",
                )
    plan = [
        # kind, description, amount, members reached, paid?
        ("livelihood_grant", "Grants for five households to restart poultry farming",
         "150000", 5, True),
        ("skills_training", "Mobile-phone repair course for young men of the village",
         "60000", 12, True),
        ("infrastructure", "Repair of the girls' primary school roof", "90000", 140, False),
    ]  # fmt: skip
    for number, (kind, description, amount, reached, paid) in enumerate(plan):
        case = returning[number % len(returning)]
        lead = _lead_of(case) or SYSTEM
        benefit = services.record_community_benefit(
            actor=lead,
            case=case,
            kind=kind,
            description=description,
            amount=decimal.Decimal(amount),
            beneficiaries=reached,
            provided_on=today - datetime.timedelta(days=20 - 5 * number),
            organisation=case.lead_organisation,
        )
        if paid:
            services.mark_benefit_paid(
                actor=lead,
                benefit=benefit,
                paid_on=today - datetime.timedelta(days=15 - 5 * number),
            )


def _lead_of(case: Case) -> Any:
    from bahali.cases.models import CaseRole

    member = (
        case.team.filter(case_role=CaseRole.LEAD_CASE_WORKER, left_on__isnull=True)
        .select_related("membership__user")
        .first()
    )
    return member.membership.user if member else None
