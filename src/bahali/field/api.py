"""API: the submissions log and the conflict queue — the same services and policies as the
pages. Devices themselves speak OpenRosa (``openrosa.py``), not this API."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Status

from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest
from bahali.field import services
from bahali.field.models import Submission

router = Router(tags=["field"])


class SubmissionOut(Schema):
    id: int
    instance_id: str
    form_id: str
    form_version: str
    kind: str
    received_at: datetime.datetime
    status: str = Field(..., description="received, applied, refused, conflict or set_aside")
    reason: str
    case_code: str | None
    version: int

    @staticmethod
    def resolve_case_code(obj: Submission) -> str | None:
        return obj.case.participant.code if obj.case else None


class ResolutionIn(Schema):
    choice: str = Field(..., description="field (apply the field's version) or record (keep it)")
    version: int


@router.get(
    "/field/submissions",
    response={200: list[SubmissionOut]},
    summary="Field submissions: your own (a data steward: also those of your organisation)",
)
@paginate(Pagination)
def list_submissions(request: AuthedRequest, status: str = "") -> Any:
    rows = Submission.objects.visible_to(request.user, "field_submission").select_related(
        "case__participant"
    )
    return rows.filter(status=status) if status else rows


class CorrectionIn(Schema):
    answers: dict[str, str | list[str]] = Field(
        ..., description="The corrected answers by question name (a list for several choices)"
    )
    version: int


@router.post(
    "/field/submissions/{submission_id}/correction",
    response={201: SubmissionOut, 404: Error, 409: Error},
    summary="Correct your refused submission and send it again (a new submission, applied "
    "through the same service; the refused one is kept, marked corrected)",
)
def correct_submission(request: AuthedRequest, submission_id: int, payload: CorrectionIn) -> Any:
    submission = get_object_or_404(services.correctable(request.user), pk=submission_id)
    answers = {
        name: " ".join(value) if isinstance(value, list) else value
        for name, value in payload.answers.items()
    }
    try:
        corrected = services.correct_submission(
            actor=request.user,
            submission=submission,
            answers=answers,
            expected_version=payload.version,
        )
    except PermissionDenied:
        raise Http404 from None
    return Status(201, corrected)


@router.get(
    "/field/conflicts",
    response={200: list[SubmissionOut]},
    summary="The conflict queue: submissions touching records you may write",
)
@paginate(Pagination)
def list_conflicts(request: AuthedRequest) -> Any:
    return services.conflicts_for(request.user).select_related("case__participant")


@router.post(
    "/field/conflicts/{submission_id}/resolution",
    response={200: SubmissionOut, 404: Error, 409: Error, 422: Error},
    summary="Resolve a conflict: apply the field's version or keep the recorded one (once)",
)
def resolve_conflict(request: AuthedRequest, submission_id: int, payload: ResolutionIn) -> Any:
    submission = get_object_or_404(services.decidable_by(request.user), pk=submission_id)
    try:
        return services.resolve_conflict(
            actor=request.user,
            submission=submission,
            choice=payload.choice,
            expected_version=payload.version,
        )
    except PermissionDenied:
        raise Http404 from None
