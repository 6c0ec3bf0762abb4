"""How instruments are listed for a user; ``models.py`` attaches it as the manager."""

from __future__ import annotations

from typing import Any

from bahali.core.querysets import AuditedQuerySet


class InstrumentQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, verb: str = "read") -> Any:
        """Instruments the user may ``verb``: reading is open to every role (definitions
        hold no personal data); writing is for the owning organisation's managers."""
        from bahali.accounts import policies

        return policies.filter_visible(self, user, "instrument", verb)


class TrainingQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, verb: str = "read") -> Any:
        """Training records: programme managers all; assessors their own."""
        from bahali.accounts import policies

        return policies.filter_visible(self, user, "assessor_training", verb)


class CalibrationQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, resource: str = "calibration", verb: str = "read") -> Any:
        """Blind second ratings: asked of the user (``calibration_rating``), or requested in
        the programme manager's districts (``calibration``)."""
        from bahali.accounts import policies

        return policies.filter_visible(self, user, resource, verb)
