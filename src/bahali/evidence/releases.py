"""Outcome releases an outsider can verify.

A release is a frozen JSON document (canonical: sorted keys, no spaces, UTF-8) of the
indicator tables, the recidivism curves' milestones and the participation shares for a
period, all suppressed for public use, naming each definition's version, the date it counts
from and its fingerprint, and flagging definitions registered or changed after the period
started.

Its **verification file** is a statement ``{"system": "bahali-release", "sha256": …,
"checkpoint": {seq, hash, at}}`` signed with the audit chain's Ed25519 checkpoint key,
together with the checkpoint document taken at that moment (itself signed, and recorded in
the audit chain). :func:`verify` needs only the two files and the public key: the SHA-256
of the release's bytes must be the signed one, the statement's signature must hold, and the
checkpoint must be a valid signed checkpoint naming the same head. Changing one byte of the
release changes its digest and fails.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

SYSTEM = "bahali-release"
FORMAT = 1


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(settings.AUDIT_SIGNING_KEY)


def public_key() -> str:
    raw = _signing_key().public_key().public_bytes_raw()
    return base64.b64encode(raw).decode("ascii")


def sign(content: bytes, checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The verification document for ``content``, bound to ``checkpoint``."""
    statement = {
        "system": SYSTEM,
        "format": FORMAT,
        "sha256": hashlib.sha256(content).hexdigest(),
        "checkpoint": checkpoint["statement"],
    }
    signature = _signing_key().sign(canonical(statement))
    return {
        "statement": statement,
        "signature": base64.b64encode(signature).decode("ascii"),
        "public_key": public_key(),
        "checkpoint": checkpoint,
    }


@dataclass
class Verdict:
    ok: bool
    problems: list[str] = field(default_factory=list)
    definitions: list[dict[str, Any]] = field(default_factory=list)
    period: dict[str, Any] = field(default_factory=dict)
    checkpoint: dict[str, Any] = field(default_factory=dict)


def verify(content: bytes, verification: Any, trusted_public_key: str | None = None) -> Verdict:
    """Check a release's bytes against its verification document (pure: no database)."""
    problems = []
    key_text = trusted_public_key or str(verification.get("public_key", ""))
    try:
        statement = verification["statement"]
        signature = base64.b64decode(verification["signature"], validate=True)
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_text))
    except (KeyError, TypeError, ValueError):
        return Verdict(False, ["the verification file is not a Bahali release verification"])
    if not isinstance(statement, dict):
        return Verdict(False, ["the verification file is not a Bahali release verification"])
    if statement.get("system") != SYSTEM:
        problems.append("the verification file is not a Bahali release verification")
    try:
        key.verify(signature, canonical(statement))
    except InvalidSignature:
        problems.append("the signature does not match the key")
    if hashlib.sha256(content).hexdigest() != statement.get("sha256"):
        problems.append("the release file was altered: its SHA-256 is not the signed one")
    checkpoint = verification.get("checkpoint") or {}
    try:
        point = checkpoint["statement"]
        point_signature = base64.b64decode(checkpoint["signature"], validate=True)
        key.verify(point_signature, canonical(point))
        if point != statement.get("checkpoint"):
            problems.append("the checkpoint is not the one the release was signed with")
    except (KeyError, TypeError, ValueError, InvalidSignature):
        problems.append("the audit checkpoint is missing or its signature does not hold")
        point = {}
    definitions: list[dict[str, Any]] = []
    period: dict[str, Any] = {}
    try:
        document = json.loads(content)
        definitions = list(document.get("definitions", []))
        period = dict(document.get("period", {}))
    except (ValueError, TypeError, AttributeError):
        problems.append("the release file is not JSON")
    return Verdict(not problems, problems, definitions, period, point)


def build_content(
    *, release_id: int, title: str, start: datetime.date, end: datetime.date, published_at: str
) -> dict[str, Any]:
    """The release's document: every figure suppressed, every definition named."""
    from bahali.core import suppression
    from bahali.evidence import ledger, recidivism, services
    from bahali.evidence.indicators import Filters

    k = suppression.minimum()
    filters = Filters(start=start, end=end)
    definitions = []
    for entry in services.definitions_in_force(start):
        record = entry.record
        definitions.append(
            {
                "code": entry.indicator.code,
                "version": entry.indicator.version,
                "name": str(record.name) if record else "",
                "definition": str(record.definition) if record else "",
                "effective_from": record.effective_from.isoformat() if record else None,
                "fingerprint": entry.indicator.fingerprint(),
                "changed_during_period": entry.changed_during,
            }
        )
    curves = []
    survival_filters = Filters(end=end)
    for group in recidivism.curves(survival_filters, ""):
        milestones = []
        for month in recidivism.MILESTONES:
            step = group.curve.step_at(month)
            hidden = (
                group.curve.subjects < k
                or group.curve.at_risk_at(month) < k
                or not group.curve.followed_to(month)
            )
            milestones.append(
                {
                    "month": month,
                    "rate": None if hidden else round(1 - (step.survival if step else 1), 4),
                    "lower": None if hidden else round(1 - (step.upper if step else 1), 4),
                    "upper": None if hidden else round(1 - (step.lower if step else 1), 4),
                    "at_risk": suppression.suppress_count(
                        group.curve.at_risk_at(month), k=k
                    ).public(),
                }
            )
        curves.append(
            {
                "group": group.label,
                "people": suppression.suppress_count(group.curve.subjects, k=k).public(),
                "events": suppression.suppress_count(group.curve.events, k=k).public(),
                "milestones": milestones,
            }
        )
    participation = [
        {
            key: (value.public() if isinstance(value, suppression.Shown) else value)
            for key, value in row.items()
        }
        for row in ledger.shown(ledger.shares(filters, "programme"), k)
    ]
    from bahali.evidence.indicators import INDICATORS

    return {
        "system": SYSTEM,
        "format": FORMAT,
        "release": release_id,
        "title": title,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "published_at": published_at,
        "minimum_cell": k,
        "definitions": definitions,
        "indicators": [item.compute(filters).public(k) for item in INDICATORS.values()],
        "recidivism": {
            "definitions": [str(line) for line in recidivism.DEFINITIONS],
            "behavioural": curves,
        },
        "participation": participation,
    }
