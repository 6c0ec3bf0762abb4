"""The retention run as a background job: a data steward starts it from the dry-run page and
the worker anonymises what is due among the participants their organisation works with,
showing progress. Repeating it is safe: each item is checked again before it applies."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from bahali.jobs.registry import background
from bahali.jobs.services import JobHandle
from bahali.retention import services

RUN_NOTE = _("Identities anonymised: %(identities)d. Notes only: %(notes)d. Held: %(held)d.")


@background("retention.run", label=_("Retention: anonymise what is due"))
def run_retention(job: JobHandle, params: dict[str, Any]) -> None:
    report = services.run_due(actor=job.actor, progress=job.progress)
    job.progress(
        len(report.done) + len(report.held),
        len(report.done) + len(report.held),
        note=RUN_NOTE
        % {"identities": report.identities, "notes": report.notes, "held": len(report.held)},
    )


RUN_JOB = run_retention
