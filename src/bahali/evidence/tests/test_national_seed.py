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

from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.assessments.models import Assessment
from bahali.audit.models import AuditEvent
from bahali.audit.services import verify_chain
from bahali.cases.models import Case
from bahali.casework.models import Attendance, Note
from bahali.core import crypto
from bahali.core.sealing import open_field
from bahali.evidence import national
from bahali.grievances.models import Grievance
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
