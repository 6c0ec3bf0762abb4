"""Demo prevention data across fourteen districts of Khyber Pakhtunkhwa, made so each kind
of gap flag shows (JOURNEYS.md 6): Bajaur with high need, two unfunded initiatives, no
woman reached and no state partner; North Waziristan with no initiative; Bannu with
initiatives and no activity; Dera Ismail Khan reaching few youth; Swat well covered with a
receiving community left out. All organisations, names and figures are invented.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from bahali.accounts.models import User
from bahali.core.context import SYSTEM
from bahali.geography.models import Community, District
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.prevention import services
from bahali.prevention.models import AdviceContact, Indicator, Initiative, SurveyRound

INDICATORS = [
    # code, name, higher is need
    ("population", "Population", True),
    ("returnees", "Returnees", True),
    ("violence_incidents", "Incidents of violence", True),
    ("youth_unemployment", "Youth unemployment (%)", True),
    ("literacy", "Literacy (%)", False),
]
# district: population, returnees, incidents, youth unemployment, literacy (invented)
PROFILES = {
    "PEW": (4_760_000, 120, 95, 18, 61),
    "CHR": (1_830_000, 60, 30, 20, 54),
    "NSR": (1_740_000, 45, 22, 19, 58),
    "MRD": (2_750_000, 50, 25, 21, 55),
    "KHY": (1_150_000, 410, 140, 31, 34),
    "MMD": (550_000, 260, 70, 33, 30),
    "SWT": (2_310_000, 520, 60, 26, 49),
    "LDR": (1_650_000, 240, 45, 27, 52),
    "UDR": (1_080_000, 200, 40, 29, 47),
    "BJR": (1_290_000, 640, 120, 35, 27),
    "BNU": (1_360_000, 380, 85, 30, 40),
    "NWZ": (690_000, 700, 210, 38, 28),
    "DIK": (1_630_000, 300, 75, 28, 45),
    "KRM": (785_000, 330, 110, 32, 38),
}
GROUPS = [
    # key, name, kind, home district
    ("roshni", "Roshni Youth Network", OrganisationKind.CIVIL_SOCIETY, "PEW"),
    ("ittehad", "Ittehad Interfaith Forum", OrganisationKind.CIVIL_SOCIETY, "PEW"),
    ("sehat", "Sehat-e-Zehan Counselling Trust", OrganisationKind.CIVIL_SOCIETY, "SWT"),
    ("khyber_radio", "Khyber Awaz Community Radio", OrganisationKind.CIVIL_SOCIETY, "KHY"),
    ("daman", "Daman Livelihoods Cooperative", OrganisationKind.CIVIL_SOCIETY, "DIK"),
    ("kurram", "Kurram Elders' Peace Council", OrganisationKind.CIVIL_SOCIETY, "KRM"),
]
YEAR_DAYS = 365

# name, lead (demo or group key), kind, districts, started (days ago), ends in (days; None:
# open), partners, frameworks, grants [(funder, amount, from days ago, until in days)],
# activities [(days ago, channel, reach per band ×6)] repeated ``times``
F, M = "female", "male"
INITIATIVES = [
    (
        "Bajaur Youth Cricket for Peace",
        "aman",
        "sports_arts",
        ["BJR"],
        300,
        200,
        [],
        [],
        [("community", 400_000, 300, 40)],
        [(20, "in_person", (0, 0, 0, 10, 45, 6))],
        3,
    ),
    (
        "Bajaur Madrassa Teachers' Dialogue",
        "aman",
        "religious_education",
        ["BJR"],
        200,
        None,
        [],
        [],
        [],
        [(35, "in_person", (0, 0, 0, 0, 8, 22))],
        2,
    ),
    (
        "Swat Digital Shield",
        "aman",
        "digital_literacy",
        ["SWT"],
        400,
        500,
        ["lead"],
        ["nap_14"],
        [("donor", 6_000_000, 400, 500)],
        [(15, "in_person", (4, 30, 6, 5, 28, 4))],
        4,
    ),
    (
        "Swat Mothers' Circles",
        "sahar",
        "family_networks",
        ["SWT"],
        500,
        400,
        ["lead"],
        ["paigham_e_pakistan"],
        [("donor", 3_500_000, 500, 400)],
        [(25, "in_person", (0, 12, 25, 0, 0, 0))],
        4,
    ),
    (
        "Swat Livelihood Bridges",
        "aman",
        "livelihood",
        ["SWT"],
        600,
        300,
        ["lead", "prison"],
        ["nap_19"],
        [("government", 9_000_000, 600, 300)],
        [(40, "in_person", (0, 10, 5, 0, 30, 10))],
        4,
    ),
    (
        "Voices of Khyber (radio)",
        "khyber_radio",
        "counter_narrative",
        ["KHY"],
        700,
        400,
        ["lead"],
        ["nap_5", "paigham_e_pakistan"],
        [("donor", 5_000_000, 700, 400)],
        [(10, "radio", (60, 220, 140, 70, 260, 150))],
        3,
    ),
    (
        "Swat Counselling Corners",
        "sehat",
        "psychosocial",
        ["SWT"],
        300,
        400,
        ["lead"],
        ["ncve_policy"],
        [("donor", 2_000_000, 300, 400)],
        [(12, "in_person", (2, 9, 6, 3, 11, 4))],
        4,
    ),
    (
        "Swat Imams for Peace",
        "centre",
        "religious_education",
        ["SWT"],
        380,
        420,
        ["lead"],
        ["paigham_e_pakistan"],
        [("government", 2_800_000, 380, 420)],
        [(21, "in_person", (0, 0, 0, 0, 20, 35))],
        3,
    ),
    (
        "Peshawar Campus Peace Clubs",
        "roshni",
        "youth_engagement",
        ["PEW", "CHR", "NSR"],
        500,
        600,
        ["lead"],
        ["ncve_policy"],
        [("donor", 8_000_000, 500, 600)],
        [(18, "in_person", (5, 70, 4, 6, 80, 5))],
        5,
    ),
    (
        "Peshawar Interfaith Dialogues",
        "ittehad",
        "interfaith_dialogue",
        ["PEW", "MRD"],
        800,
        700,
        ["lead"],
        ["paigham_e_pakistan"],
        [("government", 4_000_000, 800, 700)],
        [(22, "in_person", (0, 25, 30, 0, 30, 40))],
        4,
    ),
    (
        "Peshawar Online Literacy",
        "roshni",
        "digital_literacy",
        ["PEW", "MRD", "CHR", "NSR"],
        250,
        500,
        ["lead"],
        ["nap_14"],
        [("donor", 6_500_000, 250, 500)],
        [(9, "social_media", (20, 150, 30, 25, 170, 35))],
        4,
    ),
    (
        "Khyber Women's Skills Centres",
        "sahar",
        "women_empowerment",
        ["KHY", "MMD"],
        350,
        450,
        ["lead"],
        ["nap_19"],
        [("donor", 3_000_000, 350, 450)],
        [(14, "in_person", (0, 40, 22, 0, 0, 0))],
        4,
    ),
    (
        "Khyber Youth Livelihoods",
        "khyber_radio",
        "livelihood",
        ["KHY", "MMD"],
        320,
        300,
        ["lead"],
        [],
        [("government", 2_500_000, 320, 300)],
        [(30, "in_person", (0, 8, 2, 0, 40, 8))],
        4,
    ),
    (
        "Dir Valley Schools Curriculum",
        "lead",
        "cve_curricula",
        ["LDR", "UDR"],
        500,
        500,
        [],
        ["ncve_policy"],
        [("government", 7_000_000, 500, 500)],
        [(28, "in_person", (60, 40, 2, 70, 45, 3))],
        4,
    ),
    (
        "Dir Family Networks",
        "sahar",
        "family_networks",
        ["LDR", "UDR"],
        420,
        500,
        ["lead"],
        [],
        [("donor", 1_500_000, 420, 500)],
        [(33, "in_person", (0, 15, 30, 0, 5, 12))],
        3,
    ),
    (
        "Bannu Dialogue Jirgas",
        "kurram",
        "interfaith_dialogue",
        ["BNU"],
        60,
        300,
        [],
        [],
        [("own", 300_000, 60, 300)],
        [],
        0,
    ),
    ("Bannu Youth Hubs", "roshni", "youth_engagement", ["BNU"], 45, 365, [], [], [], [], 0),
    (
        "D.I. Khan Farmers' Cooperatives",
        "daman",
        "livelihood",
        ["DIK"],
        500,
        400,
        ["lead"],
        ["nap_19"],
        [("donor", 4_500_000, 500, 400)],
        [(16, "in_person", (0, 2, 40, 0, 4, 90))],
        4,
    ),
    (
        "D.I. Khan Elders' Peace Forums",
        "daman",
        "interfaith_dialogue",
        ["DIK"],
        300,
        400,
        [],
        [],
        [("community", 600_000, 300, 400)],
        [(26, "in_person", (0, 0, 20, 0, 3, 55))],
        3,
    ),
    (
        "Kurram Peace Council",
        "kurram",
        "interfaith_dialogue",
        ["KRM"],
        700,
        None,
        ["lead"],
        ["paigham_e_pakistan"],
        [("own", 500_000, 700, 60)],
        [(19, "in_person", (0, 4, 12, 0, 25, 40))],
        4,
    ),
]
# caller, concern, district, days ago, advice, referral, referred to
ADVICE = [
    (
        "parent",
        "online_content",
        "SWT",
        3,
        "Talk with him about the videos; keep the phone in shared rooms at night.",
        "service",
        "Sehat-e-Zehan Counselling Trust",
    ),
    (
        "teacher",
        "changed_behaviour",
        "SWT",
        9,
        "Involve the family; watch for withdrawal; call again in two weeks.",
        "none",
        "",
    ),
    (
        "imam",
        "recruiter_contact",
        "BJR",
        12,
        "Do not confront the recruiter; the family to speak with the district programme.",
        "programme",
        "Community reintegration programme",
    ),
    (
        "parent",
        "online_content",
        "PEW",
        20,
        "Digital-literacy sessions for the family; settings to report content.",
        "service",
        "Peshawar Online Literacy",
    ),
    (
        "relative",
        "returning_relative",
        "SWT",
        25,
        "How the committee prepares a return; what support the family can ask for.",
        "none",
        "",
    ),
    (
        "parent",
        "online_content",
        "SWT",
        30,
        "Keep talking; agree on screen time; counselling offered.",
        "service",
        "Sehat-e-Zehan Counselling Trust",
    ),
    (
        "parent",
        "online_content",
        "SWT",
        41,
        "Shared phone use, and a session with the school counsellor.",
        "none",
        "",
    ),
    (
        "teacher",
        "online_content",
        "SWT",
        47,
        "Class discussion on propaganda; parents informed.",
        "none",
        "",
    ),
    (
        "parent",
        "online_content",
        "SWT",
        55,
        "A mentor from the youth network to meet him.",
        "service",
        "Roshni Youth Network",
    ),
]


def _band(counts: tuple[int, ...]) -> dict[str, int]:
    names = (
        "female_under_15",
        "female_youth",
        "female_30_plus",
        "male_under_15",
        "male_youth",
        "male_30_plus",
    )
    return dict(zip(names, counts, strict=True))


def load_demo_prevention(orgs: dict[str, Organisation]) -> None:
    """Indicators, district profiles, initiatives with grants and activities, advice-line
    contacts and the drivers of the demo's cases; once (a second run finds them)."""
    if Initiative.objects.filter(name=INITIATIVES[0][0]).exists():
        return
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    indicators = {}
    for code, name, higher in INDICATORS:
        indicators[code] = Indicator.objects.filter(code=code).first() or services.define_indicator(
            actor=SYSTEM, code=code, name=name, higher_is_need=higher
        )
    districts = {d.code: d for d in District.objects.filter(code__in=list(PROFILES))}
    for code, values in PROFILES.items():
        for (indicator, _n, _h), value in zip(INDICATORS, values, strict=True):
            for year, factor in ((today.year - 2, Decimal("0.95")), (today.year - 1, Decimal(1))):
                services.set_district_value(
                    actor=SYSTEM,
                    district=districts[code],
                    indicator=indicators[indicator],
                    year=year,
                    value=(Decimal(value) * factor).quantize(Decimal(1)),
                )
    groups = dict(orgs)
    for key, name, org_kind, home in GROUPS:
        groups[key] = Organisation.objects.filter(name=name).first() or _organisation(
            name, org_kind, districts.get(home)
        )
    swat_communities = {c.name: c for c in Community.objects.filter(tehsil__district__code="SWT")}
    for (
        name,
        lead,
        kind,
        codes,
        started,
        ends_in,
        partners,
        frameworks,
        grants,
        activities,
        times,
    ) in INITIATIVES:
        chosen = [districts[c] for c in codes]
        communities = []
        if codes == ["SWT"]:  # Swat's work is in Mingora and Dherai: Sakhra is left out
            communities = [
                c
                for n, c in swat_communities.items()
                if n in ("Mingora Mohalla 4", "Dherai", "Shah Dheri")
            ]
        initiative = services.create_initiative(
            actor=SYSTEM,
            data=services.InitiativeData(
                name=name,
                lead_organisation=groups[lead],
                kind=kind,
                districts=chosen,
                communities=communities,
                starts_on=today - started * day,
                ends_on=today + ends_in * day if ends_in is not None else None,
                partners=[groups[p] for p in partners],
                frameworks=frameworks,
                target_groups=["youth"] if "youth" in kind or "sports" in kind else ["community"],
                messages="Faith teaches mercy; violence betrays it."
                if kind == "counter_narrative"
                else "",
                channels=["radio", "social_media"] if kind == "counter_narrative" else [],
                description="Invented for the demo.",
            ),
        )
        for funder, amount, since, until in grants:
            grant = services.add_grant(
                actor=SYSTEM,
                initiative=initiative,
                funder_kind=funder,
                funder_name="Peace Futures Fund" if funder == "donor" else "",
                amount=amount,
                starts_on=today - since * day,
                ends_on=today + until * day,
            )
            services.add_disbursement(
                actor=SYSTEM, grant=grant, amount=amount * 6 // 10, paid_on=today - since * day
            )
        for ago, channel, counts in activities:
            for n in range(times):
                for district in chosen:
                    services.record_activity(
                        actor=SYSTEM,
                        initiative=initiative,
                        held_on=today - (ago + 45 * n) * day,
                        kind="broadcast" if channel == "radio" else "session",
                        channel=channel,
                        district=district,
                        reach=_band(counts),
                    )
    counsellor = User.objects.filter(username="farah").first()
    line = orgs.get("centre")
    if line is not None and not AdviceContact.objects.exists():
        for caller, concern, code, ago, advice, referral, referred_to in ADVICE:
            services.log_advice_contact(
                actor=counsellor or SYSTEM,
                organisation=line,
                caller_kind=caller,
                concern=concern,
                district=districts.get(code),
                contacted_on=today - ago * day,
                advice=advice,
                referral=referral,
                referred_to=referred_to,
            )
    services.refresh_driver_counts(actor=SYSTEM)
    _load_survey_rounds(groups, swat_communities, today)


# Trust and stigma survey rounds in Swat, a year and a half of them: trust falls in Sakhra
# (no initiative works there) and holds in Mingora, so Swat shows "trust falling"; a
# round of three respondents shows nothing. (community, days ago it ended, respondents,
# trust level 0-4, stigma level 0-4)
SURVEY_ROUNDS = [
    ("Mingora Mohalla 4", 400, 18, 3, 2),
    ("Sakhra", 400, 16, 3, 2),
    ("Mingora Mohalla 4", 200, 20, 3, 2),
    ("Sakhra", 200, 14, 3, 2),
    ("Mingora Mohalla 4", 15, 22, 3, 1),
    ("Sakhra", 15, 24, 1, 3),
    ("Dherai", 15, 3, 2, 2),
]
SURVEY_ITEMS = {
    "trust": ("programme_fair", "programme_safe", "government_listens", "initiative_helps"),
    "stigma": ("avoid_returnees", "no_work"),
}
SCALE = ("strongly_disagree", "disagree", "neutral", "agree", "strongly_agree")


def _load_survey_rounds(
    groups: dict[str, Organisation], communities: dict[str, Community], today: datetime.date
) -> None:
    from bahali.assessments import services as assessments
    from bahali.assessments.models import Instrument

    assessments.load_builtin_instruments(actor=SYSTEM)
    questionnaire = Instrument.objects.get(code="trust_stigma").current_version()
    runner = groups.get("sehat")
    if questionnaire is None or runner is None or SurveyRound.objects.exists():
        return
    day = datetime.timedelta(days=1)
    spread = (0, 1, 0, -1, 0, 1, -1, 0)  # answers scattered around the level
    for name, ago, respondents, trust, stigma in SURVEY_ROUNDS:
        community = communities.get(name)
        if community is None:
            continue
        survey_round = services.plan_survey_round(
            actor=SYSTEM,
            organisation=runner,
            community=community,
            instrument_version=questionnaire,
            starts_on=today - (ago + 30) * day,
            ends_on=today - ago * day,
            planned_sample=respondents + 5,
        )
        for n in range(respondents):
            answers = {}
            for key, level in (("trust", trust), ("stigma", stigma)):
                for i, item in enumerate(SURVEY_ITEMS[key]):
                    place = min(max(level + spread[(n + i) % len(spread)], 0), len(SCALE) - 1)
                    answers[item] = SCALE[place]
            services.record_survey_response(
                actor=SYSTEM,
                survey_round=survey_round,
                answers=answers,
                group=("women", "men", "not_said")[n % 3],
            )
        if ago > 30:
            services.close_survey_round(actor=SYSTEM, survey_round=survey_round)


def _organisation(name: str, kind: str, district: District | None) -> Organisation:
    from bahali.organisations import services as organisations

    return organisations.register_organisation(
        actor=SYSTEM, name=name, kind=kind, district=district, description="Invented for the demo."
    )
