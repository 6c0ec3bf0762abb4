"""Every free-text column of a case's rows is either erased when the case's notes go
(``services.CASE_TEXT``, case notes deleted) or kept for a stated reason: a free-text field
added later fails here until someone decides which."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from bahali.cases.models import Case
from bahali.retention.services import CASE_TEXT

# (model, field): why it stays when the notes and the identity go.
KEPT = {
    ("casework.note", "sealed_body"): "case notes are deleted whole",
    ("casework.goal", "title"): "the goal itself (a plan's structure), not a note",
    ("assessments.assessment", "sealed_answers"): "item answers: the instrument's data",
    ("assessments.assessment", "sealed_domain_ratings"): "ratings: the indicators read them",
    ("field.submission", "instance_id"): "the form's own identifier",
    ("field.submission", "form_id"): "which form it was",
    ("field.submission", "reason"): "why the platform refused it, written by Bahali",
    ("field.submission", "based_on"): "version stamps the form carried (codes, numbers)",
    ("communities.communitybenefit", "description"): "support to a community, not a person",
    ("intake.referral", "referrer"): "erased with the identity (services.anonymise)",
    ("intake.referral", "from_place"): "erased with the identity (services.anonymise)",
    ("intake.referral", "note"): "erased with the identity (services.anonymise)",
    ("evidence.gatedecision", "approved_by"): "kinds of organisation (codes), for the ledger",
}
LINKS = ("case", "goal", "assignment", "request", "session")


def _reaches_a_case(model: type[models.Model], depth: int = 0) -> bool:
    if model is Case:
        return True
    if depth > 2:
        return False
    return any(
        isinstance(f, models.ForeignKey)
        and f.name in LINKS
        and _reaches_a_case(f.related_model, depth + 1)  # type: ignore[arg-type]
        for f in model._meta.concrete_fields
    )


def _free_text(field: models.Field) -> bool:  # type: ignore[type-arg]
    if isinstance(field, models.TextField):
        return True
    return isinstance(field, models.CharField) and not field.choices and field.max_length >= 100


def test_every_free_text_field_of_a_case_is_erased_or_kept_for_a_reason():
    erased = {(m._meta.label_lower, f) for m, _path, plain, sealed in CASE_TEXT for f in plain}
    erased |= {(m._meta.label_lower, f) for m, _path, plain, sealed in CASE_TEXT for f in sealed}
    found = {
        (model._meta.label_lower, field.name)
        for model in apps.get_models()
        if _reaches_a_case(model)
        for field in model._meta.concrete_fields
        if _free_text(field)
    }
    assert ("cases.case", "closure_note") in found  # the search finds them
    assert sorted(found - erased - set(KEPT)) == []
    assert sorted(set(KEPT) & erased) == []
