"""Health, readiness, metrics and request logs."""

from __future__ import annotations

import json
import logging
import os
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.jobs.models import WorkerBeat
from bahali.jobs.services import become_worker
from bahali.ops import health, metrics
from bahali.ops.logs import JsonFormatter, OperationFilter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def metrics_dir(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("BAHALI_METRICS_DIR", str(tmp_path / "metrics"))
    monkeypatch.setattr(metrics, "_counts", {})
    return tmp_path / "metrics"


def test_healthz_answers_without_the_database(client, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ready_with_a_recent_worker_heartbeat(client):
    become_worker()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert set(checks) == {"database", "migrations", "audit", "worker"}
    assert all(check["ok"] for check in checks.values())


def test_readyz_unavailable_when_the_worker_is_down(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "detail": "no heartbeat"}
    become_worker()
    WorkerBeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["detail"].startswith("last heartbeat 6")


def test_readyz_without_the_worker_requirement(client, monkeypatch):
    monkeypatch.setenv("BAHALI_READYZ_WORKER", "0")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "worker" not in response.json()["checks"]


def test_readyz_unavailable_when_the_database_is_down(client, monkeypatch):
    become_worker()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": {"ok": False, "detail": "OperationalError"}}


def test_readyz_unavailable_with_unapplied_migrations(client, monkeypatch):
    become_worker()
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        lambda self, targets: [("ops", "0002_pending")],
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "detail": "1 not applied"}


def test_readyz_unavailable_when_the_audit_head_is_tampered(client, member):
    from bahali.audit.models import AuditChainHead

    become_worker()
    member(Role.CASE_WORKER)  # writes audit events: a chain head exists
    assert health.check_audit_head().ok
    AuditChainHead.objects.update(mac="0" * 64)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["audit"] == {
        "ok": False,
        "detail": "head seal does not match",
    }


def test_metrics_need_the_token(client, monkeypatch):
    monkeypatch.delenv("BAHALI_METRICS_TOKEN", raising=False)
    assert client.get("/metrics").status_code == 404
    monkeypatch.setenv("BAHALI_METRICS_TOKEN", "s3cret-token")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")


def test_metrics_count_requests_sign_in_failures_and_audit_events(client, member, monkeypatch):
    monkeypatch.setenv("BAHALI_METRICS_TOKEN", "tok")
    user = member(Role.CASE_WORKER)
    become_worker()
    client.get("/accounts/sign-in/")
    client.post("/accounts/sign-in/", {"username": user.username, "password": "wrong password"})
    text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer tok").content.decode()
    samples = dict(
        line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert samples['bahali_http_requests_total{method="GET",status="2xx"}'] == "1"
    assert samples['bahali_http_requests_total{method="POST",status="4xx"}'] == "1"
    assert samples["bahali_signin_failures_total"] == "1"
    assert samples["bahali_http_request_duration_seconds_count"] == "2"
    assert samples['bahali_http_request_duration_seconds_bucket{le="+Inf"}'] == "2"
    assert float(samples["bahali_audit_events_total"]) == AuditEvent.objects.count() > 0
    assert float(samples["bahali_worker_heartbeat_age_seconds"]) < 60
    assert "# TYPE bahali_http_request_duration_seconds histogram" in text


def test_metrics_sum_every_process_and_keep_ended_ones(metrics_dir, monkeypatch):
    metrics.inc("bahali_signin_failures_total")
    metrics.flush(force=True)
    # Another worker that is alive (this test's parent) and one that has ended.

    (metrics_dir / f"{os.getppid()}.json").write_text(
        json.dumps({"bahali_signin_failures_total": 2})
    )
    (metrics_dir / "999999999.json").write_text(json.dumps({"bahali_signin_failures_total": 4}))
    assert metrics.collected()["bahali_signin_failures_total"] == 7
    assert not (metrics_dir / "999999999.json").exists()
    assert metrics.collected()["bahali_signin_failures_total"] == 7


def test_request_log_is_json_with_the_operation_of_its_audit_events(
    client, member, signed_in, caplog
):
    user = member(Role.CASE_WORKER)
    caplog.set_level(logging.INFO, logger="bahali.requests")
    response = signed_in(user).get("/")
    operation = response["X-Operation-Id"]
    record = [r for r in caplog.records if r.name == "bahali.requests"][-1]
    OperationFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["operation"] == operation
    assert line["path"] == "/" and line["status"] == 200 and line["method"] == "GET"
    # The sign-in (its password, then its code step) wrote audit events with its own
    # request's operation id, which that request's log line carries too.
    sign_in_lines = [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.name == "bahali.requests" and r.getMessage().startswith("POST /accounts/sign-in/")
    ]
    assert sign_in_lines
    assert any(
        AuditEvent.objects.filter(operation=line["operation"]).exists() for line in sign_in_lines
    )
