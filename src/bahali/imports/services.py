"""Importing an existing caseload from a CSV or XLSX sheet.

1. :func:`read_sheet` reads the headings and rows; :func:`suggested_mapping` proposes which
   column holds which field (the organisation's remembered mapping first).
2. :func:`check_sheet` validates every row with the registration page's own rules, finds
   the duplicates within the sheet and against the registry and groups them into
   consistent clusters (``registry.matching.clusters``); nothing is registered yet.
3. :func:`run_import` registers the rows through ``registry.services.register_participant``,
   all under the batch's one operation id; refused rows stop it unless only the valid rows
   were chosen. Each row is marked in the ledger in the transaction that registers it, so a
   run killed half-way and started again registers each row exactly once.
4. :func:`undo_import` removes a whole import while nothing has been built on its people.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bahali.accounts import policies
from bahali.core import recording
from bahali.core.context import acting_as, current, operation, service
from bahali.geography.models import District
from bahali.imports.models import ColumnMapping, ImportBatch, ImportRow
from bahali.jobs import services as jobs
from bahali.jobs.models import Job
from bahali.organisations.models import Organisation
from bahali.registry import services as registry
from bahali.registry.matching import NameFrequencies, Reason, compare, find_pairs, model
from bahali.registry.matching.clusters import cluster
from bahali.registry.matching.records import PersonRecord, features
from bahali.registry.matching.training import parameters_for
from bahali.registry.models import Participant, ParticipantLink
from bahali.registry.reasons import explain

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024

# The fields a sheet can fill, in the order the mapping page shows them.
FIELDS: dict[str, Any] = {
    "name": gettext_lazy("Name (Latin letters)"),
    "name_native": gettext_lazy("Name (Urdu/Pashto script)"),
    "father_name": gettext_lazy("Father's name (Latin letters)"),
    "father_name_native": gettext_lazy("Father's name (Urdu/Pashto script)"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Date of birth"),
    "birth_year": gettext_lazy("Year of birth"),
    "cnic": gettext_lazy("CNIC"),
    "district": gettext_lazy("District code"),
    "phone": gettext_lazy("Phone"),
}
# Headings recognised without a remembered mapping (lower case, spaces and _ alike).
_HEADINGS = {
    "name": {"name", "full name", "participant", "participant name"},
    "name_native": {"name urdu", "urdu name", "name native", "نام"},
    "father_name": {"father", "father name", "father's name", "fathers name", "s/o"},
    "father_name_native": {"father urdu", "father name urdu", "ولدیت"},
    "sex": {"sex", "gender"},
    "birth_date": {"dob", "date of birth", "birth date"},
    "birth_year": {"year of birth", "birth year", "yob"},
    "cnic": {"cnic", "nic", "cnic no", "id card"},
    "district": {"district", "district code"},
    "phone": {"phone", "mobile", "contact", "phone number"},
}
_SEXES = {"m": "m", "male": "m", "man": "m", "f": "f", "female": "f", "woman": "f"}


@dataclass
class Sheet:
    headings: list[str]
    rows: list[list[str]]


def read_sheet(filename: str, content: bytes) -> Sheet:
    """The headings and rows of a CSV or XLSX file; a clear error for anything else."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB; split it into several sheets."))
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("Save the CSV file as UTF-8 and upload it again.")) from exc
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ValidationError(_("Upload a CSV or an Excel (.xlsx) file."))
    rows = [row for row in rows if any(row)]
    if len(rows) < 2:
        raise ValidationError(_("The sheet needs a row of headings and at least one row."))
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError(
            _("The sheet has more than %(count)s rows; split it.") % {"count": f"{MAX_ROWS:,}"}
        )
    width = len(rows[0])
    return Sheet(rows[0], [(row + [""] * width)[:width] for row in rows[1:]])


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(_("The file is not a readable Excel workbook.")) from exc
    rows = []
    for row in book.worksheets[0].iter_rows(values_only=True):
        rows.append([_cell(value) for value in row])
    book.close()
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def suggested_mapping(organisation: Organisation, headings: list[str]) -> dict[str, str]:
    """field → heading: the organisation's remembered mapping where its headings are here,
    else headings recognised by name."""
    remembered = ColumnMapping.objects.filter(organisation=organisation).first()
    known = remembered.columns if remembered else {}
    present = set(headings)
    mapping = {field: heading for field, heading in known.items() if heading in present}
    for heading in headings:
        key = " ".join(heading.lower().replace("_", " ").split())
        for field, names in _HEADINGS.items():
            if field not in mapping and key in names:
                mapping[field] = heading
    return mapping


def check_row(
    values: dict[str, str], today: datetime.date | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """A row's values as the registration service takes them, and its errors (field → message).
    ``today``: the local date (read once for a whole sheet)."""
    errors: dict[str, str] = {}
    birth_date = None
    birth_year = None
    if values.get("birth_date"):
        try:
            birth_date = datetime.date.fromisoformat(values["birth_date"][:10])
        except ValueError:
            errors["birth_date"] = _("Write the date of birth as YYYY-MM-DD.")
    if values.get("birth_year"):
        try:
            birth_year = int(values["birth_year"])
        except ValueError:
            errors["birth_year"] = _("The year of birth must be a number, e.g. 1994.")
    sex = _SEXES.get(values.get("sex", "").strip().lower(), "")
    if not sex:
        errors["sex"] = _("Give the sex as M or F.")
    district = values.get("district", "").strip().upper()
    if not district:
        errors["district"] = _("Give the district code, e.g. SWT.")
    identity = registry.Identity(
        name=values.get("name", ""),
        name_native=values.get("name_native", ""),
        father_name=values.get("father_name", ""),
        father_name_native=values.get("father_name_native", ""),
        cnic=values.get("cnic", ""),
        birth_date=birth_date,
        birth_year=birth_year,
        phone=values.get("phone", ""),
    )
    try:
        registry.check_identity(identity, sex, today)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    clean = {
        **{key: values.get(key, "") for key in FIELDS},
        "sex": sex,
        "district": district,
        "birth_date": birth_date.isoformat() if birth_date else "",
        "birth_year": birth_year,
    }
    return clean, errors


@service
def upload_sheet(
    *, actor: Any, organisation: Organisation, filename: str, content: bytes
) -> ImportBatch:
    """Keep an uploaded sheet (sealed) until its columns are mapped."""
    policies.require(actor, "import.write")
    sheet = read_sheet(filename, content)
    batch = ImportBatch(
        organisation=organisation,
        created_by=actor,
        filename=filename[:200],
        operation_id=current().operation,
        rows_total=len(sheet.rows),
    )
    batch.sheet = {"headings": sheet.headings, "rows": sheet.rows}
    batch.save()
    return batch


def sheet_of(batch: ImportBatch) -> Sheet:
    stored = batch.sheet
    return Sheet(stored.get("headings", []), stored.get("rows", []))


@service
def check_uploaded(*, actor: Any, batch: ImportBatch, mapping: dict[str, str]) -> ImportBatch:
    """Check an uploaded batch's rows with the mapping chosen (see :func:`check_sheet`)."""
    policies.require(actor, "import.write")
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.UPLOADED:
        raise ValidationError(_("This sheet has already been checked."))
    sheet = sheet_of(batch)
    batch.sheet = {}  # the checked rows hold the values from now on
    return _check(actor, batch, sheet, mapping, release=True)


@service
def check_sheet(
    *,
    actor: Any,
    organisation: Organisation,
    filename: str,
    sheet: Sheet,
    mapping: dict[str, str],
) -> ImportBatch:
    """Validate every row, find the duplicates, remember the mapping: nothing registered yet."""
    policies.require(actor, "import.write")
    batch = ImportBatch(
        organisation=organisation,
        created_by=actor,
        filename=filename[:200],
        operation_id=current().operation,
        rows_total=len(sheet.rows),
    )
    batch.save()
    return _check(actor, batch, sheet, mapping)


def _check(
    actor: Any, batch: ImportBatch, sheet: Sheet, mapping: dict[str, str], release: bool = False
) -> ImportBatch:
    """``release``: the sheet is this check's own, its rows let go once read (not held
    through the matching)."""
    organisation = batch.organisation
    unknown = [heading for heading in mapping.values() if heading not in sheet.headings]
    if unknown or not set(mapping) <= set(FIELDS):
        raise ValidationError(_("The column mapping names a column the sheet does not have."))
    if not ({"name", "name_native"} & set(mapping)):
        raise ValidationError(_("Choose the column that holds the name."))
    remembered, _created = ColumnMapping.objects.get_or_create(organisation=organisation)
    if remembered.columns != mapping:
        remembered.columns = mapping
        remembered.save()
    positions = {field: sheet.headings.index(heading) for field, heading in mapping.items()}
    districts = set(District.objects.values_list("code", flat=True))
    today = timezone.localdate()
    rows: list[ImportRow] = []
    records = []
    refused = 0
    for number, raw in enumerate(sheet.rows, start=1):
        values = {field: raw[position] for field, position in positions.items()}
        clean, errors = check_row(values, today)
        if clean["district"] and clean["district"] not in districts:
            errors["district"] = _("Unknown district code %(code)s.") % {
                "code": clean["district"][:10]
            }
        row = ImportRow(
            batch=batch,
            number=number,
            status=ImportRow.Status.REFUSED if errors else ImportRow.Status.VALID,
            errors=errors,
        )
        row.values = clean
        rows.append(row)
        if errors:
            refused += 1
        else:
            records.append(_record(f"row:{number}", clean))
        if len(rows) == CHECK_CHUNK:  # written as they come: 100,000 rows not held at once
            ImportRow.objects.copy_create(rows, key=["batch", "number"])
            rows = []
    ImportRow.objects.copy_create(rows, key=["batch", "number"])
    del rows
    if release:
        sheet.rows.clear()
    batch.rows_refused = refused
    batch.status = ImportBatch.Status.CHECKED
    batch.sheet = {}  # the checked rows hold the values from now on
    against = list(registry.registry_records())
    # ``m`` and ``u`` estimated on the file and the registry it meets (while the matcher
    # derives the records), kept for the registration page's check (one model for both)
    estimated = model.Deferred(partial(parameters_for, [*records, *against]))
    batch.clusters = duplicate_clusters(records, against, estimated)
    registry.store_matching_weights(actor=actor, parameters=estimated.get())
    batch.save()
    return batch


# Checked rows written (and recorded) at a time.
CHECK_CHUNK = 5000


def _record(record_id: str, clean: dict[str, Any]) -> PersonRecord:
    return PersonRecord(
        record_id=record_id,
        name=clean["name"],
        name_native=clean["name_native"],
        father_name=clean["father_name"],
        father_name_native=clean["father_name_native"],
        sex=clean["sex"],
        birth_year=clean["birth_year"],
        birth_date=datetime.date.fromisoformat(clean["birth_date"])
        if clean["birth_date"]
        else None,
        cnic=clean["cnic"],
        district=clean["district"],
    )


def duplicate_clusters(
    records: list[PersonRecord],
    against: list[PersonRecord],
    parameters: model.Parameters | model.Deferred | None = None,
) -> list[dict[str, Any]]:
    """The possible duplicates within ``records`` and against ``against``, as clusters.

    Each cluster: its members (``row:<n>`` or a participant code), score, decision, and
    each joining pair with its reason codes and their explanations as on the registration
    page. Pairs the clusters kept apart are listed with why.
    """
    everyone = {record.record_id: record for record in [*records, *against]}
    # ``m`` and ``u`` estimated on the file and the registry it meets unless given, as
    # ``bahali match-persons`` does (the committed table below a few thousand records); the
    # pairs, the clusters' own comparisons and the reasons shown all score with them
    if parameters is None:
        parameters = model.Deferred(partial(parameters_for, list(everyone.values())))
    links = [
        (a, b, value, decision)
        for a, b, value, decision in find_pairs(records, against, parameters=parameters)
    ]
    if isinstance(parameters, model.Deferred):
        parameters = parameters.get()
    frequencies = NameFrequencies((features(record) for record in everyone.values()), parameters)
    reasons: dict[frozenset[str], list[Any]] = {}

    def score(a: str, b: str) -> tuple[float, frozenset[str]]:
        result = compare(everyone[a], everyone[b], frequencies)
        reasons[frozenset((a, b))] = result.reasons
        return result.score, frozenset(reason.code for reason in result.reasons)

    found = []
    for item in cluster(links, score):
        pairs = []
        for a, b, value, decision in item.links:
            key = frozenset((a, b))
            if key not in reasons:
                score(a, b)
            pairs.append(
                {
                    "a": a,
                    "b": b,
                    "score": value,
                    "decision": decision,
                    "reasons": [[reason.code, reason.weight] for reason in reasons[key]],
                }
            )
        found.append(
            {
                "members": item.members,
                "score": item.score,
                "decision": item.decision,
                "pairs": pairs,
                "separated": [list(entry) for entry in item.separated],
            }
        )
    return found


def explained(reasons: list[list[Any]]) -> list[str]:
    """A pair's stored reasons in the user's language, strongest first, as the registration
    page says them."""
    return [shown.label for shown in explain([Reason(code, weight) for code, weight in reasons])]


def _begin(actor: Any, batch: ImportBatch, only_valid: bool) -> ImportBatch:
    """Check the batch may be imported and mark it importing (a resumed run passes again)."""
    with operation(batch.operation_id), acting_as(actor):
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        policies.require(actor, "import.write")
        if batch.status in {ImportBatch.Status.IMPORTED, ImportBatch.Status.UNDONE}:
            raise ValidationError(_("This import has already been run."))
        if batch.status == ImportBatch.Status.UPLOADED:
            raise ValidationError(_("Map the columns and check the rows first."))
        if batch.rows_refused and not only_valid:
            raise ValidationError(
                _("%(count)s rows were refused: correct the sheet, or import only the valid rows.")
                % {"count": batch.rows_refused}
            )
        batch.status = ImportBatch.Status.IMPORTING
        batch.only_valid = only_valid
        batch.save()
    return batch


def start_import(*, actor: Any, batch: ImportBatch, only_valid: bool = False) -> Job:
    """Check the batch, then hand the import to the worker as a background job of the batch's
    own audit operation; return the job (its page shows the progress)."""
    from bahali.imports.jobs import IMPORT_PEOPLE  # the job body builds on this module

    _begin(actor, batch, only_valid)
    return jobs.start(
        IMPORT_PEOPLE,
        actor=actor,
        params={"batch": batch.pk, "only_valid": only_valid},
        operation_id=batch.operation_id,
    )


def run_import(
    *,
    actor: Any,
    batch: ImportBatch,
    only_valid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """Register the batch's rows, each exactly once, all under the batch's operation id.

    Refused rows stop the whole import unless ``only_valid``. Rows are registered and
    marked imported a chunk at a time, each chunk one transaction; a run that died is
    resumed by calling this again (the worker does, for a job whose worker was killed).
    ``progress(done, total)`` is told after each chunk of :data:`IMPORT_CHUNK` rows.
    """
    batch = _begin(actor, batch, only_valid)
    districts = {district.code: district for district in District.objects.all()}
    rows = ImportRow.objects.filter(batch=batch)
    total = rows.filter(status__in=[ImportRow.Status.VALID, ImportRow.Status.IMPORTED]).count()
    done = rows.filter(status=ImportRow.Status.IMPORTED).count()
    pending = list(
        rows.filter(status=ImportRow.Status.VALID).order_by("number").values_list("pk", flat=True)
    )
    for start in range(0, len(pending), IMPORT_CHUNK):
        done += _import_rows(actor, batch, pending[start : start + IMPORT_CHUNK], districts)
        if progress is not None:
            progress(done, total)
    with operation(batch.operation_id), acting_as(actor):
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch.rows_imported = batch.rows.filter(status=ImportRow.Status.IMPORTED).count()
        batch.status = ImportBatch.Status.IMPORTED
        batch.save()
        from bahali.imports.review import queue_clusters  # review builds on this module

        queue_clusters(actor=actor, batch=batch)
    return batch


# Rows registered in one transaction: few enough to hold a lock briefly, many enough that
# the bulk statements, not the round trips, take the time.
IMPORT_CHUNK = 500


def _import_rows(
    actor: Any, batch: ImportBatch, pks: list[int], districts: dict[str, District]
) -> int:
    """Register these rows and mark them imported, in one transaction (all or none of them):
    a run killed half-way and started again registers each row exactly once."""
    with operation(batch.operation_id), acting_as(actor), transaction.atomic():
        rows = list(
            ImportRow.objects.select_for_update()
            .filter(pk__in=pks, status=ImportRow.Status.VALID)
            .order_by("number")
        )
        people = []
        for row in rows:
            clean = row.values
            people.append(
                registry.Registration(
                    identity=registry.Identity(
                        name=clean["name"],
                        name_native=clean["name_native"],
                        father_name=clean["father_name"],
                        father_name_native=clean["father_name_native"],
                        cnic=clean["cnic"],
                        birth_date=datetime.date.fromisoformat(clean["birth_date"])
                        if clean["birth_date"]
                        else None,
                        birth_year=clean["birth_year"],
                        phone=clean["phone"],
                    ),
                    sex=clean["sex"],
                    district=districts[clean["district"]],
                )
            )
        registered = registry.register_participants(
            actor=actor, people=people, organisation=batch.organisation
        )
        _mark_imported(rows, registered)
    return len(rows)


def _mark_imported(rows: list[ImportRow], participants: list[Participant]) -> None:
    """Mark the (locked, valid) rows imported as ``participants``: one ``UPDATE`` for the
    chunk, and one audit event per row with the changes ``bulk_update`` records (status and
    participant, before and after), appended in one go.

    ``bulk_update`` built a ``CASE`` expression of Django objects per row and re-read the
    rows to record them: a third of the import's time. The rows are already locked and
    loaded here, so their values before are known."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(ImportRow._meta.db_table)
    pk = quote(ImportRow._meta.pk.column)
    cases = " ".join(["WHEN %s THEN %s"] * len(rows))
    places = ", ".join(["%s"] * len(rows))
    pairs = sorted(zip(rows, participants, strict=True), key=lambda pair: pair[0].pk)
    # The model's own quoted names and placeholders only: every value is a parameter.
    status = quote(ImportRow._meta.get_field("status").column)
    participant = quote(ImportRow._meta.get_field("participant").column)
    sql = (
        f"UPDATE {table} SET {status} = %s, "  # noqa: S608
        f"{participant} = CASE {pk} {cases} END WHERE {pk} IN ({places})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                ImportRow.Status.IMPORTED.value,
                *(value for row, person in pairs for value in (row.pk, person.pk)),
                *(row.pk for row, _person in pairs),
            ],
        )
        if cursor.rowcount != len(rows):  # the rows are locked: cannot happen
            raise RuntimeError(f"marked {cursor.rowcount} of {len(rows)} import rows")
    entries = []
    label = ImportRow._meta.label_lower
    name = ImportRow._meta.verbose_name  # the label of an event on a row (its number is not)
    for row, person in pairs:
        old = {"participant_id": row.participant_id, "status": row.status}
        row.participant = person
        row.status = ImportRow.Status.IMPORTED
        new = {"participant_id": person.pk, "status": row.status}
        changes = ImportRow.audit_describe(["participant", "status"], old, new, adding=False)
        row._audit_snapshot = {**getattr(row, "_audit_snapshot", {}), **new}
        entries.append(("update", label, str(row.pk), f"{name} #{row.pk}"[:200], changes))
    recording.record_rows(entries)


# Rows every registration makes; anything else pointing at an imported person is "built on".
_OWN = {"participantlink", "blockingkey", "importrow"}


def built_on(batch: ImportBatch) -> list[str]:
    """What was recorded about the import's people since (empty: it can be undone)."""
    people = Participant.objects.filter(importrow__batch=batch)
    found = []
    if (
        people.filter(merged_into__isnull=False).exists()
        or Participant.objects.filter(merged_into__in=people).exists()
    ):
        found.append(str(_("a merge")))
    for relation in Participant._meta.related_objects:
        model: Any = relation.related_model
        if model._meta.model_name in _OWN or relation.field.name == "merged_into":
            continue
        if relation.one_to_many or relation.one_to_one:
            lookup = {f"{relation.field.name}__in": people}
            if model._default_manager.filter(**lookup).exists():
                found.append(str(model._meta.verbose_name))
    links = ParticipantLink.objects.filter(participant__in=people).exclude(
        organisation=batch.organisation
    )
    if links.exists():
        found.append(str(_("another organisation's link")))
    return found


@service
def undo_import(*, actor: Any, batch: ImportBatch, reason: str) -> ImportBatch:
    """Remove every person the import registered, while nothing has been built on them."""
    policies.require(actor, "import.write")
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the import is undone.")})
    if batch.status != ImportBatch.Status.IMPORTED:
        raise ValidationError(_("Only a finished import can be undone."))
    blocking = built_on(batch)
    if blocking:
        raise ValidationError(
            _("Records were built on this import since (%(what)s); it cannot be undone.")
            % {"what": ", ".join(sorted(set(blocking)))}
        )
    batch.reviews.all().delete()  # nothing decided (a decision would be a merge or a pair)
    people = list(Participant.objects.filter(importrow__batch=batch))
    rows = list(batch.rows.filter(status=ImportRow.Status.IMPORTED))
    for row in rows:
        row.status = ImportRow.Status.UNDONE
        row.participant = None
        row.save()
    for person in people:
        person.delete()
    batch.status = ImportBatch.Status.UNDONE
    batch.save()
    return batch


def rows_of(batch: ImportBatch) -> Iterator[ImportRow]:
    return iter(batch.rows.order_by("number"))
