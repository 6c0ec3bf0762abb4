"""API: plans, sessions, notes, family, mentoring and support of a case."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["casework"])
