"""The aftercare dashboard's counts kept a few minutes (``aftercare.figures``): the page says
as of when, a second view reads them kept, and the writes that change them — a check-in
held, an outcome event verified — show at the very next view. The page asks the database a
fixed number of questions, however many check-ins are overdue."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bahali.aftercare import figures, services
from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def kept(settings):
    """Figures kept five minutes, as in production; an empty cache before and after."""
    cache.clear()
    settings.EVIDENCE_FIGURES_MAX_AGE = 300
    yield
    cache.clear()


def _overdue_case(world: PathwayWorld, started_days_ago: int = 45) -> Case:
    case = world.case(phase="aftercare")
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(opened_on=world.today - 200 * DAY)
    case.refresh_from_db()
    services.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today - started_days_ago * DAY)
    return case


def _overdue_count(page: str) -> int:
    found = re.search(r'data-testid="overdue-count">(\d+)<', page)
    assert found, "no overdue count on the page"
    return int(found.group(1))


def _recidivism(page: str) -> str:
    found = re.search(r'data-testid="recidivism-counts">([^<]+)<', page)
    assert found, "no recidivism figure on the page"
    return found.group(1)


def test_counts_are_kept_and_the_page_says_as_of_when(
    world, signed_in, kept, monkeypatch, django_capture_on_commit_callbacks
):
    case = _overdue_case(world)
    calls: list[int] = []
    original = services.recidivism

    def counted(cases, table=None):
        calls.append(1)
        return original(cases, table)

    monkeypatch.setattr(services, "recidivism", counted)
    client = signed_in(world.manager)
    url = f"/programmes/{case.programme.code}/aftercare/"
    first = client.get(url).content.decode()
    again = client.get(url).content.decode()
    assert 'data-testid="figures-as-of"' in first and 'data-testid="figures-as-of"' in again
    assert len(calls) == 1  # the second view read the kept counts
    assert _overdue_count(again) == 1
    # a reader who may see other cases (the monitor: every case) has counts of their own
    monitor = Client()
    assert sign_in(monitor, world.monitor).status_code == 302
    monitor.get(url)
    assert len(calls) == 2


def test_a_check_in_held_shows_at_the_next_view(
    world, signed_in, kept, django_capture_on_commit_callbacks
):
    """Would fail if the write did not make the kept counts stale (``figures.connect``)."""
    case = _overdue_case(world)
    client = signed_in(world.manager)
    url = f"/programmes/{case.programme.code}/aftercare/"
    assert _overdue_count(client.get(url).content.decode()) == 1
    overdue = services.overdue_check_ins(Case.objects.filter(pk=case.pk)).get()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_check_in(
            actor=world.case_worker,
            check_in=overdue,
            done_on=world.today,
            method="phone",
            wellbeing="good",
        )
    assert _overdue_count(client.get(url).content.decode()) == 0


def test_an_outcome_verified_shows_at_the_next_view(
    world, signed_in, kept, django_capture_on_commit_callbacks
):
    case = _overdue_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.report_outcome(
            actor=world.liaison,
            case=case,
            kind="re_arrest",
            occurred_on=world.today,
            source="police",
            description="Arrest reported at Matta",
        )
    client = signed_in(world.manager)
    url = f"/programmes/{case.programme.code}/aftercare/"
    assert _recidivism(client.get(url).content.decode()).startswith("0 of 1 ")
    with django_capture_on_commit_callbacks(execute=True):
        services.verify_outcome(
            actor=world.manager, event=event, verification="verified", note="Police record"
        )
    assert _recidivism(client.get(url).content.decode()).startswith("1 of 1 ")


def test_a_rolled_back_write_leaves_the_kept_counts(world, kept):
    """The counts go stale when the write commits, not before (nor when it is undone)."""
    case = _overdue_case(world)
    cases = Case.objects.filter(programme=case.programme)
    first = figures.dashboard_counts(case.programme_id, cases, None, world.today, ("reader",))
    figures.snapshots.changed(figures.topic(case.programme_id))  # never committed here
    again = figures.dashboard_counts(case.programme_id, cases, None, world.today, ("reader",))
    assert again.computed_at == first.computed_at


@pytest.mark.parametrize("reader", ["manager", "monitor"])
def test_the_dashboard_asks_a_fixed_number_of_questions(world, signed_in, reader):
    """Computed afresh (the test settings keep nothing): the same number of queries for one
    overdue case as for six, with warning signs and outcome events on each."""
    client = signed_in(getattr(world, reader))
    programme = world.case(phase="aftercare").programme
    url = f"/programmes/{programme.code}/aftercare/"

    def grow(n: int) -> None:
        for _ in range(n):
            case = _overdue_case(world, started_days_ago=100)  # three check-ins overdue
            first = case.check_ins.order_by("due_on").first()
            services.record_check_in(
                actor=SYSTEM,
                check_in=first,
                done_on=world.today,
                method="phone",
                wellbeing="poor",
                warnings=["threats_received"],
                follow_up="Visit the family",
            )
            services.report_outcome(
                actor=SYSTEM,
                case=case,
                kind="re_arrest",
                occurred_on=world.today,
                source="police",
                description="Arrest reported",
            )

    counts = []
    for n in (1, 5):
        grow(n)
        client.get(url)  # the session's and the user's first reads out of the way
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        assert _overdue_count(page) >= n  # guard: the lists are not empty
        assert page.count('data-testid="overdue-check-in"') >= n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 25, counts
