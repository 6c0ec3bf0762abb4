"""Field work pages: my devices and their credentials (the secret shown once), the
submissions log (mine; a data steward's people's too), the conflict queue with both
versions side by side, and a participant card with a QR code of the pseudonymous code.
Thin: services decide, policies scope, out of reach answers 404."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.cases.lookups import get_case_for_user
from bahali.core.forms import message_refusal
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict
from bahali.field import enketo, openrosa, services
from bahali.field.models import DeviceCredential, Submission, SubmissionStatus

logger = logging.getLogger(__name__)

PER_PAGE = 25
ENVELOPE = ("key_id", "wrapped", "iv", "data")
NEW_SECRET = "field.new-device-secret"  # noqa: S105 (a session key, not a secret)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def devices(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "device_credential.write"):
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        try:
            credential, secret = services.create_device_credential(
                actor=request.user, label=request.POST.get("label", "")
            )
        except ValidationError as error:
            errors = list(error.messages)
        else:
            request.session[NEW_SECRET] = [credential.pk, secret]
            return redirect("field:devices")
    shown = request.session.pop(NEW_SECRET, None)
    credentials = DeviceCredential.objects.visible_to(request.user, "device_credential")
    new_secret = None
    if shown:
        new = credentials.filter(pk=shown[0]).first()
        if new is not None:
            new_secret = {"credential": new, "secret": shown[1]}
    return render(
        request,
        "field/devices.html",
        {
            "credentials": credentials,
            "new_secret": new_secret,
            "errors": errors,
            "server_url": request.build_absolute_uri("/openrosa"),
        },
    )


@login_required
@require_POST
def revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    credential = get_object_or_404(
        DeviceCredential.objects.visible_to(request.user, "device_credential", "write"), pk=pk
    )
    services.revoke_device_credential(actor=request.user, credential=credential)
    messages.success(request, _("The device can no longer send or fetch forms."))
    return redirect("field:devices")


def _version(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 10 else 0


def _status_filter(request: AuthedRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in SubmissionStatus.values else ""


@login_required
@require_GET
def submissions(request: AuthedRequest) -> HttpResponse:
    rows = Submission.objects.visible_to(request.user, "field_submission").select_related(
        "user", "case__participant"
    )
    status = _status_filter(request)
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "field/submissions.html",
        {
            "page": page,
            "submissions": page.object_list,
            "statuses": SubmissionStatus.choices,
            "status": status,
            "can_offline": policies.can(request.user, "check_in.write"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def correct(request: AuthedRequest, pk: int) -> HttpResponse:
    """The submitter corrects a refused submission and sends it again (from the page: the
    corrected copy goes through the same service as a device's submission)."""
    submission = get_object_or_404(services.correctable(request.user), pk=pk)
    questions = services.correction_questions(submission)
    if request.method == "POST":
        answers = {
            q.name: " ".join(request.POST.getlist(q.name))
            if q.kind == "multiple"
            else request.POST.get(q.name, "")
            for q in questions
        }
        try:
            corrected = services.correct_submission(
                actor=request.user,
                submission=submission,
                answers=answers,
                expected_version=_version(request.POST.get("version", "")),
            )
        except PermissionDenied:
            raise Http404 from None
        except Conflict:
            messages.error(request, _("This submission was corrected already."))
            return redirect("field:submissions")
        if corrected.status == SubmissionStatus.REFUSED:
            messages.error(
                request,
                _("Sent again, and refused again: %(reason)s") % {"reason": corrected.reason},
            )
            return redirect("field:correct", pk=corrected.pk)
        messages.success(
            request,
            _("Sent again: %(status)s.") % {"status": corrected.get_status_display()},
        )
        return redirect("field:submissions")
    return render(
        request,
        "field/correct.html",
        {"submission": submission, "questions": questions},
    )


@login_required
@require_GET
def conflicts(request: AuthedRequest) -> HttpResponse:
    rows = services.conflicts_for(request.user).select_related("user", "case__participant")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "field/conflicts.html", {"page": page, "submissions": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def conflict(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(
        services.conflicts_for(request.user).select_related("user", "case__participant"), pk=pk
    )
    if request.method == "POST":
        try:
            services.resolve_conflict(
                actor=request.user,
                submission=submission,
                choice=request.POST.get("choice", ""),
                expected_version=_version(request.POST.get("version", "")),
            )
        except ValidationError as error:
            message_refusal(request, error)
            return redirect("field:conflict", pk=pk)
        except PermissionDenied:
            raise Http404 from None
        except Conflict as error:
            messages.error(request, str(error))
            return redirect("field:conflicts")
        messages.success(request, _("The conflict is resolved: one version is kept."))
        return redirect("field:conflicts")
    return render(
        request,
        "field/conflict.html",
        {"submission": submission, "rows": services.side_by_side(submission, request.user)},
    )


@login_required
@require_GET
def offline(request: AuthedRequest) -> HttpResponse:
    """Every field form the user may fill (the same ones ODK Collect gets), kept by the
    browser to be filled with no connection in enketo-core: each XForm transformed on the
    server (``field.enketo``), with its lookup files (the user's own cases, families,
    communities: the same files ODK Collect downloads) as the external instances it reads."""
    forms = openrosa.forms_for(request.user)
    if not forms:
        raise Http404
    offered: list[dict[str, Any]] = []
    engine: dict[str, dict[str, Any]] = {}
    try:
        for form in forms:
            transformed = enketo.transform(form.xml())
            external = [
                {
                    "id": instance_id,
                    "xml": enketo.csv_instance(
                        openrosa.media_file(request.user, form, name) or b""
                    ),
                }
                for instance_id, name in transformed.files
            ]
            offered.append({"form": form, "name": form.name, "html": transformed.html})
            engine[form.form_id] = {
                "model": transformed.model,
                "external": external,
                "name": form.name,
            }
    except enketo.EngineMissing:
        logger.exception("The browser's form engine is not built")
        return render(request, "field/offline.html", {"engine_missing": True}, status=503)
    key = services.draft_key_for(actor=request.user)
    return render(
        request,
        "field/offline.html",
        {
            "key": key,
            "forms": offered,
            "engine": engine,
            "language": get_language(),
            "messages_enketo": {
                "constraint.required": _("This field is required"),
                "constraint.invalid": _("This answer is not allowed"),
                "form.required": _("required"),
            },
        },
    )


@login_required
@require_GET
def draft_key(request: AuthedRequest) -> HttpResponse:
    """The key the browser keeps drafts under (``services.draft_secret``), for the user
    who may fill field forms; never stored by the browser as it is (the page imports it as
    a key it cannot read back) and never cached (no-store)."""
    if not openrosa.forms_for(request.user):
        raise Http404
    key = services.draft_key_for(actor=request.user)
    response = JsonResponse(
        {
            "key_id": str(key.key_id),
            "key": base64.b64encode(services.draft_secret(key)).decode(),
        }
    )
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private, max-age=0"
    return response


@login_required
@require_POST
def offline_submit(request: AuthedRequest) -> HttpResponse:
    """A check-in kept offline by the browser, sent when the connection returned: the same
    path as an ODK Collect submission (stored once per instance, applied or queued)."""
    upload = request.FILES.get("xml_submission_file")
    envelope = [request.POST.get(name, "") for name in ENVELOPE]
    try:
        if all(envelope):  # kept encrypted on the device (the page always does)
            if sum(len(part) for part in envelope) > services.MAX_SUBMISSION_BYTES * 2:
                return JsonResponse({"message": _("The form is too large.")}, status=400)
            xml = services.open_envelope(
                user=request.user, **dict(zip(ENVELOPE, envelope, strict=True))
            )
        elif upload is not None and (upload.size or 0) <= services.MAX_SUBMISSION_BYTES:
            xml = upload.read()
        else:
            return JsonResponse({"message": _("The form is missing.")}, status=400)
        submission, created = services.receive_submission(actor=request.user, xml=xml)
    except services.Unreadable as error:
        return JsonResponse({"message": " ".join(error.messages)}, status=400)
    except PermissionDenied as error:
        return JsonResponse({"message": str(error)}, status=403)
    return JsonResponse(
        {"status": submission.status, "message": submission.get_status_display(), "new": created},
        status=201,
    )


@require_GET
def web_manifest(request: HttpRequest) -> HttpResponse:
    """The installable web app: the offline forms, opened from the home screen. Browsers
    fetch it without cookies, so it says nothing about the user."""
    icons = [
        {
            "src": static(f"field/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in (192, 512)
    ]
    body = {
        "name": _("Bahali field work"),
        "short_name": _("Bahali"),
        "description": _("Check-ins and assessments filled with no connection, sent later."),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": reverse("field:offline"),
        "scope": "/field/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0f5c5a",
        "icons": icons,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def worker(request: AuthedRequest) -> HttpResponse:
    """The service worker, served under /field/ so it may keep the offline page."""
    script = (Path(__file__).parent / "static" / "field" / "worker.js").read_text()
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_GET
def card(request: AuthedRequest, case_pk: int) -> HttpResponse:
    """A printable card: the pseudonymous code and its QR code, nothing else (no name, no
    group), so the right case is picked offline."""
    case = get_case_for_user(request.user, case_pk)
    code = case.participant.code
    qr = segno.make(code, error="m").svg_inline(scale=6, dark="#000", light="#fff")
    context: dict[str, Any] = {"code": code, "qr": qr, "case": case}
    return render(request, "field/card.html", context)
