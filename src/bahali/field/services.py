"""Field work operations: device credentials, receiving a submission (stored once per ODK
``instanceID``), applying it through the same services as the pages, and resolving a
conflict by choosing exactly one version.

A submission is stored first (so nothing a device sent is lost), then applied in its own
transaction: the service it goes through either writes everything or nothing. What it
becomes is recorded on it: applied; refused, with the reason; or in conflict, when it was
based on a state that has moved (a check-in recorded since, a check-in changed since, a
case that moved phase) — never written over what is there.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeXML  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.aftercare import services as aftercare
from bahali.aftercare.models import WARNING_FIELDS, CheckIn, CheckInMethod, Wellbeing
from bahali.assessments import definition as spec
from bahali.assessments import services as assessments
from bahali.assessments.models import Band, InstrumentKind, InstrumentVersion
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.casework.models import AttendanceStatus, FamilyMember, MentorAssignment, SessionFormat
from bahali.communities import readiness
from bahali.communities import services as communities
from bahali.communities.lookups import communities_visible_to
from bahali.communities.models import Dialogue
from bahali.core.context import service
from bahali.core.versioning import Conflict, claim_version
from bahali.field import extensions, xforms
from bahali.field.models import (
    DeviceCredential,
    DraftKey,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)

REALM = "Bahali"
MAX_SUBMISSION_BYTES = 10 * 1024 * 1024
MAX_LABEL = 80


def not_yours() -> str:
    """The one refusal for a case that does not exist and one the submitter may not reach."""
    return _("No case of yours matches this form: it may not exist, or you may not record it.")


def no_community() -> str:
    """The one refusal for a community that does not exist and one out of reach."""
    return _("No community of yours matches this form: it may not exist, or you may not record it.")


def digest_ha1(login: str, secret: str) -> str:
    text = f"{login}:{REALM}:{secret}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


# --- device credentials -------------------------------------------------------------


@service
def create_device_credential(*, actor: User, label: str) -> tuple[DeviceCredential, str]:
    """A login and secret for one device; the secret is returned once and never stored."""
    policies.require(actor, "device_credential.write")
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Name the device.")})
    if len(label) > MAX_LABEL:
        raise ValidationError({"label": _("This is too long.")})
    login = f"{actor.get_username()}.{secrets.token_hex(3)}"
    secret = secrets.token_urlsafe(15)
    credential = DeviceCredential(user=actor, label=label, login=login)
    credential.ha1 = digest_ha1(login, secret)
    credential.save()
    return credential, secret


@service
def revoke_device_credential(*, actor: User, credential: DeviceCredential) -> DeviceCredential:
    policies.require(actor, "device_credential.write", credential)
    claim_version(credential)
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save()
    return credential


def note_device_use(credential: DeviceCredential) -> None:
    """When a device last spoke to the server (bookkeeping, at most once a minute)."""
    now = timezone.now()
    if credential.last_used_at and now - credential.last_used_at < datetime.timedelta(minutes=1):
        return
    DeviceCredential.objects.filter(pk=credential.pk).update(last_used_at=now)


# --- the key offline forms are kept under in the browser ---------------------------


@service
def draft_key_for(*, actor: User) -> DraftKey:
    """The user's offline form key (made the first time): its public half goes to the page."""
    key = DraftKey.objects.filter(user=actor).order_by("-created_at").first()
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = DraftKey(user=actor, public_key=base64.b64encode(public).decode())
    key.private_key = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key.save()
    return key


def draft_secret(key: DraftKey) -> bytes:
    """The AES-256 key the user's browser keeps half-filled forms (drafts) under, made from
    the same offline form key: derived on the server (HKDF-SHA256) from its sealed private
    half, so it is never stored anywhere. The page fetches it over the signed-in connection
    only (never kept in the page the service worker stores), imports it as a key the page
    cannot read back (non-extractable WebCrypto key) and keeps that in IndexedDB, so a draft
    can be reopened with no connection. A new offline form key means new drafts key."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=str(key.key_id).encode(),
        info=b"bahali field drafts",
    ).derive(key.private_key.encode())


def open_envelope(*, user: User, key_id: str, wrapped: str, iv: str, data: str) -> bytes:
    """The form a browser kept encrypted: its AES-GCM key unwrapped with the user's private
    key (RSA-OAEP, SHA-256), then the form opened (the key id is its associated data).
    Anything else — another user's key, a changed byte — is unreadable, nothing stored."""
    try:
        key = DraftKey.objects.filter(user=user, key_id=uuid.UUID(key_id)).first()
    except ValueError:
        key = None
    if key is None:
        raise Unreadable(_("This form was kept on the device with a key that is not yours."))
    try:
        private = serialization.load_pem_private_key(key.private_key.encode(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise TypeError(type(private))
        aes = private.decrypt(
            base64.b64decode(wrapped),
            padding.OAEP(
                mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
            ),
        )
        return AESGCM(aes).decrypt(
            base64.b64decode(iv), base64.b64decode(data), str(key.key_id).encode()
        )
    except (ValueError, InvalidTag, TypeError) as error:
        raise Unreadable(_("The form kept on the device could not be opened.")) from error


# --- reading a submission -----------------------------------------------------------


class Unreadable(ValidationError):
    """Not an XForm instance this server can read (nothing is stored)."""


@dataclass
class Parsed:
    form_id: str
    version: str
    instance_id: str
    values: dict[str, str] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_instance(xml: bytes) -> Parsed:
    """The form, version, ``instanceID`` and leaf values of an XForm instance."""
    try:
        root = SafeXML.fromstring(xml)
    except Exception as error:  # defusedxml raises several kinds; all mean unreadable
        raise Unreadable(_("The submitted form could not be read.")) from error
    form_id = root.get("id") or ""
    if not form_id:
        raise Unreadable(_("The submitted form names no form."))
    values: dict[str, str] = {}
    instance_id = ""
    for element in root.iter():
        if element is root or len(element):
            continue
        name = _local(element.tag)
        text = (element.text or "").strip()
        if name == "instanceID":
            instance_id = text
        else:
            values[name] = text
    if not instance_id or len(instance_id) > 100:
        raise Unreadable(_("The submitted form has no instance identifier."))
    return Parsed(form_id[:100], (root.get("version") or "")[:40], instance_id, values)


def _kind(form_id: str) -> str:
    if form_id == xforms.CHECK_IN_FORM:
        return SubmissionKind.CHECK_IN
    if form_id == xforms.MEETING_FORM:
        return SubmissionKind.MEETING
    if form_id.startswith(xforms.ASSESSMENT_PREFIX):
        return SubmissionKind.ASSESSMENT
    registered = extensions.for_form_id(form_id)
    if registered is not None:
        return registered.kind
    return {
        xforms.SESSION_FORM: SubmissionKind.SESSION,
        xforms.DIALOGUE_FORM: SubmissionKind.DIALOGUE,
        xforms.READINESS_FORM: SubmissionKind.READINESS,
    }.get(form_id, "")


# --- receiving ----------------------------------------------------------------------


@service
def _store(*, actor: User, device: DeviceCredential | None, parsed: Parsed, xml: str) -> Submission:
    submission = Submission(
        instance_id=parsed.instance_id,
        form_id=parsed.form_id,
        form_version=parsed.version,
        kind=_kind(parsed.form_id),
        user=actor,
        device=device,
        received_at=timezone.now(),
    )
    submission.xml = xml
    submission.values = parsed.values
    submission.save()
    return submission


def receive_submission(
    *, actor: User, xml: bytes, device: DeviceCredential | None = None, apply: bool = True
) -> tuple[Submission, bool]:
    """Store a submission once per ``instanceID`` and (unless queued) apply it. Returns the
    submission and whether it is new; a second copy of one already received changes nothing.
    An instance another user sent is refused (``PermissionDenied``), never shown."""
    parsed = parse_instance(xml)
    # Stored at once (one round trip fewer for every new submission); the instance's unique
    # key recognises a second copy, whether it arrives later or at the same moment.
    try:
        submission = _store(
            actor=actor, device=device, parsed=parsed, xml=xml.decode("utf-8", "replace")
        )
    except IntegrityError:
        existing = Submission.objects.filter(instance_id=parsed.instance_id).first()
        if existing is None:
            raise
    else:
        if apply:
            submission = apply_submission(actor=actor, submission=submission)
        return submission, True
    if existing.user_id != actor.pk:
        raise PermissionDenied(not_yours())
    return existing, False


def apply_submission(*, actor: User, submission: Submission) -> Submission:
    """Apply a received submission through the same services as the pages. Whatever they
    refuse is recorded with the reason; a stale base goes to the conflict queue.

    Applied in one transaction (no savepoint of its own: most submissions apply); when the
    service refuses, that transaction is undone and what became of the submission is
    recorded in the next one — nothing of the refused write is kept either way."""
    attempt: dict[str, Submission] = {}
    try:
        return _apply_in_one(actor=actor, submission=submission, attempt=attempt)
    except (Conflict, PermissionDenied, ValidationError) as error:
        if "submission" not in attempt:
            raise
        return _record_outcome(actor=actor, submission=attempt["submission"], error=error)


def _dispatch(user: User, submission: Submission) -> None:
    if submission.kind == SubmissionKind.CHECK_IN:
        _apply_check_in(user, submission, force=False)
    elif submission.kind == SubmissionKind.ASSESSMENT:
        _apply_assessment(user, submission, force=False)
    elif submission.kind == SubmissionKind.MEETING:
        _apply_meeting(user, submission)
    elif submission.kind in NEW_RECORDS:
        NEW_RECORDS[submission.kind](user, submission, force=False)
    elif submission.kind in extensions.REGISTERED:
        extensions.REGISTERED[submission.kind].apply(user, submission, False)
    else:
        raise ValidationError(_("This form is not one Bahali knows."))


@service
def _apply_in_one(
    *, actor: User, submission: Submission, attempt: dict[str, Submission]
) -> Submission:
    from bahali.audit.services import appended_at_end
    from bahali.cases import due
    from bahali.evidence import figures

    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != SubmissionStatus.RECEIVED:
        return submission  # applied already (a worker re-running, a second copy)
    attempt["submission"] = submission  # what the apply noted on it, for a refusal
    # The submitter (the actor, as a rule: their memberships read once, not again here).
    user = actor if actor.pk == submission.user_id else submission.user
    submission.user = user
    # The audit events appended together at the end (the chain head, which serialises
    # every audited write until commit, held only for the commit: a queue's workers apply
    # side by side). What the apply found within reach is not asked again by the service it
    # calls (``policies.remember``); a case's due dates and stored figures are worked out
    # once, when it is done (an assessment is started, then completed).
    with appended_at_end():
        with policies.answers_remembered(), due.deferred(), figures.deferred():
            _dispatch(user, submission)
        submission.status = SubmissionStatus.APPLIED
        submission.reason = ""
        submission.save()
    return submission


@service
def _record_outcome(*, actor: User, submission: Submission, error: Exception) -> Submission:
    """A refused or stale submission's outcome, once its attempt was undone (unless another
    worker recorded one meanwhile)."""
    status = (
        Submission.objects.select_for_update()
        .filter(pk=submission.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != SubmissionStatus.RECEIVED:
        return Submission.objects.get(pk=submission.pk)
    if isinstance(error, Conflict):
        submission.status = SubmissionStatus.CONFLICT
        submission.reason = str(error)
    elif isinstance(error, PermissionDenied):
        submission.status = SubmissionStatus.REFUSED
        submission.reason = (
            no_community()
            if submission.kind in (SubmissionKind.DIALOGUE, SubmissionKind.READINESS)
            else extensions.REGISTERED[submission.kind].refusal()
            if submission.kind in extensions.REGISTERED
            else not_yours()
        )
        submission.case = submission.check_in = submission.community = None
    else:
        assert isinstance(error, ValidationError)  # noqa: S101 (the only other kind caught)
        submission.status = SubmissionStatus.REFUSED
        submission.reason = _describe(error)
    submission.save()
    return submission


APPLY_BATCH = 500


# How long a queue batch trusts a submitter's account and memberships before reading them
# again (a revoked one stops their next submissions within this time).
FRESH_FOR = 2.0


def apply_received(
    *, limit: int | None = None, batch: int = APPLY_BATCH, workers: int = 1
) -> dict[str, int]:
    """Apply every submission still waiting (stored but not applied: received in bulk, or
    left by a process that stopped between storing and applying), oldest first, each as its
    submitter through the same path as on arrival. Each submission is its own transaction;
    the cases' due dates are recomputed once per case per batch (``cases.due.deferred``)
    instead of once per check-in. Returns how many ended in each status.

    ``workers`` above one (PostgreSQL only: SQLite has one writer) applies the queue in as
    many processes side by side. Each takes the submissions about its share of the cases
    and communities (:func:`subject`), so those about one case are still applied by one
    worker, oldest first; a stale one goes to the conflict queue whichever worker meets it."""
    from django.db import connection

    waiting = Submission.objects.filter(status=SubmissionStatus.RECEIVED).order_by("pk")
    ids = list(
        waiting.values_list("pk", flat=True)[:limit]
        if limit
        else waiting.values_list("pk", flat=True)
    )
    alone = connection.vendor != "postgresql" or connection.in_atomic_block
    if workers <= 1 or alone or len(ids) < 2:
        return _apply_ids(ids, batch=batch, share=None)
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each worker opens its own connection
    shares = [(ids, batch, (worker, workers)) for worker in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.starmap(_apply_worker, shares)
    counts: dict[str, int] = {}
    for result in results:
        for status, n in result.items():
            counts[status] = counts.get(status, 0) + n
    return counts


def _apply_worker(ids: list[int], batch: int, share: tuple[int, int]) -> dict[str, int]:
    from django.db import connections

    connections.close_all()  # never the parent's connection: a fresh one
    try:
        return _apply_ids(ids, batch=batch, share=share)
    finally:
        connections.close_all()


# The question naming what a submission is about, and what it names (a case by its code,
# a community by its key), in each kind of form.
SUBJECTS = (
    ("case", "case"),  # check-ins, mentor meetings
    ("bahali_case", "case"),  # assessments
    ("community", "community"),  # dialogues, community readiness
    ("bahali_community", "community"),  # instruments about a community
)


def subject(submission: Submission) -> str:
    """What a submission is about, for sharing a queue among workers: its case (by code)
    or its community; a session, by its first participant present."""
    values = submission.values or {}
    for name, about in SUBJECTS:
        if values.get(name):
            return f"{about}:{values[name]}"
    present = str(values.get("present", "")).split()
    return f"case:{present[0]}" if present else f"instance:{submission.instance_id}"


def _apply_ids(ids: list[int], *, batch: int, share: tuple[int, int] | None) -> dict[str, int]:
    import zlib

    from bahali.cases import due

    counts: dict[str, int] = {}
    for start in range(0, len(ids), batch):
        chunk = Submission.objects.filter(pk__in=ids[start : start + batch]).select_related("user")
        # one object per submitter, its memberships read again after FRESH_FOR seconds: a
        # deactivated account or an ended membership stops the submitter's next ones soon,
        # as it would their next request, not at the end of the batch
        users: dict[int, tuple[User, float]] = {}
        with due.deferred():
            for submission in chunk.order_by("pk"):
                if share is not None:
                    mine = zlib.crc32(subject(submission).encode()) % share[1] == share[0]
                    if not mine:
                        continue
                submitter, read_at = users.get(submission.user_id, (submission.user, 0.0))
                if time.monotonic() - read_at > FRESH_FOR:
                    submitter = User.objects.get(pk=submission.user_id)
                    users[submission.user_id] = (submitter, time.monotonic())
                applied = _apply_retrying(submitter, submission)
                counts[applied.status] = counts.get(applied.status, 0) + 1
    return counts


# PostgreSQL's answers to two transactions in each other's way (a deadlock, a serialization
# failure): the one chosen is undone whole, and applied again.
RETRY_CODES = {"40P01", "40001"}


def _apply_retrying(submitter: User, submission: Submission, tries: int = 3) -> Submission:
    from django.db import OperationalError

    for attempt in range(tries):
        try:
            return apply_submission(actor=submitter, submission=submission)
        except OperationalError as error:
            code = getattr(error.__cause__, "sqlstate", None) or getattr(
                error.__cause__, "pgcode", None
            )
            if code not in RETRY_CODES or attempt == tries - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _field_labels() -> dict[str, str]:
    """The questions' names as the submitter sees them (a refusal names the question)."""
    return {
        "case": _("Case code"),
        "done_on": _("Held on"),
        "method": _("Method"),
        "wellbeing": _("Wellbeing"),
        "warnings": _("Warning signs"),
        "notes": _("Notes"),
        "follow_up": _("Follow-up actions"),
        "assessed_on": _("Assessed on"),
        "met_on": _("Met on"),
        "duration_minutes": _("Duration (minutes)"),
        "place": _("Place"),
        "summary": _("Summary"),
        "held_on": _("Held on"),
        "kind": _("Kind"),
        "format": _("Format"),
        "topic": _("Topic"),
        "attendances": _("Who attended"),
        "family_attendees": _("Relatives who attended"),
        "facilitator": _("Facilitator"),
        "organisation": _("Organisation"),
        "men": _("Men (30 and over)"),
        "women": _("Women (30 and over)"),
        "young_men": _("Young men (under 30)"),
        "young_women": _("Young women (under 30)"),
        "decisions": _("Decisions"),
        "follow_ups": _("Follow-ups"),
        "follow_up_by": _("Follow-ups due"),
    }


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        labels = _field_labels()
        return " ".join(
            f"{labels.get(name, name)}: {' '.join(str(m) for m in messages)}"
            if name != "__all__"
            else " ".join(str(m) for m in messages)
            for name, messages in error.message_dict.items()
        )
    return " ".join(str(m) for m in error.messages)


def _date(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise ValidationError({name: _("Give a date (year-month-day).")}) from None


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _apply_check_in(user: User, submission: Submission, *, force: bool) -> None:
    values = submission.values
    check_in_id = _int(values.get("checkin", ""))
    based_on = _int(values.get("checkin_version", ""))
    check_in = (
        CheckIn.objects.visible_to(user, "check_in", "write")
        .select_related("case")
        .filter(pk=check_in_id, case__participant__code=values.get("case", ""))
        .first()
        if check_in_id
        else None
    )
    if check_in is None:
        raise PermissionDenied
    policies.remember(user, "check_in.write", check_in)
    submission.case = check_in.case
    submission.check_in = check_in
    submission.based_on = str(based_on or "")
    done_on = _date(values.get("done_on", ""), "done_on")
    arguments: dict[str, Any] = {
        "done_on": done_on,
        "method": values.get("method", ""),
        "wellbeing": values.get("wellbeing", ""),
        "warnings": values.get("warnings", "").split(),
        "notes": values.get("notes", ""),
        "follow_up": values.get("follow_up", ""),
    }
    if not force:
        if check_in.is_done:
            raise Conflict(_("This check-in was recorded already, after the form was filled."))
        if based_on != check_in.version:
            raise Conflict(_("This check-in changed after the form was filled."))
        aftercare.record_check_in(
            actor=user, check_in=check_in, expected_version=based_on, **arguments
        )
        return
    if check_in.is_done:
        # Both contacts happened: the field one is recorded as another check-in.
        another = CheckIn(case=check_in.case, due_on=done_on)
        another.save()
        aftercare.record_check_in(actor=user, check_in=another, **arguments)
        submission.check_in = another
    else:
        aftercare.record_check_in(
            actor=user, check_in=check_in, expected_version=check_in.version, **arguments
        )


def meeting_assignments(user: User) -> Any:
    """The ongoing mentor assignments of the cases the user may log meetings of."""
    today = timezone.localdate()
    return (
        MentorAssignment.objects.visible_to(user, "plan", "write")
        .filter(case__closed_on__isnull=True, end_reason="", starts_on__lte=today)
        .filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today))
    )


def _apply_meeting(user: User, submission: Submission) -> None:
    """A meeting happened: logged through ``casework.log_mentor_meeting`` (nothing to be
    stale about — two meetings are two meetings; a second copy is recognised by its
    instance). An assignment out of reach is refused without saying whether it exists."""
    values = submission.values
    assignment_id = _int(values.get("assignment", ""))
    assignment = (
        MentorAssignment.objects.visible_to(user, "plan", "write")
        .select_related("case")
        .filter(pk=assignment_id, case__participant__code=values.get("case", ""))
        .first()
        if assignment_id
        else None
    )
    if assignment is None:
        raise PermissionDenied
    submission.case = assignment.case
    minutes = _int(values.get("duration_minutes", ""))
    if minutes is None:
        raise ValidationError({"duration_minutes": _("Give a whole number.")})
    casework.log_mentor_meeting(
        actor=user,
        assignment=assignment,
        met_on=_date(values.get("met_on", ""), "met_on"),
        duration_minutes=minutes,
        place=values.get("place", ""),
        summary=values.get("summary", ""),
        concerns=values.get("concerns", "") == "yes",
    )


def _apply_assessment(user: User, submission: Submission, *, force: bool) -> Any:
    values = submission.values
    code = submission.form_id.removeprefix(xforms.ASSESSMENT_PREFIX)
    version = (
        InstrumentVersion.objects.select_related("instrument")
        .filter(
            instrument__code=code,
            number=_int(submission.form_version) or 0,
            published_at__isnull=False,
        )
        .first()
    )
    if version is None:
        raise ValidationError(_("This form is not one Bahali knows."))
    case = (
        Case.objects.visible_to(user, "assessment", "write")
        .filter(participant__code=values.get("bahali_case", ""))
        .first()
    )
    if case is None:
        raise PermissionDenied
    policies.remember(user, "assessment.write", case)
    submission.case = case
    submission.based_on = values.get("bahali_phase", "")
    current = version.instrument.current_version()
    if current is None or current.pk != version.pk:
        raise ValidationError(
            _("A newer version of this form is in use: get the new form and fill it again.")
        )
    if not force and submission.based_on != str(case.phase_id):
        raise Conflict(_("The case moved to another phase after the form was filled."))
    definition = version.definition
    answers: dict[str, Any] = {}
    for item in spec.items(definition):
        raw = values.get(item["name"], "")
        answers[item["name"]] = raw.split() if item["type"] == "select_multiple" else raw
    ratings = {
        domain["name"]: {
            "rating": values.get(f"rating_{domain['name']}", ""),
            "rationale": values.get(f"rationale_{domain['name']}", ""),
        }
        for domain in spec.rated_domains(definition)
    }
    judgement = assessments.Judgement(
        ratings, values.get("overall_rating", ""), values.get("overall_rationale", "")
    )
    assessed_on = _date(values.get("bahali_assessed_on", ""), "assessed_on")
    assessment = assessments.start_assessment(
        actor=user, case=case, instrument=version.instrument, assessed_on=assessed_on
    )
    assessments.complete_assessment(
        actor=user,
        assessment=assessment,
        expected_version=assessment.version,
        answers=answers,
        judgement=judgement,
        assessed_on=assessed_on,
    )
    submission.assessment = assessment
    return assessment


# --- the conflict queue -------------------------------------------------------------


class Resolution(models.TextChoices):
    FIELD = "field", "field"  # apply the field's version
    RECORD = "record", "record"  # keep what is recorded


def conflicts_for(user: User) -> Any:
    """Conflicts the user may resolve: they may write the record each one touches."""
    return decidable_by(user).filter(status=SubmissionStatus.CONFLICT)


def decidable_by(user: User) -> Any:
    """Submissions touching a record the user may write (whatever their status)."""
    registered = models.Q(pk__in=[])
    for form_kind in extensions.REGISTERED.values():
        registered |= models.Q(kind=form_kind.kind) & form_kind.decidable(user)
    return Submission.objects.filter(
        registered
        | models.Q(
            kind=SubmissionKind.CHECK_IN,
            case__in=Case.objects.visible_to(user, "check_in", "write").values("pk"),
        )
        | models.Q(
            kind=SubmissionKind.ASSESSMENT,
            case__in=Case.objects.visible_to(user, "assessment", "write").values("pk"),
        )
        | models.Q(
            kind=SubmissionKind.SESSION,
            case__in=Case.objects.visible_to(user, "plan", "write").values("pk"),
        )
        | models.Q(
            kind__in=[SubmissionKind.DIALOGUE, SubmissionKind.READINESS],
            community__in=communities_visible_to(user, "write").values("pk"),
        )
    )


def may_resolve(user: User, submission: Submission) -> bool:
    return decidable_by(user).filter(pk=submission.pk).exists()


@service
def resolve_conflict(
    *, actor: User, submission: Submission, choice: str, expected_version: int
) -> Submission:
    """Choose one version: the field's (applied now, through the same service) or the
    recorded one (the submission set aside). Decided once; a second decision is refused."""
    if not may_resolve(actor, submission):
        raise PermissionDenied
    if choice not in Resolution.values:
        raise ValidationError({"choice": _("Choose one of the listed options.")})
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != SubmissionStatus.CONFLICT:
        raise Conflict()
    claim_version(submission, expected_version)
    if choice == Resolution.FIELD:
        writer = submission.user
        if not submission.user.is_active:
            writer = actor
        if submission.kind == SubmissionKind.CHECK_IN:
            _apply_check_in(writer, submission, force=True)
        elif submission.kind == SubmissionKind.ASSESSMENT:
            _apply_assessment(writer, submission, force=True)
        elif submission.kind in NEW_RECORDS:
            NEW_RECORDS[submission.kind](writer, submission, force=True)
        elif submission.kind in extensions.REGISTERED:
            extensions.REGISTERED[submission.kind].apply(writer, submission, True)
        else:
            raise Conflict()  # meetings are never in conflict
        submission.status = SubmissionStatus.APPLIED
    else:
        submission.status = SubmissionStatus.SET_ASIDE
    submission.resolved_by = actor
    submission.resolved_at = timezone.now()
    submission.save()
    return submission


def side_by_side(submission: Submission, viewer: Any = None) -> list[tuple[str, str, str]]:
    """(what, the field's value, the recorded value) for the conflict page; ``viewer`` (the
    person deciding) sees the recorded state only of cases within their reach."""
    values = submission.values
    rows: list[tuple[str, str, str]] = []
    if submission.kind == SubmissionKind.CHECK_IN and submission.check_in is not None:
        check_in = submission.check_in
        check_in.refresh_from_db()
        recorded_warnings = " ".join(
            name
            for name in (
                "lost_job",
                "renewed_contact",
                "threats_received",
                "family_conflict",
                "stigma_incident",
            )
            if getattr(check_in, name)
        )
        rows = [
            (_("Held on"), values.get("done_on", ""), str(check_in.done_on or "")),
            (_("Method"), values.get("method", ""), check_in.method),
            (_("Wellbeing"), values.get("wellbeing", ""), check_in.wellbeing),
            (_("Warning signs"), values.get("warnings", ""), recorded_warnings),
            (_("Notes"), values.get("notes", ""), check_in.notes),
            (_("Follow-up actions"), values.get("follow_up", ""), check_in.follow_up),
            (_("Version"), submission.based_on, str(check_in.version)),
        ]
    elif submission.kind == SubmissionKind.ASSESSMENT and submission.case is not None:
        case = submission.case
        rows = [
            (_("Phase"), submission.based_on, str(case.phase_id)),
            (_("Assessed on"), values.get("bahali_assessed_on", ""), ""),
        ]
    elif submission.kind in NEW_RECORDS:
        rows = _new_record_side_by_side(submission, viewer)
    return rows


# --- correcting a refused submission ------------------------------------------------

MAX_ANSWER = 4000


def instance_xml(form_id: str, version: str, values: dict[str, str], instance_id: str) -> str:
    """An XForm instance of ``values`` (flat: ``parse_instance`` reads leaves by name)."""
    body = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in values.items())
    return (
        f"<data id={quoteattr(form_id)} version={quoteattr(version)}>{body}"
        f"<meta><instanceID>{escape(instance_id)}</instanceID></meta></data>"
    )


@dataclass
class Question:
    """One answer of a refused submission as the correction page asks it again."""

    name: str
    label: str
    kind: str  # select, multiple, date, number, text, textarea
    value: str
    choices: list[tuple[str, Any]] = field(default_factory=list)
    required: bool = False

    @property
    def values(self) -> list[str]:
        return self.value.split()


CORRECTABLE = (
    SubmissionKind.CHECK_IN,
    SubmissionKind.ASSESSMENT,
    SubmissionKind.MEETING,
    SubmissionKind.SESSION,
    SubmissionKind.DIALOGUE,
    SubmissionKind.READINESS,
)


def correctable_kinds() -> list[str]:
    """Every kind whose refused submissions can be corrected: Bahali's own, and each
    registered kind that says how its questions are asked again."""
    registered = [k.kind for k in extensions.REGISTERED.values() if k.questions is not None]
    return [*CORRECTABLE, *registered]


def correctable(user: User) -> Any:
    """The user's own refused submissions of a form Bahali knows: they may correct them."""
    return Submission.objects.visible_to(user, "field_submission", "write").filter(
        user=user, status=SubmissionStatus.REFUSED, kind__in=correctable_kinds()
    )


def _planned_check_in(user: User, code: str) -> CheckIn | None:
    return (
        CheckIn.objects.visible_to(user, "check_in", "write")
        .filter(case__participant__code=code, done_on__isnull=True, case__closed_on__isnull=True)
        .order_by("due_on", "pk")
        .first()
    )


def _check_in_questions(user: User, values: dict[str, str]) -> list[Question]:
    codes = sorted(
        set(
            CheckIn.objects.visible_to(user, "check_in", "write")
            .filter(done_on__isnull=True, case__closed_on__isnull=True)
            .values_list("case__participant__code", flat=True)
        )
        | ({values["case"]} if values.get("case") else set())
    )
    return [
        Question("case", _("Case code"), "select", values.get("case", ""), [(c, c) for c in codes]),
        Question("done_on", _("Held on"), "date", values.get("done_on", "")),
        Question("method", _("Method"), "select", values.get("method", ""), CheckInMethod.choices),
        Question(
            "wellbeing", _("Wellbeing"), "select", values.get("wellbeing", ""), Wellbeing.choices
        ),
        Question(
            "warnings",
            _("Warning signs"),
            "multiple",
            values.get("warnings", ""),
            [(name, str(label)) for name, label in WARNING_FIELDS],
        ),
        Question("notes", _("Notes"), "textarea", values.get("notes", "")),
        Question("follow_up", _("Follow-up actions"), "textarea", values.get("follow_up", "")),
    ]


def meeting_questions(user: User, values: dict[str, str]) -> list[Question]:
    """The questions of the mentor meeting form (the case: one with an ongoing assignment)."""
    codes = sorted(
        set(meeting_assignments(user).values_list("case__participant__code", flat=True))
        | ({values["case"]} if values.get("case") else set())
    )
    return [
        Question(
            "case",
            _("Case code"),
            "select",
            values.get("case", ""),
            [(c, c) for c in codes],
            required=True,
        ),
        Question("met_on", _("Met on"), "date", values.get("met_on", ""), required=True),
        Question(
            "duration_minutes",
            _("Duration (minutes)"),
            "number",
            values.get("duration_minutes", ""),
            required=True,
        ),
        Question("place", _("Place"), "text", values.get("place", ""), required=True),
        Question("summary", _("Summary"), "textarea", values.get("summary", ""), required=True),
        Question(
            "concerns",
            _("Concerns raised"),
            "select",
            values.get("concerns", ""),
            [("no", _("No")), ("yes", _("Yes"))],
            required=True,
        ),
    ]


def _assessment_version(submission: Submission) -> InstrumentVersion | None:
    code = submission.form_id.removeprefix(xforms.ASSESSMENT_PREFIX)
    return (
        InstrumentVersion.objects.select_related("instrument")
        .filter(instrument__code=code, number=_int(submission.form_version) or 0)
        .first()
    )


def _assessment_questions(submission: Submission, values: dict[str, str]) -> list[Question]:
    return instrument_questions(_assessment_version(submission), values)


def instrument_questions(
    version: InstrumentVersion | None,
    values: dict[str, str],
    *,
    subject: str = "case",
    user: User | None = None,
) -> list[Question]:
    """The questions of an instrument's field form (as named in its XForm instance), with
    ``values`` as the answers so far: for the offline page and for correcting. ``subject``:
    what the form is about — a case (its code), a community (one of ``user``'s, for
    readiness) or nothing asked (an anonymous survey)."""
    language = translation.get_language() or "en"
    questions: list[Question] = []
    if subject == "case":
        questions.append(
            Question(
                "bahali_case", _("Case code"), "text", values.get("bahali_case", ""), required=True
            )
        )
    if subject == "community":
        questions.append(
            _community_question("bahali_community", user, values.get("bahali_community", ""))
        )
    if subject in ("case", "community"):
        questions.append(
            Question(
                "bahali_assessed_on",
                _("Assessed on"),
                "date",
                values.get("bahali_assessed_on", ""),
                required=True,
            )
        )
    if version is None:
        return questions
    definition = version.definition
    kinds = {"date": "date", "integer": "number", "decimal": "number", "text": "textarea"}
    sometimes = {
        item["name"]
        for section in spec.sections(definition)
        if section.get("relevant")
        for item in section.get("items") or []
    }
    for item in spec.items(definition):
        name = item["name"]
        choices = [
            (choice["name"], spec.label(choice.get("label"), language))
            for choice in spec.choices_for(definition, item)
        ]
        kind = "multiple" if item["type"] == "select_multiple" else "select" if choices else ""
        questions.append(
            Question(
                name,
                spec.label(item.get("label"), language) or name,
                kind or kinds.get(item["type"], "text"),
                values.get(name, ""),
                choices,
                # required on the page only when always asked (skip logic is the server's)
                bool(item.get("required")) and not item.get("relevant") and name not in sometimes,
            )
        )
    for domain in spec.rated_domains(definition):
        label = spec.label(domain.get("label"), language)
        questions.append(
            Question(
                f"rating_{domain['name']}",
                label,
                "select",
                values.get(f"rating_{domain['name']}", ""),
                Band.choices,
                True,
            )
        )
        questions.append(
            Question(
                f"rationale_{domain['name']}",
                f"{label} — {_('Rationale')}",
                "textarea",
                values.get(f"rationale_{domain['name']}", ""),
                required=True,
            )
        )
    if definition.get("overall"):
        questions.append(
            Question(
                "overall_rating",
                _("Overall judgement"),
                "select",
                values.get("overall_rating", ""),
                Band.choices,
                True,
            )
        )
        questions.append(
            Question(
                "overall_rationale",
                _("Rationale of the overall judgement"),
                "textarea",
                values.get("overall_rationale", ""),
                required=True,
            )
        )
    return questions


def _readiness_version(submission: Submission) -> InstrumentVersion | None:
    """The readiness instrument's version the submission was filled with."""
    form = xforms.readiness_form()
    if form is not None and form.version == submission.form_version:
        return InstrumentVersion.objects.filter(pk=form.instrument_version_id or 0).first()
    return (
        InstrumentVersion.objects.filter(
            instrument__kind=InstrumentKind.READINESS,
            number=_int(submission.form_version) or 0,
        )
        .order_by("-instrument__is_builtin", "instrument__code")
        .first()
    )


def _community_question(name: str, user: User | None, value: str) -> Question:
    """A community the user may record (picked by name; the one sent kept as an option, so
    a correction shows what was sent even when it is not, or no longer, within reach)."""
    choices: list[tuple[str, Any]] = []
    if user is not None:
        rows = (
            communities_visible_to(user, "write")
            .select_related("tehsil")
            .order_by("name", "pk")
            .values_list("pk", "name", "tehsil__name")
        )
        choices = [(str(pk), f"{name} · {tehsil}") for pk, name, tehsil in rows]
    if value and value not in {choice for choice, _label in choices}:
        choices.append((value, value))
    return Question(name, _("Community"), "select", value, choices, required=True)


def session_questions(user: User, values: dict[str, str]) -> list[Question]:
    """The questions of the session form: who attended by participant code (several codes
    separated by spaces), and for a family session the relatives of those participants."""
    from bahali.casework.models import SessionKind

    codes = [
        code for name in ("present", "absent", "excused") for code in _codes(values.get(name, ""))
    ]
    members = (
        FamilyMember.objects.filter(
            case__in=session_cases(user).filter(participant__code__in=codes).values("pk")
        )
        .select_related("case__participant")
        .order_by("case__participant__code", "pk")
    )
    relatives: list[tuple[str, Any]] = [
        (
            str(member.pk),
            f"{member.case.participant.code} · {member.get_relationship_display()} {member.pk}",
        )
        for member in members
    ]
    offered = {pk for pk, _label in relatives}
    relatives += [(pk, pk) for pk in _codes(values.get("relatives", "")) if pk not in offered]
    return [
        Question("kind", _("Kind"), "select", values.get("kind", ""), SessionKind.choices, True),
        Question(
            "format", _("Format"), "select", values.get("format", ""), SessionFormat.choices, True
        ),
        Question("held_on", _("Held on"), "date", values.get("held_on", ""), required=True),
        Question(
            "duration_minutes",
            _("Duration (minutes)"),
            "number",
            values.get("duration_minutes", ""),
            required=True,
        ),
        Question("topic", _("Topic"), "text", values.get("topic", "")),
        Question("present", _("Present"), "text", values.get("present", "")),
        Question("absent", _("Absent"), "text", values.get("absent", "")),
        Question("excused", _("Excused"), "text", values.get("excused", "")),
        Question(
            "relatives",
            _("Relatives who attended"),
            "multiple",
            values.get("relatives", ""),
            relatives,
        ),
    ]


def dialogue_questions(user: User, values: dict[str, str]) -> list[Question]:
    """The questions of the dialogue form (the community: one the user may record)."""
    from bahali.communities.models import DialogueKind

    counts = [
        Question(name, label, "number", values.get(name, ""), required=True)
        for name, label in (
            ("men", _("Men (30 and over)")),
            ("women", _("Women (30 and over)")),
            ("young_men", _("Young men (under 30)")),
            ("young_women", _("Young women (under 30)")),
        )
    ]
    return [
        _community_question("community", user, values.get("community", "")),
        Question("kind", _("Kind"), "select", values.get("kind", ""), DialogueKind.choices, True),
        Question("held_on", _("Held on"), "date", values.get("held_on", ""), required=True),
        Question("topic", _("Topic"), "text", values.get("topic", ""), required=True),
        Question(
            "facilitator", _("Facilitator"), "text", values.get("facilitator", ""), required=True
        ),
        *counts,
        Question("decisions", _("Decisions"), "textarea", values.get("decisions", "")),
        Question("follow_ups", _("Follow-ups"), "textarea", values.get("follow_ups", "")),
        Question("follow_up_by", _("Follow-ups due"), "date", values.get("follow_up_by", "")),
    ]


def session_cases(user: User) -> Any:
    """The cases the user may record sessions of."""
    return Case.objects.visible_to(user, "plan", "write").open()


def _rebase(actor: User, submission: Submission, values: dict[str, str]) -> None:
    """What a corrected session, dialogue or readiness assessment is based on, as the
    device would have taken it: a participant or community picked anew is taken as it is
    now; one already picked keeps the state the form was filled on (so what moved since
    still goes to the conflict queue)."""
    sent = submission.values or {}
    if submission.kind == SubmissionKind.SESSION:
        stamps = _stamps(sent.get("based_on", ""))
        codes = [
            code
            for name in ("present", "absent", "excused")
            for code in _codes(values.get(name, ""))
        ]
        added = [code for code in codes if code not in stamps]
        if added:
            stamps.update(
                (code, str(phase))
                for code, phase in session_cases(actor)
                .filter(participant__code__in=added)
                .values_list("participant__code", "phase_id")
            )
        values["based_on"] = " ".join(f"{code}:{stamps[code]}" for code in codes if code in stamps)
    elif submission.kind == SubmissionKind.DIALOGUE:
        if values.get("community") != sent.get("community"):
            community = _reachable_community(actor, values.get("community", ""))
            latest = (
                Dialogue.objects.filter(community=community)
                .order_by("-pk")
                .values_list("pk", flat=True)
                .first()
                if community is not None
                else None
            )
            values["last_dialogue"] = str(latest or "")
    elif submission.kind == SubmissionKind.READINESS and values.get("bahali_community") != sent.get(
        "bahali_community"
    ):
        community = _reachable_community(actor, values.get("bahali_community", ""))
        latest = latest_readiness_pk(community) if community is not None else None
        values["bahali_last_readiness"] = str(latest or "")


def _reachable_community(user: User, value: str) -> Any:
    pk = _int(value)
    return communities_visible_to(user, "write").filter(pk=pk).first() if pk else None


def correction_questions(submission: Submission) -> list[Question]:
    """The answers of a refused submission, to be corrected (what was sent, as sent)."""
    values = submission.values or {}
    if submission.kind == SubmissionKind.CHECK_IN:
        return _check_in_questions(submission.user, values)
    if submission.kind == SubmissionKind.MEETING:
        return meeting_questions(submission.user, values)
    if submission.kind == SubmissionKind.SESSION:
        return session_questions(submission.user, values)
    if submission.kind == SubmissionKind.DIALOGUE:
        return dialogue_questions(submission.user, values)
    if submission.kind == SubmissionKind.READINESS:
        return instrument_questions(
            _readiness_version(submission), values, subject="community", user=submission.user
        )
    registered = extensions.REGISTERED.get(submission.kind)
    if registered is not None and registered.questions is not None:
        return list(registered.questions(submission.user, submission))
    return _assessment_questions(submission, values)


@service
def correct_submission(
    *, actor: User, submission: Submission, answers: dict[str, str], expected_version: int
) -> Submission:
    """The submitter corrects a refused submission: the corrected copy (a new instance,
    linked to the refused one) goes through the same path as any submission — applied,
    refused again with the reason, or in conflict. The refused one is kept as it was sent,
    marked corrected. Only the submitter, only a refused submission, only once per version."""
    if not correctable(actor).filter(pk=submission.pk).exists():
        raise PermissionDenied
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != SubmissionStatus.REFUSED:
        raise Conflict()
    claim_version(submission, expected_version)
    values = dict(submission.values or {})
    names = {question.name for question in correction_questions(submission)}
    for name in names:
        if name in answers:
            value = answers[name]
            if isinstance(value, list | tuple):
                value = " ".join(str(v) for v in value)
            values[name] = str(value).strip()[:MAX_ANSWER]
    if submission.kind == SubmissionKind.CHECK_IN:
        # The case picked (again) decides the check-in it records, as on the device.
        if values.get("case") != (submission.values or {}).get("case") or not values.get("checkin"):
            planned = _planned_check_in(actor, values.get("case", ""))
            values["checkin"] = str(planned.pk) if planned else ""
            values["checkin_version"] = str(planned.version) if planned else ""
    elif submission.kind == SubmissionKind.MEETING:
        if values.get("case") != (submission.values or {}).get("case") or not values.get(
            "assignment"
        ):
            ongoing = (
                meeting_assignments(actor)
                .filter(case__participant__code=values.get("case", ""))
                .order_by("-starts_on", "-pk")
                .first()
            )
            values["assignment"] = str(ongoing.pk) if ongoing else ""
    elif submission.kind == SubmissionKind.ASSESSMENT:
        case = (
            Case.objects.visible_to(actor, "assessment", "write")
            .filter(participant__code=values.get("bahali_case", ""))
            .first()
        )
        if values.get("bahali_case") != (submission.values or {}).get("bahali_case"):
            values["bahali_phase"] = str(case.phase_id) if case else ""
    else:
        _rebase(actor, submission, values)
    instance_id = f"uuid:{uuid.uuid4()}"
    corrected = Submission(
        instance_id=instance_id,
        form_id=submission.form_id,
        form_version=submission.form_version,
        kind=submission.kind,
        user=actor,
        device=None,
        received_at=timezone.now(),
        corrects=submission,
    )
    corrected.xml = instance_xml(submission.form_id, submission.form_version, values, instance_id)
    corrected.values = values
    corrected.save()
    submission.status = SubmissionStatus.CORRECTED
    submission.save()
    return apply_submission(actor=actor, submission=corrected)


# --- new records: sessions, dialogues, community readiness ---------------------------
#
# Each makes a new record through its app's own service. What it was based on is what the
# device's lookup file said when the form was filled: each attending case's phase (a
# session), the community's latest dialogue (a dialogue) or latest readiness assessment
# (readiness). A case that moved phase, the same community's dialogue of that day recorded
# since, or a readiness assessment recorded since: the submission waits in the conflict
# queue, and a person applies it (force) or sets it aside.


def _codes(value: str) -> list[str]:
    return [code for code in (value or "").split() if code]


def _stamps(value: str) -> dict[str, str]:
    """``code:phase`` pairs as the session form's ``based_on`` carries them."""
    pairs = {}
    for stamp in (value or "").split():
        code, _sep, phase = stamp.rpartition(":")
        if code:
            pairs[code] = phase
    return pairs


def _apply_session(user: User, submission: Submission, *, force: bool) -> None:
    values = submission.values
    statuses = {
        AttendanceStatus.PRESENT: _codes(values.get("present", "")),
        AttendanceStatus.ABSENT: _codes(values.get("absent", "")),
        AttendanceStatus.EXCUSED: _codes(values.get("excused", "")),
    }
    codes = [code for listed in statuses.values() for code in listed]
    cases = {
        case.participant.code: case
        for case in Case.objects.visible_to(user, "plan", "write")
        .select_related("participant")
        .filter(participant__code__in=codes)
    }
    if any(code not in cases for code in codes):
        raise PermissionDenied
    for case in cases.values():
        policies.remember(user, "plan.write", case)
    if not codes:
        raise ValidationError({"attendances": _("Record at least one participant's attendance.")})
    first = cases[codes[0]]
    submission.case = first
    based_on = _stamps(values.get("based_on", ""))
    submission.based_on = values.get("based_on", "")[:2000]
    if not force and any(based_on.get(code) != str(cases[code].phase_id) for code in codes):
        raise Conflict(_("A participant's case moved to another phase after the form was filled."))
    minutes = _int(values.get("duration_minutes", ""))
    if minutes is None:
        raise ValidationError({"duration_minutes": _("Give a whole number.")})
    relatives: list[FamilyMember] = []
    wanted = _codes(values.get("relatives", ""))
    if values.get("format") == SessionFormat.FAMILY and wanted:
        ids = [_int(value) for value in wanted]
        relatives = list(
            FamilyMember.objects.filter(
                pk__in=[pk for pk in ids if pk is not None],
                case__in=[case.pk for case in cases.values()],
            )
        )
        if len(relatives) != len(wanted):
            raise ValidationError({"family_attendees": _("Choose relatives of this participant.")})
    casework.record_session(
        actor=user,
        kind=values.get("kind", ""),
        format=values.get("format", ""),
        held_on=_date(values.get("held_on", ""), "held_on"),
        duration_minutes=minutes,
        topic=values.get("topic", ""),
        attendances=[
            casework.AttendanceLine(case=cases[code], status=status)
            for status, listed in statuses.items()
            for code in listed
        ],
        family_attendees=relatives,
    )


def _community(user: User, submission: Submission, name: str) -> Any:
    pk = _int(submission.values.get(name, "")) or 0
    community = communities_visible_to(user, "write").filter(pk=pk).first() if pk else None
    if community is None:
        raise PermissionDenied
    policies.remember(user, "community_readiness.write", community)
    submission.community = community
    return community


def _count(values: dict[str, str], name: str) -> int:
    number = _int(values.get(name, "") or "0")
    if number is None:
        raise ValidationError({name: _("Give a whole number.")})
    return number


def _apply_dialogue(user: User, submission: Submission, *, force: bool) -> None:
    values = submission.values
    community = _community(user, submission, "community")
    held_on = _date(values.get("held_on", ""), "held_on")
    based_on = _int(values.get("last_dialogue", "")) or 0
    submission.based_on = str(based_on or "")
    recorded_since = Dialogue.objects.filter(community=community, held_on=held_on, pk__gt=based_on)
    if not force and recorded_since.exists():
        raise Conflict(
            _("A dialogue of this community on that day was recorded after the form was filled.")
        )
    follow_up_by = values.get("follow_up_by", "")
    communities.record_dialogue(
        actor=user,
        community=community,
        kind=values.get("kind", ""),
        held_on=held_on,
        topic=values.get("topic", ""),
        facilitator=values.get("facilitator", ""),
        men=_count(values, "men"),
        women=_count(values, "women"),
        young_men=_count(values, "young_men"),
        young_women=_count(values, "young_women"),
        decisions=values.get("decisions", ""),
        follow_ups=values.get("follow_ups", ""),
        follow_up_by=_date(follow_up_by, "follow_up_by") if follow_up_by else None,
    )


def latest_readiness_pk(community: Any) -> int | None:
    """The community's latest completed readiness assessment (what a form is based on)."""
    return (
        readiness.assessments_of(community)
        .filter(completed_at__isnull=False)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def _apply_readiness(user: User, submission: Submission, *, force: bool) -> None:
    values = submission.values
    form = xforms.readiness_form()
    if form is None or form.version != submission.form_version:
        raise ValidationError(
            _("A newer version of this form is in use: get the new form and fill it again.")
        )
    community = _community(user, submission, "bahali_community")
    submission.based_on = values.get("bahali_last_readiness", "")
    latest = latest_readiness_pk(community)
    if not force and str(latest or "") != submission.based_on:
        raise Conflict(
            _("A readiness assessment of this community was recorded after the form was filled.")
        )
    version = InstrumentVersion.objects.get(pk=form.instrument_version_id or 0)
    definition = version.definition
    answers: dict[str, Any] = {}
    for item in spec.items(definition):
        raw = values.get(item["name"], "")
        answers[item["name"]] = raw.split() if item["type"] == "select_multiple" else raw
    ratings = {
        domain["name"]: {
            "rating": values.get(f"rating_{domain['name']}", ""),
            "rationale": values.get(f"rationale_{domain['name']}", ""),
        }
        for domain in spec.rated_domains(definition)
    }
    judgement = assessments.Judgement(
        ratings, values.get("overall_rating", ""), values.get("overall_rationale", "")
    )
    assessed_on = _date(values.get("bahali_assessed_on", ""), "assessed_on")
    assessment = readiness.start_readiness_assessment(
        actor=user, community=community, assessed_on=assessed_on
    )
    assessments.complete_assessment(
        actor=user,
        assessment=assessment,
        expected_version=assessment.version,
        answers=answers,
        judgement=judgement,
        assessed_on=assessed_on,
    )
    submission.assessment = assessment


NEW_RECORDS: dict[str, Any] = {
    SubmissionKind.SESSION: _apply_session,
    SubmissionKind.DIALOGUE: _apply_dialogue,
    SubmissionKind.READINESS: _apply_readiness,
}


def _new_record_side_by_side(submission: Submission, viewer: Any) -> list[tuple[str, str, str]]:
    values = submission.values or {}
    if submission.kind == SubmissionKind.SESSION:
        based_on = _stamps(values.get("based_on", ""))
        codes = [
            code
            for name in ("present", "absent", "excused")
            for code in _codes(values.get(name, ""))
        ]
        cases = Case.objects.filter(participant__code__in=codes)
        if viewer is not None:
            cases = cases.visible_to(viewer, "plan", "write")
        phases = dict(cases.values_list("participant__code", "phase_id"))
        rows = [(_("Held on"), values.get("held_on", ""), "")]
        for code in codes:
            phase = str(phases[code]) if code in phases else str(_("not within your reach"))
            rows.append((f"{_('Phase')} · {code}", based_on.get(code, ""), phase))
        return rows
    if submission.kind == SubmissionKind.DIALOGUE and submission.community is not None:
        recorded = (
            Dialogue.objects.filter(
                community=submission.community,
                held_on=_date(values.get("held_on", ""), "held_on"),
                pk__gt=_int(values.get("last_dialogue", "")) or 0,
            )
            .order_by("pk")
            .first()
        )
        return [
            (_("Held on"), values.get("held_on", ""), str(recorded.held_on) if recorded else ""),
            (_("Topic"), values.get("topic", ""), recorded.topic if recorded else ""),
            (
                _("Facilitator"),
                values.get("facilitator", ""),
                recorded.facilitator if recorded else "",
            ),
            (
                _("Who attended"),
                " / ".join(
                    values.get(n, "0") for n in ("men", "women", "young_men", "young_women")
                ),
                " / ".join(
                    str(getattr(recorded, n)) for n in ("men", "women", "young_men", "young_women")
                )
                if recorded
                else "",
            ),
        ]
    if submission.kind == SubmissionKind.READINESS and submission.community is not None:
        latest = latest_readiness_pk(submission.community)
        recorded = (
            readiness.assessments_of(submission.community).filter(pk=latest).first()
            if latest
            else None
        )
        return [
            (
                _("Assessed on"),
                values.get("bahali_assessed_on", ""),
                str(recorded.assessed_on) if recorded else "",
            ),
            (
                _("Overall judgement"),
                values.get("overall_rating", ""),
                recorded.overall_rating if recorded else "",
            ),
        ]
    return []
