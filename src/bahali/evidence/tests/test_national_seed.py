"""``bahali seed --scale``: the national data set, at a small scale, on SQLite or PostgreSQL.

Rows go in by ``COPY`` (batched ``INSERT`` on SQLite), not through the services, so what
the services guarantee is checked here: the counts, sealed values that open for their own
row, blocking keys the matcher finds duplicates with, the audit chain (with an event per
table load), due dates filled, and the progress line.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.assessments.models import Assessment
from bahali.audit.models import AuditEvent
from bahali.audit.services import verify_chain
from bahali.cases.models import Case
from bahali.casework.models import Attendance, Note
from bahali.core import batches, crypto
from bahali.core.sealing import open_field
from bahali.evidence import national
from bahali.grievances.models import Grievance
from bahali.registry import rekeying
from bahali.registry.models import BlockingKey, Participant, ParticipantLink
from bahali.registry.services import duplicates_of, open_identity

pytestmark = pytest.mark.django_db

FACTOR = "0.0004"  # 400 participants, 80 cases, a few thousand sessions and notes


@pytest.fixture
def seeded() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed", scale=FACTOR, workers=2, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_small_national_data_set(seeded):
    """One seed (it takes a while on a busy machine), every check on it."""
    _check_the_counts_are_the_scale_asked_for(seeded)
    _check_sealed_values_are_sealed_and_open_for_their_own_row(seeded)
    _check_every_sealed_value_opens(seeded)
    _check_duplicates_are_there_and_the_matcher_finds_them(seeded)
    _check_the_chain_verifies_and_names_every_table_load(seeded)
    _check_due_dates_are_filled(seeded)
    _check_progress_is_one_line_rewritten_with_phases_and_rates(seeded)
    _check_a_second_seed_into_the_same_database_is_refused()


def _check_the_counts_are_the_scale_asked_for(seeded):
    size = national.sizes(float(FACTOR))
    assert Participant.objects.count() == size["participants"] == 400
    assert ParticipantLink.objects.count() == 400
    assert Case.objects.count() == size["cases"] == 80
    on_timelines = Attendance.objects.count() + Note.objects.count()
    assert on_timelines >= size["items"] * 0.9
    # each attendance row carries its session's day and type (the bulk path fills them)
    assert Attendance.objects.exists()
    assert not Attendance.objects.exclude(
        held_on=F("session__held_on"), kind=F("session__kind")
    ).exists()
    assert Attendance.objects.filter(session__format="group").exists()
    assert CheckIn.objects.count() == size["check_ins"]
    assert CheckIn.objects.filter(done_on__isnull=False).exists()
    assert OutcomeEvent.objects.count() == size["outcomes"]
    assert Assessment.objects.filter(status="completed").count() == size["assessments"]
    assert Grievance.objects.count() == size["grievances"]
    out, _err = seeded
    assert "participants" in out and "check-ins" in out


def _check_sealed_values_are_sealed_and_open_for_their_own_row(seeded):
    participant = Participant.objects.order_by("pk")[3]
    assert participant.sealed_name and "KHAN" not in participant.sealed_name.upper()
    identity = open_identity(participant)
    assert identity.name and identity.father_name
    assert crypto.key_id_of(participant.sealed_name) == crypto.active_key_id()
    note = Note.objects.order_by("pk").first()
    assert open_field(note, "sealed_body").startswith("Met at the centre")
    grievance = Grievance.objects.order_by("pk").first()
    assert open_field(grievance, "sealed_name").startswith("Complainant")
    assessment = Assessment.objects.order_by("pk").first()
    assert isinstance(assessment.domain_ratings, dict)
    # bound to the row: another row's value does not open here
    other = Participant.objects.order_by("pk")[4]
    with pytest.raises(crypto.SealError):
        open_field(other, "sealed_name", participant.sealed_name)


def _check_every_sealed_value_opens(seeded):
    for model in (Participant, Note, Grievance, Assessment):
        for row in model.objects.all().iterator():
            for name in model.sealed_fields:
                if getattr(row, name):
                    open_field(row, name)


def _check_duplicates_are_there_and_the_matcher_finds_them(seeded):
    assert BlockingKey.objects.count() > 10 * Participant.objects.count()
    # the same CNIC registered twice: one person, two records
    cnics = Counter(Participant.objects.exclude(cnic_index="").values_list("cnic_index", flat=True))
    assert any(count > 1 for count in cnics.values())
    # and the matcher, through the keys written in bulk, proposes candidates
    found = sum(1 for p in Participant.objects.order_by("pk")[:30] if duplicates_of(p))
    assert found >= 10
    # every key is of the current scheme: no re-keying is asked for after the seed
    assert rekeying.state().complete


def _check_the_chain_verifies_and_names_every_table_load(seeded):
    assert verify_chain().ok
    loaded = {
        e.changes["model"][1]: e.changes["rows"][1]
        for e in AuditEvent.objects.filter(action="seed.loaded")
    }
    assert loaded["registry.participant"] == 400 or "registry.participant" in loaded
    assert loaded["casework.note"] == Note.objects.count()
    assert loaded["aftercare.checkin"] == CheckIn.objects.count()
    assert AuditEvent.objects.filter(action="seed.national").count() == 1


def _check_due_dates_are_filled(seeded):
    assert Case.objects.filter(closed_on__isnull=True, next_due_on__isnull=False).exists()


def _check_progress_is_one_line_rewritten_with_phases_and_rates(seeded):
    _out, err = seeded
    assert err.count("\n") == 1 and err.count("\r") > 10
    assert "[2/" in err and "participants" in err and "rows/s" in err


def _check_a_second_seed_into_the_same_database_is_refused():
    before = (Participant.objects.count(), Case.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError, match="already holds participants, cases, organisations"):
        call_command("seed", scale=FACTOR, workers=1, stdout=io.StringIO(), stderr=io.StringIO())
    assert (Participant.objects.count(), Case.objects.count(), AuditEvent.objects.count()) == before


def test_a_bad_scale_is_refused_clearly():
    with pytest.raises(CommandError, match="--scale must be"):
        call_command("seed", scale="planet")
    with pytest.raises(CommandError, match="--scale must be"):
        call_command("seed", scale="2")


def _schema_of(*tables: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The tables' indexes and foreign keys, as the database describes them."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'index'")
            indexes = sorted(str(sql) for table, sql in cursor.fetchall() if table in tables)
            keys = []
            for table in tables:
                cursor.execute(f"PRAGMA foreign_key_list({connection.ops.quote_name(table)})")
                keys += [(table, *map(str, row)) for row in cursor.fetchall()]
            return indexes, sorted(keys)
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexdef",
            [list(tables)],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)"
            " AND contype = 'f' ORDER BY 1, 2",
            [list(tables)],
        )
        return indexes, list(cursor.fetchall())


def _participant_row(pk: int, code: str) -> tuple:
    import uuid

    from bahali.geography.models import District
    from bahali.organisations.models import Organisation

    return (
        pk,
        uuid.uuid4(),
        code,
        District.objects.get(code="SWT").pk,
        pk,
        26,
        "M",
        "",
        False,
        False,
        "",
        Organisation.objects.values_list("pk", flat=True).first(),
    )


def test_indexes_and_foreign_keys_are_made_again_after_a_bulk_phase():
    """The bulk phases drop a table's secondary indexes and foreign keys while rows are
    copied in (PostgreSQL; SQLite keeps them: small scales only): afterwards the schema is
    the migrations' again, and a row that breaks a foreign key fails the phase (and with it
    the seed's one transaction)."""
    from django.db import IntegrityError, transaction

    from bahali.testing import OrganisationFactory

    OrganisationFactory()
    tables = ("registry_participant", "registry_blockingkey")
    before = _schema_of(*tables)
    assert before[0] and before[1]
    with transaction.atomic():
        # (the schema is checked between the two exits, inside the transaction)
        with batches.indexes_deferred(Participant, BlockingKey):
            if connection.vendor == "postgresql":
                dropped = _schema_of(*tables)
                assert len(dropped[0]) < len(before[0])
                assert not dropped[1]
            else:
                assert _schema_of(*tables) == before
            national.copy_rows(
                Participant, national.PARTICIPANT_COLUMNS, [_participant_row(9001, "T1")]
            )
            national.copy_rows(BlockingKey, ["participant_id", "key"], [(9001, "n:khan")])
        assert _schema_of(*tables) == before
        assert BlockingKey.objects.filter(participant_id=9001, key="n:khan").exists()

    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        batches.indexes_deferred(BlockingKey),
    ):
        national.copy_rows(BlockingKey, ["participant_id", "key"], [(987654, "n:none")])
        if connection.vendor != "postgresql":  # SQLite checks its keys at commit: ask now
            connection.check_constraints(table_names=["registry_blockingkey"])
    assert _schema_of(*tables) == before
    assert not BlockingKey.objects.filter(participant_id=987654).exists()
