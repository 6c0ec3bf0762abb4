"""``bahali match-persons INPUT.csv --out PAIRS.csv``: likely duplicates in a batch of records.

Organisations hand over their registrations as CSV; this finds the pairs that are probably
the same person (within the file, and with ``--against-registry`` also against the people
already registered) for a person to confirm. The whole file is validated before anything
is matched, and the output appears complete or not at all: a half-written pairs file could
be taken for a finished one. From 5,000 records on, the matcher's weights are first
estimated on the records themselves (``matching.training.parameters_for``), as
``benchmarks/bench_matching.py`` measures it; ``--committed-weights`` keeps the shipped ones.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bahali.core.spreadsheets import csv_writer
from bahali.registry.matching import PersonRecord, find_pairs, model
from bahali.registry.matching.training import parameters_for

INPUT_HEADER = [
    "record_id",
    "name",
    "name_native",
    "father_name",
    "father_name_native",
    "sex",
    "birth_year",
    "birth_date",
    "cnic",
    "district",
]
OUTPUT_HEADER = ["record_id_a", "record_id_b", "score", "decision"]
BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Find likely duplicate persons in a CSV of registrations; write the pairs as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "input", type=Path, help="UTF-8 CSV with header: " + ",".join(INPUT_HEADER)
        )
        parser.add_argument("--out", type=Path, required=True, help="where to write the pairs CSV")
        parser.add_argument(
            "--against-registry",
            action="store_true",
            help="also compare with every participant already in the registry",
        )
        parser.add_argument(
            "--committed-weights",
            action="store_true",
            help="score with the weights shipped with Bahali instead of estimating them on "
            "the records first (estimated from 5,000 records on)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        records = read_records(options["input"])
        against = None
        if options["against_registry"]:
            from bahali.registry.services import registry_records

            against = list(registry_records())
        progress = self._progress if sys.stderr.isatty() else None
        # estimated by find_pairs while it derives the records (model.Deferred)
        parameters = (
            model.COMMITTED
            if options["committed_weights"]
            else model.Deferred(partial(parameters_for, [*records, *(against or ())]))
        )
        pairs = find_pairs(records, against=against, progress=progress, parameters=parameters)
        written = write_pairs(options["out"], pairs)
        if progress is not None:
            self.stderr.write("", style_func=str)
        self.stdout.write(
            self.style.SUCCESS(f"{len(records)} records checked, {written} pairs written.")
        )

    def _progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stderr.write(f"\r[{bar}] {done}/{total}", style_func=str, ending="")
        self.stderr.flush()


def read_records(path: Path) -> list[PersonRecord]:
    """Every record of the file, or a CommandError naming the first bad line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        line = data.count(b"\n", 0, error.start + bom) + 1
        raise CommandError(f"line {line}: not valid UTF-8") from error
    if not text.strip():
        raise CommandError(
            "line 1: the file is empty; expected the header " + ",".join(INPUT_HEADER)
        )
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows)
    if [column.strip() for column in header] != INPUT_HEADER:
        raise CommandError("line 1: expected the header " + ",".join(INPUT_HEADER))
    records: list[PersonRecord] = []
    seen: set[str] = set()
    for line, row in _numbered(rows):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(INPUT_HEADER):
            raise CommandError(
                f"line {line}: expected {len(INPUT_HEADER)} columns, found {len(row)}"
            )
        record = _record(line, [cell.strip() for cell in row])
        if record.record_id in seen:
            raise CommandError(f"line {line}: duplicate record_id {record.record_id!r}")
        seen.add(record.record_id)
        records.append(record)
    return records


def _numbered(rows: Any) -> Iterator[tuple[int, list[str]]]:
    """Rows with the file line each starts on (a quoted cell may span lines)."""
    while True:
        line = rows.line_num + 1
        row = next(rows, None)
        if row is None:
            return
        yield line, row


def _record(line: int, cells: list[str]) -> PersonRecord:
    values = dict(zip(INPUT_HEADER, cells, strict=True))
    if not values["record_id"]:
        raise CommandError(f"line {line}: record_id is empty")
    birth_year = None
    if values["birth_year"]:
        try:
            birth_year = int(values["birth_year"])
        except ValueError as error:
            raise CommandError(
                f"line {line}: birth_year {values['birth_year']!r} is not a whole number"
            ) from error
    birth_date = None
    if values["birth_date"]:
        try:
            birth_date = datetime.date.fromisoformat(values["birth_date"])
        except ValueError as error:
            raise CommandError(
                f"line {line}: birth_date {values['birth_date']!r} is not a date (YYYY-MM-DD)"
            ) from error
    return PersonRecord(
        record_id=values["record_id"],
        name=values["name"],
        name_native=values["name_native"],
        father_name=values["father_name"],
        father_name_native=values["father_name_native"],
        sex=values["sex"],
        birth_year=birth_year,
        birth_date=birth_date,
        cnic=values["cnic"],
        district=values["district"],
    )


def write_pairs(path: Path, pairs: Iterator[tuple[str, str, float, str]]) -> int:
    """Write the pairs CSV atomically (a temporary file renamed over the target)."""
    directory = path.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv_writer(stream)  # record ids from the input: never live formulas
            writer.writerow(OUTPUT_HEADER)
            for first, second, value, decision in pairs:
                writer.writerow([first, second, f"{value:.3f}", decision])
                count += 1
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
