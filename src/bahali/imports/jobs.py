"""The import as a background job: the worker registers the rows with progress; a run whose
worker was killed is resumed by the next, each row registered exactly once (``run_import``
keeps a ledger per row)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bahali.imports import services
from bahali.imports.models import ImportBatch
from bahali.jobs.registry import background
from bahali.jobs.services import JobError, JobHandle


@background("imports.people", label=_("Import of people"))
def import_people(job: JobHandle, params: dict[str, Any]) -> None:
    batch = ImportBatch.objects.get(pk=params["batch"])
    try:
        services.run_import(
            actor=job.actor,
            batch=batch,
            only_valid=bool(params.get("only_valid")),
            progress=job.progress,
        )
    except ValidationError as error:
        raise JobError(" ".join(error.messages)) from error


IMPORT_PEOPLE = import_people
