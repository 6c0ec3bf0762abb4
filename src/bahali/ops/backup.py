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

The stream inside is JSON Lines: each model's rows in Django's serialised form, models in
foreign-key order, taken in one consistent snapshot (REPEATABLE READ on PostgreSQL, one
transaction on SQLite), files under ``MEDIA_ROOT`` and ``BAHALI_JOB_DIR`` (background jobs'
results, sealed) if any, and a last line with every
model's row count.

:func:`restore` loads an archive into an empty database (no users, no audit events) in one
transaction, and before committing checks the row counts, walks the whole audit chain
(``bahali audit verify``) and opens every sealed value with the configured keys; any
failure rolls everything back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from bahali.core import crypto
from bahali.core.batches import in_batches

MAGIC = b"BAHALI-BACKUP\n"
FORMAT_VERSION = 1
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


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes and times keep their microseconds (Django's cuts
    them to milliseconds: the audit chain's hashes would no longer match)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


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
        self.compressor = zlib.compressobj(6)
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


def _lines(
    stream: IO[bytes], header: dict[str, Any], header_bytes: bytes
) -> Iterator[dict[str, Any]]:
    decompressor = zlib.decompressobj()
    buffer = b""
    for chunk in _opened_chunks(stream, header, header_bytes):
        buffer += decompressor.decompress(chunk)
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            if line:
                yield json.loads(line)
    buffer += decompressor.flush()
    for line in buffer.split(b"\n"):
        if line:
            yield json.loads(line)


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
        label = model._meta.label_lower
        counts[label] = 0
        for batch in _batches(in_batches(_plain(model), BATCH), BATCH):
            records = serializers.serialize("python", batch)
            writer.write(
                b"".join(
                    json.dumps(record, cls=_Encoder, ensure_ascii=False).encode() + b"\n"
                    for record in records
                )
            )
            counts[label] += len(batch)
            done += len(batch)
            if progress:
                progress(done, total)
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


def _batches(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


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
    total = 0
    with transaction.atomic(), connection.constraint_checks_disabled():
        _empty_tables([by_label[label] for label in header["models"]])
        batch: list[dict[str, Any]] = []
        batch_label = ""
        end: dict[str, Any] | None = None
        for line in _lines(stream, header, header_bytes):
            if "end" in line:
                end = line
                continue
            if "file" in line:
                _restore_file(line)
                report.files += 1
                continue
            label = line.get("model", "")
            if label not in by_label or label not in header["models"]:
                raise BackupRefused(f"the archive holds rows of an unexpected model {label!r}")
            if batch and (label != batch_label or len(batch) >= BATCH):
                _insert(by_label[batch_label], batch, report)
                total += len(batch)
                if progress:
                    progress(total, 0)
                batch = []
            batch_label = label
            batch.append(line)
        if batch:
            _insert(by_label[batch_label], batch, report)
            total += len(batch)
        if end is None:
            raise BackupRefused("the archive ends without its closing counts")
        expected = {label: count for label, count in end["end"].items() if count}
        if report.per_model != expected:
            raise BackupRefused("the rows restored differ from the archive's counts")
        _reset_sequences([by_label[label] for label in header["models"]])
        _check_constraints()
        _verify(report)
    return report


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


def _insert(
    model: type[models.Model], records: list[dict[str, Any]], report: RestoreReport
) -> None:
    objects = list(serializers.deserialize("python", records))
    # A raw insert, as loaddata's: values as stored (auto_now dates not renewed), many
    # rows per statement, no signals.
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    queryset: Any = _plain(model)  # _insert: the raw insert loaddata uses
    per_statement = max(1, min(BATCH, 900 // max(1, len(fields))))
    rows = [item.object for item in objects]
    for start in range(0, len(rows), per_statement):
        queryset._insert(rows[start : start + per_statement], fields=fields, raw=True)
    for item in objects:
        for name, values in (item.m2m_data or {}).items():
            if values:
                getattr(item.object, name).set(values)
    label = model._meta.label_lower
    report.per_model[label] = report.per_model.get(label, 0) + len(objects)
    report.rows += len(objects)


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
    from bahali.audit.services import verify_chain
    from bahali.core.sealing import open_field, sealed_models

    chain = verify_chain()
    if not chain.ok:
        raise BackupRefused(
            f"the restored audit chain does not verify: event #{chain.bad_seq}: {chain.problem}"
        )
    report.audit_events = chain.checked
    for model in sealed_models():
        fields = list(model.sealed_fields)  # type: ignore[attr-defined]
        for row in in_batches(_plain(model).only("pk", "row_uuid", *fields), 2000):
            for name in fields:
                if getattr(row, name):
                    try:
                        open_field(row, name)
                    except crypto.SealError as exc:
                        raise BackupRefused(
                            f"a sealed value does not open after the restore: "
                            f"{model._meta.label_lower} {row.pk} {name}"
                        ) from exc
                    report.sealed_values += 1
