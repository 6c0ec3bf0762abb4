"""Verify an exported Bahali audit trail without trusting the server that exported it.

Needs only Python 3.11 and the ``cryptography`` package; it never imports Bahali.

    python tools/verify_audit.py EVENTS.jsonl --public-key KEY \
        --checkpoint 2026-11-01.json [--checkpoint …] [--audit-keys kid:base64,…]

EVENTS.jsonl comes from ``bahali audit export``; KEY is the checkpoint-signing public key
(``bahali audit public-key``) the oversight body recorded when it was handed over; each
checkpoint is a file from ``bahali audit checkpoint`` that the oversight body kept itself.

It checks, and exits 1 naming the first problem:
1. every checkpoint's signature, with KEY (not with the key written inside the file);
2. the events number 1, 2, 3 … without a gap, each names the previous event's hash, and
   each hash is the SHA-256 of the event's own fields (recomputed here);
3. each checkpoint's event is in the export with exactly the signed hash: since every hash
   covers the one before it, the export's events up to that point are those the checkpoint
   signed, unchanged and complete;
4. with ``--audit-keys`` (held by whoever the keys were entrusted to), each event's seal.
Events after the newest checkpoint are covered by 2 (and 4) only: take a checkpoint first.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "actor_label",
    "organisation",
    "organisation_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "reason",
    "source",
    "operation",
    "key_id",
    "prev_hash",
)


class Problem(Exception):
    """What makes the export fail verification."""


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def read_checkpoint(path: Path, public_key: Ed25519PublicKey) -> tuple[int, str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        statement = document["statement"]
        signature = base64.b64decode(document["signature"], validate=True)
        seq, head_hash = int(statement["seq"]), str(statement["hash"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Problem(f"{path}: not a Bahali audit checkpoint ({exc})") from exc
    try:
        public_key.verify(signature, canonical(statement))
    except InvalidSignature:
        raise Problem(f"{path}: the signature does not match the public key") from None
    return seq, head_hash


def parse_keys(raw: str) -> dict[str, bytes]:
    keys = {}
    for item in raw.split(","):
        kid, _, encoded = item.strip().partition(":")
        keys[kid] = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return keys


def verify(
    events_path: Path, checkpoints: dict[int, tuple[str, Path]], keys: dict[str, bytes] | None
) -> int:
    """Walk the export; return how many events it holds."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    with events_path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            try:
                event = json.loads(line)
                payload = {name: event[name] for name in HASHED_FIELDS}
            except (ValueError, KeyError) as exc:
                raise Problem(f"line {line_number}: not an exported event ({exc})") from exc
            seq = payload["seq"]
            if seq != expected_seq:
                raise Problem(f"event #{expected_seq} is missing (found #{seq})")
            if payload["prev_hash"] != expected_prev:
                raise Problem(f"event #{seq} does not follow the event before it")
            if hashlib.sha256(canonical(payload)).hexdigest() != event["hash"]:
                raise Problem(f"event #{seq} does not match its hash: it was altered")
            if keys is not None:
                key = keys.get(payload["key_id"])
                if key is None:
                    raise Problem(f"event #{seq}: audit key {payload['key_id']!r} not given")
                seal = hmac.new(key, event["hash"].encode("ascii"), hashlib.sha256).hexdigest()
                if not hmac.compare_digest(seal, event["mac"]):
                    raise Problem(f"event #{seq}: the seal does not match")
            if seq in checkpoints and checkpoints[seq][0] != event["hash"]:
                raise Problem(f"event #{seq} differs from the checkpoint {checkpoints[seq][1]}")
            expected_prev, expected_seq = event["hash"], seq + 1
    last = expected_seq - 1
    for seq, (_, path) in sorted(checkpoints.items()):
        if seq > last:
            raise Problem(f"the export ends at #{last}, before the checkpoint {path} (#{seq})")
    return last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("events", type=Path, help="the file from `bahali audit export`")
    parser.add_argument("--public-key", required=True, help="the checkpoint key, base64")
    parser.add_argument("--checkpoint", type=Path, action="append", default=[])
    parser.add_argument("--audit-keys", help="kid:base64key,… to check the seals too")
    args = parser.parse_args(argv)
    try:
        public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(args.public_key))
    except ValueError:
        print("The public key is not a base64 Ed25519 key.", file=sys.stderr)
        return 2
    try:
        checkpoints = {}
        for path in args.checkpoint:
            seq, head_hash = read_checkpoint(path, public_key)
            checkpoints[seq] = (head_hash, path)
        keys = parse_keys(args.audit_keys) if args.audit_keys else None
        count = verify(args.events, checkpoints, keys)
    except Problem as problem:
        print(f"NOT VERIFIED: {problem}", file=sys.stderr)
        return 1
    print(
        f"Verified: {count} events, chained and unchanged; "
        f"{len(checkpoints)} checkpoint(s) signed and contained."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
