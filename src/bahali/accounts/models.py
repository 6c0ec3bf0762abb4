"""People who use Bahali, the organisations they act for, and their API tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bahali.accounts.querysets import ApiTokenQuerySet, MembershipQuerySet, UserQuerySet
from bahali.accounts.roles import Role
from bahali.core.models import AuditedModel
from bahali.organisations.models import Organisation


class BahaliUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AuditedModel, AbstractUser):
    """A person who signs in. What they may do comes from their memberships, never the user."""

    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"password"})
    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset({"last_login"})

    failed_logins = models.PositiveIntegerField(_("failed sign-ins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        blank=True,
        choices=[("en", "English"), ("ur", "اردو"), ("ps", "پښتو")],
    )

    objects: ClassVar[BahaliUserManager] = BahaliUserManager()

    # Set per request by ActiveMembershipMiddleware: the organisation the user acts for.
    active_organisation: Organisation | None = None
    # Set by django-otp (its middleware, or ``django_otp.login``): the device that verified
    # this user's second factor on this request's session; None when none did.
    otp_device: Any = None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def audit_label(self) -> str:
        return self.username

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    def active_memberships(self) -> list[Membership]:
        """The memberships that grant anything, cached for the request."""
        cached: list[Membership] | None = getattr(self, "_active_memberships", None)
        if cached is None:
            if not self.is_active or self.pk is None:
                cached = []
            else:
                # one query, every page: the memberships with their organisations and, one
                # row per district, the districts' ids (all the scopes compare with, see
                # ``policies.districts_of``); a page showing the districts themselves loads
                # them (``membership.districts.all()``)
                rows = (
                    Membership.objects.filter(
                        user=self, is_active=True, organisation__is_active=True
                    )
                    .select_related("organisation")
                    .annotate(district_pk=models.F("districts"))
                    .order_by("organisation__name", "role", "pk")
                )
                by_pk: dict[int, Membership] = {}
                ids: dict[int, list[int]] = {}
                for row in rows:
                    by_pk.setdefault(row.pk, row)
                    of_row = ids.setdefault(row.pk, [])
                    if row.district_pk is not None:
                        of_row.append(row.district_pk)
                for pk, membership in by_pk.items():
                    membership.district_ids = ids[pk]
                cached = list(by_pk.values())
            self._active_memberships = cached
        return cached

    def forget_memberships(self) -> None:
        self.__dict__.pop("_active_memberships", None)


class Membership(AuditedModel):
    """A user's role in one organisation, limited to some districts."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    districts = models.ManyToManyField(
        "geography.District",
        verbose_name=_("districts"),
        blank=True,
        related_name="+",
        help_text=_("The districts this role covers. Leave empty for none."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = MembershipQuerySet.as_manager()

    # Set on the memberships ``User.active_memberships`` gives: the ids of the districts
    # covered, read with the memberships (None on a membership loaded otherwise).
    district_ids: list[int] | None = None

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username} · {self.get_role_display()} · {self.organisation.name}"

    def audit_label(self) -> str:
        return f"{self.user.username} · {self.role} · {self.organisation.name}"


class ApiToken(AuditedModel):
    """A bearer token for the API. Only its SHA-256 is stored; it is shown once."""

    audit_ignored_fields: ClassVar[frozenset[str]] = frozenset({"last_used_at"})
    audit_secret_fields: ClassVar[frozenset[str]] = frozenset({"key_hash"})

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def audit_label(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
