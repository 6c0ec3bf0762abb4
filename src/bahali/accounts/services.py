"""Accounts: signing in (with lock-out), users, memberships and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import django_otp
from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bahali.accounts import policies
from bahali.accounts.middleware import choose_active_organisation
from bahali.accounts.models import ApiToken, Membership, User
from bahali.accounts.roles import ROLE_ORGANISATION_KINDS, Role
from bahali.audit.services import record
from bahali.core import throttle
from bahali.core.context import SYSTEM, SystemActor, acting_as, service
from bahali.geography.models import District
from bahali.organisations.models import Organisation

TOKEN_PREFIX = "bhl_"  # noqa: S105 - marks Bahali tokens in logs and scanners


class SignInRefused(Exception):
    """Credentials were wrong, or the account is locked or inactive. The message is for users.

    ``throttled`` marks a refusal for too many attempts from the address (HTTP 429)."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


def _limits() -> dict[str, throttle.Limit]:
    window = settings.BAHALI_LOCKOUT_MINUTES * 60
    return {
        # failures for one username from one address (the account locks for that address)
        "pair": throttle.Limit("sign-in-pair", settings.BAHALI_LOCKOUT_THRESHOLD, window),
        # failures from one address, whatever the usernames (password spraying)
        "address": throttle.Limit(
            "sign-in-address", settings.BAHALI_ADDRESS_LOCKOUT_THRESHOLD, window
        ),
        # failures for a username that does not exist, from anywhere (as a real account's
        # ``failed_logins``), so an unknown name locks exactly as a real one does
        "unknown": throttle.Limit(
            "sign-in-unknown", settings.BAHALI_ACCOUNT_LOCKOUT_THRESHOLD, window
        ),
        # attempts from one address per minute, right or wrong
        "rate": throttle.Limit("sign-in-rate", settings.BAHALI_SIGN_IN_RATE, 60),
    }


@cache
def _dummy_hash() -> str:
    """A password hash of the default hasher, to verify against when there is no account."""
    return make_password(secrets.token_urlsafe(24))


def check_credentials(username: str, password: str, address: str = "") -> User:
    """Return the user these credentials belong to, or raise ``SignInRefused``.

    The same work answers a known and an unknown username: one password verification (against
    a dummy hash when there is no such account, or when it is locked), the same counters, the
    same message, so neither the answer nor its time tells which accounts exist.

    Failures are counted per username and client ``address`` (``BAHALI_LOCKOUT_THRESHOLD``
    locks that pair: someone guessing from one place cannot lock the owner out elsewhere), per
    address (``BAHALI_ADDRESS_LOCKOUT_THRESHOLD``, any usernames) and per account
    (``BAHALI_ACCOUNT_LOCKOUT_THRESHOLD`` from anywhere), each for ``BAHALI_LOCKOUT_MINUTES``;
    at most ``BAHALI_SIGN_IN_RATE`` attempts per address per minute. The failure is committed
    before the refusal is raised, so the counts and the audit event survive it.
    """
    username = (username or "").strip()
    with acting_as(SYSTEM):
        user, refusal, throttled = _check_credentials(username, password, address)
    if refusal is not None:
        raise SignInRefused(refusal, throttled=throttled)
    assert user is not None  # noqa: S101 - _check_credentials returns one or the other
    return user


def _check_credentials(
    username: str, password: str, address: str
) -> tuple[User | None, str | None, bool]:
    wrong = _("The username or password is not correct.")
    locked = _("Too many failed attempts. This account is locked; try again later.")
    limits = _limits()
    name = username.casefold()
    if throttle.hit(limits["rate"], address):  # not audited: a flood would fill the trail
        return None, _("Too many attempts from your network. Wait a minute and try again."), True
    if throttle.over(limits["address"], address):
        record("auth.sign_in_throttled", changes={"username": [None, username[:150]]})
        return None, _("Too many failed attempts from your network. Try again later."), True
    user = User.objects.filter(username__iexact=username).first() if username else None
    account_locked = (
        user.is_locked() if user is not None else throttle.over(limits["unknown"], name)
    )
    if account_locked or throttle.over(limits["pair"], name, address):
        check_password(password, _dummy_hash())  # the time a verification takes
        record(
            "auth.sign_in_refused_locked",
            obj=user,
            changes=None if user else {"username": [None, username[:150]]},
        )
        return None, locked, False
    if user is None:
        check_password(password, _dummy_hash())
        verified = False
    else:
        verified = user.check_password(password) and user.is_active
    if not verified:
        # Django's signal, as ``authenticate`` sends it (metrics count failed sign-ins by it);
        # the credentials are never passed on.
        user_login_failed.send(sender=__name__, credentials={"username": username[:150]})
        throttle.hit(limits["pair"], name, address)
        throttle.hit(limits["address"], address)
        if user is None:
            throttle.hit(limits["unknown"], name)
            record("auth.sign_in_failed", changes={"username": [None, username[:150]]})
            now_locked = throttle.over(limits["unknown"], name)
        else:
            user.failed_logins += 1
            fields = ["failed_logins"]
            if user.failed_logins >= settings.BAHALI_ACCOUNT_LOCKOUT_THRESHOLD:
                user.locked_until = timezone.now() + timedelta(
                    minutes=settings.BAHALI_LOCKOUT_MINUTES
                )
                fields.append("locked_until")
            user.save(update_fields=fields)
            record("auth.sign_in_failed", obj=user)
            now_locked = user.is_locked()
        if now_locked or throttle.over(limits["pair"], name, address):
            return None, locked, False
        return None, wrong, False
    assert user is not None  # noqa: S101 - verified implies a user
    if not user.active_memberships():
        record("auth.sign_in_refused_no_role", obj=user)
        return (
            None,
            _("This account has no active role in any organisation. Ask your data steward."),
            False,
        )
    throttle.clear(limits["pair"], name, address)
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
    return user, None, False


def count_token_request(address: str) -> None:
    """Count one token creation from ``address``; ``SignInRefused`` (throttled) past
    ``BAHALI_TOKEN_RATE`` a minute."""
    limit = throttle.Limit("token-rate", settings.BAHALI_TOKEN_RATE, 60)
    if throttle.hit(limit, address):
        raise SignInRefused(
            _("Too many tokens requested from your network. Wait a minute and try again."),
            throttled=True,
        )


@service
def start_session(*, actor: User, request: HttpRequest, device: Device | None = None) -> None:
    """Sign ``actor`` in on this request (a new session id) and record it; ``device`` is the
    second factor that verified them (none for roles that need none)."""
    request.session.pop(PENDING_KEY, None)
    login(request, actor)
    if device is not None:
        django_otp.login(request, device)
    choose_active_organisation(actor)
    record(
        "auth.sign_in",
        obj=actor,
        changes={"second_factor": [None, _device_kind(device)]} if device else None,
    )


@service
def end_session(*, actor: User, request: HttpRequest) -> None:
    record("auth.sign_out", obj=actor)
    logout(request)


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


@service
def create_user(
    *,
    actor: User | SystemActor,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user account; roles come separately through ``grant_membership``."""
    policies.require(actor, "user.write")
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("A username is required.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    _validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@service
def set_password(*, actor: User | SystemActor, user: User, password: str) -> None:
    policies.require(actor, "user.write", user)
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def _check_role_fits(organisation: Organisation, role: str) -> Role:
    try:
        parsed = Role(role)
    except ValueError:
        raise ValidationError({"role": _("Choose a valid role.")}) from None
    if organisation.kind not in ROLE_ORGANISATION_KINDS[parsed]:
        raise ValidationError(
            {
                "role": _("The role %(role)s cannot be held in a %(kind)s.")
                % {"role": parsed.label, "kind": organisation.get_kind_display()}
            }
        )
    return parsed


@service
def grant_membership(
    *,
    actor: User | SystemActor,
    user: User,
    organisation: Organisation,
    role: str,
    districts: Iterable[District] = (),
) -> Membership:
    """Give ``user`` a role in ``organisation`` for some districts (or re-activate it)."""
    parsed = _check_role_fits(organisation, role)
    if not isinstance(actor, SystemActor) and not policies.can(
        actor, "organisation.write", organisation
    ):
        raise PermissionDenied(_("You may manage members of your own organisation only."))
    membership = Membership.objects.filter(
        user=user, organisation=organisation, role=parsed
    ).first()
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=parsed)
    membership.is_active = True
    membership.save()
    _set_membership_districts(membership, districts)
    user.forget_memberships()
    return membership


def _set_membership_districts(membership: Membership, districts: Iterable[District]) -> None:
    """Replace the districts of a membership, recording before and after."""
    before = sorted(membership.districts.values_list("code", flat=True))
    wanted = list(districts)
    after = sorted(district.code for district in wanted)
    if before != after:
        membership.districts.set(wanted)
        record("update", obj=membership, changes={"districts": [before, after]})


@service
def add_member(
    *,
    actor: User | SystemActor,
    organisation: Organisation,
    username: str,
    role: str,
    districts: Iterable[District] = (),
    password: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """Give a person a role in ``organisation``, creating their account if it is new."""
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        if not password:
            raise ValidationError({"password": _("A new user needs an initial password.")})
        user = create_user(
            actor=actor,
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
    return grant_membership(
        actor=actor, user=user, organisation=organisation, role=role, districts=districts
    )


@service
def revoke_membership(*, actor: User | SystemActor, membership: Membership) -> Membership:
    """End a role; the row stays, inactive, so history keeps who held it."""
    policies.require(actor, "membership.write", membership)
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    membership.user.forget_memberships()
    return membership


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@service
def issue_api_token(*, actor: User, name: str, days: int | None = None) -> IssuedToken:
    """Create a bearer token for ``actor``; the secret is returned once and stored hashed.

    A user who signs in with a second factor gets a token only once it verified them
    (``actor.otp_device``, set by django-otp's middleware on a verified session, or by the
    API's token request after ``check_second_factor``)."""
    if getattr(actor, "otp_device", None) is None and second_factor_needed(actor):
        raise PermissionDenied(
            _("Your roles need two-factor sign-in: API tokens are issued only after it.")
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the device or script.")})
    if len(name) > 80:
        raise ValidationError({"name": _("The name can be at most 80 characters.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        key_hash=hash_token(secret),
        expires_at=timezone.now() + timedelta(days=days or settings.BAHALI_API_TOKEN_DAYS),
    )
    token.save()
    return IssuedToken(token=token, secret=secret)


@service
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    policies.require(actor, "api_token.write", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def user_for_token(secret: str) -> User | None:
    """The active user a presented bearer token belongs to, if the token is usable."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.usable().select_related("user").filter(key_hash=hash_token(secret)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- two-factor sign-in (issue 14, item 1) ---------------------------------------------
#
# Roles that read identity or clinical data, and data stewards, sign in in two steps: the
# password (``check_credentials``), then a code from an authenticator app (TOTP, django-otp)
# or one of their one-time recovery codes. Between the two the session holds only the
# pending user's id (``PENDING_KEY``), for ``BAHALI_SECOND_FACTOR_WAIT_SECONDS``; nothing is
# signed in. A user who needs the second factor and has none enrols at that point.

PENDING_KEY = "bahali_second_factor_pending"
RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def _device_kind(device: Device | None) -> str:
    if isinstance(device, StaticDevice):
        return "recovery_code"
    return "authenticator" if device is not None else ""


def has_second_factor(user: User) -> bool:
    """Has ``user`` a confirmed second factor (an authenticator or recovery codes)?"""
    return django_otp.user_has_device(user, confirmed=True)


def second_factor_needed(user: User) -> bool:
    """Must ``user`` give a second factor to sign in? When a role requires it
    (``policies.SECOND_FACTOR_ROLES``), and for anyone who enrolled of their own accord."""
    return policies.requires_second_factor(user) or has_second_factor(user)


def await_second_factor(request: HttpRequest, user: User, next_url: str = "") -> None:
    """Remember, in this anonymous session, that ``user``'s password was right: the code
    step (or enrolment) finishes signing in. A new session id, as at sign-in."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": next_url}


def pending_sign_in(request: HttpRequest) -> tuple[User, str] | None:
    """The user whose password was right on this session and the page they asked for, while
    the wait lasts; None otherwise."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > settings.BAHALI_SECOND_FACTOR_WAIT_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or user.is_locked() or not user.active_memberships():
        request.session.pop(PENDING_KEY, None)
        return None
    return user, str(pending.get("next") or "")


def _code_limits() -> dict[str, throttle.Limit]:
    window = settings.BAHALI_LOCKOUT_MINUTES * 60
    return {
        "user": throttle.Limit(
            "second-factor-user", settings.BAHALI_SECOND_FACTOR_ATTEMPTS, window
        ),
        "address": throttle.Limit(
            "sign-in-address", settings.BAHALI_ADDRESS_LOCKOUT_THRESHOLD, window
        ),
    }


def _normalised_code(code: str) -> str:
    """Codes as people type them: spaces and dashes dropped, letters in lower case."""
    return re.sub(r"[\s\-]", "", code or "").lower()[:32]


def _refuse_code(user: User, address: str) -> None:
    limits = _code_limits()
    if throttle.over(limits["user"], str(user.pk)) or throttle.over(limits["address"], address):
        raise SignInRefused(
            _("Too many wrong codes. Wait %(minutes)s minutes and try again.")
            % {"minutes": settings.BAHALI_LOCKOUT_MINUTES},
            throttled=True,
        )


def _count_wrong_code(user: User, address: str) -> None:
    limits = _code_limits()
    throttle.hit(limits["user"], str(user.pk))
    throttle.hit(limits["address"], address)
    with acting_as(SYSTEM):
        record("auth.second_factor_failed", obj=user)


def check_second_factor(user: User, code: str, address: str = "") -> Device:
    """The confirmed device of ``user`` that accepts ``code`` (a 6-digit code from their
    authenticator, or one of their recovery codes, which is then used up), or raise
    ``SignInRefused``.

    Wrong codes are counted per account (``BAHALI_SECOND_FACTOR_ATTEMPTS`` within
    ``BAHALI_LOCKOUT_MINUTES``, then every code is refused, right or wrong) and with the
    address's failed sign-ins; each is audited. An authenticator's code is accepted once.
    """
    _refuse_code(user, address)
    code = _normalised_code(code)
    matched: Device | None = None
    if code:
        with transaction.atomic():
            for device in django_otp.devices_for_user(user, confirmed=True, for_verify=True):
                if device.verify_token(code):
                    matched = device
                    break
    if matched is None:
        _count_wrong_code(user, address)
        raise SignInRefused(_("The code is not correct, or it was already used."))
    throttle.clear(_code_limits()["user"], str(user.pk))
    if isinstance(matched, StaticDevice):
        with acting_as(SYSTEM):
            record(
                "auth.recovery_code_used",
                obj=user,
                changes={"recovery_codes_left": [None, matched.token_set.count()]},
            )
    return matched


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ``RECOVERY_CODES`` new ones, returned once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def enrolment_device(user: User) -> TOTPDevice:
    """The authenticator ``user`` is setting up: the unconfirmed one already begun (so a
    reloaded page shows the same key), else a new one with a fresh random key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@service
def confirm_enrolment(*, actor: User, code: str, address: str = "") -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator ``actor`` is setting up with a code it shows, and give them
    new recovery codes (returned once: only they see them). ``SignInRefused`` for a wrong
    code, counted as at the code step."""
    if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise SignInRefused(_("Two-factor sign-in is already set up for this account."))
    _refuse_code(actor, address)
    device = enrolment_device(actor)
    if not device.verify_token(_normalised_code(code)):
        _count_wrong_code(actor, address)
        raise SignInRefused(
            _("The code is not correct. Check the time on your phone and try the next code.")
        )
    throttle.clear(_code_limits()["user"], str(actor.pk))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    codes = _new_recovery_codes(actor)
    record("auth.second_factor_enrolled", obj=actor)
    return device, codes


@service
def renew_recovery_codes(*, actor: User) -> list[str]:
    """Give ``actor`` new recovery codes; the old ones stop working. Only with an
    authenticator (a person without one would lock themselves out)."""
    if not TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise PermissionDenied(_("Set up an authenticator app first."))
    codes = _new_recovery_codes(actor)
    record("auth.recovery_codes_renewed", obj=actor)
    return codes


@service
def reset_second_factor(*, actor: User | SystemActor, user: User, reason: str) -> None:
    """A data steward removes ``user``'s authenticator and recovery codes (a lost phone):
    their sessions need the second factor again, and their next sign-in enrols anew. The
    reason is recorded with the event. Nobody resets their own."""
    policies.require(actor, "user.write", user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why, e.g. “phone lost, identity checked in person”.")}
        )
    if len(reason) > 500:
        raise ValidationError({"reason": _("The reason can be at most 500 characters.")})
    if isinstance(actor, User) and actor.pk == user.pk:
        raise PermissionDenied(
            _("You cannot reset your own two-factor sign-in; ask another data steward.")
        )
    for device in django_otp.devices_for_user(user, confirmed=None):
        device.delete()
    record("auth.second_factor_reset", obj=user, reason=reason)


@service
def set_up_known_authenticator(*, actor: SystemActor, user: User, key: str) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator with a known key: for the synthetic demo
    accounts only (``core.demo``, whose key is printed with them), never for a person."""
    if not isinstance(actor, SystemActor):
        raise PermissionDenied(_("You are not allowed to do this."))
    device = TOTPDevice.objects.filter(user=user, name=TOTP_DEVICE_NAME, confirmed=True).first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    if device.key != key:
        device.key = key
        device.save()
    return device
