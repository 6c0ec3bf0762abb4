"""Counting attempts per key in a time window, in the shared cache (so every worker process
and server counts together). Keys are keyed hashes: no address or username is stored.

Used for the sign-in lock-outs, the sign-in, token and public-form rates (``bahali.core.http.
client_address`` names the client).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per key within ``seconds`` (a fixed window from the first)."""

    name: str
    count: int
    seconds: int

    def key(self, *parts: str) -> str:
        text = "\x1f".join(parts)
        digest = hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256)
        return f"limit:{self.name}:{digest.hexdigest()[:40]}"


def hits(limit: Limit, *parts: str) -> int:
    """How many hits the key has in its current window."""
    value = cache.get(limit.key(*parts))
    return int(value) if isinstance(value, int) else 0


def over(limit: Limit, *parts: str) -> bool:
    """True when the key has used its allowance (the next hit would be refused)."""
    return hits(limit, *parts) >= limit.count


def hit(limit: Limit, *parts: str) -> bool:
    """Count one hit; true when this hit goes past the allowance."""
    key = limit.key(*parts)
    if cache.add(key, 1, limit.seconds):
        return limit.count < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, limit.seconds)
        count = 1
    return count > limit.count


def clear(limit: Limit, *parts: str) -> None:
    cache.delete(limit.key(*parts))
