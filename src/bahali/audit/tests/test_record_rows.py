"""Events of a bulk write from plain values (``audit.services.record_rows``): the same
events ``record_many`` appends for the same objects, chained after the others, a chain that
verifies (and the standalone export reads back unchanged), waiting inside
``appended_at_end`` like the rest."""

from __future__ import annotations

import pytest

from bahali.audit.models import AuditChainHead, AuditEvent
from bahali.audit.services import (
    appended_at_end,
    export_events,
    object_label,
    record_many,
    record_rows,
    verify_chain,
)
from bahali.core.context import SYSTEM, acting_as, operation
from bahali.testing import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

# What an event says beyond its place in the chain.
SAID = [
    "actor_id",
    "actor_label",
    "organisation_id",
    "organisation_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "reason",
    "source",
    "operation",
    "key_id",
]


def _said(event: AuditEvent) -> dict:
    return {name: getattr(event, name) for name in SAID}


def test_rows_are_the_events_record_many_appends_for_the_same_objects():
    first, second = OrganisationFactory(name="Row one"), OrganisationFactory(name="Row two")
    user = UserFactory()
    changes = [
        {"name": [None, "Row one"], "quoted": ['"a"\\b', "ünïcode ۱۲"]},
        {"status": ["valid", "imported"], "count": [1, 2.5], "empty": [None, None]},
    ]
    with acting_as(user, reason="bulk load"), operation("op-rows"):
        by_instance = record_many(
            [("update", obj, change) for obj, change in zip([first, second], changes, strict=True)]
        )
        top = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
        count = record_rows(
            [
                ("update", obj._meta.label_lower, str(obj.pk), object_label(obj), change)
                for obj, change in zip([first, second], changes, strict=True)
            ]
        )
    assert count == 2
    by_rows = list(AuditEvent.objects.filter(seq__gt=top).order_by("seq"))
    stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in by_instance]).order_by("seq"))
    assert [_said(e) for e in by_rows] == [_said(e) for e in stored]
    assert [e.seq for e in by_rows] == [top + 1, top + 2]
    assert by_rows[0].prev_hash == stored[-1].hash
    assert by_rows[1].prev_hash == by_rows[0].hash
    # Each hash is the stored event's own (recomputed from what the database gives back).
    assert all(event.compute_hash() == event.hash for event in by_rows)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (by_rows[-1].seq, by_rows[-1].hash)
    assert verify_chain().ok
    exported = [row for row in export_events() if row["seq"] > top]
    assert [row["hash"] for row in exported] == [e.hash for e in by_rows]


def test_rows_are_the_first_events_of_an_empty_chain():
    assert not AuditChainHead.objects.exists()  # a fresh test database: no event yet
    with acting_as(SYSTEM):
        assert record_rows([("seed.loaded", "", "", "", {"rows": [None, 3]})] * 3) == 3
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    assert AuditChainHead.objects.get().seq == 3
    assert verify_chain().ok


def test_rows_wait_inside_appended_at_end_and_keep_their_order():
    user = UserFactory()
    OrganisationFactory(name="Before rows")
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    with acting_as(user), appended_at_end():
        made = OrganisationFactory(name="Made in the block")
        record_rows([("note", "organisations.organisation", str(made.pk), "x", {"n": [1, 2]})])
        assert AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() == before
    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.action, e.object_id) for e in events] == [
        ("create", str(made.pk)),
        ("note", str(made.pk)),
    ]
    assert verify_chain().ok


def test_no_rows_append_nothing():
    user = UserFactory()
    before = AuditEvent.objects.count()
    with acting_as(user):
        assert record_rows([]) == 0
    assert AuditEvent.objects.count() == before
