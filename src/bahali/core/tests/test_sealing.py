"""Sealed values: at rest, in place, bound to their row, across a key rotation, and through
the migrations that sealed assessments and bound every value to its row."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from bahali.accounts import services as accounts
from bahali.assessments import services as assessments
from bahali.assessments.models import Assessment, Instrument
from bahali.audit.models import AuditEvent
from bahali.casework import services as casework
from bahali.casework.models import FamilyMember, Note
from bahali.core import crypto, sealing
from bahali.core.context import SYSTEM, acting_as
from bahali.geography import services as geography
from bahali.grievances import services as grievances
from bahali.grievances.models import Grievance
from bahali.registry import services as registry
from bahali.registry.models import Participant
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db

NEW_KEY = {"k2": b"n" * 32}


def _raw(model, pk, column):
    """The stored value itself, past the model's ``Sealed`` attributes."""
    return model.objects.filter(pk=pk).values_list(column, flat=True).get()


def _grievance():
    return grievances.lodge_grievance(
        actor=SYSTEM,
        channel="public_form",
        category="mistreatment",
        complainant="family",
        description="My son was shouted at during the session.",
        name="Hajra Bibi",
        contact="0300 1234567",
    )


def _swap(model, column, first, second):
    """Swap two rows' stored values in the tables themselves, as someone with write access
    to the database (not through the application) would."""
    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = connection.ops.quote_name(column)
    update = f"UPDATE {table} SET {column_sql} = %s WHERE id = %s"  # noqa: S608 - our names
    values = _raw(model, first, column), _raw(model, second, column)
    with connection.cursor() as cursor:
        cursor.execute(update, [values[1], first])
        cursor.execute(update, [values[0], second])


def _needs_assessment(world, case):
    assessment = assessments.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="needs")
    )
    return assessments.save_answers(
        actor=world.case_worker,
        assessment=assessment,
        expected_version=1,
        answers={"health": "urgent", "health_details": "Untreated shrapnel wound"},
    )


def _looks_sealed(field: models.Field) -> bool:
    """A text column that holds sealed values by its name or its label, whatever its model
    says."""
    named = field.name.startswith("sealed") or "sealed" in str(field.verbose_name).lower()
    return named and isinstance(field, models.CharField | models.TextField)


def test_every_sealed_column_and_attribute_in_any_model_is_declared():
    """``keys status`` counts, and ``keys rotate`` re-seals, only declared fields: a sealed
    column or ``Sealed`` attribute left undeclared would be lost when its old key retires
    (it happened to the grievance complainant). Every installed model is looked at."""
    undeclared, unbound, names = [], [], {}
    for model in apps.get_models():
        label = model._meta.label_lower
        declared = getattr(model, "sealed_fields", {})
        for field in model._meta.concrete_fields:
            if _looks_sealed(field) and field.name not in declared:
                undeclared.append(f"{label}.{field.name}")
        for klass in model.__mro__:
            for name, attribute in vars(klass).items():
                if isinstance(attribute, sealing.Sealed) and attribute.field not in declared:
                    undeclared.append(f"{label}.{name} -> {attribute.field}")
        if declared and not issubclass(model, sealing.SealedRow):
            unbound.append(label)  # no immutable row id to bind its values to
        for field, name in declared.items():
            assert model._meta.get_field(field).get_internal_type() == "TextField"
            assert name.startswith(f"{label}."), (label, field, name)  # names the model
            names.setdefault(name, []).append(f"{label}.{field}")
    assert undeclared == []
    assert unbound == []
    assert [name for name, where in names.items() if len(where) > 1] == []  # one field each


def test_the_declared_fields_are_the_ones_we_know():
    declared = {m._meta.label_lower: set(m.sealed_fields) for m in sealing.sealed_models()}
    assert declared["casework.note"] == {"sealed_body"}
    assert declared["casework.familymember"] == {"sealed_name", "sealed_contact"}
    assert declared["casework.mentormeeting"] == {"sealed_summary"}
    assert declared["casework.mentorassignment"] == {"sealed_end_note"}
    assert declared["assessments.assessment"] == {
        "sealed_answers",
        "sealed_domain_ratings",
        "sealed_overall_rationale",
    }
    assert declared["grievances.grievance"] == {"sealed_name", "sealed_contact"}
    assert "sealed_cnic" in declared["registry.participant"]


def test_assessment_answers_are_sealed_at_rest_and_open_for_the_model():
    world = PathwayWorld()
    assessment = _needs_assessment(world, world.case())
    raw = _raw(Assessment, assessment.pk, "sealed_answers")
    assert "shrapnel" not in raw and raw.startswith(f"{crypto.active_key_id()}:")
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.answers["health_details"] == "Untreated shrapnel wound"
    with pytest.raises(crypto.MisplacedSeal):  # bound to its field: not movable to another
        sealing.open_field(stored, "sealed_overall_rationale", raw)


def test_a_json_value_changed_in_place_is_sealed_when_saved():
    world = PathwayWorld()
    assessment = Assessment.objects.get(pk=_needs_assessment(world, world.case()).pk)
    assessment.answers["health_details"] = "Treated at the district hospital"
    with acting_as(SYSTEM):
        assessment.save()
    assert (
        Assessment.objects.get(pk=assessment.pk).answers["health_details"]
        == "Treated at the district hospital"
    )


def test_an_unchanged_value_keeps_its_ciphertext():
    world = PathwayWorld()
    assessment = Assessment.objects.get(pk=_needs_assessment(world, world.case()).pk)
    before = assessment.sealed_answers
    assessment.answers = dict(assessment.answers)
    assert assessment.sealed_answers == before


def test_rotation_reseals_every_sealed_model_and_status_counts_per_key():
    world = PathwayWorld()
    case = world.case()
    casework.write_note(actor=world.psychologist, case=case, sensitivity="clinical", body="Sleeps")
    relative = casework.add_family_member(
        actor=world.case_worker, case=case, relationship="mother", name="Bibi Jan", contact="0300"
    )
    assessment = _needs_assessment(world, case)
    grievance = _grievance()
    ring = {**crypto.settings.FIELD_ENCRYPTION_KEYS, **NEW_KEY}
    with override_settings(FIELD_ENCRYPTION_KEYS=ring, FIELD_ENCRYPTION_ACTIVE_KEY="k2"):
        assert "k2" not in sealing.usage()
        assert sealing.usage()["dev1"]["grievances.grievance"] == 2  # name and contact
        done = sealing.rotate(actor=SYSTEM, batch=2)
        assert {
            "casework.note",
            "casework.familymember",
            "assessments.assessment",
            "grievances.grievance",
        } <= set(done)
        assert done["registry.participant"] == case.participant.__class__.objects.count()
        assert set(sealing.usage()) == {"k2"}
        assert sealing.rotate(actor=SYSTEM) == {}
        out = io.StringIO()
        call_command("keys", "status", stdout=out)
        assert "k2 (active)" in out.getvalue() and "assessments.assessment" in out.getvalue()
        with override_settings(FIELD_ENCRYPTION_KEYS=NEW_KEY):  # the old key is gone
            note = Note.objects.get()
            assert casework.open_note(note) == "Sleeps"
            contact = casework.read_family_contact(
                actor=world.case_worker, member=FamilyMember.objects.get(pk=relative.pk)
            )
            assert contact.name == "Bibi Jan"
            stored = Assessment.objects.get(pk=assessment.pk)
            assert stored.answers["health_details"] == "Untreated shrapnel wound"
            participant = case.participant.__class__.objects.get(pk=case.participant.pk)
            assert registry.open_identity(participant).name
            complainant = grievances.read_complainant(
                actor=world.monitor, grievance=Grievance.objects.get(pk=grievance.pk)
            )
            assert (complainant.name, complainant.contact) == ("Hajra Bibi", "0300 1234567")


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_assessments_and_its_reverse_opens_them():
    # A transactional test before this one may have flushed what data migrations ship.
    geography.load_pakistan_geography(actor=SYSTEM)
    assessments.load_builtin_instruments(actor=SYSTEM)
    world = PathwayWorld()
    case = world.case()
    assessment = _needs_assessment(world, case)
    before = [("assessments", "0002_builtin_instruments")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)  # back: the values are opened into clear columns
        old = executor.loader.project_state(before).apps.get_model("assessments", "Assessment")
        clear = old.objects.get(pk=assessment.pk)
        assert clear.answers["health_details"] == "Untreated shrapnel wound"
        old.objects.filter(pk=assessment.pk).update(overall_rationale="Elders divided")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # forward: sealed again
    raw = _raw(Assessment, assessment.pk, "sealed_answers")
    assert "shrapnel" not in raw
    stored = Assessment.objects.get(pk=assessment.pk)
    bound = sealing.bound_context(stored, "sealed_answers")
    opened = json.loads(crypto.unseal(raw, context=bound))
    assert opened["health_details"] == "Untreated shrapnel wound"
    assert stored.answers["health_details"] == "Untreated shrapnel wound"
    assert stored.overall_rationale == "Elders divided"
    assert "Elders" not in _raw(Assessment, assessment.pk, "sealed_overall_rationale")


def _two_cases_notes(world):
    first, second = world.case(), world.case()
    notes = [
        casework.write_note(actor=world.case_worker, case=case, sensitivity="general", body=body)
        for case, body in ((first, "Talked about his brother"), (second, "Wants to be a tailor"))
    ]
    return first, second, notes


def test_a_note_moved_to_another_case_does_not_open_there():
    world = PathwayWorld()
    _first, _second, (mine, theirs) = _two_cases_notes(world)
    _swap(Note, "sealed_body", mine.pk, theirs.pk)
    for note in Note.objects.filter(pk__in=[mine.pk, theirs.pk]):
        with pytest.raises(crypto.MisplacedSeal) as refused:
            casework.open_note(note)
        assert (refused.value.instance, refused.value.field) == (note, "sealed_body")
        assert "tailor" not in str(refused.value.public_message)
    _swap(Note, "sealed_body", mine.pk, theirs.pk)  # put back where they belong: they open
    assert casework.open_note(Note.objects.get(pk=mine.pk)) == "Talked about his brother"


def test_a_value_moved_to_another_field_or_model_does_not_open_there():
    world = PathwayWorld()
    participant = world.participant(name="Gul Khan", father_name="Sher Khan")
    with acting_as(SYSTEM):  # the father's name copied over the name, in the same row
        participant.sealed_name = participant.sealed_father_name
        participant.save(update_fields=["sealed_name"])
    with pytest.raises(crypto.MisplacedSeal):
        registry.open_identity(Participant.objects.get(pk=participant.pk))
    relative = casework.add_family_member(
        actor=world.case_worker, case=world.case(), relationship="mother", name="Bibi Jan"
    )
    relative.sealed_name = _raw(Participant, participant.pk, "sealed_father_name")
    with pytest.raises(crypto.MisplacedSeal):  # another model altogether
        sealing.open_field(relative, "sealed_name")


def test_a_moved_value_is_a_clear_page_and_api_answer_and_is_audited(client):
    world = PathwayWorld()
    first, _second, (mine, theirs) = _two_cases_notes(world)
    _swap(Note, "sealed_body", mine.pk, theirs.pk)
    signed_in = sign_in(client, world.case_worker)
    assert signed_in.status_code == 302

    page = client.get(f"/cases/{first.pk}/notes/")
    assert page.status_code == 409
    text = page.content.decode()
    assert "does not belong to it" in text and 'data-testid="sealed-refused"' in text
    assert "tailor" not in text and "brother" not in text

    secret = accounts.issue_api_token(actor=world.case_worker, name="test").secret
    answer = client.get(f"/api/v1/cases/{first.pk}/notes", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "sealed"
    assert "tailor" not in answer.content.decode()

    events = AuditEvent.objects.filter(action="seal.refused").order_by("seq")
    assert [(e.object_type, e.object_id, e.actor, e.source) for e in events] == [
        ("casework.note", str(mine.pk), world.case_worker, "web"),
        ("casework.note", str(mine.pk), world.case_worker, "api"),
    ]
    assert events[0].changes == {"field": [None, "sealed_body"], "key": [None, "dev1"]}


def test_rotation_stops_on_a_moved_value_and_says_so():
    world = PathwayWorld()
    _first, _second, (mine, theirs) = _two_cases_notes(world)
    _swap(Note, "sealed_body", mine.pk, theirs.pk)
    ring = {**crypto.settings.FIELD_ENCRYPTION_KEYS, **NEW_KEY}
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=ring, FIELD_ENCRYPTION_ACTIVE_KEY="k2"),
        pytest.raises(CommandError, match="Rotation stopped"),
    ):
        call_command("keys", "rotate", stdout=io.StringIO())
    refused = AuditEvent.objects.filter(action="seal.refused").values_list("object_id", flat=True)
    assert list(refused) in ([str(mine.pk)], [str(theirs.pk)])


def test_a_rows_id_cannot_change():
    world = PathwayWorld()
    note = Note.objects.get(pk=_two_cases_notes(world)[2][0].pk)
    note.row_uuid = uuid.uuid4()
    with acting_as(SYSTEM), pytest.raises(crypto.SealError, match="immutable"):
        note.save()
    assert casework.open_note(Note.objects.get(pk=note.pk)) == "Talked about his brother"


def test_a_new_row_is_bound_before_its_insert():
    """Values are sealed before the row has a primary key: the row id exists already."""
    world = PathwayWorld()
    note = Note(case=world.case(), sensitivity="general", written_on=world.today)
    assert note.pk is None and note.row_uuid is not None
    sealing.seal_field(note, "sealed_body", "Prays at the village mosque")
    with acting_as(SYSTEM):
        note.save()
    stored = Note.objects.get(pk=note.pk)
    assert stored.row_uuid == note.row_uuid
    assert casework.open_note(stored) == "Prays at the village mosque"
    assert Note(case=note.case).row_uuid != note.row_uuid


UNBOUND = [
    ("registry", "0001_initial"),
    ("casework", "0004_mentoring_end"),
    ("assessments", "0003_seal_answers"),
    ("grievances", "0001_initial"),
]


@pytest.mark.django_db(transaction=True)
def test_the_migration_binds_every_sealed_value_to_its_row():
    """Forwards from values bound to their field's name alone (as they were stored before),
    and back again."""
    # A transactional test before this one may have flushed what data migrations ship.
    geography.load_pakistan_geography(actor=SYSTEM)
    assessments.load_builtin_instruments(actor=SYSTEM)
    world = PathwayWorld()
    case = world.case()
    participant = case.participant
    identity = registry.open_identity(participant)
    note = casework.write_note(actor=world.case_worker, case=case, sensitivity="general", body="A")
    assessment = _needs_assessment(world, case)
    grievance = _grievance()
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(UNBOUND)  # back: bound to the field's name alone
        old = executor.loader.project_state(UNBOUND).apps
        notes = old.get_model("casework", "Note").objects
        legacy = notes.get(pk=note.pk).sealed_body
        assert crypto.unseal(legacy, context="casework.note.body") == "A"
        name = old.get_model("registry", "Participant").objects.get(pk=participant.pk)
        assert crypto.unseal(name.sealed_name, context="participant.name") == identity.name
        # a value as an older release stored it, and a copy of it in another row
        older = crypto.seal("Stored before the binding", context="casework.note.body")
        notes.filter(pk=note.pk).update(sealed_body=older)
        twin = notes.create(
            case_id=case.pk, sensitivity="general", sealed_body=older, written_on=world.today
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())  # forward: bound to their rows
    stored = Note.objects.get(pk=note.pk)
    assert casework.open_note(stored) == "Stored before the binding"
    assert casework.open_note(Note.objects.get(pk=twin.pk)) == "Stored before the binding"
    assert _raw(Note, note.pk, "sealed_body") != _raw(Note, twin.pk, "sealed_body")
    _swap(Note, "sealed_body", note.pk, twin.pk)  # a copy from another row no longer opens
    with pytest.raises(crypto.MisplacedSeal):
        casework.open_note(Note.objects.get(pk=note.pk))
    assert registry.open_identity(Participant.objects.get(pk=participant.pk)) == identity
    assert Assessment.objects.get(pk=assessment.pk).answers["health"] == "urgent"
    complainant = grievances.read_complainant(
        actor=world.monitor, grievance=Grievance.objects.get(pk=grievance.pk)
    )
    assert complainant.name == "Hajra Bibi"
    for model in sealing.sealed_models():
        ids = list(model._default_manager.values_list("row_uuid", flat=True))
        assert None not in ids and len(set(ids)) == len(ids)
