"""Demo participants: invented people for the journeys (JOURNEYS.md), registered once.

Registered as a demo loader from ``RegistryConfig.ready`` (see ``bahali.core.demo``).
Nothing here describes a real person.
"""

from __future__ import annotations

from bahali.core.context import SYSTEM
from bahali.core.demo import DemoWorld
from bahali.geography.models import Community
from bahali.registry import services as registry
from bahali.registry.models import Participant

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
    for _key, name, father, native, native_father, sex, year, cnic, org, village in PARTICIPANTS:
        registry.register_participant(
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
