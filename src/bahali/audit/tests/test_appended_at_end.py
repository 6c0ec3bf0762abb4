"""Events appended at the end of a block (``audit.services.appended_at_end``): the same
events, in the order recorded, a chain that verifies; an event of a write undone by its
savepoint is dropped with it; and the chain head is not held while the block works, so
another writer appends meanwhile (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from bahali.audit.models import AuditChainHead, AuditEvent
from bahali.audit.services import appended_at_end, verify_chain
from bahali.core.context import SYSTEM, acting_as
from bahali.organisations.models import Organisation
from bahali.testing import OrganisationFactory


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.mark.django_db
def test_events_are_appended_together_at_the_end_in_the_order_recorded():
    OrganisationFactory(name="Before")
    before = _last_seq()
    with acting_as(SYSTEM, reason="field queue"), appended_at_end():
        first = OrganisationFactory(name="First")
        second = OrganisationFactory(name="Second")
        assert _last_seq() == before  # nothing appended yet: the head not even read
        assert AuditChainHead.objects.get().seq == before
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.seq, e.object_id) for e in events] == [
        (before + 1, str(first.pk)),
        (before + 2, str(second.pk)),
    ]
    assert {e.reason for e in events} == {"field queue"}
    assert AuditChainHead.objects.get().seq == before + 2
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_event_of_a_write_undone_by_its_savepoint_is_dropped():
    OrganisationFactory(name="Taken")
    before = _last_seq()
    with acting_as(SYSTEM), appended_at_end():
        kept = OrganisationFactory(name="Kept")
        try:
            with transaction.atomic():  # a savepoint, undone: its write and its event
                OrganisationFactory(name="Undone")
                OrganisationFactory(name="Taken")  # the name is unique
        except IntegrityError:
            pass
        after = OrganisationFactory(name="After")
    assert not Organisation.objects.filter(name="Undone").exists()
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.object_id for e in events] == [str(kept.pk), str(after.pk)]
    assert [e.seq for e in events] == [before + 1, before + 2]
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_block_ended_by_an_error_appends_nothing_and_the_next_write_is_recorded():
    before = _last_seq()
    with pytest.raises(RuntimeError), acting_as(SYSTEM), appended_at_end():
        OrganisationFactory(name="Never")
        raise RuntimeError("refused")
    assert _last_seq() == before
    later = OrganisationFactory(name="Later")  # appended at once, as ever
    assert AuditEvent.objects.get(seq=before + 1).object_id == str(later.pk)
    assert verify_chain().ok


@pytest.mark.django_db
def test_nested_blocks_append_once_at_the_end_of_the_outermost():
    before = _last_seq()
    with acting_as(SYSTEM), appended_at_end():
        with appended_at_end():
            OrganisationFactory(name="Inner")
        assert _last_seq() == before
        OrganisationFactory(name="Outer")
    assert _last_seq() == before + 2
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_events_are_appended_as_they_come():
    before = _last_seq()
    with appended_at_end():
        OrganisationFactory(name="At once")  # its service's own transaction, committed
        assert _last_seq() == before + 1
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="one writer at a time on SQLite")
def test_another_writer_appends_while_the_block_works():
    """The point of it: the head's row lock is not taken at the block's first write, so a
    second writer is not kept waiting until the first one commits."""
    OrganisationFactory(name="Start")
    wrote, finish = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with acting_as(SYSTEM), appended_at_end():
                OrganisationFactory(name="Slow")
                wrote.set()
                assert finish.wait(timeout=30)
        except BaseException as error:  # reported by the test below
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert wrote.wait(timeout=30)
        with connection.cursor() as cursor:  # would wait for the slow writer's head lock
            cursor.execute("SET lock_timeout = '5s'")
        try:
            quick = OrganisationFactory(name="Quick")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    finally:
        finish.set()
        thread.join(timeout=60)
    assert not failures, failures
    slow = Organisation.objects.get(name="Slow")
    order = list(
        AuditEvent.objects.filter(object_type="organisations.organisation", action="create")
        .filter(object_id__in=[str(quick.pk), str(slow.pk)])
        .order_by("seq")
        .values_list("object_id", flat=True)
    )
    assert order == [str(quick.pk), str(slow.pk)]  # the quick one first, though it came second
    assert verify_chain().ok


@pytest.mark.django_db
def test_an_error_caught_after_the_block_still_undoes_its_writes():
    """The block's events are not appended when it ends by an error: its writes are undone
    with them even if the caller catches the error inside the same transaction."""
    before = _last_seq()
    with (
        acting_as(SYSTEM),
        pytest.raises(transaction.TransactionManagementError),
        transaction.atomic(),
    ):
        try:
            with appended_at_end():
                OrganisationFactory(name="Caught")
                raise RuntimeError("the apply failed")
        except RuntimeError:
            pass
        Organisation.objects.exists()  # the transaction is done for: no write slips out
    assert not Organisation.objects.filter(name="Caught").exists()
    assert _last_seq() == before
