"""The demo loader, production settings and the `bahali` command itself."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from bahali.accounts.models import Membership, User
from bahali.accounts.roles import Role
from bahali.core.demo import DEFAULT_PASSWORD
from bahali.organisations.models import Organisation
from bahali.registry import rekeying

BAHALI = str(Path(sys.executable).with_name("bahali"))


@pytest.mark.django_db
def test_demo_has_every_role_across_organisation_kinds_and_loads_twice(
    demo_data, capsys, monkeypatch
):
    # the first run: `bahali demo` on an empty database, once per session (root conftest.py)
    first = demo_data.output
    counts = (User.objects.count(), Membership.objects.count(), Organisation.objects.count())
    # the second run adds nothing, and takes the demo password from the environment
    monkeypatch.setenv("BAHALI_DEMO_PASSWORD", "another demo passphrase")
    call_command("demo")
    assert (
        User.objects.count(),
        Membership.objects.count(),
        Organisation.objects.count(),
    ) == counts
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role)
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert {
        "rehabilitation_centre",
        "civil_society",
        "community_committee",
        "security_liaison",
        "oversight_body",
    } <= kinds
    assert Organisation.objects.filter(kind="civil_society").count() >= 2
    again = capsys.readouterr().out
    out = first + again
    assert "sana" in first and DEFAULT_PASSWORD in first
    # progress while loading, not half a minute of silence
    assert "Programmes and cases…" in first and "Participants…" in first
    # an account with two organisations is listed once, its second role saying why
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert listed.count("yousaf") == 2  # once per run: the command ran twice
    assert "also Mentor — Sahar Women's Development Forum (the same account" in first
    assert User.objects.get(username="nadia").check_password("another demo passphrase")
    assert "another demo passphrase" in again and "another demo passphrase" not in first
    # every demo participant was keyed by the current scheme: `migrate` asks no re-keying
    assert rekeying.state().complete
    call_command("migrate", verbosity=0)
    assert "re-key" not in capsys.readouterr().err


def _bahali(args, env, **kwargs):
    return subprocess.run(  # noqa: S603 - our own entry point
        [BAHALI, *args], env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


def _clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAHALI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    return {**env, "BAHALI_VAR_DIR": str(tmp_path), **extra}


@pytest.mark.any_database  # its own SQLite file, whatever the suite runs on
def test_production_settings_pass_the_deployment_check(tmp_path):
    env = _clean_env(
        tmp_path,
        BAHALI_SECRET_KEY="x" * 20 + "production-secret-key-with-enough-entropy-1234567890",
        BAHALI_ALLOWED_HOSTS="bahali.example.org",
    )
    result = _bahali(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stderr + result.stdout
    debug = _bahali(["shell", "-c", "from django.conf import settings; print(settings.DEBUG)"], env)
    assert debug.stdout.strip().endswith("False")


@pytest.mark.any_database  # its own SQLite file, whatever the suite runs on
def test_bare_clone_generates_development_secrets_once(tmp_path):
    env = _clean_env(tmp_path)
    first = _bahali(
        ["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], env
    )
    again = _bahali(
        ["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], env
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys" / "field-dev1.key").exists()


_EIGHT_ORGANISATIONS = """
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.services import register_organisation
district = District.objects.get(code="SWT")
for n in range(8):
    register_organisation(actor=SYSTEM, name=f"Organisation {n}", short_name=f"O{n}",
                          kind="civil_society", district=district, description="")
"""


@pytest.mark.any_database  # its own SQLite file, whatever the suite runs on
def test_audit_verify_command_exits_non_zero_naming_the_bad_event(tmp_path):
    env = _clean_env(tmp_path)
    # a few audited writes through the services (the whole demo is loaded in-process above)
    assert _bahali(["migrate", "-v0"], env).returncode == 0
    made = _bahali(["shell", "-c", _EIGHT_ORGANISATIONS], env)
    assert made.returncode == 0, made.stderr
    ok = _bahali(["audit", "verify"], env)
    assert ok.returncode == 0 and "intact" in ok.stdout
    with sqlite3.connect(tmp_path / "bahali.sqlite3") as db:
        db.execute("UPDATE audit_auditevent SET actor_label = 'someone' WHERE seq = 7")
    bad = _bahali(["audit", "verify"], env)
    assert bad.returncode == 1
    assert "#7" in bad.stderr


def test_audit_keys_come_from_the_environment_or_are_generated_once(tmp_path, monkeypatch):
    """Production names its audit keys; a bare clone generates development ones under var/."""
    import base64

    from django.core.exceptions import ImproperlyConfigured

    from bahali.settings.secrets import audit_keys

    for name in ("BAHALI_AUDIT_KEYS", "BAHALI_AUDIT_KEY_ACTIVE", "BAHALI_AUDIT_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    first, again = audit_keys(tmp_path), audit_keys(tmp_path)
    assert first == again and first[1] == "dev1" and len(first[2]) == 32
    assert (tmp_path / "keys" / "audit-signing.key").stat().st_mode & 0o777 == 0o600
    one, two = (base64.urlsafe_b64encode(bytes([n]) * 32).decode() for n in (1, 2))
    monkeypatch.setenv("BAHALI_AUDIT_KEYS", f"2025:{one},2026:{two}")
    monkeypatch.setenv("BAHALI_AUDIT_KEY_ACTIVE", "2026")
    with pytest.raises(ImproperlyConfigured, match="SIGNING"):
        audit_keys(tmp_path)
    monkeypatch.setenv("BAHALI_AUDIT_SIGNING_KEY", one)
    keys, active, signing = audit_keys(tmp_path)
    assert set(keys) == {"2025", "2026"} and active == "2026" and signing == bytes([1]) * 32
    monkeypatch.setenv("BAHALI_AUDIT_KEY_ACTIVE", "2027")
    with pytest.raises(ImproperlyConfigured, match="names no key"):
        audit_keys(tmp_path)


@pytest.mark.parametrize(("given", "expected"), [(None, "0"), ("1", "1"), ("0", "0")])
def test_bahali_serve_speaks_plain_http_unless_told(monkeypatch, given, expected):
    """Django's development server speaks plain HTTP only: `bahali serve` without
    BAHALI_HTTPS must not redirect a newcomer to an https nothing answers."""
    import django.core.management

    from bahali import cli

    monkeypatch.delenv("BAHALI_HTTPS", raising=False)
    if given is not None:
        monkeypatch.setenv("BAHALI_HTTPS", given)
    ran = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", ran.append)
    monkeypatch.setattr("bahali.core.context.set_source", lambda source: None)
    cli.main(["serve", "127.0.0.1:8123"])
    assert ran == [["bahali", "serve", "127.0.0.1:8123"]]
    assert os.environ["BAHALI_HTTPS"] == expected


def test_other_commands_keep_https_on_by_default(monkeypatch):
    import django.core.management

    from bahali import cli

    monkeypatch.delenv("BAHALI_HTTPS", raising=False)
    monkeypatch.setattr(django.core.management, "execute_from_command_line", lambda argv: None)
    monkeypatch.setattr("bahali.core.context.set_source", lambda source: None)
    cli.main(["check"])
    assert "BAHALI_HTTPS" not in os.environ


def test_bahali_serve_freezes_what_the_workers_inherit(monkeypatch):
    """Before the fork, what every request uses is loaded and frozen out of the collector's
    reach, and the collector runs less often (see ``serve.prepare_for_workers``)."""
    import gc

    from bahali.core.management.commands import serve

    threshold = gc.get_threshold()
    try:
        serve.prepare_for_workers()
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == serve.GC_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.parametrize(("cpus", "expected"), [(1, 2), (2, 3), (4, 5), (16, 12)])
def test_bahali_serve_starts_a_worker_per_core_and_one_more(monkeypatch, cpus, expected):
    """CPU-bound pages: CPUs + 1 workers (2..12), unless BAHALI_WEB_WORKERS or --workers say."""
    from bahali.core.management.commands import serve

    monkeypatch.delenv("BAHALI_WEB_WORKERS", raising=False)
    monkeypatch.setattr(serve.os, "cpu_count", lambda: cpus)
    assert serve.gunicorn_options("127.0.0.1:8000", {})["workers"] == expected
    monkeypatch.setenv("BAHALI_WEB_WORKERS", "7")
    assert serve.gunicorn_options("127.0.0.1:8000", {})["workers"] == 7
    assert serve.gunicorn_options("127.0.0.1:8000", {"workers": 4})["workers"] == 4
