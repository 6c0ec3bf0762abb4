"""Synthetic demo data: invented organisations and people, one account per role.

Nothing here describes a real person. Loading twice changes nothing the second time
(besides the password, which follows ``BAHALI_DEMO_PASSWORD``).
"""

from __future__ import annotations

import os
import time
from base64 import b32decode
from collections.abc import Callable
from dataclasses import dataclass

from django_otp.oath import totp

from bahali.accounts import policies
from bahali.accounts import services as accounts
from bahali.accounts.models import User
from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM, service
from bahali.geography import services as geography
from bahali.geography.models import Community, District, Tehsil
from bahali.organisations import services as organisations
from bahali.organisations.models import Organisation
from bahali.organisations.models import OrganisationKind as Kind

DEFAULT_PASSWORD = "bahali-demo-2026"  # noqa: S105 - the documented demo password
# The documented authenticator key of every demo account that signs in with two factors
# (base32, as authenticator apps take it): one entry in an app serves them all.
DEFAULT_AUTHENTICATOR_KEY = "BAHALIDEMOKEYFORTHESYNTHETICDEMO"


def demo_password() -> str:
    return os.environ.get("BAHALI_DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_authenticator_key() -> str:
    """The demo accounts' authenticator key, base32 (``BAHALI_DEMO_AUTHENTICATOR_KEY``)."""
    key = os.environ.get("BAHALI_DEMO_AUTHENTICATOR_KEY") or DEFAULT_AUTHENTICATOR_KEY
    return key.replace(" ", "").upper()


def demo_code() -> tuple[str, int]:
    """The code an authenticator app with the demo key shows now, and its seconds left."""
    now = int(time.time())
    value = totp(b32decode(demo_authenticator_key()), step=30, t0=0, digits=6)
    return str(value).zfill(6), 30 - now % 30


ORGANISATIONS = [
    # key, name, short name, kind, district, description
    (
        "centre",
        "Roshan Rehabilitation Centre",
        "Roshan Centre",
        Kind.REHABILITATION_CENTRE,
        "SWT",
        "Residential centre for adults (fictional, for the demo).",
    ),
    (
        "prison",
        "Swat Central Prison Welfare Wing",
        "Prison Welfare",
        Kind.PRISON_SERVICE,
        "SWT",
        "Counselling and family work inside the prison (fictional).",
    ),
    (
        "aman",
        "Aman Welfare Society",
        "Aman",
        Kind.CIVIL_SOCIETY,
        "SWT",
        "Vocational training, mentoring and family support in Swat (fictional).",
    ),
    (
        "sahar",
        "Sahar Women's Development Forum",
        "Sahar",
        Kind.CIVIL_SOCIETY,
        "BJR",
        "A grassroots women's group in Bajaur (fictional).",
    ),
    (
        "committee",
        "Matta Village Reintegration Committee",
        "Matta Committee",
        Kind.COMMUNITY_COMMITTEE,
        "SWT",
        "Elders, the imam, a teacher, a women's and a youth representative (fictional).",
    ),
    (
        "security",
        "District Security Liaison Office Swat",
        "DSLO Swat",
        Kind.SECURITY_LIAISON,
        "SWT",
        "Refers cases and follows phase and risk band only (fictional).",
    ),
    (
        "oversight",
        "Provincial Human Rights Oversight Commission",
        "PHROC",
        Kind.OVERSIGHT_BODY,
        "PEW",
        "Independent oversight of rights safeguards (fictional).",
    ),
    (
        "lead",
        "KP Rehabilitation Programme Directorate",
        "Directorate",
        Kind.LEAD_AGENCY,
        "PEW",
        "Leads the programme; programme managers and data stewards (fictional).",
    ),
    (
        "donor",
        "Peace Futures Fund",
        "PFF",
        Kind.DONOR,
        "ISB",
        "Funds prevention work; sees aggregate figures only (fictional).",
    ),
]

USERS = [
    # username, first, last, organisation key, role, districts
    ("sana", "Sana", "Gul", "centre", Role.CASE_WORKER, ["SWT"]),
    ("farah", "Farah", "Naz", "centre", Role.PSYCHOLOGIST, ["SWT"]),
    ("idris", "Idris", "Shah", "centre", Role.RELIGIOUS_SCHOLAR, ["SWT"]),
    ("bilal", "Bilal", "Ahmad", "aman", Role.TRAINER, ["SWT"]),
    ("yousaf", "Yousaf", "Khan", "aman", Role.MENTOR, ["SWT"]),
    ("tariq", "Tariq", "Jan", "prison", Role.CASE_WORKER, ["SWT"]),
    ("rahim", "Rahim", "Dad", "committee", Role.COMMITTEE_MEMBER, ["SWT"]),
    ("ayesha", "Ayesha", "Malik", "lead", Role.PROGRAMME_MANAGER, ["SWT", "BJR"]),
    ("khalid", "Khalid", "Mehmood", "security", Role.SECURITY_LIAISON, ["SWT"]),
    ("nadia", "Nadia", "Hussain", "oversight", Role.OVERSIGHT_MONITOR, []),
    ("omar", "Omar", "Farooq", "lead", Role.DATA_STEWARD, ["SWT", "BJR"]),
    ("zainab", "Zainab", "Qureshi", "donor", Role.ANALYST, []),
]
# A second role in another organisation, to show acting for more than one.
EXTRA_MEMBERSHIPS = [("yousaf", "sahar", Role.MENTOR, ["BJR"])]

SWAT_TEHSILS = [
    ("Babuzai", "بابوزئی"),
    ("Barikot", "بریکوٹ"),
    ("Kabal", "کبل"),
    ("Matta", "مٹہ"),
    ("Khwazakhela", "خوازہ خیلہ"),
    ("Charbagh", "چار باغ"),
    ("Bahrain", "بحرین"),
]
COMMUNITIES = [
    ("Matta", "Shah Dheri", "شاہ ڈھیری"),
    ("Matta", "Sakhra", "سخرہ"),
    ("Kabal", "Dherai", "ڈھیرئی"),
    ("Babuzai", "Mingora Mohalla 4", "مینگورہ محلہ ۴"),
]


@dataclass(frozen=True)
class DemoWorld:
    """What the platform's demo gives the apps' demo loaders to build on."""

    organisations: dict[str, Organisation]  # by the keys of ORGANISATIONS
    district: District  # Swat, where the demo's people live
    progress: Callable[[str], None]  # hears each step as it starts


DemoLoader = Callable[[DemoWorld], None]
# The apps' demo loaders (registry participants, cases, ...), by name: (order, loader). Each
# app registers its own from ``AppConfig.ready``, so core imports none of them; a loader runs
# after those of lower order, whose rows it may build on.
LOADERS: dict[str, tuple[int, DemoLoader]] = {}
# What ``bahali demo`` prints as each loader starts (its name when none was given).
STEPS: dict[str, str] = {}


def register_loader(name: str, loader: DemoLoader, *, order: int, step: str = "") -> None:
    """Have ``load_demo`` call ``loader`` after the platform's data (registering the same
    name again replaces it); ``step`` is what the demo command prints as it starts."""
    LOADERS[name] = (order, loader)
    STEPS[name] = step or name


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organisation: str
    second_factor: bool = False  # signs in with the demo authenticator key's code too


def _quiet(step: str) -> None:
    """No progress report (tests, callers that need none)."""


@service
def load_demo(*, actor: object, progress: Callable[[str], None] = _quiet) -> list[DemoAccount]:
    """Create (once) the demo geography, organisations and one account per role, then
    whatever the apps' registered loaders add (participants, programmes, cases, ...).
    ``progress`` hears each step as it starts: a first load takes a minute or so."""
    progress("Geography and communities")
    geography.load_pakistan_geography(actor=SYSTEM)
    swat = District.objects.get(code="SWT")
    tehsils = {}
    for name, name_ur in SWAT_TEHSILS:
        tehsils[name] = Tehsil.objects.filter(district=swat, name=name).first() or (
            geography.add_tehsil(actor=SYSTEM, district=swat, name=name, name_ur=name_ur)
        )
    for tehsil_name, name, name_ur in COMMUNITIES:
        tehsil = tehsils[tehsil_name]
        if not Community.objects.filter(tehsil=tehsil, name=name).exists():
            geography.add_community(actor=SYSTEM, tehsil=tehsil, name=name, name_ur=name_ur)

    progress("Organisations and accounts")
    orgs = {}
    for key, name, short, kind, district_code, description in ORGANISATIONS:
        orgs[key] = Organisation.objects.filter(name=name).first() or (
            organisations.register_organisation(
                actor=SYSTEM,
                name=name,
                short_name=short,
                kind=kind,
                district=District.objects.get(code=district_code),
                description=description,
            )
        )

    password = demo_password()
    accounts_out = []
    grants = [(u, o, r, d) for u, _f, _l, o, r, d in USERS] + EXTRA_MEMBERSHIPS
    for username, first, last, *_rest in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            accounts.create_user(
                actor=SYSTEM, username=username, password=password, first_name=first, last_name=last
            )
        elif not user.check_password(password):
            accounts.set_password(actor=SYSTEM, user=user, password=password)
    for username, key, role, codes in grants:
        user = User.objects.get(username=username)
        accounts.grant_membership(
            actor=SYSTEM,
            user=user,
            organisation=orgs[key],
            role=role,
            districts=District.objects.filter(code__in=codes),
        )
        accounts_out.append(DemoAccount(username, str(Role(role).label), orgs[key].name))
    key_hex = b32decode(demo_authenticator_key()).hex()
    for username, *_rest in USERS:
        user = User.objects.get(username=username)
        user.forget_memberships()
        if policies.requires_second_factor(user):
            accounts.set_up_known_authenticator(actor=SYSTEM, user=user, key=key_hex)
    with_code = {
        username
        for username, *_rest in USERS
        if accounts.has_second_factor(User.objects.get(username=username))
    }
    accounts_out = [
        DemoAccount(a.username, a.role, a.organisation, a.username in with_code)
        for a in accounts_out
    ]
    world = DemoWorld(organisations=orgs, district=swat, progress=progress)
    for _order, name, loader in sorted(
        (order, name, loader) for name, (order, loader) in LOADERS.items()
    ):
        progress(STEPS.get(name, name))
        loader(world)
    return accounts_out
