"""Filling in an assessment on a page: one machinery for a case's assessments and a
community's readiness assessments.

``take_post`` reads the posted answers, judgement and date and, when the assessor saves or
completes, hands them to the service; ``fill_context`` is what the form template
(``assessments/_fill_form.html``) shows; ``relevance_response`` answers the HTMX post sent
on every change with what skip logic shows now, without saving.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _

from bahali.assessments import definition as spec
from bahali.assessments import presentation, services
from bahali.assessments.forms import answers_from_post, judgement_from_post
from bahali.assessments.models import Assessment, Band
from bahali.core.http import AuthedRequest
from bahali.core.versioning import Conflict


@dataclass
class Filled:
    """The form's state after a request: what to show, and what became of a save."""

    answers: dict[str, Any]
    judgement: services.Judgement
    assessed_on: datetime.date
    errors: dict[str, str] = field(default_factory=dict)
    outcome: str = ""  # "saved", "completed" or "stale" (someone saved it meanwhile)

    @classmethod
    def of(cls, assessment: Assessment) -> Filled:
        """The draft as stored."""
        return cls(
            dict(assessment.answers), services.Judgement.of(assessment), assessment.assessed_on
        )


def take_post(request: AuthedRequest, assessment: Assessment) -> Filled:
    """Read the posted form; with the action "save" or "complete", save the draft or complete
    it through the services. Bad input comes back as errors, per item, and saves nothing.
    The messages are set here, but for completion, whose wording and next page are the
    caller's."""
    definition = assessment.definition
    filled = Filled(
        answers_from_post(definition, request.POST),
        judgement_from_post(definition, request.POST),
        assessment.assessed_on,
    )
    # A live redraw (HTMX, on every change) never saves: htmx sends the last submit
    # button clicked with it, so a redraw queued just before "Complete" would otherwise
    # complete the assessment under the browser's own submit.
    action = "" if request.headers.get("HX-Request") else request.POST.get("action", "")
    try:
        filled.assessed_on = datetime.date.fromisoformat(request.POST.get("assessed_on", ""))
    except ValueError:
        filled.errors["assessed_on"] = _("Give the date.")
    if action in ("save", "complete") and not filled.errors:
        operation = services.complete_assessment if action == "complete" else services.save_answers
        try:
            expected = int(request.POST.get("version", "0"))
        except ValueError:
            expected = 0
        try:
            operation(
                actor=request.user,
                assessment=assessment,
                expected_version=expected,
                answers=filled.answers,
                judgement=filled.judgement,
                assessed_on=filled.assessed_on,
            )
        except Conflict as stale:
            filled.outcome = "stale"
            messages.error(request, str(stale))
        except ValidationError as error:
            filled.errors = {key: value[0] for key, value in error.message_dict.items()}
            assessment.refresh_from_db()
        else:
            filled.outcome = "completed" if action == "complete" else "saved"
            if action == "save":
                messages.success(request, _("The draft is saved; you can resume it later."))
    elif action:
        filled.errors.setdefault("assessed_on", _("Give the date."))
    if filled.errors and action:
        messages.error(
            request,
            _("Nothing was saved: %(count)d answers need attention; they are marked below.")
            % {"count": len(filled.errors)},
        )
    return filled


def fill_context(
    assessment: Assessment,
    answers: dict[str, Any],
    judgement: services.Judgement,
    errors: dict[str, str],
) -> dict[str, Any]:
    definition = assessment.definition
    return {
        "assessment": assessment,
        "sections": presentation.sections_view(definition, answers, errors),
        "domains": presentation.domains_view(definition, judgement.domain_ratings, errors),
        "overall": bool(definition.get("overall")),
        "overall_rating": judgement.overall_rating,
        "overall_rationale": judgement.overall_rationale,
        "errors": errors,
        "bands": Band.choices,
        "description": spec.label(definition.get("description")),
    }


def filled_context(assessment: Assessment, filled: Filled) -> dict[str, Any]:
    """The form as filled in so far, with its date."""
    context = fill_context(assessment, filled.answers, filled.judgement, filled.errors)
    context["assessed_on"] = filled.assessed_on
    return context


def read_context(assessment: Assessment) -> dict[str, Any]:
    """A completed (or read-only) assessment as stored."""
    return fill_context(assessment, assessment.answers, services.Judgement.of(assessment), {})


def relevance_response(sections: list[presentation.SectionView]) -> HttpResponse:
    """What skip logic shows under the answers given so far, for the page to apply
    (``assessments/fill.js``) without redrawing any input."""
    shown = {
        "items": [item.name for section in sections for item in section.items if item.shown],
        "sections": [section.name for section in sections if section.shown],
    }
    response = HttpResponse(status=200)
    response["HX-Trigger"] = json.dumps({"bahali:relevance": shown})
    return response
