"""Sealing identity fields (AES-256-GCM, key id per value) and keyed blind indexes (HMAC).

A sealed value is ``"<kid>:<base64url(nonce || ciphertext+tag)>"``. The key id lets
``bahali keys rotate`` re-seal values under a new key while old ones still open. The
field name is bound in as associated data, so a ciphertext moved to another field fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


class SealError(ValueError):
    """A sealed value could not be opened: wrong key, unknown key id, or tampering."""


def active_key_id() -> str:
    return str(settings.FIELD_ENCRYPTION_ACTIVE_KEY)


def _key(kid: str) -> bytes:
    try:
        return bytes(settings.FIELD_ENCRYPTION_KEYS[kid])
    except KeyError:
        raise SealError(f"unknown key id {kid!r}") from None


def seal(value: str, *, context: str) -> str:
    """Encrypt ``value`` (empty stays empty) for the field named by ``context``."""
    if value == "":
        return ""
    kid = active_key_id()
    nonce = os.urandom(12)
    sealed = AESGCM(_key(kid)).encrypt(nonce, value.encode("utf-8"), context.encode("utf-8"))
    return f"{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def unseal(token: str, *, context: str) -> str:
    if token == "":
        return ""
    kid, _, payload = token.partition(":")
    try:
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        plain = AESGCM(_key(kid)).decrypt(raw[:12], raw[12:], context.encode("utf-8"))
    except (InvalidTag, ValueError) as exc:
        raise SealError(f"cannot open a value sealed with key {kid!r}") from exc
    return plain.decode("utf-8")


def key_id_of(token: str) -> str:
    return token.partition(":")[0]


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for exact look-up without storing the value (CNIC, blocking keys)."""
    message = f"{purpose}\x1f{value}".encode()
    return hmac.new(bytes(settings.BLIND_INDEX_KEY), message, hashlib.sha256).hexdigest()
