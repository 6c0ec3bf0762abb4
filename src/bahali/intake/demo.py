"""Demo intake: published criteria (the community programme's in two versions, the prison
programme's), and referrals in every state — waiting, deferred, eligible, enrolled, refused
for several reasons, referred elsewhere. All people invented.

The centre programme publishes no criteria in the demo: it still enrols directly, as the
pathway's browser journeys do."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from bahali.cases.demo import DemoCases
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.intake import services
from bahali.intake.models import ArmedGroup, Referral
from bahali.programmes.models import Programme
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose, Participant

NAMES = ["Gul Rehman", "Asfandyar", "Mir Hassan", "Sajjad Ali", "Shah Faisal", "Jehanzeb",
         "Obaidullah", "Hamid Gul", "Anwar Zeb", "Karim Dad", "Niaz Wali", "Fazal Rabi",
         "Tor Gul", "Sher Zaman", "Wahid Ullah", "Bakht Zada", "Amir Nawaz", "Roshan Khan",
         "Dilawar", "Sadiq Jan", "Mehboob", "Inam Ullah"]  # fmt: skip
FATHERS = ["Mian Gul", "Sultan Zeb", "Nek Muhammad", "Amir Zada", "Khan Zeb", "Pir Muhammad"]

# source, referrer, days ago, age, involvement, accountability, voluntary, outcome, grounds
# (outcome "" leaves the referral waiting; "enrolled" is eligible then enrolled)
REFERRALS = [
    ("security_forces", "District Security Liaison Office Swat", 3, 24, "member",
     "no_pending_charge", True, "", ""),
    ("family", "His elder brother", 1, 19, "supporter", "no_pending_charge", True, "", ""),
    ("court", "Anti-terrorism court, Swat (diversion order)", 30, 22, "member",
     "diverted_by_court", True, "deferred",
     "Waiting for the court's written order before deciding."),
    ("self", "Came to the centre himself", 20, 27, "supporter", "no_pending_charge", True,
     "eligible", "All criteria met; wants vocational training."),
    ("community", "Elders of Shah Dheri", 25, 23, "sympathiser", "no_pending_charge", True,
     "eligible", "All criteria met; the family supports his return."),
    ("cso", "Aman Welfare Society outreach", 40, 31, "member", "no_pending_charge", True,
     "eligible", "All criteria met."),
    ("security_forces", "District Security Liaison Office Swat", 45, 26, "member",
     "diverted_by_court", True, "eligible", "All criteria met after the diversion order."),
    ("family", "His mother, through the committee", 60, 21, "supporter", "no_pending_charge",
     True, "enrolled", "All criteria met; consent and pledge taken."),
    ("security_forces", "District Security Liaison Office Swat", 70, 29, "member",
     "no_pending_charge", True, "enrolled", "All criteria met."),
    ("court", "Sessions court, Mingora", 50, 44, "member", "no_pending_charge", True,
     "not_eligible", "Above the programme's age range; referred for counselling."),
    ("security_forces", "District Security Liaison Office Swat", 55, 35, "leader",
     "no_pending_charge", True, "not_eligible",
     "A commander: this programme does not admit leaders."),
    ("security_forces", "District Security Liaison Office Swat", 65, 28, "member",
     "pending_serious_charge", True, "not_eligible",
     "A charge for serious violence is pending before the court."),
    ("family", "His uncle", 35, 25, "supporter", "no_pending_charge", False, "not_eligible",
     "He says he does not want to take part; participation is voluntary."),
    ("community", "Elders of Sakhra", 38, 30, "mid_level", "serving_sentence", True,
     "not_eligible", "Serving a sentence and a mid-level commander."),
    ("cso", "Sahar Women's Development Forum", 15, 17, "sympathiser", "no_pending_charge",
     True, "referred_elsewhere", "A juvenile: the juvenile programme is the right place."),
]  # fmt: skip


GROUPS = ["Black Ridge Front", "Valley Lashkar", "Northern Brotherhood"]  # invented
ROLES = [["fighter"], ["logistics"], ["recruitment", "propaganda"], ["finance"], ["other"],
         ["fighter", "logistics"]]  # fmt: skip
JOINED = ["voluntary", "coerced", "born_into"]


def _classify(participant: Participant, index: int, age: int, involvement: str) -> None:
    groups = list(ArmedGroup.objects.order_by("pk"))
    services.record_classification(
        actor=SYSTEM,
        participant=participant,
        group=groups[index % len(groups)],
        involvement=involvement,
        roles=ROLES[index % len(ROLES)],
        joined=JOINED[index % len(JOINED)],
        # a few began as children (flagged): the juvenile and two of the adults
        age_at_first_involvement=age - (3 if index % 5 else 8),
        months_in_group=6 + 5 * index,
    )


def _enroller() -> Any:
    """Sana enrols (and so leads the case), where the demo has her."""
    from bahali.accounts.models import User

    sana = User.objects.filter(username="sana").first()
    return sana if sana is not None else SYSTEM


def _criteria(programmes: dict[str, Programme], swat: District) -> None:
    bajaur = District.objects.filter(code="BJR").first()
    homes = [d for d in (swat, bajaur) if d is not None]
    community = programmes["community"]
    services.publish_criteria(
        actor=SYSTEM,
        programme=community,
        min_age=18,
        max_age=35,
        involvement_levels=["sympathiser", "supporter", "member"],
        accountability=["no_pending_charge", "diverted_by_court"],
        voluntary_required=True,
        residence=homes,
        note="First published criteria.",
    )
    services.publish_criteria(
        actor=SYSTEM,
        programme=community,
        min_age=18,
        max_age=40,
        involvement_levels=["sympathiser", "supporter", "member"],
        accountability=["no_pending_charge", "diverted_by_court"],
        voluntary_required=True,
        residence=homes,
        note="Upper age raised to 40 after the review board's advice.",
    )
    services.publish_criteria(
        actor=SYSTEM,
        programme=programmes["prison"],
        min_age=18,
        accountability=["serving_sentence", "diverted_by_court"],
        voluntary_required=True,
        note="Adults serving a sentence or diverted by a court.",
    )


def load_demo_intake(world: DemoCases) -> None:
    """Once: a second run finds referrals and stops."""
    if Referral.objects.exists():
        return
    orgs = world.organisations
    swat = world.district
    programmes = {
        p.code: p for p in Programme.objects.filter(code__in=["centre", "prison", "community"])
    }
    if len(programmes) < 3:
        return
    for name in GROUPS:
        services.add_group(actor=SYSTEM, name=name)
    _criteria(programmes, swat)
    services.set_legal_basis(
        actor=SYSTEM,
        programme=programmes["centre"],
        kind="law",
        reference="Khyber Pakhtunkhwa Rehabilitation and Reintegration Act (invented), s. 4",
        reports_to="Provincial Human Rights Oversight Commission",
    )
    services.set_legal_basis(
        actor=SYSTEM,
        programme=programmes["prison"],
        kind="order",
        reference="Home Department order on prison de-radicalisation work (invented), no. 12",
        reports_to="Inspector General of Prisons",
    )
    # the community programme has none recorded: the oversight report flags it
    community = programmes["community"]
    today = timezone.localdate()
    for index, row in enumerate(REFERRALS):
        source, referrer, days, age, involvement, accountability, voluntary, outcome, grounds = row
        participant = registry.register_participant(
            actor=SYSTEM,
            identity=registry.Identity(
                name=NAMES[index % len(NAMES)],
                father_name=FATHERS[index % len(FATHERS)],
                birth_year=today.year - age,
            ),
            sex="m",
            district=swat,
            languages="ps,ur",
            organisation=orgs["centre"],
        )
        referral = services.record_referral(
            actor=SYSTEM,
            participant=participant,
            source=source,
            referrer=referrer,
            referring_organisation=orgs["security"] if source == "security_forces" else None,
            referred_on=today - datetime.timedelta(days=days),
            from_district=swat,
            from_place="Matta" if index % 2 else "Mingora",
            programme=community,
            organisation=orgs["centre"],
        )
        _classify(participant, index, age, involvement)
        if not outcome:
            continue
        decision = "eligible" if outcome == "enrolled" else outcome
        services.screen_referral(
            actor=SYSTEM,
            referral=referral,
            outcome=decision,
            grounds=grounds,
            answers=services.Answers(
                age=age,
                involvement=involvement,
                accountability=accountability,
                voluntary=voluntary,
                residence=swat,
            ),
            programme=community if decision in ("eligible", "not_eligible") else None,
            referred_to="Juvenile rehabilitation programme, Peshawar"
            if decision == "referred_elsewhere"
            else "",
        )
        if outcome == "enrolled":
            registry.record_consent(
                actor=SYSTEM,
                participant=participant,
                purpose=ConsentPurpose.PARTICIPATION,
                given_by=Consent.GivenBy.SELF,
                method=Consent.Method.SIGNED,
                given_on=today,
            )
            registry.record_pledge(
                actor=SYSTEM, participant=participant, pledged_on=today, witnesses="Maulana Idris"
            )
            referral.refresh_from_db()
            services.enrol_from_referral(actor=_enroller(), referral=referral)
    # Staff's sex (for the women-and-girls rule only), and a woman enrolled whose team has
    # no woman yet though her centre has a female case worker and psychologist: flagged.
    from bahali.accounts.models import User

    for user in User.objects.filter(
        username__in=["sana", "farah", "ayesha", "nadia", "zainab", "idris", "tariq", "bilal"]
    ):
        services.record_staff_sex(
            actor=SYSTEM,
            user=user,
            sex="m" if user.username in {"idris", "tariq", "bilal"} else "f",
        )
    woman = registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(
            name="Bibi Zarmina", father_name="Sher Bahadur", birth_year=1999
        ),
        sex="f",
        district=swat,
        languages="ps",
        organisation=orgs["centre"],
    )
    registry.record_consent(
        actor=SYSTEM,
        participant=woman,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=today,
    )
    registry.record_pledge(
        actor=SYSTEM, participant=woman, pledged_on=today, witnesses="Her mother"
    )
    _classify(woman, 1, today.year - 1999, "supporter")
    referral = services.record_referral(
        actor=SYSTEM,
        participant=woman,
        source="family",
        referrer="Her mother",
        referred_on=today - datetime.timedelta(days=12),
        from_district=swat,
        programme=community,
        organisation=orgs["centre"],
    )
    services.screen_referral(
        actor=SYSTEM,
        referral=referral,
        outcome="eligible",
        grounds="All criteria met; wants to return to her village with her children.",
        answers=services.Answers(
            age=today.year - 1999,
            involvement="supporter",
            accountability="no_pending_charge",
            voluntary=True,
            residence=swat,
        ),
        programme=community,
    )
    referral.refresh_from_db()
    services.enrol_from_referral(actor=_enroller(), referral=referral)
    # A leader serving a sentence, eligible for the prison programme: the programme asks a
    # programme manager to confirm before enrolment (the extra gate by classification).
    leader = registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(name="Zarawar Khan", father_name="Malik Dost", birth_year=1984),
        sex="m",
        district=swat,
        languages="ps",
        organisation=orgs["centre"],
    )
    _classify(leader, 3, today.year - 1984, "leader")
    referral = services.record_referral(
        actor=SYSTEM,
        participant=leader,
        source="court",
        referrer="Sessions court, Mingora",
        referred_on=today - datetime.timedelta(days=8),
        from_district=swat,
        programme=programmes["prison"],
        organisation=orgs["centre"],
    )
    services.screen_referral(
        actor=SYSTEM,
        referral=referral,
        outcome="eligible",
        grounds="Meets the prison programme's criteria; a leader, so the manager confirms.",
        answers=services.Answers(
            age=today.year - 1984, accountability="serving_sentence", voluntary=True
        ),
        programme=programmes["prison"],
    )
