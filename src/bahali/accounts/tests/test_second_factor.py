"""Two-factor sign-in (issue 14, item 1): who needs it, the code step, enrolment, recovery
codes, the throttle, a steward's reset and API tokens only after the second factor."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bahali.accounts import policies, services
from bahali.accounts.models import ApiToken, User
from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM, acting_as
from bahali.organisations.models import OrganisationKind
from bahali.testing import (
    TEST_PASSWORD,
    OrganisationFactory,
    make_member,
    one_time_code,
    sign_in,
)

pytestmark = pytest.mark.django_db

CODE_STEP = "/accounts/sign-in/code/"
ENROL = "/accounts/sign-in/authenticator/"


def _code(device: TOTPDevice, steps: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps`` time steps later)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps)
    return str(value).zfill(device.digits)


def _without_devices(user: User) -> User:
    StaticDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    user.otp_device = None
    return user


def _with_authenticator(user: User) -> TOTPDevice:
    _without_devices(user)
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def _password(client: Client, user: User, **extra: Any) -> Any:
    return client.post(
        "/accounts/sign-in/", {"username": user.username, "password": TEST_PASSWORD, **extra}
    )


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_roles_come_from_the_matrix():
    readers = {
        role
        for role in Role
        if any(
            grant.read
            for resource in ("identity", "clinical_note")
            for grant in policies.role_grants(resource, role)
        )
    }
    assert readers | {Role.DATA_STEWARD} <= policies.SECOND_FACTOR_ROLES
    assert Role.SECURITY_LIAISON not in policies.SECOND_FACTOR_ROLES  # code, phase, band only
    assert Role.ANALYST not in policies.SECOND_FACTOR_ROLES  # suppressed aggregates only


def test_a_password_alone_signs_in_no_one_who_needs_the_second_factor(client):
    user = make_member(Role.CASE_WORKER)
    device = _with_authenticator(user)
    response = _password(client, user, next="/cases/")
    assert response.status_code == 302 and response["Location"] == CODE_STEP
    assert not _signed_in(client)
    assert client.get("/cases/").status_code == 302  # still signed out
    page = client.get(CODE_STEP)
    assert page.status_code == 200 and 'data-testid="second-factor-form"' in page.content.decode()
    response = client.post(CODE_STEP, {"code": _code(device)})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert _signed_in(client)
    assert client.get("/cases/").status_code == 200
    event = AuditEvent.objects.filter(action="auth.sign_in", actor=user).get()
    assert event.changes == {"second_factor": [None, "authenticator"]}


def test_a_code_is_accepted_once_and_a_wrong_one_never(client):
    user = make_member(Role.PSYCHOLOGIST)
    device = _with_authenticator(user)
    code = _code(device)
    _password(client, user)
    wrong = client.post(CODE_STEP, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "not correct" in wrong.content.decode()
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="auth.second_factor_failed").count() == 1
    assert client.post(CODE_STEP, {"code": code}).status_code == 302
    client.post("/accounts/sign-out/")
    _password(client, user)
    replayed = client.post(CODE_STEP, {"code": code})
    assert replayed.status_code == 400 and not _signed_in(client)


def test_a_recovery_code_signs_in_once(client):
    user = make_member(Role.DATA_STEWARD)
    code = one_time_code(user)
    _password(client, user)
    assert client.post(CODE_STEP, {"code": code.upper()}).status_code == 302
    assert _signed_in(client)
    assert AuditEvent.objects.filter(action="auth.recovery_code_used", object_id=str(user.pk))
    client.post("/accounts/sign-out/")
    _password(client, user)
    assert client.post(CODE_STEP, {"code": code}).status_code == 400


@override_settings(BAHALI_SECOND_FACTOR_ATTEMPTS=3)
def test_wrong_codes_are_throttled_then_even_the_right_one_is_refused(client):
    user = make_member(Role.PROGRAMME_MANAGER)
    device = _with_authenticator(user)
    _password(client, user)
    for _attempt in range(3):
        assert client.post(CODE_STEP, {"code": "12345x"}).status_code == 400
    refused = client.post(CODE_STEP, {"code": _code(device)})
    assert refused.status_code == 429 and "Too many wrong codes" in refused.content.decode()
    assert not _signed_in(client)


def test_the_wait_for_the_code_is_limited(client, settings):
    user = make_member(Role.CASE_WORKER)
    device = _with_authenticator(user)
    _password(client, user)
    session = client.session
    pending = session[services.PENDING_KEY]
    pending["at"] = time.time() - settings.BAHALI_SECOND_FACTOR_WAIT_SECONDS - 1
    session[services.PENDING_KEY] = pending
    session.save()
    response = client.post(CODE_STEP, {"code": _code(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/sign-in/"
    assert not _signed_in(client)


def test_the_code_step_without_a_password_goes_back_to_the_password(client):
    assert client.get(CODE_STEP)["Location"] == "/accounts/sign-in/"
    assert client.post(ENROL, {"code": "123456"})["Location"] == "/accounts/sign-in/"


def test_a_role_that_needs_none_signs_in_with_the_password_alone(client):
    user = make_member(Role.SECURITY_LIAISON)
    response = _password(client, user)
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(client)


def test_enrolment_at_first_sign_in_then_recovery_codes_shown_once(client):
    user = _without_devices(make_member(Role.CASE_WORKER))
    assert _password(client, user)["Location"] == CODE_STEP
    assert client.get(CODE_STEP)["Location"] == ENROL
    page = client.get(ENROL)
    content = page.content.decode()
    assert page.status_code == 200 and "<svg" in content and 'data-testid="enrol-key"' in content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = re.search(r'data-testid="enrol-key">([A-Z2-7 ]+)<', content)
    assert key and key.group(1).replace(" ", "") in device.config_url
    assert client.get(ENROL).content.decode().count(key.group(1)) == 1  # the same key again
    wrong = client.post(ENROL, {"code": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and not _signed_in(client)
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    done = client.post(ENROL, {"code": _code(device)})
    assert done.status_code == 200 and _signed_in(client)
    codes = done.context["codes"]
    assert len(codes) == services.RECOVERY_CODES
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == (
        set(codes)
    )
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert AuditEvent.objects.filter(action="auth.second_factor_enrolled", object_id=str(user.pk))
    profile = client.get("/accounts/profile/").content.decode()
    assert 'data-testid="second-factor-on"' in profile
    assert not any(code in profile for code in codes)  # shown once, never again
    renewed = client.post("/accounts/profile/recovery-codes/")
    assert renewed.status_code == 200
    assert not set(renewed.context["codes"]) & set(codes)
    assert not StaticToken.objects.filter(token__in=codes).exists()


def test_recovery_codes_are_not_bypassed_by_setting_up_an_authenticator(client):
    user = make_member(Role.CASE_WORKER)  # recovery codes only, no authenticator
    _password(client, user)
    assert client.get(ENROL)["Location"] == CODE_STEP
    assert client.post(ENROL, {"code": "123456"})["Location"] == CODE_STEP
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.post(CODE_STEP, {"code": one_time_code(user)}).status_code == 302
    assert client.get(ENROL).status_code == 200  # verified: may add an authenticator now


def test_a_session_whose_user_gains_such_a_role_must_give_the_code(client):
    user = make_member(Role.SECURITY_LIAISON)
    _password(client, user)
    assert client.get("/").status_code == 200
    organisation = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    services.grant_membership(
        actor=SYSTEM, user=user, organisation=organisation, role=Role.CASE_WORKER
    )
    response = client.get("/participants/")
    assert response.status_code == 302 and response["Location"] == CODE_STEP
    assert not _signed_in(client)
    assert client.get(CODE_STEP)["Location"] == ENROL  # no device yet: enrol


def _steward_and_member() -> tuple[User, User, Client]:
    lead = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    steward = make_member(Role.DATA_STEWARD, organisation=lead)
    worker = make_member(Role.PROGRAMME_MANAGER, organisation=lead)
    return steward, worker, Client()


def test_a_data_steward_resets_a_member_with_a_reason_audited(client):
    steward, worker, worker_client = _steward_and_member()
    device = _with_authenticator(worker)
    _password(worker_client, worker)
    worker_client.post(CODE_STEP, {"code": _code(device)})
    assert worker_client.get("/").status_code == 200
    sign_in(client, steward)
    members = client.get("/accounts/members/").content.decode()
    assert 'data-testid="reset-second-factor"' in members
    url = f"/accounts/members/user/{worker.pk}/reset-second-factor/"
    assert client.post(url, {"reason": ""}).status_code == 302
    assert TOTPDevice.objects.filter(user=worker).exists()  # no reason: nothing changed
    assert client.post(url, {"reason": "Phone lost; identity checked in person"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=worker).exists()
    event = AuditEvent.objects.get(action="auth.second_factor_reset")
    assert event.actor == steward and event.object_id == str(worker.pk)
    assert event.reason == "Phone lost; identity checked in person"
    # the member's open session needs the second factor again: enrolment, at once
    assert worker_client.get("/")["Location"] == CODE_STEP
    assert worker_client.get(CODE_STEP)["Location"] == ENROL


def test_no_one_resets_their_own_or_another_organisations_member(client):
    steward, _worker, _other = _steward_and_member()
    stranger = make_member(Role.CASE_WORKER)
    with pytest.raises(PermissionDenied):
        services.reset_second_factor(actor=steward, user=steward, reason="mine")
    sign_in(client, steward)
    url = f"/accounts/members/user/{stranger.pk}/reset-second-factor/"
    assert client.post(url, {"reason": "not mine"}).status_code == 404
    assert StaticDevice.objects.filter(user=stranger).exists()
    outsider = make_member(Role.CASE_WORKER)
    with pytest.raises(PermissionDenied):
        services.reset_second_factor(actor=outsider, user=stranger, reason="x")


def test_api_tokens_only_after_the_second_factor(client):
    user = make_member(Role.CASE_WORKER)
    device = _with_authenticator(user)
    body = {"username": user.username, "password": TEST_PASSWORD}
    missing = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "second_factor_required"
    wrong = client.post(
        "/api/v1/auth/token", {**body, "code": "abc"}, content_type="application/json"
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "sign_in_refused"
    issued = client.post(
        "/api/v1/auth/token", {**body, "code": _code(device)}, content_type="application/json"
    )
    assert issued.status_code == 201
    assert ApiToken.objects.filter(user=user).count() == 1
    fresh = User.objects.get(pk=user.pk)  # not verified by any device
    with acting_as(SYSTEM), pytest.raises(PermissionDenied):
        services.issue_api_token(actor=fresh, name="script")
    unenrolled = _without_devices(make_member(Role.PSYCHOLOGIST))
    answer = client.post(
        "/api/v1/auth/token",
        {"username": unenrolled.username, "password": TEST_PASSWORD},
        content_type="application/json",
    )
    assert answer.json()["error"]["code"] == "second_factor_enrolment_required"


def test_a_role_without_the_need_gets_a_token_with_its_password():
    user = make_member(Role.ANALYST)
    issued = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": TEST_PASSWORD},
        content_type="application/json",
    )
    assert issued.status_code == 201


def test_demo_accounts_sign_in_with_the_printed_key(demo_data, client, capsys):
    from django.core.management import call_command

    from bahali.core.demo import demo_code

    call_command("demo")  # on the demo loaded once per session: lists it again
    out = capsys.readouterr().out
    assert "BAHA LIDE MOKE YFOR THES YNTH ETIC DEMO" in out and "bahali demo --code" in out
    asked = next(line for line in out.splitlines() if line.startswith("Two-factor sign-in"))
    assert "sana" in asked and "omar" in asked
    assert "khalid" not in asked and "zainab" not in asked  # liaison, analyst: password only
    sana = User.objects.get(username="sana")
    response = client.post(
        "/accounts/sign-in/", {"username": "sana", "password": "bahali-demo-2026"}
    )
    assert response["Location"] == CODE_STEP
    code, _left = demo_code()
    device = TOTPDevice.objects.get(user=sana, confirmed=True)
    assert code in {_code(device, -1), _code(device), _code(device, 1)}
    assert client.post(CODE_STEP, {"code": code}).status_code == 302
    assert _signed_in(client)
    call_command("demo", "--code")
    assert re.match(r"\d{6}  \(for \d+ more seconds", capsys.readouterr().out)
    services.set_up_known_authenticator(actor=SYSTEM, user=sana, key=device.key)  # again
    assert TOTPDevice.objects.filter(user=sana).count() == 1
