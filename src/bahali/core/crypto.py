"""Sealing identity fields (AES-256-GCM, key id per value) and keyed blind indexes (HMAC).

A sealed value is ``"<kid>:<base64url(nonce || ciphertext+tag)>"``. The key id lets
``bahali keys rotate`` re-seal values under a new key while old ones still open. The
``context`` is bound in as associated data: a ciphertext opens only under the context it
was sealed with. Models bind each value to its model, row and field
(``bahali.core.sealing.bound_context``), so a ciphertext moved to another field or another
row fails; this module only knows the context string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class SealError(ValueError):
    """A sealed value could not be opened: wrong key, unknown key id, or tampering.

    ``str(error)`` is for operators (it names the key); people using pages and the API are
    told ``public_message``, which names neither the record nor the key.
    """

    public_message = _(
        "A protected value of this record could not be opened. "
        "The attempt is recorded in the audit trail; tell your data steward."
    )


class MisplacedSeal(SealError):
    """A value did not authenticate under the model, row and field it is stored in: it was
    moved there from another row or field, or altered. ``instance`` and ``field`` say where
    (for the audit trail, never for the person who asked)."""

    public_message = _(
        "A protected value of this record does not belong to it (it was moved or altered) "
        "and was not opened. The attempt is recorded in the audit trail; tell your data "
        "steward."
    )

    def __init__(self, message: str, *, instance: object, field: str, key_id: str) -> None:
        super().__init__(message)
        self.instance, self.field, self.key_id = instance, field, key_id


def active_key_id() -> str:
    return str(settings.FIELD_ENCRYPTION_ACTIVE_KEY)


def _key(kid: str) -> bytes:
    try:
        return bytes(settings.FIELD_ENCRYPTION_KEYS[kid])
    except KeyError:
        raise SealError(f"unknown key id {kid!r}") from None


def seal(value: str, *, context: str) -> str:
    """Encrypt ``value`` (empty stays empty), bound to ``context``."""
    if value == "":
        return ""
    kid = active_key_id()
    nonce = os.urandom(12)
    sealed = AESGCM(_key(kid)).encrypt(nonce, value.encode("utf-8"), context.encode("utf-8"))
    return f"{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def unseal(token: str, *, context: str) -> str:
    if token == "":
        return ""
    kid, _sep, payload = token.partition(":")
    try:
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        plain = AESGCM(_key(kid)).decrypt(raw[:12], raw[12:], context.encode("utf-8"))
    except (InvalidTag, ValueError) as exc:
        if isinstance(exc, SealError):  # the key id is unknown: say so, not "tampered"
            raise
        raise SealError(f"cannot open a value sealed with key {kid!r}") from exc
    return plain.decode("utf-8")


def key_id_of(token: str) -> str:
    return token.partition(":")[0]


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for exact look-up without storing the value (CNIC, blocking keys)."""
    message = f"{purpose}\x1f{value}".encode()
    return hmac.new(bytes(settings.BLIND_INDEX_KEY), message, hashlib.sha256).hexdigest()


# Streams (job results, backups): the same keys, in frames, so a file of any size is sealed and
# opened with flat memory. Layout: b"BHS1 <kid>\n", then frames of a 4-byte big-endian length
# and ``nonce || ciphertext+tag``. Each frame's associated data binds the context, the frame's
# index and whether it is the last: frames cannot be reordered, dropped, or cut off at the end.
STREAM_MAGIC = b"BHS1 "
STREAM_FRAME = 64 * 1024


def _frame_data(context: str, index: int, last: bool) -> bytes:
    return f"{context}\x1f{index}\x1f{int(last)}".encode()


def seal_stream(chunks: Iterable[bytes], *, context: str) -> Iterator[bytes]:
    """Encrypt ``chunks`` (any sizes) under the active key, bound to ``context``."""
    kid = active_key_id()
    cipher = AESGCM(_key(kid))
    yield STREAM_MAGIC + kid.encode("ascii") + b"\n"
    buffer = bytearray()
    index = 0

    def frame(data: bytes, last: bool) -> bytes:
        nonce = os.urandom(12)
        sealed = nonce + cipher.encrypt(nonce, data, _frame_data(context, index, last))
        return len(sealed).to_bytes(4, "big") + sealed

    for chunk in chunks:
        buffer.extend(chunk)
        while len(buffer) > STREAM_FRAME:  # keep at least one byte back for the last frame
            yield frame(bytes(buffer[:STREAM_FRAME]), last=False)
            del buffer[:STREAM_FRAME]
            index += 1
    yield frame(bytes(buffer), last=True)


def unseal_stream(stream: BinaryIO, *, context: str) -> Iterator[bytes]:
    """Decrypt what :func:`seal_stream` wrote, frame by frame; raise :class:`SealError` on a
    wrong key or context, an altered, reordered or missing frame, or anything after the end."""
    header = stream.readline(100)
    if not header.startswith(STREAM_MAGIC) or not header.endswith(b"\n"):
        raise SealError("not a sealed stream")
    kid = header[len(STREAM_MAGIC) : -1].decode("ascii", "replace")
    cipher = AESGCM(_key(kid))
    index = 0
    while True:
        size_bytes = stream.read(4)
        if len(size_bytes) < 4:
            raise SealError("the sealed stream ends before its last frame")
        size = int.from_bytes(size_bytes, "big")
        sealed = stream.read(size)
        if size < 28 or len(sealed) < size:
            raise SealError("the sealed stream ends inside a frame")
        for last in (False, True):
            try:
                plain = cipher.decrypt(sealed[:12], sealed[12:], _frame_data(context, index, last))
            except InvalidTag:
                continue
            break
        else:
            raise SealError(f"frame {index} of a sealed stream does not open (altered or moved)")
        yield plain
        if last:
            if stream.read(1):
                raise SealError("data follows the last frame of a sealed stream")
            return
        index += 1
