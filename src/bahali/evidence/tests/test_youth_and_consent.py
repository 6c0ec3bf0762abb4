"""The 15–29 age group beside juvenile/adult and the registry's bands, and consent to
statistical use, on constructed caseloads worked out by hand.

Ages at registration (all enrolled today in the centre programme):

====  ===  ========  ========  =====  =========
case  age  band      juvenile  youth  programme
====  ===  ========  ========  =====  =========
a     16   15–17     yes       yes    centre
b     27   25–34     no        yes    centre
c     31   25–34     no        no     centre
d     ?    unknown   no        ?      centre
====  ===  ========  ========  =====  =========

Statistical use: the centre asks for consent. a consented, b consented and withdrew, c and
d never did; one more case, e (age 40), in the prison programme, which does not ask.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.apps import apps

from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import dashboard
from bahali.evidence.filters import EvidenceFilter
from bahali.evidence.indicators import INDICATORS, Filters
from bahali.programmes.models import Programme
from bahali.registry.models import Consent, ConsentPurpose, Participant
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _enrolments(filters: Filters) -> int:
    result = INDICATORS["enrolments-by-source"].compute(filters)
    return sum(int(line.value or 0) for line in result.lines)


def _consent(world: PathwayWorld, participant: Any, purpose: str, **extra: Any) -> Consent:
    guardian = participant.is_juvenile
    return world.registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose=purpose,
        given_by=Consent.GivenBy.GUARDIAN if guardian else Consent.GivenBy.SELF,
        guardian_name="A guardian" if guardian else "",
        method=Consent.Method.SIGNED,
        given_on=world.today,
        **extra,
    )


@pytest.fixture
def world() -> dict[str, Any]:
    world = PathwayWorld()
    year = world.today.year
    people = {}
    for name, born in (("a", year - 16), ("b", year - 27), ("c", year - 31), ("d", None)):
        people[name] = world.participant(consent=False, birth_year=born)
        _consent(world, people[name], ConsentPurpose.PARTICIPATION)
    cases = {name: world.case(participant=person) for name, person in people.items()}
    cases["e"] = world.case("prison", participant=world.participant(birth_year=year - 40))
    return {"world": world, "cases": cases, "people": people}


def test_registration_records_whether_the_person_is_15_to_29(world):
    flags = {name: (p.age_band, p.is_juvenile, p.is_youth) for name, p in world["people"].items()}
    assert flags == {
        "a": ("15-17", True, True),
        "b": ("25-34", False, True),
        "c": ("25-34", False, False),
        "d": ("", False, None),
    }


def test_the_age_groups_on_an_indicator(world):
    today = world["world"].today
    counted = {
        age: _enrolments(Filters(start=today, end=today, age=age))
        for age in ("", "juvenile", "adult", "youth", "25-34")
    }
    assert counted == {"": 5, "juvenile": 1, "adult": 4, "youth": 2, "25-34": 2}


def test_youth_is_a_filter_on_the_pages(world):
    form = EvidenceFilter({"age": "youth"})
    assert form.is_valid(), form.errors
    assert form.to_filters().age == "youth"


def test_rows_from_before_the_flag_take_it_from_their_band(world):
    migration = __import__(
        "bahali.registry.migrations.0003_participant_youth_statistics_consent",
        fromlist=["youth_from_bands"],
    )
    with acting_as(SYSTEM):  # (a migration's historical model writes without audit)
        Participant.objects.update(is_youth=None)
        migration.youth_from_bands(apps, None)
    flags = {name: Participant.objects.get(pk=p.pk).is_youth for name, p in world["people"].items()}
    # 15–17 lies inside 15–29; 25–34 straddles it, so it stays unknown
    assert flags == {"a": True, "b": None, "c": None, "d": None}


def test_only_consent_to_statistical_use_counts_where_the_programme_asks(world):
    w, people = world["world"], world["people"]
    today = w.today
    everyone = Filters(start=today, end=today)
    assert _enrolments(everyone) == 5  # no programme asks yet
    centre = w.programmes["centre"]
    with acting_as(SYSTEM):
        Programme.objects.filter(pk=centre.pk).update(statistics_consent_required=True)
    assert _enrolments(everyone) == 1  # e alone: nobody in the centre has consented yet
    _consent(w, people["a"], ConsentPurpose.STATISTICS)
    withdrawn = _consent(w, people["b"], ConsentPurpose.STATISTICS)
    w.registry.withdraw_consent(actor=SYSTEM, consent=withdrawn)
    _consent(w, people["c"], ConsentPurpose.RESEARCH)  # research is not statistical use
    assert _enrolments(everyone) == 2  # a and e
    assert _enrolments(Filters(start=today, end=today, age="youth")) == 1  # a
    # the oversight body counts every case
    assert Filters(start=today, end=today, statistical=False).cases().count() == 5
    # and so does the manager's work, while the dashboard's indicator trends do not
    board = dashboard.build(w.manager, None, today)
    assert sum(n for _label, n in board.funnel) == 5
    enrolled = next(t for t in board.trends if t.indicator.code == "enrolments-by-source")
    assert enrolled.points[-1].value == 2


def test_a_withdrawn_consent_leaves_the_figures_from_then_on(world):
    w, people = world["world"], world["people"]
    with acting_as(SYSTEM):
        Programme.objects.filter(pk=w.programmes["centre"].pk).update(
            statistics_consent_required=True
        )
    consents = [_consent(w, people[name], ConsentPurpose.STATISTICS) for name in "abcd"]
    filters = Filters(start=w.today - datetime.timedelta(days=1), end=w.today)
    assert _enrolments(filters) == 5
    w.registry.withdraw_consent(actor=SYSTEM, consent=consents[0])
    assert _enrolments(filters) == 4
    assert Case.objects.count() == 5  # nothing about the case itself changed
