"""Writes of the operations app: a background process's heartbeat."""

from __future__ import annotations

import os
import socket

from django.utils import timezone

from bahali.ops.models import Heartbeat


def beat(name: str = "worker") -> Heartbeat:
    """Record that the process ``name`` is alive now (``/readyz`` reads it)."""
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name,
        defaults={"host": socket.gethostname(), "pid": os.getpid(), "beat_at": timezone.now()},
    )
    return heartbeat
