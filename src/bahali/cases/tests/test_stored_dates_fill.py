"""Stored dates added by a migration are filled once the whole ``migrate`` run is applied
(``cases.apps.fill_stored_dates``, on ``post_migrate``), from the code that keeps them."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from bahali.cases import due
from bahali.cases.apps import fill_stored_dates
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


def _plan(name: str, backwards: bool = False) -> list[tuple[SimpleNamespace, bool]]:
    return [(SimpleNamespace(app_label="cases", name=name), backwards)]


def test_a_run_that_added_the_columns_fills_them_and_no_other_run_does():
    world = PathwayWorld()
    case = world.case()
    casework.add_goal(
        actor=world.case_worker,
        case=case,
        domain="vocational",
        title="Electrician training",
        review_on=world.today + datetime.timedelta(days=3),
    )
    case.refresh_from_db()
    kept = case.next_due_on
    assert kept is not None and kept == due.due_dates([case.pk])[case.pk]
    Case.objects.filter(pk=case.pk).update(next_due_on=None)  # as before the migration
    fill_stored_dates(sender=None, plan=_plan("0009_emergency_access"))
    fill_stored_dates(sender=None, plan=_plan("0010_stored_due_dates", backwards=True))
    case.refresh_from_db()
    assert case.next_due_on is None
    fill_stored_dates(sender=None, plan=_plan("0010_stored_due_dates"))
    case.refresh_from_db()
    assert case.next_due_on == kept


@pytest.mark.django_db(transaction=True)
def test_a_deferred_block_ended_by_an_error_still_recomputes_what_was_committed(
    shipped_geography,
):
    """A queue applies each submission in its own transaction inside one ``due.deferred()``
    block: if it stops on an error, the cases of the submissions already committed still get
    their dates."""
    world = PathwayWorld()
    case = world.case()
    review_on = world.today + datetime.timedelta(days=3)
    with pytest.raises(RuntimeError), due.deferred():
        casework.add_goal(
            actor=world.case_worker,
            case=case,
            domain="vocational",
            title="Tailoring course",
            review_on=review_on,
        )
        case.refresh_from_db()
        assert case.next_due_on != review_on  # only noted so far
        raise RuntimeError("the next submission failed")
    case.refresh_from_db()
    assert case.next_due_on == due.due_dates([case.pk])[case.pk] == review_on
