"""The chain's arithmetic, in one place: digests, seals and signed checkpoints.

Each event's ``hash`` is a SHA-256 over a canonical JSON of its fields, the previous
event's hash included, so anyone can recompute the chain from an export. Each event's
``mac`` is an HMAC-SHA256 of that hash under an audit key kept outside the database
(``settings.AUDIT_KEYS``, the key id stored with the event): someone who can write to the
database but does not hold the key cannot re-seal a rewritten chain. A checkpoint is the
head (sequence, hash, time) signed with Ed25519, so an outsider can check it with the public
key alone. ``tools/verify_audit.py`` repeats this arithmetic without Django; a test keeps the
two equal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings

GENESIS_HASH = "0" * 64
CHECKPOINT_SYSTEM = "bahali-audit"


class UnknownAuditKey(LookupError):
    """An event names an audit key that is not configured (retired too early, or forged)."""


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def audit_key(key_id: str) -> bytes:
    try:
        return bytes(settings.AUDIT_KEYS[key_id])
    except KeyError:
        raise UnknownAuditKey(key_id) from None


def active_key_id() -> str:
    return str(settings.AUDIT_KEY_ACTIVE)


def seal(key_id: str, event_hash: str) -> str:
    """The event's seal: HMAC-SHA256 of its hash under the named audit key."""
    return hmac.new(audit_key(key_id), event_hash.encode("ascii"), hashlib.sha256).hexdigest()


def head_seal(key_id: str, seq: int, head_hash: str) -> str:
    """The head's seal, so moving the head back (dropping the newest events) is found too."""
    message = f"head:{seq}:{head_hash}".encode("ascii")
    return hmac.new(audit_key(key_id), message, hashlib.sha256).hexdigest()


def seal_matches(expected: str, found: str) -> bool:
    return hmac.compare_digest(expected, found)


def _signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(settings.AUDIT_SIGNING_KEY)


def public_key() -> str:
    """The checkpoint-signing public key, base64: given to the oversight body once."""
    raw = _signing_key().public_key().public_bytes_raw()
    return base64.b64encode(raw).decode("ascii")


def sign_checkpoint(seq: int, head_hash: str, at: str) -> dict[str, Any]:
    """A checkpoint document: the head, signed; to be kept outside the system."""
    statement = {"system": CHECKPOINT_SYSTEM, "seq": seq, "hash": head_hash, "at": at}
    signature = _signing_key().sign(canonical(statement))
    return {
        "statement": statement,
        "public_key": public_key(),
        "signature": base64.b64encode(signature).decode("ascii"),
    }


class BadCheckpoint(ValueError):
    """A checkpoint file that is not one, or whose signature does not hold."""


def read_checkpoint(document: Any, trusted_public_key: str) -> tuple[int, str]:
    """Check a checkpoint's shape and signature; return its (sequence, hash)."""
    try:
        statement = document["statement"]
        seq, head_hash = statement["seq"], statement["hash"]
        signature = base64.b64decode(document["signature"], validate=True)
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted_public_key))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadCheckpoint("not a Bahali audit checkpoint") from exc
    if statement.get("system") != CHECKPOINT_SYSTEM or not isinstance(seq, int):
        raise BadCheckpoint("not a Bahali audit checkpoint")
    try:
        key.verify(signature, canonical(statement))
    except InvalidSignature:
        raise BadCheckpoint("its signature does not match the audit signing key") from None
    return seq, str(head_hash)
