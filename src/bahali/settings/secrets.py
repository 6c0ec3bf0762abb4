"""Secret material: from the environment in production, generated once under var/ in development."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def load_or_create_secret(path: Path, nbytes: int = 50) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value


def _decode_key(kid: str, encoded: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded.encode("ascii"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"Field key {kid!r} is not valid base64.") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"Field key {kid!r} must be 32 bytes (AES-256).")
    return key


def field_keys(var_dir: Path) -> tuple[dict[str, bytes], str, bytes]:
    """Keys for sealing identity fields and for blind indexes.

    ``BAHALI_FIELD_KEYS`` is ``kid:base64key[,kid:base64key...]``; ``BAHALI_FIELD_KEY_ACTIVE``
    names the key new values are sealed with; ``BAHALI_BLIND_INDEX_KEY`` is base64.
    Without them, a development key ring is generated once under ``var/keys/``.
    """
    raw = os.environ.get("BAHALI_FIELD_KEYS")
    if raw:
        keys = {}
        for item in raw.split(","):
            kid, _, encoded = item.strip().partition(":")
            if not kid or not encoded:
                raise ImproperlyConfigured("BAHALI_FIELD_KEYS must be 'kid:base64key,...'.")
            keys[kid] = _decode_key(kid, encoded)
        active = os.environ.get("BAHALI_FIELD_KEY_ACTIVE") or next(iter(keys))
        if active not in keys:
            raise ImproperlyConfigured("BAHALI_FIELD_KEY_ACTIVE names no key in BAHALI_FIELD_KEYS.")
        index_raw = os.environ.get("BAHALI_BLIND_INDEX_KEY")
        if not index_raw:
            raise ImproperlyConfigured("BAHALI_BLIND_INDEX_KEY is required with BAHALI_FIELD_KEYS.")
        return keys, active, _decode_key("blind-index", index_raw)

    key_dir = var_dir / "keys"
    dev_key = load_or_create_secret(key_dir / "field-dev1.key", 32)
    index_key = load_or_create_secret(key_dir / "blind-index.key", 32)
    return (
        {"dev1": _decode_key("dev1", _pad(dev_key))},
        "dev1",
        _decode_key("blind-index", _pad(index_key)),
    )


def _pad(value: str) -> str:
    """token_urlsafe() drops base64 padding; put it back for decoding."""
    return value + "=" * (-len(value) % 4)


def audit_keys(var_dir: Path) -> tuple[dict[str, bytes], str, bytes]:
    """Keys for the audit chain's seals (HMAC-SHA256) and for signing its checkpoints.

    ``BAHALI_AUDIT_KEYS`` is ``kid:base64key[,kid:base64key...]`` (32 bytes each);
    ``BAHALI_AUDIT_KEY_ACTIVE`` names the key new events are sealed with; older keys stay
    listed while events sealed with them exist. ``BAHALI_AUDIT_SIGNING_KEY`` is the base64
    Ed25519 private key (32 bytes) that signs checkpoints. Without them, development keys
    are generated once under ``var/keys/``.
    """
    key_dir = var_dir / "keys"

    def decode(name: str, encoded: str) -> bytes:
        try:
            key = base64.urlsafe_b64decode(encoded.encode("ascii"))
        except ValueError as exc:
            raise ImproperlyConfigured(f"Audit key {name!r} is not valid base64.") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"Audit key {name!r} must be 32 bytes.")
        return key

    raw = os.environ.get("BAHALI_AUDIT_KEYS")
    if raw:
        keys = {}
        for item in raw.split(","):
            kid, _, encoded = item.strip().partition(":")
            if not kid or not encoded:
                raise ImproperlyConfigured("BAHALI_AUDIT_KEYS must be 'kid:base64key,...'.")
            keys[kid] = decode(kid, encoded)
        active = os.environ.get("BAHALI_AUDIT_KEY_ACTIVE") or next(iter(keys))
        if active not in keys:
            raise ImproperlyConfigured("BAHALI_AUDIT_KEY_ACTIVE names no key in BAHALI_AUDIT_KEYS.")
    else:
        keys = {"dev1": decode("dev1", _pad(load_or_create_secret(key_dir / "audit-dev1.key", 32)))}
        active = "dev1"
    signing = os.environ.get("BAHALI_AUDIT_SIGNING_KEY")
    if signing:
        return keys, active, decode("signing", signing)
    if raw:
        raise ImproperlyConfigured("BAHALI_AUDIT_SIGNING_KEY is required with BAHALI_AUDIT_KEYS.")
    seed = load_or_create_secret(key_dir / "audit-signing.key", 32)
    return keys, active, decode("signing", _pad(seed))


def backup_keys(var_dir: Path) -> tuple[dict[str, bytes], str]:
    """Keys that encrypt backups (AES-256-GCM): ``BAHALI_BACKUP_KEYS`` is
    ``kid:base64key[,kid:base64key...]``, ``BAHALI_BACKUP_KEY_ACTIVE`` the one new backups
    use; older ones stay listed while their archives are kept. Without them, a development
    key is generated once under ``var/keys/``. Keep it apart from the archives."""
    raw = os.environ.get("BAHALI_BACKUP_KEYS")
    if not raw:
        dev = load_or_create_secret(var_dir / "keys" / "backup-dev1.key", 32)
        return {"backup-dev1": _decode_key("backup-dev1", _pad(dev))}, "backup-dev1"
    keys = {}
    for item in raw.split(","):
        kid, _, encoded = item.strip().partition(":")
        if not kid or not encoded:
            raise ImproperlyConfigured("BAHALI_BACKUP_KEYS must be 'kid:base64key,...'.")
        keys[kid] = _decode_key(kid, encoded)
    active = os.environ.get("BAHALI_BACKUP_KEY_ACTIVE") or next(iter(keys))
    if active not in keys:
        raise ImproperlyConfigured("BAHALI_BACKUP_KEY_ACTIVE names no key in BAHALI_BACKUP_KEYS.")
    return keys, active
