"""The gap analysis: each flag fires on a district built to trigger it (Bajaur) and not on
one built not to (Peshawar), drivers against responses included; small cells are
suppressed and raise no flag; the page draws its chart as SVG without script."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bahali.core import suppression
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.prevention import gaps, services
from bahali.prevention.models import DriverCount
from bahali.testing import OrganisationFactory, PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _driver(district: District, factor: str, cases: int, assessed: int) -> None:
    from bahali.core.context import acting_as

    with acting_as(SYSTEM):
        DriverCount(
            district=district,
            factor=factor,
            label=factor.replace("_", " "),
            cases=cases,
            assessed=assessed,
        ).save()


def _build() -> dict[str, District]:
    today = timezone.localdate()
    bjr, pew = District.objects.get(code="BJR"), District.objects.get(code="PEW")
    population = services.define_indicator(
        actor=SYSTEM, code="population", name="Population", higher_is_need=True
    )
    returnees = services.define_indicator(
        actor=SYSTEM, code="returnees", name="Returnees", higher_is_need=True
    )
    for district, people, back in ((bjr, 1_500_000, 640), (pew, 1_000_000, 100)):
        services.set_district_value(
            actor=SYSTEM, district=district, indicator=population, year=2025, value=Decimal(people)
        )
        services.set_district_value(
            actor=SYSTEM, district=district, indicator=returnees, year=2025, value=Decimal(back)
        )
    cso = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    state = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)

    def make(
        name: str,
        district: District,
        kind: str,
        *,
        funded: bool,
        coordinated: bool,
        reach: dict[str, int],
    ) -> None:
        item = services.create_initiative(
            actor=SYSTEM,
            data=services.InitiativeData(
                name=name,
                lead_organisation=cso,
                kind=kind,
                districts=[district],
                starts_on=today - 200 * DAY,
                ends_on=today + 300 * DAY,
                partners=[state] if coordinated else [],
            ),
        )
        if funded:
            services.add_grant(
                actor=SYSTEM,
                initiative=item,
                funder_kind="donor",
                amount=3_000_000,
                starts_on=today - 200 * DAY,
                ends_on=today + 300 * DAY,
            )
        services.record_activity(
            actor=SYSTEM,
            initiative=item,
            held_on=today - 10 * DAY,
            kind="session",
            channel="in_person",
            district=district,
            reach=reach,
        )

    # Bajaur: one initiative for 1.5 million people, unfunded, reaching only men over 30,
    # no state partner or framework; online radicalisation drew in 6 of its 10 cases.
    make(
        "Bajaur Cricket",
        bjr,
        "sports_arts",
        funded=False,
        coordinated=False,
        reach={"male_30_plus": 40},
    )
    _driver(bjr, "online_radicalisation", 6, 10)
    _driver(bjr, "trauma", 3, 10)  # under the minimum: suppressed, no flag
    # Peshawar: three funded, coordinated initiatives reaching women and youth, the
    # digital-literacy work that answers the same driver.
    for name, kind in (
        ("Pesh Digital", "digital_literacy"),
        ("Pesh Youth", "youth_engagement"),
        ("Pesh Women", "women_empowerment"),
    ):
        make(
            name,
            pew,
            kind,
            funded=True,
            coordinated=True,
            reach={"female_youth": 30, "male_youth": 30, "female_30_plus": 10},
        )
    _driver(pew, "online_radicalisation", 6, 10)
    return {"BJR": bjr, "PEW": pew}


def _flags(analysis: gaps.GapAnalysis, code: str) -> set[str]:
    return {f.key for g in analysis.districts if g.district.code == code for f in g.flags}


def test_each_flag_fires_where_built_to_and_not_elsewhere():
    _build()
    from bahali.prevention.models import Indicator

    districts = District.objects.filter(code__in=["BJR", "PEW"])
    analysis = gaps.analyse(districts, Indicator.objects.get(code="returnees"))
    assert _flags(analysis, "BJR") == {
        "low_coverage",
        "funding",
        "women",
        "youth",
        "coordination",
        "driver:online_radicalisation",
    }
    assert _flags(analysis, "PEW") == set()
    bajaur = analysis.districts[0]
    assert bajaur.district.code == "BJR"  # ranked first
    assert bajaur.women == 0 and bajaur.reach == 40
    trauma = next(d for d in bajaur.drivers if d.factor == "trauma")
    assert trauma.cases is None and trauma.share is None  # suppressed
    # without any initiative, high need is flagged as such
    from bahali.core.context import acting_as
    from bahali.prevention.models import Initiative

    with acting_as(SYSTEM):
        Initiative.objects.filter(districts__code="BJR").update(status="ended")
    analysis = gaps.analyse(districts, Indicator.objects.get(code="returnees"))
    assert "no_initiative" in _flags(analysis, "BJR")


def test_small_reach_is_suppressed_and_raises_no_inclusion_flag():
    today = timezone.localdate()
    bjr = District.objects.get(code="BJR")
    cso = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    item = services.create_initiative(
        actor=SYSTEM,
        data=services.InitiativeData(
            name="Tiny",
            lead_organisation=cso,
            kind="livelihood",
            districts=[bjr],
            starts_on=today - 10 * DAY,
        ),
    )
    services.record_activity(
        actor=SYSTEM,
        initiative=item,
        held_on=today,
        kind="session",
        channel="in_person",
        district=bjr,
        reach={"male_30_plus": 3},
    )
    gap = gaps.analyse(District.objects.filter(code="BJR")).districts[0]
    assert gap.reach is None and gap.women is None and gap.youth is None
    assert not {"women", "youth"} & {f.key for f in gap.flags}
    count_or_none = suppression.count_or_none
    assert count_or_none(0, k=5) == 0 and count_or_none(4, k=5) is None
    assert count_or_none(5, k=5) == 5 and count_or_none(None) is None


def test_uncovered_receiving_communities_are_flagged_from_five_cases():
    world = PathwayWorld()
    from bahali.geography import services as geography

    tehsil = geography.add_tehsil(actor=SYSTEM, district=world.swat, name="Matta")
    village = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Sakhra")
    for _n in range(5):
        world.case(receiving_community=village, district=world.swat)
    swat = District.objects.filter(code="SWT")
    gap = gaps.analyse(swat).districts[0]
    assert gap.receiving_communities == 1 and gap.uncovered_communities == 1
    assert "communities" in {f.key for f in gap.flags}
    services.create_initiative(
        actor=SYSTEM,
        data=services.InitiativeData(
            name="Village work",
            lead_organisation=world.cso,
            kind="family_networks",
            districts=list(swat),
            communities=[village],
            starts_on=timezone.localdate() - DAY,
        ),
    )
    gap = gaps.analyse(swat).districts[0]
    assert gap.uncovered_communities == 0 and "communities" not in {f.key for f in gap.flags}


def test_the_page_ranks_flags_and_draws_svg_without_script(signed_in):
    _build()
    world = PathwayWorld()
    client = signed_in(world.analyst)
    response = client.get("/prevention/gaps/?indicator=&province=")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "<script" not in body.split("<svg", 1)[1].split("</svg>")[0]
    assert 'data-flag="driver:online_radicalisation"' in body
    api = client.get("/prevention/gaps/")
    assert api.status_code == 200
