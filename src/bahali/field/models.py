"""Field work: device credentials for ODK Collect and KoboCollect, and every submission the
OpenRosa server receives — kept with what became of it (applied, refused with the reason,
or waiting in the conflict queue for a person to choose one version).

Submissions belong to their submitter (``SELF``); a data steward reads those of their
organisation's people. Conflicts are resolved by whoever may write the record they touch.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.accounts import policies
from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.core.sealing import Sealed, SealedRow


class FieldQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, resource: str, verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)


class DeviceCredential(SealedRow, AuditedModel):
    """A login for one phone or tablet, made from a signed-in page and shown once.

    HTTP Digest needs ``HA1 = MD5(login:realm:secret)`` on the server, so that (and not the
    secret) is kept, sealed. Revoking it stops the device at its next request.
    """

    sealed_fields: ClassVar[dict[str, str]] = {"sealed_ha1": "field.devicecredential.ha1"}
    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset({"last_used_at"})

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="device_credentials",
    )
    label = models.CharField(_("device"), max_length=80)
    login = models.CharField(_("login"), max_length=160, unique=True)
    sealed_ha1 = models.TextField(_("digest key (sealed)"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    ha1 = Sealed("sealed_ha1")

    objects = FieldQuerySet.as_manager()

    class Meta:
        verbose_name = _("device credential")
        verbose_name_plural = _("device credentials")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.login})"

    def audit_label(self) -> str:
        return f"device {self.login}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None


class DraftKey(SealedRow, AuditedModel):
    """The key a user's browser keeps its offline forms under, until they are sent.

    An RSA-OAEP key pair made on the server: the browser gets only the public half and
    encrypts each kept form with a fresh AES-GCM key wrapped with it, so what waits on the
    device cannot be read there (not by the page, not by whoever holds the phone). The
    private half never leaves the server and is kept sealed; it opens a form when it
    arrives (``services.open_envelope``).
    """

    sealed_fields: ClassVar[dict[str, str]] = {"sealed_private_key": "field.draftkey.private_key"}

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="field_draft_keys",
    )
    key_id = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    public_key = models.TextField(_("public key (SPKI, base64)"))
    sealed_private_key = models.TextField(_("private key (sealed)"))

    private_key = Sealed("sealed_private_key")

    objects = FieldQuerySet.as_manager()

    class Meta:
        verbose_name = _("offline form key")
        verbose_name_plural = _("offline form keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.key_id)

    def audit_label(self) -> str:
        return f"offline form key {self.key_id}"


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")
    CONFLICT = "conflict", _("In conflict")
    SET_ASIDE = "set_aside", _("Set aside (the recorded version kept)")
    CORRECTED = "corrected", _("Corrected and sent again")


class SubmissionKind(models.TextChoices):
    CHECK_IN = "check_in", _("Aftercare check-in")
    MEETING = "meeting", _("Mentor meeting")
    ASSESSMENT = "assessment", _("Assessment")
    SESSION = "session", _("Session with attendance")
    DIALOGUE = "dialogue", _("Community dialogue")
    READINESS = "readiness", _("Community readiness")
    SURVEY = "survey", _("Survey response")
    ACTIVITY = "activity", _("Prevention activity")


class Submission(SealedRow, AuditedModel):
    """One filled form as a device sent it (ODK's ``instanceID`` identifies it: sent twice,
    it is stored once), and what became of it."""

    sealed_fields: ClassVar[dict[str, str]] = {
        "sealed_xml": "field.submission.xml",
        "sealed_values": "field.submission.values",
    }

    instance_id = models.CharField(_("instance"), max_length=100, unique=True)
    form_id = models.CharField(_("form"), max_length=100)
    form_version = models.CharField(_("form version"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=SubmissionKind.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="field_submissions",
    )
    device = models.ForeignKey(
        DeviceCredential,
        verbose_name=_("device"),
        on_delete=models.PROTECT,  # credentials are revoked, never deleted
        null=True,
        blank=True,
        related_name="submissions",
    )
    received_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.RECEIVED,
    )
    reason = models.TextField(_("reason"), blank=True)
    # Set only once the submitter was found allowed to reach the case: a refusal never
    # tells which case (or whether one) was meant.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A dialogue or readiness submission's community (likewise set only once found allowed).
    community = models.ForeignKey(
        "geography.Community",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    check_in = models.ForeignKey(
        "aftercare.CheckIn",
        verbose_name=_("check-in"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("assessment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    based_on = models.CharField(_("based on"), max_length=2000, blank=True)
    sealed_xml = models.TextField(_("submitted form (sealed)"), blank=True, default="")
    sealed_values = models.TextField(_("values (sealed)"), blank=True, default="")
    # A correction made from the submissions log of a refused submission: the refused one
    # stays as the device sent it (status "corrected"), the corrected copy is applied anew.
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    xml = Sealed("sealed_xml")
    values = Sealed("sealed_values", json=True)

    objects = FieldQuerySet.as_manager()

    class Meta:
        verbose_name = _("field submission")
        verbose_name_plural = _("field submissions")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"], name="field_sub_status")]

    def __str__(self) -> str:
        return f"{self.form_id} · {self.instance_id}"

    def audit_label(self) -> str:
        return f"submission {self.instance_id} ({self.form_id})"
