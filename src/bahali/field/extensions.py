"""Field forms of apps after ``field`` in the layering (prevention's survey rounds and
activities): ``field`` cannot import them, so each registers its forms here when it is
ready — what a user is offered, the XForm, its lookup files, and how a submission is
applied through the app's own service — and the OpenRosa server and the submissions path
treat them as their own (stored once per ``instanceID``, refused with the reason, nothing
half-written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bahali.accounts.models import User
    from bahali.field.models import Submission
    from bahali.field.xforms import FieldForm


@dataclass(frozen=True)
class FormKind:
    kind: str  # the submission kind (``SubmissionKind``)
    form_prefix: str  # every form id of this kind starts with it
    forms: Callable[[User], list[FieldForm]]  # the forms the user may fill
    name: Callable[[FieldForm], str]
    xml: Callable[[FieldForm], bytes]
    media: tuple[str, ...]
    media_file: Callable[[User, FieldForm, str], bytes]
    # (user, submission, force): writes through the app's service or raises
    # ValidationError (refused), PermissionDenied (out of reach) or Conflict (stale)
    apply: Callable[[User, Submission, bool], None]
    refusal: Callable[[], str]  # the one refusal for a record out of reach or missing
    decidable: Callable[[User], Any]  # a Q of the submissions of this kind the user decides
    # (user, refused submission): its questions asked again (``services.Question``), so the
    # submitter can correct it and send it again; None: not correctable
    questions: Callable[[User, Submission], list[Any]] | None = None


REGISTERED: dict[str, FormKind] = {}


def register(form_kind: FormKind) -> None:
    REGISTERED[form_kind.kind] = form_kind


def for_form_id(form_id: str) -> FormKind | None:
    return next((k for k in REGISTERED.values() if form_id.startswith(k.form_prefix)), None)
