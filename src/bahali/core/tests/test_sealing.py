"""Sealed values: at rest, in place, across a key rotation, and through the migration that
sealed assessments."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from bahali.assessments import services as assessments
from bahali.assessments.models import Assessment, Instrument
from bahali.casework import services as casework
from bahali.casework.models import FamilyMember, Note
from bahali.core import crypto, sealing
from bahali.core.context import SYSTEM, acting_as
from bahali.registry import services as registry
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

NEW_KEY = {"k2": b"n" * 32}


def _raw(model, pk, column):
    """The stored value itself, past the model's ``Sealed`` attributes."""
    return model.objects.filter(pk=pk).values_list(column, flat=True).get()


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


def test_every_sealed_field_is_declared_with_its_model():
    declared = {m._meta.label_lower: set(m.sealed_fields) for m in sealing.sealed_models()}
    assert declared["casework.note"] == {"sealed_body"}
    assert declared["casework.familymember"] == {"sealed_name", "sealed_contact"}
    assert declared["casework.mentormeeting"] == {"sealed_summary"}
    assert declared["assessments.assessment"] == {
        "sealed_answers",
        "sealed_domain_ratings",
        "sealed_overall_rationale",
    }
    assert "sealed_cnic" in declared["registry.participant"]


def test_assessment_answers_are_sealed_at_rest_and_open_for_the_model():
    world = PathwayWorld()
    assessment = _needs_assessment(world, world.case())
    raw = _raw(Assessment, assessment.pk, "sealed_answers")
    assert "shrapnel" not in raw and raw.startswith(f"{crypto.active_key_id()}:")
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.answers["health_details"] == "Untreated shrapnel wound"
    with pytest.raises(crypto.SealError):  # bound to its field: not movable to another
        crypto.unseal(raw, context="assessments.assessment.overall_rationale")


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
    ring = {**crypto.settings.FIELD_ENCRYPTION_KEYS, **NEW_KEY}
    with override_settings(FIELD_ENCRYPTION_KEYS=ring, FIELD_ENCRYPTION_ACTIVE_KEY="k2"):
        assert "k2" not in sealing.usage()
        done = sealing.rotate(actor=SYSTEM, batch=2)
        assert {"casework.note", "casework.familymember", "assessments.assessment"} <= set(done)
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


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_assessments_and_its_reverse_opens_them():
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
    opened = json.loads(crypto.unseal(raw, context="assessments.assessment.answers"))
    assert opened["health_details"] == "Untreated shrapnel wound"
    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.answers["health_details"] == "Untreated shrapnel wound"
    assert stored.overall_rationale == "Elders divided"
    assert "Elders" not in _raw(Assessment, assessment.pk, "sealed_overall_rationale")
