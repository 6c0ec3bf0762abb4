"""Encrypted, integrity-checked backups and verified restores, on SQLite and PostgreSQL.

An archive is::

    b"BAHALI-BACKUP\\n"  header length (4 bytes)  header (JSON)
    chunk length (4 bytes)  chunk …

The header (plain JSON, so an operator can see what an archive is without a key) names the
format, when it was taken, the database vendor, the migrations applied, the id of the
backup key and the ids of the field and audit keys its rows need — ids, never keys. Every
chunk is up to 1 MiB of a zlib stream, sealed with AES-256-GCM under the backup key: its
nonce is a random prefix, the chunk's number and a flag set on the last chunk, and its
associated data the header's SHA-256. So a changed header, a changed, reordered, dropped
or added chunk, or a cut-off archive does not open (:class:`BackupRefused`).

The stream inside (format 2) is JSON Lines around tables: for each model, in foreign-key
order, a line naming its table and columns, then its rows in PostgreSQL's COPY text format
(``COPY … TO STDOUT`` on PostgreSQL, written value by value through the model's fields on
SQLite) and an end-of-table line; its many-to-many tables likewise. All are taken in one
consistent snapshot (REPEATABLE READ on PostgreSQL, one transaction on SQLite). Then files
under ``MEDIA_ROOT`` and ``BAHALI_JOB_DIR`` (background jobs' results, sealed) if any, and a
last line with every table's row count. (Format 1, each row a JSON line in Django's
serialised form, was too slow at national scale: tens of millions of Python objects.)

:func:`restore` loads an archive into an empty database (no users, no audit events) in one
transaction, and before committing checks the row counts, walks the whole audit chain
(``bahali audit verify``) and opens every sealed value with the configured keys; any
failure rolls everything back. On PostgreSQL the rows go in with ``COPY … FROM STDIN``;
the sealed values of a large table are opened in worker processes (one per core), batch by
batch, while the next batch is read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from bahali.core import batches, crypto

MAGIC = b"BAHALI-BACKUP\n"
FORMAT_VERSION = 2
CHUNK = 1 << 20
BATCH = 1000

# Not backed up: sign-in sessions (everyone signs in again after a restore), worker
# heartbeats (operational), the database cache (a table, not a model).
SKIPPED = {"sessions.session", "jobs.workerbeat"}

Progress = Callable[[int, int], None]


class BackupRefused(Exception):
    """The archive is not a Bahali backup, was changed, is cut off, or needs a key that is
    not configured; or the restore's checks failed (nothing was restored)."""


@dataclass
class RestoreReport:
    rows: int = 0
    files: int = 0
    audit_events: int = 0
    sealed_values: int = 0
    per_model: dict[str, int] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------ models


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete, managed model, each after the models its foreign keys point to."""
    candidates = [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in SKIPPED
    ]
    ordered: list[type[models.Model]] = []
    seen: set[type[models.Model]] = set()

    def visit(model: type[models.Model], path: tuple[type[models.Model], ...]) -> None:
        if model in seen or model in path:
            return  # done, or a loop (the database defers those checks)
        for related in _dependencies(model):
            if related in candidates:
                visit(related, (*path, model))
        seen.add(model)
        ordered.append(model)

    for model in sorted(candidates, key=lambda m: m._meta.label_lower):
        visit(model, ())
    return ordered


def _dependencies(model: type[models.Model]) -> list[type[models.Model]]:
    found = []
    for item in model._meta.get_fields():
        if getattr(item, "concrete", False) and item.is_relation and item.many_to_one:
            related = item.related_model
            if isinstance(related, type) and related is not model:
                found.append(related)
        if item.many_to_many and getattr(item, "concrete", False):
            related = item.related_model
            if isinstance(related, type) and related is not model:
                found.append(related)
    return found


def _plain(model: type[models.Model]) -> models.QuerySet[Any]:
    """All rows, through a plain queryset (no audited or scoped manager in the way)."""
    return models.QuerySet(model=model)


# ------------------------------------------------------------------------------ cipher


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


class _SealedWriter:
    """Compresses, cuts into chunks and seals, writing each chunk as it fills."""

    def __init__(self, out: IO[bytes], header: dict[str, Any], key: bytes) -> None:
        self.out = out
        self.aead = AESGCM(key)
        self.prefix = base64.b64decode(header["nonce_prefix"])
        header_bytes = _header_bytes(header)
        self.aad = hashlib.sha256(header_bytes).digest()
        self.compressor = zlib.compressobj(1)  # fast: the stream is text, most of it sealed
        self.pending = b""
        self.index = 0
        self.written = 0
        out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)

    def write(self, data: bytes) -> None:
        self.pending += self.compressor.compress(data)
        while len(self.pending) > CHUNK:
            self._emit(self.pending[:CHUNK], last=False)
            self.pending = self.pending[CHUNK:]

    def close(self) -> None:
        self.pending += self.compressor.flush()
        while len(self.pending) > CHUNK:
            self._emit(self.pending[:CHUNK], last=False)
            self.pending = self.pending[CHUNK:]
        self._emit(self.pending, last=True)
        self.out.flush()

    def _emit(self, data: bytes, *, last: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.prefix, self.index, last), data, self.aad)
        self.out.write(struct.pack(">I", len(sealed)) + sealed)
        self.index += 1
        self.written += len(sealed) + 4


def read_header(stream: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    if stream.read(len(MAGIC)) != MAGIC:
        raise BackupRefused("not a Bahali backup archive")
    raw_length = stream.read(4)
    if len(raw_length) != 4:
        raise BackupRefused("the archive is cut off")
    (length,) = struct.unpack(">I", raw_length)
    if length > 10_000_000:
        raise BackupRefused("the archive's header is damaged")
    header_bytes = stream.read(length)
    try:
        header = json.loads(header_bytes)
    except ValueError as exc:
        raise BackupRefused("the archive's header is damaged") from exc
    if not isinstance(header, dict) or header.get("format") != "bahali-backup":
        raise BackupRefused("not a Bahali backup archive")
    if header.get("version") != FORMAT_VERSION:
        raise BackupRefused(f"archive format version {header.get('version')} is not supported")
    return header, header_bytes


def _opened_chunks(
    stream: IO[bytes], header: dict[str, Any], header_bytes: bytes
) -> Iterator[bytes]:
    key_id = str(header.get("backup_key_id", ""))
    key = settings.BACKUP_KEYS.get(key_id)
    if key is None:
        raise BackupRefused(
            f"the archive is encrypted with backup key {key_id!r}, which is not configured "
            "(BAHALI_BACKUP_KEYS)"
        )
    aead = AESGCM(key)
    prefix = base64.b64decode(header["nonce_prefix"])
    aad = hashlib.sha256(header_bytes).digest()
    index = 0
    while True:
        raw_length = stream.read(4)
        if len(raw_length) != 4:
            raise BackupRefused("the archive is cut off (its last part is missing)")
        (length,) = struct.unpack(">I", raw_length)
        sealed = stream.read(length)
        if len(sealed) != length:
            raise BackupRefused("the archive is cut off")
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, index, last), sealed, aad)
            except InvalidTag:
                continue
            break
        else:
            raise BackupRefused(
                f"part {index + 1} of the archive does not authenticate: it was changed, "
                "or the archive's header was"
            )
        yield plain
        index += 1
        if last:
            if stream.read(1):
                raise BackupRefused("the archive has data after its last part")
            return


# ------------------------------------------------------------------------------ backup


def applied_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def file_roots() -> dict[str, Path]:
    """Folders of files the database refers to: uploads, and background jobs' results
    (sealed with the field keys)."""
    roots = {}
    for name, value in (
        ("media", getattr(settings, "MEDIA_ROOT", "")),
        ("jobs", getattr(settings, "BAHALI_JOB_DIR", "")),
    ):
        if value and Path(value).is_dir():
            roots[name] = Path(value)
    return roots


def media_files() -> list[tuple[str, Path, Path]]:
    """(root name, root, file) of every file to back up."""
    return [
        (name, root, path)
        for name, root in file_roots().items()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    ]


def backup(out: IO[bytes], *, progress: Progress | None = None) -> dict[str, Any]:
    """Write an encrypted archive of the whole database (and uploaded files) to ``out``.
    Returns the header, with the row counts."""
    snapshot = not connection.in_atomic_block
    with transaction.atomic():
        if snapshot and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _backup(out, progress)


def _backup(out: IO[bytes], progress: Progress | None) -> dict[str, Any]:
    ordered = backed_up_models()
    totals = {model._meta.label_lower: _plain(model).count() for model in ordered}
    files = media_files()
    total = sum(totals.values()) + len(files)
    header = {
        "format": "bahali-backup",
        "version": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "vendor": connection.vendor,
        "migrations": applied_migrations(),
        "backup_key_id": settings.BACKUP_KEY_ACTIVE,
        "field_key_ids": sorted(_field_key_ids()),
        "audit_key_ids": sorted(_audit_key_ids()),
        "nonce_prefix": base64.b64encode(os.urandom(7)).decode(),
        "models": [model._meta.label_lower for model in ordered],
    }
    writer = _SealedWriter(out, header, settings.BACKUP_KEYS[settings.BACKUP_KEY_ACTIVE])
    done = 0
    counts: dict[str, int] = {}
    for model in ordered:
        for table in _tables(model):
            writer.write(
                json.dumps({"table": table.label, "columns": table.columns}).encode() + b"\n"
            )
            rows = 0
            for block, lines in _table_rows(table):
                writer.write(block)
                rows += lines
                done += lines
                if progress:
                    progress(done, total)
            writer.write(END_OF_TABLE)
            counts[table.label] = rows
    for name, root, path in files:
        data = {
            "file": path.relative_to(root).as_posix(),
            "root": name,
            "data": base64.b64encode(path.read_bytes()).decode(),
        }
        writer.write(json.dumps(data).encode() + b"\n")
        done += 1
        if progress:
            progress(done, total)
    writer.write(json.dumps({"end": counts, "files": len(files)}).encode() + b"\n")
    writer.close()
    return {**header, "counts": counts, "files": len(files), "bytes": writer.written}


# ------------------------------------------------------------------------------ tables
#
# Format 2 carries each table as PostgreSQL's COPY text format: a JSON line naming the table
# and its columns, one line per row (tab-separated; ``\N`` for NULL; backslash, tab,
# newline and carriage return escaped), and a line ``\.``. PostgreSQL writes and reads it
# itself (``COPY … TO/FROM STDOUT``), so a national database's tens of millions of rows pass
# without a Python object each; on SQLite each value is written and read through its
# model field. A row's text never equals the end line (a backslash in a value is doubled).

END_OF_TABLE = b"\\.\n"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}


@dataclass
class _Table:
    """One table of the archive: a model's, or the rows of one of its many-to-many fields."""

    label: str
    model: type[models.Model]  # whose table, for the fields (the through model for m2m)
    fields: list[models.Field[Any, Any]]

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def _tables(model: type[models.Model]) -> list[_Table]:
    found = [
        _Table(
            model._meta.label_lower,
            model,
            [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)],
        )
    ]
    for m2m in model._meta.local_many_to_many:
        through: Any = m2m.remote_field.through
        if through._meta.auto_created:
            found.append(
                _Table(
                    f"{model._meta.label_lower}.{m2m.name}",
                    through,
                    list(through._meta.concrete_fields),
                )
            )
    return found


def _select(table: _Table) -> str:
    columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
    pk = connection.ops.quote_name(table.model._meta.pk.column)
    return f"SELECT {columns} FROM {connection.ops.quote_name(table.table)} ORDER BY {pk}"  # noqa: S608


def _table_rows(table: _Table) -> Iterator[tuple[bytes, int]]:
    """The table's rows in COPY text format, in blocks: (bytes, rows in them)."""
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({_select(table)}) TO STDOUT") as copy,
        ):
            pending: list[bytes] = []
            size = 0
            for data in copy:
                block = bytes(data)
                pending.append(block)
                size += len(block)
                if size >= CHUNK:
                    joined = b"".join(pending)
                    yield joined, joined.count(b"\n")
                    pending, size = [], 0
            if pending:
                joined = b"".join(pending)
                yield joined, joined.count(b"\n")
        return
    # SQLite: values as the ORM reads them (its converters), written as PostgreSQL would
    rows = (
        _plain(table.model)
        .order_by("pk")
        .values_list(*[f.attname for f in table.fields])
        .iterator(chunk_size=BATCH)
    )
    lines: list[str] = []
    for row in rows:
        lines.append("\t".join(_text(f, v) for f, v in zip(table.fields, row, strict=True)))
        if len(lines) >= BATCH:
            yield ("\n".join(lines) + "\n").encode(), len(lines)
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode(), len(lines)


def _text(f: models.Field[Any, Any], value: Any) -> str:
    """A value as PostgreSQL's COPY text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(f, models.JSONField):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, datetime | time):
        text = value.isoformat()
    elif isinstance(value, bytes | memoryview):
        text = "\\x" + bytes(value).hex()
    else:
        text = str(value)
    return text.translate(_ESCAPES)


def _parse(line: str) -> list[str | None]:
    """One COPY text line's values (``None`` for NULL)."""
    values: list[str | None] = []
    for raw in line.split("\t"):
        if "\\" not in raw:
            values.append(raw)
            continue
        if raw == "\\N":
            values.append(None)
            continue
        out = []
        i = 0
        while i < len(raw):
            char = raw[i]
            if char == "\\" and i + 1 < len(raw):
                out.append(_UNESCAPES.get(raw[i + 1], raw[i + 1]))
                i += 2
            else:
                out.append(char)
                i += 1
        values.append("".join(out))
    return values


def _from_text(f: models.Field[Any, Any], text: str | None) -> Any:
    if text is None:
        return None
    if isinstance(f, models.JSONField):
        return json.loads(text)
    if isinstance(f, models.BinaryField):
        return bytes.fromhex(text[2:])
    return f.to_python(text)


def _field_key_ids() -> set[str]:
    from bahali.core.sealing import usage

    return set(usage())


def _audit_key_ids() -> set[str]:
    from bahali.audit.models import AuditEvent

    return set(_plain(AuditEvent).values_list("key_id", flat=True).distinct())


# ------------------------------------------------------------------------------ restore


def database_is_empty() -> bool:
    """No users and no audit events: nothing anyone recorded (a fresh migrate is empty)."""
    from bahali.audit.models import AuditEvent

    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    return not _plain(user_model).exists() and not _plain(AuditEvent).exists()


def check_keys(header: dict[str, Any]) -> None:
    missing_field = set(header.get("field_key_ids", [])) - set(settings.FIELD_ENCRYPTION_KEYS)
    if missing_field:
        raise BackupRefused(
            "sealed values in the archive need field keys that are not configured: "
            + ", ".join(sorted(missing_field))
        )
    missing_audit = set(header.get("audit_key_ids", [])) - set(settings.AUDIT_KEYS)
    if missing_audit:
        raise BackupRefused(
            "the archive's audit chain needs audit keys that are not configured: "
            + ", ".join(sorted(missing_audit))
        )


def restore(stream: IO[bytes], *, progress: Progress | None = None) -> RestoreReport:
    """Restore the archive into this (migrated, empty) database and verify it; all or
    nothing. Raises :class:`BackupRefused` naming what failed."""
    header, header_bytes = read_header(stream)
    check_keys(header)
    if header.get("migrations") != applied_migrations():
        raise BackupRefused(
            "the archive was taken at other migrations than this database's; restore with "
            "the same Bahali version (then upgrade) — see docs/operations.md"
        )
    if not database_is_empty():
        raise BackupRefused("the database is not empty (it has users or audit events)")
    by_label = {model._meta.label_lower: model for model in backed_up_models()}
    unknown = [label for label in header.get("models", []) if label not in by_label]
    if unknown:
        raise BackupRefused(f"the archive holds models this version lacks: {unknown}")
    report = RestoreReport(header=header)
    return _restore_tables(stream, header, header_bytes, by_label, report, progress)


def _restore_tables(
    stream: IO[bytes],
    header: dict[str, Any],
    header_bytes: bytes,
    by_label: dict[str, type[models.Model]],
    report: RestoreReport,
    progress: Progress | None,
) -> RestoreReport:
    """Format 2: each table in COPY text format (``COPY … FROM STDIN`` on PostgreSQL)."""
    ordered = [by_label[label] for label in header["models"]]
    tables = {table.label: table for model in ordered for table in _tables(model)}
    total = 0
    with transaction.atomic(), connection.constraint_checks_disabled():
        _empty_tables(ordered)
        end: dict[str, Any] | None = None
        sink: _Sink | None = None
        # the tables' secondary indexes and foreign keys are made once the rows are in
        with batches.indexes_deferred(*dict.fromkeys(t.model for t in tables.values())):
            for kind, value in _records(stream, header, header_bytes):
                if kind == "rows":
                    if sink is None:  # _records yields rows inside a table only
                        raise BackupRefused("the archive holds rows outside a table")
                    total += sink.write(value)
                    if progress:
                        progress(total, 0)
                elif kind == "end_of_table":
                    if sink is None:
                        raise BackupRefused("the archive holds rows outside a table")
                    sink.close()
                    if sink.rows:
                        report.per_model[sink.table.label] = sink.rows
                        report.rows += sink.rows
                    sink = None
                elif "table" in value:
                    table = tables.get(str(value["table"]))
                    if table is None or value.get("columns") != table.columns:
                        raise BackupRefused(
                            f"the archive holds a table this version lacks: {value.get('table')!r}"
                        )
                    sink = _Sink(table)
                elif "end" in value:
                    end = value
                elif "file" in value:
                    _restore_file(value)
                    report.files += 1
                else:
                    raise BackupRefused("the archive holds an unexpected line")
        if end is None:
            raise BackupRefused("the archive ends without its closing counts")
        expected = {label: count for label, count in end["end"].items() if count}
        if report.per_model != expected:
            raise BackupRefused("the rows restored differ from the archive's counts")
        _reset_sequences([*ordered, *(t.model for t in tables.values())])
        _check_constraints()
        _verify(report)
    return report


def _records(
    stream: IO[bytes], header: dict[str, Any], header_bytes: bytes
) -> Iterator[tuple[str, Any]]:
    """The archive's stream as ("line", JSON object), ("rows", complete COPY lines) and
    ("end_of_table", None)."""
    decompressor = zlib.decompressobj()
    buffer = b""
    in_table = False

    def pieces() -> Iterator[bytes]:
        for chunk in _opened_chunks(stream, header, header_bytes):
            yield decompressor.decompress(chunk)
        yield decompressor.flush()

    for piece in pieces():
        buffer += piece
        while True:
            if in_table:
                if buffer.startswith(END_OF_TABLE):
                    buffer = buffer[len(END_OF_TABLE) :]
                    in_table = False
                    yield "end_of_table", None
                    continue
                at = buffer.find(b"\n" + END_OF_TABLE)
                if at >= 0:
                    yield "rows", buffer[: at + 1]
                    buffer = buffer[at + 1 :]
                    continue
                cut = buffer.rfind(b"\n")
                if cut >= 0:
                    yield "rows", buffer[: cut + 1]
                    buffer = buffer[cut + 1 :]
                break
            at = buffer.find(b"\n")
            if at < 0:
                break
            line, buffer = buffer[:at], buffer[at + 1 :]
            if line:
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise BackupRefused("the archive holds a damaged line") from exc
                if not isinstance(record, dict):
                    raise BackupRefused("the archive holds an unexpected line")
                in_table = "table" in record
                yield "line", record
    if in_table or buffer.strip():
        raise BackupRefused("the archive ends in the middle of a table")


class _Sink:
    """Rows of one table into the database: ``COPY FROM`` on PostgreSQL; on SQLite, each
    value read through its field and inserted in batches."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.rows = 0
        self.stack = contextlib.ExitStack()
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        name = connection.ops.quote_name(table.table)
        if connection.vendor == "postgresql":
            cursor = self.stack.enter_context(connection.cursor())
            self.copy = self.stack.enter_context(
                cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN")
            )
        else:
            places = ", ".join(["%s"] * len(table.columns))
            self.sql = f"INSERT INTO {name} ({columns}) VALUES ({places})"  # noqa: S608

    def write(self, block: bytes) -> int:
        lines = block.count(b"\n")
        if connection.vendor == "postgresql":
            self.copy.write(block)
        else:
            fields = self.table.fields
            rows = []
            for line in block.decode().split("\n")[:-1]:
                values = _parse(line)
                if len(values) != len(fields):
                    raise BackupRefused(f"a row of {self.table.label} is damaged")
                rows.append(
                    tuple(
                        f.get_db_prep_save(_from_text(f, v), connection)
                        for f, v in zip(fields, values, strict=True)
                    )
                )
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, rows)
        self.rows += lines
        return lines

    def close(self) -> None:
        self.stack.close()


def _empty_tables(ordered: list[type[models.Model]]) -> None:
    """Remove what migrations put in (places, built-in instruments, content types) so the
    archive's rows, with their own keys, replace them."""
    with connection.cursor() as cursor:
        for model in reversed(ordered):
            if _plain(model).exists():
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's own table
                for m2m in model._meta.local_many_to_many:
                    through: Any = m2m.remote_field.through
                    if through._meta.auto_created:
                        name = connection.ops.quote_name(through._meta.db_table)
                        cursor.execute(f"DELETE FROM {name}")  # noqa: S608


def _restore_file(line: dict[str, Any]) -> None:
    setting = {"media": "MEDIA_ROOT", "jobs": "BAHALI_JOB_DIR"}.get(line.get("root", ""))
    if setting is None or not getattr(settings, setting, ""):
        raise BackupRefused(f"the archive names a file in an unknown folder: {line.get('root')}")
    root = Path(getattr(settings, setting)).resolve()
    root.mkdir(parents=True, exist_ok=True)
    target = (root / line["file"]).resolve()
    if root not in target.parents:
        raise BackupRefused(f"the archive names a file outside the media folder: {line['file']}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(base64.b64decode(line["data"]))


def _reset_sequences(restored: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), restored)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _check_constraints() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        connection.check_constraints()


def _verify(report: RestoreReport) -> None:
    """The whole audit chain, then every sealed value opened for its own row and field
    (the values stream from the database; on a large table they are opened in worker
    processes, one per core, in batches)."""
    from bahali.audit.services import verify_chain
    from bahali.core.sealing import sealed_models

    chain = verify_chain()
    if not chain.ok:
        raise BackupRefused(
            f"the restored audit chain does not verify: event #{chain.bad_seq}: {chain.problem}"
        )
    report.audit_events = chain.checked
    for model in sealed_models():
        fields = list(model.sealed_fields)  # type: ignore[attr-defined]
        purposes = [model.sealed_fields[name] for name in fields]  # type: ignore[attr-defined]
        rows = _plain(model).values_list("pk", "row_uuid", *fields).order_by("pk")
        failed: list[tuple[Any, str]] = []
        with _Openers(_plain(model).count() > PARALLEL_FROM) as openers:
            batch: list[tuple[str, str]] = []
            where: list[tuple[Any, str]] = []
            for pk, row_uuid, *tokens in rows.iterator(chunk_size=10_000):
                for name, purpose, token in zip(fields, purposes, tokens, strict=True):
                    if token:
                        batch.append((token, f"{purpose}@{row_uuid}"))
                        where.append((pk, name))
                if len(batch) >= 20_000:
                    report.sealed_values += len(batch)
                    failed += openers.submit(batch, where)
                    batch, where = [], []
                    if failed:
                        break
            if batch and not failed:
                report.sealed_values += len(batch)
                failed += openers.submit(batch, where)
            failed += openers.finish()
        if failed:
            pk, name = failed[0]
            raise BackupRefused(
                "a sealed value does not open after the restore: "
                f"{model._meta.label_lower} {pk} {name}"
            )


# Tables with more rows than this have their sealed values opened in worker processes.
PARALLEL_FROM = 50_000


def _open_all(batch: list[tuple[str, str]]) -> int | None:
    """Open each (token, context); the index of the first that does not open, or None."""
    for index, (token, context) in enumerate(batch):
        try:
            crypto.unseal(token, context=context)
        except crypto.SealError:
            return index
    return None


class _Openers:
    """Opens batches of sealed values here, or in a pool of forked workers (one per core,
    two at most) while this process reads the next batch from the database."""

    def __init__(self, parallel: bool) -> None:
        self.workers = min(2, os.cpu_count() or 1) if parallel else 1
        self.pool: Any = None
        self.pending: list[tuple[Any, list[tuple[Any, str]]]] = []

    def __enter__(self) -> _Openers:
        if self.workers > 1:
            import multiprocessing

            # Forked workers inherit the open connection but never use it, and leave with
            # os._exit (nothing says goodbye to the server on it).
            self.pool = multiprocessing.get_context("fork").Pool(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def submit(
        self, batch: list[tuple[str, str]], where: list[tuple[Any, str]]
    ) -> list[tuple[Any, str]]:
        """Open ``batch`` (or hand it to a worker); the values found not to open so far."""
        if self.pool is None:
            bad = _open_all(batch)
            return [] if bad is None else [where[bad]]
        self.pending.append((self.pool.apply_async(_open_all, (batch,)), where))
        failed: list[tuple[Any, str]] = []
        while len(self.pending) > 2 * self.workers:
            failed += self._collect()
        return failed

    def _collect(self) -> list[tuple[Any, str]]:
        result, where = self.pending.pop(0)
        bad = result.get()
        return [] if bad is None else [where[bad]]

    def finish(self) -> list[tuple[Any, str]]:
        failed: list[tuple[Any, str]] = []
        while self.pending:
            failed += self._collect()
        return failed
