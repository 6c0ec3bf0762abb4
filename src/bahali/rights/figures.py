"""The oversight body's home panel: how many of each red flag are open now (``core.figures``,
registered from ``RightsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies
from bahali.rights import services
from bahali.rights.flags import DEFINITIONS


def red_flags(user: Any) -> dict[str, Any] | None:
    if not policies.can(user, "rights_flag.read"):
        return None
    counts = services.counts_for(user)
    return {
        "flags": [(d.kind, d.title, counts[str(d.kind)]) for d in DEFINITIONS],
        "run": services.latest_run(),
    }
