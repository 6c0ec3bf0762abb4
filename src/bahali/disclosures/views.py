"""The disclosure log of a participant (paged) and subject access. Thin: the log and the
services decide, policies scope; out of reach answers 404, the same as missing."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from bahali.accounts import policies
from bahali.core.forms import apply_validation_error
from bahali.core.http import AuthedRequest
from bahali.disclosures import pdf, services
from bahali.disclosures.forms import SubjectAccessForm
from bahali.disclosures.log import disclosures_of, may_see_log
from bahali.registry.lookups import get_participant_for_user

PER_PAGE = 25


@login_required
@require_GET
def disclosure_log(request: AuthedRequest, code: str) -> HttpResponse:
    participant = get_participant_for_user(request.user, code)
    if not may_see_log(request.user, participant):
        raise Http404
    entries = disclosures_of(participant, request.user)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "disclosures/log.html",
        {
            "participant": participant,
            "page": page,
            "disclosures": page.object_list,
            "can_produce_subject_access": policies.can(
                request.user, "subject_access.write", participant
            ),
        },
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def subject_access(request: AuthedRequest, code: str) -> HttpResponse:
    """A data steward produces everything held about the participant, as a PDF or JSON
    download; the reason is asked first and recorded with the one audit event."""
    participant = get_participant_for_user(request.user, code, "identity")
    if not policies.can(request.user, "subject_access.write", participant):
        raise Http404
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["fmt"]
        try:
            # the bundle's labels in English: the PDF is laid out left to right
            with translation.override("en"), transaction.atomic():
                bundle = services.produce_subject_access(
                    actor=request.user,
                    participant=participant,
                    reason=form.cleaned_data["reason"],
                    fmt=fmt,
                )
                if fmt == "pdf":
                    content = pdf.render(bundle)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            name = f"subject-access-{participant.code}"
            if fmt == "pdf":
                return _download(content, "application/pdf", f"{name}.pdf")
            text = json.dumps(bundle, ensure_ascii=False, indent=2).encode()
            return _download(text, "application/json; charset=utf-8", f"{name}.json")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "disclosures/subject_access.html",
        {"participant": participant, "form": form},
        status=status,
    )
