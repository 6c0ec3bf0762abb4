"""The OpenRosa server ODK Collect and KoboCollect speak to, under ``/openrosa/``: the form
list, form download, manifests with the user's own cases, and submission (docs.getodk.org:
OpenRosa Form List API, Form Submission API, HTTP Request API, Authentication).

Devices authenticate with their device credential: HTTP Digest (RFC 7616, ``qop=auth``,
MD5, a signed nonce that expires), or Basic over TLS. Every answer carries
``X-OpenRosa-Version: 1.0`` and the date. Only the forms the user may fill, and only the
cases they may record, are offered — decided by ``accounts.policies`` as everywhere else.
"""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import hmac
import io
import re
import secrets
from typing import Any
from xml.sax.saxutils import escape

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Max, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.aftercare.models import CheckIn
from bahali.assessments.models import Assessment, Instrument, InstrumentKind
from bahali.cases.models import Case
from bahali.casework.models import FamilyMember
from bahali.communities.lookups import communities_visible_to
from bahali.core.context import operation
from bahali.field import extensions, services, xforms
from bahali.field.models import DeviceCredential, SubmissionStatus

NONCE_SECONDS = 300
_signer = signing.TimestampSigner(salt="bahali.field.digest-nonce")


# --- authentication -----------------------------------------------------------------


def _new_nonce() -> str:
    return _signer.sign(secrets.token_hex(8)).replace(":", ".")


def _nonce_state(nonce: str) -> str:
    """ "ok", "stale" (signed by us, expired) or "bad"."""
    try:
        _signer.unsign(nonce.replace(".", ":"), max_age=NONCE_SECONDS)
    except signing.SignatureExpired:
        return "stale"
    except signing.BadSignature:
        return "bad"
    return "ok"


def challenge(*, stale: bool = False) -> HttpResponse:
    response = _openrosa(HttpResponse(status=401, content_type="text/plain; charset=utf-8"))
    opaque = hashlib.sha256(services.REALM.encode()).hexdigest()[:32]
    response["WWW-Authenticate"] = (
        f'Digest realm="{services.REALM}", qop="auth", algorithm=MD5, '
        f'nonce="{_new_nonce()}", opaque="{opaque}"' + (", stale=true" if stale else "")
    )
    return response


_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


def _digest_params(header: str) -> dict[str, str]:
    return {key.lower(): quoted or plain for key, quoted, plain in _PARAM.findall(header)}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _credential(login: str) -> DeviceCredential | None:
    credential = DeviceCredential.objects.select_related("user").filter(login=login).first()
    if credential is None or not credential.is_usable or not credential.user.is_active:
        return None
    return credential


def authenticate(request: HttpRequest) -> tuple[DeviceCredential | None, bool]:
    """The device the request authenticates as (None: challenge it), and whether the
    challenge should say the nonce is stale."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, rest = header.partition(" ")
    if scheme.lower() == "digest":
        params = _digest_params(rest)
        credential = _credential(params.get("username", ""))
        if credential is None or params.get("realm") != services.REALM:
            return None, False
        if params.get("uri") != request.get_full_path():
            return None, False
        state = _nonce_state(params.get("nonce", ""))
        if state == "bad":
            return None, False
        if params.get("qop") != "auth" or not params.get("nc") or not params.get("cnonce"):
            return None, False
        ha2 = _md5(f"{request.method}:{params['uri']}")
        expected = _md5(
            f"{credential.ha1}:{params['nonce']}:{params['nc']}:{params['cnonce']}:auth:{ha2}"
        )
        if not hmac.compare_digest(expected, params.get("response", "")):
            return None, False
        if state == "stale":
            return None, True
        return credential, False
    if scheme.lower() == "basic" and request.is_secure():
        try:
            login, _colon, secret = base64.b64decode(rest.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, False
        credential = _credential(login)
        if credential is None:
            return None, False
        if not hmac.compare_digest(credential.ha1, services.digest_ha1(login, secret)):
            return None, False
        return credential, False
    return None, False


def _openrosa(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    return response


def _xml(body: str, status: int = 200) -> HttpResponse:
    return _openrosa(
        HttpResponse(
            '<?xml version="1.0" encoding="UTF-8"?>\n' + body,
            status=status,
            content_type="text/xml; charset=utf-8",
        )
    )


def device_view(view: Any) -> Any:
    """Authenticate the device (or challenge it); run the view as its user."""

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        credential, stale = authenticate(request)
        if credential is None:
            return challenge(stale=stale)
        services.note_device_use(credential)
        with operation():
            return view(request, credential, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- what a user may fill -----------------------------------------------------------


def check_in_cases(user: User) -> Any:
    return Case.objects.visible_to(user, "check_in", "write").open()


def assessment_cases(user: User) -> Any:
    return Case.objects.visible_to(user, "assessment", "write").open()


def forms_for(user: User) -> list[xforms.FieldForm]:
    forms: list[xforms.FieldForm] = []
    if policies.grants(user, "check_in", "write"):
        forms.append(xforms.check_in_form())
    if policies.grants(user, "plan", "write"):
        forms.append(xforms.meeting_form())
        forms.append(xforms.session_form())
    if policies.grants(user, "community_readiness", "write"):
        forms.append(xforms.dialogue_form())
        readiness = xforms.readiness_form()
        if readiness is not None:
            forms.append(readiness)
    for registered in extensions.REGISTERED.values():
        forms += registered.forms(user)
    if policies.grants(user, "assessment", "write"):
        cases = assessment_cases(user)
        owners = set(cases.values_list("lead_organisation", flat=True)) | set(
            cases.values_list("programme__lead_organisation", flat=True)
        )
        allowed = set(
            Instrument.objects.filter(Q(is_builtin=True) | Q(organisation__in=owners)).values_list(
                "code", flat=True
            )
        )
        forms += [
            form
            for form in xforms.assessment_forms()
            if form.form_id.removeprefix(xforms.ASSESSMENT_PREFIX) in allowed
        ]
    return forms


def form_for(user: User, form_id: str) -> xforms.FieldForm | None:
    return next((form for form in forms_for(user) if form.form_id == form_id), None)


def planned_check_ins(user: User) -> list[tuple[str, int, int, datetime.date]]:
    """Each case the user may record check-ins of, by code, with its next planned check-in
    (its id, version and due date), in code order.

    Rows, not objects: a programme manager's lookup holds every open case of their
    programmes with a check-in planned (27,000 on the national seed: 5.7 s of a worker as
    objects)."""
    cases = check_in_cases(user).order_by("participant__code")
    planned: dict[int, tuple[int, int, datetime.date]] = {}
    for case_id, pk, version, due_on in (
        CheckIn.objects.filter(case__in=cases.values("pk"), done_on__isnull=True)
        .order_by("-due_on", "-pk")
        .values_list("case_id", "pk", "version", "due_on")
    ):
        planned[case_id] = (pk, version, due_on)  # the earliest wins (ordered latest first)
    return [
        (code, *planned[case_id])
        for case_id, code in cases.values_list("pk", "participant__code")
        if case_id in planned
    ]


def meeting_cases(user: User) -> list[tuple[str, int]]:
    """Each case with an ongoing mentor assignment the user may log meetings under, by
    code, with that assignment (the latest, when there are several)."""
    rows = (
        services.meeting_assignments(user)
        .order_by("case__participant__code", "starts_on", "pk")
        .values_list("case__participant__code", "pk")
    )
    return list(dict(rows).items())  # the latest of each case wins


def session_cases(user: User) -> Any:
    return services.session_cases(user)


def _family_csv(user: User) -> bytes:
    """The relatives of the user's cases, for a family session: the relationship and the
    participant's code, never a name."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label", "case"])
    members = (
        FamilyMember.objects.filter(case__in=session_cases(user).values("pk"))
        .select_related("case__participant")
        .order_by("case__participant__code", "pk")
    )
    for member in members:
        code = member.case.participant.code
        label = f"{code} · {member.get_relationship_display()} {member.pk}"
        writer.writerow([member.pk, label, code])
    return buffer.getvalue().encode("utf-8")


def _communities_csv(user: User) -> bytes:
    """The communities the user may record dialogues and readiness of, with the latest
    dialogue and readiness assessment of each (to detect stale submissions)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label", "last_dialogue", "readiness"])
    rows = (
        communities_visible_to(user, "write")
        .select_related("tehsil")
        .annotate(
            last_dialogue=Max("dialogues__pk"),
            readiness=Subquery(
                Assessment.objects.filter(
                    community=OuterRef("pk"),
                    case__isnull=True,
                    completed_at__isnull=False,
                    instrument_version__instrument__kind=InstrumentKind.READINESS,
                )
                .order_by("-pk")
                .values("pk")[:1]
            ),
        )
        .order_by("name", "pk")
    )
    for community in rows:
        label = f"{community.name} · {community.tehsil.name}"
        writer.writerow(
            [community.pk, label, community.last_dialogue or "", community.readiness or ""]
        )
    return buffer.getvalue().encode("utf-8")


def media_file(user: User, form: xforms.FieldForm, filename: str) -> bytes | None:
    """One of the form's lookup files, made for this user (None: not one of the form's)."""
    if filename not in form.media:
        return None
    if filename == xforms.FAMILY_CSV:
        return _family_csv(user)
    if form.kind in extensions.REGISTERED:
        return extensions.REGISTERED[form.kind].media_file(user, form, filename)
    if filename == xforms.COMMUNITIES_CSV:
        return _communities_csv(user)
    return cases_csv(user, form)


def cases_csv(user: User, form: xforms.FieldForm) -> bytes:
    """The user's own cases as the form's lookup file: pseudonymous codes only (with the
    next planned check-in and its version, or the case's phase, to detect stale edits)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if form.kind == "check_in":
        writer.writerow(["name", "label", "checkin", "checkin_version", "due_on"])
        for code, pk, version, due_on in planned_check_ins(user):
            writer.writerow([code, f"{code} · {due_on.isoformat()}", pk, version, due_on])
    elif form.kind == "mentor_meeting":
        writer.writerow(["name", "label", "assignment"])
        for code, assignment in meeting_cases(user):
            writer.writerow([code, code, assignment])
    elif form.kind == "session":
        writer.writerow(["name", "label", "stamp"])
        cases = session_cases(user).order_by("participant__code")
        for code, phase in cases.values_list("participant__code", "phase_id"):
            writer.writerow([code, code, f"{code}:{phase}"])
    else:
        writer.writerow(["name", "label", "phase"])
        cases = assessment_cases(user).order_by("participant__code")
        for code, phase in cases.values_list("participant__code", "phase_id"):
            writer.writerow([code, code, phase])
    return buffer.getvalue().encode("utf-8")


# --- the endpoints ------------------------------------------------------------------


def _absolute(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


@require_http_methods(["GET", "HEAD"])
@device_view
def form_list(request: HttpRequest, credential: DeviceCredential) -> HttpResponse:
    """OpenRosa Form List API: the forms this user may fill."""
    entries = []
    for form in forms_for(credential.user):
        entries.append(
            "<xform>"
            f"<formID>{escape(form.form_id)}</formID>"
            f"<name>{escape(form.name)}</name>"
            f"<version>{escape(form.version)}</version>"
            f"<hash>md5:{form.md5()}</hash>"
            f"<downloadUrl>{escape(_absolute(request, 'field:form', form_id=form.form_id))}"
            "</downloadUrl>"
            f"<manifestUrl>{escape(_absolute(request, 'field:manifest', form_id=form.form_id))}"
            "</manifestUrl>"
            "</xform>"
        )
    return _xml(
        '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(entries) + "</xforms>"
    )


def _not_found() -> HttpResponse:
    return _openrosa(HttpResponse(status=404, content_type="text/plain; charset=utf-8"))


@require_http_methods(["GET"])
@device_view
def form_download(request: HttpRequest, credential: DeviceCredential, form_id: str) -> HttpResponse:
    form = form_for(credential.user, form_id)
    if form is None:
        return _not_found()
    return _openrosa(HttpResponse(form.xml(), content_type="text/xml; charset=utf-8"))


@require_http_methods(["GET"])
@device_view
def manifest(request: HttpRequest, credential: DeviceCredential, form_id: str) -> HttpResponse:
    """OpenRosa manifest: the form's media files (the user's cases, their relatives by
    relationship, or their communities)."""
    form = form_for(credential.user, form_id)
    if form is None:
        return _not_found()
    entries = []
    for filename in form.media:
        data = media_file(credential.user, form, filename) or b""
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        url = _absolute(request, "field:media", form_id=form.form_id, filename=filename)
        entries.append(
            f"<mediaFile><filename>{filename}</filename><hash>md5:{digest}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl></mediaFile>"
        )
    return _xml(
        '<manifest xmlns="http://openrosa.org/xforms/xformsManifest">'
        + "".join(entries)
        + "</manifest>"
    )


@require_http_methods(["GET"])
@device_view
def media(
    request: HttpRequest, credential: DeviceCredential, form_id: str, filename: str
) -> HttpResponse:
    form = form_for(credential.user, form_id)
    data = media_file(credential.user, form, filename) if form is not None else None
    if data is None:
        return _not_found()
    response = HttpResponse(data, content_type="text/csv")
    response["Cache-Control"] = "no-store"
    return _openrosa(response)


def _response_document(message: str, status: int, nature: str = "") -> HttpResponse:
    attribute = f' nature="{nature}"' if nature else ""
    return _xml(
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f"<message{attribute}>{escape(message)}</message></OpenRosaResponse>",
        status=status,
    )


@require_http_methods(["HEAD", "POST"])
@device_view
def submission(request: HttpRequest, credential: DeviceCredential) -> HttpResponse:
    """OpenRosa Form Submission API: HEAD answers 204 with where and how much to send; POST
    takes the multipart ``xml_submission_file`` (and any attachments) and answers 201 with
    the response document, whether the submission was applied, refused or queued as a
    conflict (each kept and shown in Bahali); a second copy is acknowledged once."""
    if request.method == "HEAD":
        response = _openrosa(HttpResponse(status=204))
        response["X-OpenRosa-Accept-Content-Length"] = str(services.MAX_SUBMISSION_BYTES)
        response["Location"] = _absolute(request, "field:submission")
        return response
    upload = request.FILES.get("xml_submission_file")
    if upload is None:
        return _response_document(_("The form is missing (xml_submission_file)."), 400)
    if upload.size is not None and upload.size > services.MAX_SUBMISSION_BYTES:
        return _response_document(_("The form is too large."), 413)
    try:
        record, created = services.receive_submission(
            actor=credential.user, device=credential, xml=upload.read()
        )
    except services.Unreadable as error:
        return _response_document(" ".join(error.messages), 400)
    except PermissionDenied as error:
        return _response_document(str(error), 403)
    if not created:
        message = _("Received already; thank you.")
    elif record.status == SubmissionStatus.APPLIED:
        message = _("Received and recorded.")
    elif record.status == SubmissionStatus.CONFLICT:
        message = _("Received; it differs from what is recorded and waits in the conflict queue.")
    else:
        message = _("Received but not recorded: %(reason)s") % {"reason": record.reason}
    response = _response_document(message, 201, "submit_success")
    response["Location"] = _absolute(request, "field:submission")
    return response
