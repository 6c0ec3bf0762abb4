"""The oversight body's red-flags page, its home panel, the command and the daily task."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from bahali.cases.models import Case
from bahali.core.context import SYSTEM, acting_as
from bahali.jobs import schedules
from bahali.jobs.models import ScheduledRun
from bahali.rights import services
from bahali.rights.models import FlagKind, FlagRun, RedFlag
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _long_stay(world: PathwayWorld) -> Case:
    case = world.case(phase="rehabilitation", participant=world.participant(name="Khan Zaman"))
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(
            phase_entered_on=case.phase_entered_on - datetime.timedelta(days=400)
        )
    return case


def test_the_page_shows_each_definition_and_the_cases_by_code_only(client, world):
    case = _long_stay(world)
    services.compute_red_flags(actor=SYSTEM)
    sign_in(client, world.monitor)
    response = client.get("/red-flags/")
    assert response.status_code == 200
    body = response.content.decode()
    assert case.participant.code in body
    assert f"/cases/{case.pk}/" in body
    assert "Khan Zaman" not in body  # never a name
    for kind in FlagKind:
        assert f'data-testid="flag-{kind.value}"' in body
    assert "expected length for that phase" in body  # the definition in plain words
    assert 'data-testid="count-long_residential_stay">1<' in body
    expected = case.phase.expected_days
    assert f"400 days in this phase; expected {expected}. Never reviewed." in body


def test_the_page_says_when_nothing_was_computed_yet(client, world):
    sign_in(client, world.monitor)
    body = client.get("/red-flags/").content.decode()
    assert "have not been computed yet" in body


def test_compute_now_finds_a_new_flag(client, world):
    sign_in(client, world.monitor)
    client.get("/red-flags/")
    case = _long_stay(world)
    response = client.post("/red-flags/compute/")
    assert response.status_code == 302
    assert RedFlag.objects.filter(case=case, kind=FlagKind.LONG_RESIDENTIAL_STAY).exists()


def test_the_home_page_of_the_oversight_body_counts_the_flags(client, world):
    _long_stay(world)
    services.compute_red_flags(actor=SYSTEM)
    sign_in(client, world.monitor)
    body = client.get("/").content.decode()
    assert 'data-testid="figures-red-flags"' in body
    assert 'data-testid="home-count-long_residential_stay">1<' in body


def test_other_roles_see_no_panel_and_no_navigation_entry(client, world):
    _long_stay(world)
    services.compute_red_flags(actor=SYSTEM)
    sign_in(client, world.manager)
    body = client.get("/").content.decode()
    assert "figures-red-flags" not in body and "nav-red-flags" not in body


def test_the_command_computes_and_stores(world, capsys):
    _long_stay(world)
    call_command("rights", "compute")
    assert "long_residential_stay: 1" in capsys.readouterr().out
    assert FlagRun.objects.count() == 1


def test_the_worker_runs_the_daily_task_once_a_day_from_its_hour(world):
    _long_stay(world)
    names = {task.name for task in schedules.registered()}
    assert "rights.red_flags" in names
    early = datetime.datetime(2026, 3, 1, 1, 0, tzinfo=timezone.get_current_timezone())
    assert "rights.red_flags" not in schedules.run_due(early)
    assert not FlagRun.objects.exists()
    due = datetime.datetime(2026, 3, 1, 2, 5, tzinfo=timezone.get_current_timezone())
    assert "rights.red_flags" in schedules.run_due(due)  # the test queue runs it at once
    assert FlagRun.objects.count() == 1
    assert RedFlag.objects.filter(kind=FlagKind.LONG_RESIDENTIAL_STAY).count() == 1
    assert "rights.red_flags" not in schedules.run_due(due + datetime.timedelta(hours=3))
    assert FlagRun.objects.count() == 1
    run = ScheduledRun.objects.get(name="rights.red_flags")
    assert run.finished_at is not None and not run.failed
    assert "long_residential_stay=1" in run.outcome
    next_day = due + datetime.timedelta(days=1)
    assert "rights.red_flags" in schedules.run_due(next_day)
    assert FlagRun.objects.count() == 2
