"""Importing a sheet: validation report, all-or-nothing, valid-only, undo, resume, clusters."""

from __future__ import annotations

import datetime
import io
import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.imports import services
from bahali.imports.models import ColumnMapping, ImportRow
from bahali.registry.models import Participant
from bahali.testing import membership_of

pytestmark = pytest.mark.django_db

HEADINGS = "Full Name,Father Name,Gender,DOB,CNIC,District"
GOOD = [
    "Gul Zaman Afridi,Sher Rehman,M,1994-03-02,,SWT",
    "Gul Zamaan Afreedi,Sher Rahman,male,1994-03-02,,SWT",
    "Zarmina Bibi,Noor Ali,F,,,SWT",
]
BAD = "Bakht Jan,Taj Wali,X,1994-13-40,123,NOPE"


def sheet(*rows: str) -> services.Sheet:
    text = "\n".join([HEADINGS, *rows]).encode()
    return services.read_sheet("agency.csv", text)


def check(steward, *rows: str):
    data = sheet(*rows)
    organisation = membership_of(steward).organisation
    mapping = services.suggested_mapping(organisation, data.headings)
    return services.check_sheet(
        actor=steward, organisation=organisation, filename="agency.csv", sheet=data, mapping=mapping
    )


@pytest.fixture
def steward(member):
    return member(Role.DATA_STEWARD)


def test_the_report_names_each_refused_row_and_field_and_nothing_is_imported(steward):
    batch = check(steward, *GOOD, BAD)
    refused = batch.rows.get(number=4)
    assert refused.status == ImportRow.Status.REFUSED
    assert set(refused.errors) >= {"sex", "birth_date", "cnic", "district"}
    assert batch.rows_refused == 1
    with pytest.raises(ValidationError):
        services.run_import(actor=steward, batch=batch)
    assert not Participant.objects.exists()


def test_only_the_valid_rows_when_chosen_under_one_operation(steward):
    batch = check(steward, *GOOD, BAD)
    batch = services.run_import(actor=steward, batch=batch, only_valid=True)
    assert batch.rows_imported == 3 and Participant.objects.count() == 3
    operations = set(
        AuditEvent.objects.filter(object_type="registry.participant").values_list(
            "operation", flat=True
        )
    )
    assert operations == {batch.operation_id}


def test_each_row_marked_imported_is_audited_with_its_participant(steward, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_CHUNK", 2)  # two chunks: 2 rows, then 1
    batch = services.run_import(actor=steward, batch=check(steward, *GOOD))
    rows = list(batch.rows.order_by("number"))
    assert [row.status for row in rows] == [ImportRow.Status.IMPORTED] * 3
    assert len({row.participant_id for row in rows}) == 3
    events = AuditEvent.objects.filter(
        object_type="imports.importrow", action="update", operation=batch.operation_id
    )
    assert {int(event.object_id): event.changes for event in events} == {
        row.pk: {
            "participant": [None, row.participant_id],
            "status": [ImportRow.Status.VALID, ImportRow.Status.IMPORTED],
        }
        for row in rows
    }
    registered = set(
        AuditEvent.objects.filter(
            object_type="registry.participant", action="create", operation=batch.operation_id
        ).values_list("object_id", flat=True)
    )
    assert registered == {str(row.participant_id) for row in rows}


def test_every_row_checked_and_imported_is_recorded_under_the_operation_in_a_valid_chain(
    steward,
):
    """The rows are copied in at the check and the import; each still has its events (the
    row's creation, its person's and link's, the row marked imported), all under the
    batch's one operation, and the chain verifies."""
    from bahali.audit.services import verify_chain
    from bahali.registry.models import ParticipantLink

    batch = check(steward, *GOOD, BAD)
    batch = services.run_import(actor=steward, batch=batch, only_valid=True)
    rows = list(batch.rows.order_by("number"))
    events = AuditEvent.objects.filter(operation=batch.operation_id)
    created = set(
        events.filter(object_type="imports.importrow", action="create").values_list(
            "object_id", flat=True
        )
    )
    assert created == {str(row.pk) for row in rows}  # the refused row too
    people = [row.participant_id for row in rows if row.participant_id]
    assert len(people) == 3
    links = ParticipantLink.objects.filter(participant__in=people).values_list("pk", flat=True)
    assert set(
        events.filter(object_type="registry.participantlink", action="create").values_list(
            "object_id", flat=True
        )
    ) == {str(pk) for pk in links}
    assert verify_chain().ok


def test_the_mapping_is_remembered_per_organisation(steward):
    data = services.Sheet(["Naam", "Walid", "Jins", "Zila"], [["Ali", "Gul", "M", "SWT"]])
    organisation = membership_of(steward).organisation
    mapping = {"name": "Naam", "father_name": "Walid", "sex": "Jins", "district": "Zila"}
    services.check_sheet(
        actor=steward, organisation=organisation, filename="a.csv", sheet=data, mapping=mapping
    )
    assert ColumnMapping.objects.get(organisation=organisation).columns == mapping
    assert services.suggested_mapping(organisation, data.headings) == mapping


def test_duplicates_within_the_sheet_are_clustered_with_reasons(steward):
    batch = check(steward, *GOOD)
    assert [item["members"] for item in batch.clusters] == [["row:1", "row:2"]]
    codes = {code for code, _ in batch.clusters[0]["pairs"][0]["reasons"]}
    assert codes & {"name_variant", "name_exact"} and "birth_date_same" in codes


def test_an_import_killed_half_way_resumes_each_row_exactly_once(steward, monkeypatch):
    batch = check(steward, *GOOD, "Bakht Jan,Taj Wali,M,1990-01-01,,SWT")
    real = services._import_rows
    calls = []

    def dying(actor, batch, pks, districts):
        calls.append(pks)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker is killed while registering rows 3-4
        return real(actor, batch, pks, districts)

    monkeypatch.setattr(services, "IMPORT_CHUNK", 2)
    monkeypatch.setattr(services, "_import_rows", dying)
    with pytest.raises(KeyboardInterrupt):
        services.run_import(actor=steward, batch=batch)
    assert Participant.objects.count() == 2  # the first chunk, whole
    monkeypatch.setattr(services, "_import_rows", real)
    batch.refresh_from_db()
    batch = services.run_import(actor=steward, batch=batch)
    assert Participant.objects.count() == 4 == batch.rows_imported
    assert batch.rows.filter(status=ImportRow.Status.IMPORTED).count() == 4
    assert len(set(batch.rows.values_list("participant", flat=True))) == 4


def test_undo_removes_the_import_while_nothing_is_built_on_it(steward, member):
    batch = services.run_import(actor=steward, batch=check(steward, *GOOD))
    with pytest.raises(ValidationError):
        services.undo_import(actor=steward, batch=batch, reason="")
    batch = services.undo_import(actor=steward, batch=batch, reason="wrong sheet")
    assert not Participant.objects.exists()
    assert batch.status == batch.Status.UNDONE


def test_undo_is_refused_once_something_is_built_on_it(steward):
    from bahali.registry import services as registry

    batch = services.run_import(actor=steward, batch=check(steward, *GOOD))
    first, second = Participant.objects.order_by("pk")[:2]
    registry.merge_participants(actor=steward, kept=first, merged=second, reason="same")
    with pytest.raises(ValidationError):
        services.undo_import(actor=steward, batch=batch, reason="wrong sheet")
    assert Participant.objects.count() == 3


def test_xlsx_and_bad_files(steward):
    book = Workbook()
    book.active.append(["Name", "Sex", "District"])
    book.active.append(["Ali Khan", "M", "SWT"])
    stream = io.BytesIO()
    book.save(stream)
    data = services.read_sheet("a.xlsx", stream.getvalue())
    assert data.rows == [["Ali Khan", "M", "SWT"]]
    for name, content in [("a.txt", b"x"), ("a.xlsx", b"not a zip"), ("a.csv", b"\xff\xfe")]:
        with pytest.raises(ValidationError):
            services.read_sheet(name, content)


def test_only_stewards_and_managers_import(member):
    worker = member(Role.CASE_WORKER)
    data = sheet(*GOOD)
    with pytest.raises(PermissionDenied):
        services.check_sheet(
            actor=worker,
            organisation=membership_of(worker).organisation,
            filename="a.csv",
            sheet=data,
            mapping={"name": "Full Name"},
        )


def test_the_import_runs_as_a_background_job_of_the_batch_operation(steward):
    from bahali.jobs.models import Job, JobStatus

    batch = check(steward, *GOOD, BAD)
    with pytest.raises(ValidationError):  # refused before any job is queued
        services.start_import(actor=steward, batch=batch)
    assert not Job.objects.exists()
    job = services.start_import(actor=steward, batch=batch, only_valid=True)
    job.refresh_from_db()
    assert (job.kind, job.status, job.operation) == (
        "imports.people",
        JobStatus.DONE,
        batch.operation_id,
    )
    assert (job.done, job.total) == (3, 3)
    batch.refresh_from_db()
    assert batch.rows_imported == 3 and Participant.objects.count() == 3


def estimated_elsewhere(seen):
    """A stand-in for ``parameters_for`` that records what it was given and returns a set
    unlike the committed table (an agreeing date of birth worth far less), as an estimate
    on a population with many shared birthdays would."""
    from bahali.registry.matching import model

    def estimate(records, **kwargs):
        seen.append({record.record_id for record in records})
        m = dict(model.M, birth_date_same=model.U["birth_date_same"] * 4)
        return model.Parameters(m, model.U, "estimated in the test")

    return estimate


def test_duplicates_score_with_the_weights_estimated_on_the_file_and_registry(steward, monkeypatch):
    from bahali.registry.matching import model

    imported = services.run_import(actor=steward, batch=check(steward, GOOD[2]))
    seen: list[set[str]] = []
    monkeypatch.setattr(services, "parameters_for", estimated_elsewhere(seen))
    batch = check(steward, *GOOD)
    registered = imported.rows.get().participant.code
    assert seen == [{"row:1", "row:2", "row:3", registered}]  # the file and the registry
    pair = batch.clusters[0]["pairs"][0]
    weights = dict(pair["reasons"])
    estimated = math.log2(4)
    assert weights["birth_date_same"] == pytest.approx(estimated)
    assert weights["birth_date_same"] != pytest.approx(model.WEIGHTS["birth_date_same"])
    # the pair's score (the batch) and its reasons (the comparison) come from one set
    assert pair["score"] == pytest.approx(sum(weights.values()), abs=0.01)


def test_the_registration_check_scores_with_the_weights_the_import_estimated(steward, monkeypatch):
    """One model: the registration page's duplicate check (one person) scores with the
    ``m`` and ``u`` the last import estimated on its sheet and the registry, not the
    committed table, and says so in its reasons' weights."""
    from bahali.geography.models import District
    from bahali.registry import services as registry
    from bahali.registry.matching import model

    imported = services.run_import(actor=steward, batch=check(steward, GOOD[0]))
    registered = imported.rows.get().participant
    identity = registry.Identity(
        name="Gul Zaman Afridi", father_name="Sher Rehman", birth_date=datetime.date(1994, 3, 2)
    )
    swat = District.objects.get(code="SWT")

    def date_weight() -> float:
        (found,) = registry.find_candidates(identity, sex="m", district=swat)
        assert found.participant == registered
        return {r.code: r.weight for r in found.comparison.reasons}["birth_date_same"]

    # before any estimate: the shipped table (the first import met too few records to
    # estimate on, so nothing was stored)
    assert registry.matching_parameters() is model.COMMITTED
    assert date_weight() == pytest.approx(model.WEIGHTS["birth_date_same"])
    monkeypatch.setattr(services, "parameters_for", estimated_elsewhere([]))
    check(steward, GOOD[1])
    assert registry.matching_parameters().source == "estimated in the test"
    assert date_weight() == pytest.approx(math.log2(4))
    # an implausible estimate (an agreeing CNIC counting against) is not used
    m = dict(model.M, cnic_same=model.U["cnic_same"] / 2)
    registry.store_matching_weights(
        actor=steward, parameters=model.Parameters(m, model.U, "implausible")
    )
    assert registry.matching_parameters() is model.COMMITTED
