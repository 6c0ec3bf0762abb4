"""Demo participants: invented people for the journeys (JOURNEYS.md), registered once.

Registered as a demo loader from ``RegistryConfig.ready`` (see ``bahali.core.demo``).
Nothing here describes a real person.
"""

from __future__ import annotations

from django.utils import timezone

from bahali.accounts.models import User
from bahali.core.context import SYSTEM
from bahali.core.demo import DemoWorld
from bahali.geography.models import Community
from bahali.organisations.models import OrganisationKind
from bahali.registry import rekeying
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose, LinkRequest, Participant

# The first is the man Sana will meet again.
PARTICIPANTS = [
    # key, name, father, native name, native father, sex, birth year, cnic, org, community
    (
        "rahmat",
        "Muhammad Rahmatullah Khan",
        "Gul Khan",
        "محمد رحمت اللہ خان",
        "گل خان",
        "m",
        2001,
        "",
        "aman",
        "Shah Dheri",
    ),
    ("rahmat2", "Rahmatullah", "Noor Khan", "", "", "m", 1999, "", "aman", "Sakhra"),
    (
        "zarin",
        "Zarin Gul",
        "Sher Zaman",
        "زرین گل",
        "شیر زمان",
        "f",
        1998,
        "1560212345672",
        "sahar",
        "Dherai",
    ),
    (
        "ayaz",
        "Ayaz Ahmad",
        "Fazal Rahim",
        "ایاز احمد",
        "فضل رحیم",
        "m",
        2009,
        "",
        "centre",
        "Shah Dheri",
    ),
    (
        "hamid",
        "Abdul Hamid",
        "Bakht Zada",
        "عبد الحمید",
        "بخت زادہ",
        "m",
        1994,
        "1560298765431",
        "centre",
        "Mingora Mohalla 4",
    ),
]


def load_demo_participants(world: DemoWorld) -> None:
    """The journeys' participants, registered by the organisations that work with them."""
    orgs, swat = world.organisations, world.district
    if Participant.objects.filter(registered_by__in=orgs.values()).exists():
        return
    from_empty = not Participant.objects.exists()
    for key, name, father, native, native_father, sex, year, cnic, org, village in PARTICIPANTS:
        participant = registry.register_participant(
            actor=SYSTEM,
            identity=registry.Identity(
                name=name,
                father_name=father,
                name_native=native,
                father_name_native=native_father,
                birth_year=year,
                cnic=cnic,
            ),
            sex=sex,
            district=swat,
            home_community=Community.objects.get(tehsil__district=swat, name=village),
            languages="ps,ur",
            organisation=orgs[org],
        )
        if key == "rahmat":  # he agreed that rehabilitation centres may receive his record
            registry.record_consent(
                actor=SYSTEM,
                participant=participant,
                purpose=ConsentPurpose.SHARING,
                share_with=OrganisationKind.REHABILITATION_CENTRE,
                given_by=Consent.GivenBy.SELF,
                method=Consent.Method.SIGNED,
                given_on=timezone.localdate(),
            )
    if from_empty:  # every key of the current scheme: no re-keying to ask for at upgrade
        rekeying.keyed_from_empty(actor=SYSTEM)


def load_demo_link_request(world: DemoWorld) -> None:
    """Tariq, of the prison's welfare wing, registers a man the centre registered for the
    directorate's programme and answers "same person"; the man never consented to sharing with
    prisons, so the request waits for a data steward (Omar, of the directorate)."""
    if LinkRequest.objects.exists():
        return
    centre, prison = world.organisations.get("centre"), world.organisations.get("prison")
    tariq = User.objects.filter(username="tariq").first()
    held = (
        Participant.objects.filter(registered_by=centre, is_juvenile=False)
        .filter(cases__isnull=False, cases__closed_on__isnull=True)  # in an open case
        .exclude(links__organisation=prison)
        .order_by("pk")
        .first()
    )
    if centre is None or prison is None or tariq is None or held is None:
        return
    registry.confirm_same_person(
        actor=tariq,
        participant=held,
        identity=registry.open_identity(held),
        sex=held.sex,
        district=held.district,
        organisation=prison,
    )
