"""Bulk writes of audited models: refused outside a service, recorded row by row inside one,
cascades included; and every event of one operation shares its operation id."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.db.models.signals import pre_delete
from django.http import HttpResponse
from django.test import RequestFactory

from bahali.accounts import services as accounts
from bahali.accounts.models import ApiToken, Membership
from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.audit.services import record
from bahali.core.context import SYSTEM, WriteOutsideService, acting_as, operation
from bahali.core.middleware import ContentSecurityPolicyMiddleware
from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.organisations.models import Organisation
from bahali.testing import OrganisationFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _events_after(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def _head() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


@pytest.fixture
def orgs() -> list[Organisation]:
    return [OrganisationFactory(name=f"Bulk {n}") for n in range(3)]


def test_every_audited_model_is_managed_by_an_audited_queryset():
    """A model added later without the audited QuerySet, or with a cascade that updates
    rows (SET_NULL and the like run an unaudited UPDATE), fails here."""
    audited = [m for m in apps.get_models() if issubclass(m, AuditedModel)]
    assert len(audited) > 20
    for model in audited:
        for manager in model._meta.managers:
            assert issubclass(manager._queryset_class, AuditedQuerySet), (
                f"{model._meta.label}.{manager.name} is not built on AuditedQuerySet"
            )
        assert pre_delete.has_listeners(model), f"{model._meta.label} deletes unrecorded"
        for relation in model._meta.related_objects:
            on_delete = getattr(relation, "on_delete", None)
            if on_delete in (models.SET_NULL, models.SET_DEFAULT) or (
                getattr(on_delete, "__name__", "") == "set_on_delete"
            ):
                pytest.fail(f"{relation} sets a column on delete: use PROTECT or CASCADE")


@pytest.mark.parametrize(
    "write",
    [
        lambda orgs: Organisation.objects.filter(pk=orgs[0].pk).update(name="Sneaky"),
        lambda orgs: Organisation.objects.filter(pk=orgs[0].pk).delete(),
        lambda orgs: Organisation.objects.bulk_create(
            [Organisation(name="Sneaky", kind=orgs[0].kind)]
        ),
        lambda orgs: Organisation.objects.bulk_update(
            [Organisation(pk=orgs[0].pk, name="Sneaky", kind=orgs[0].kind)], ["name"]
        ),
    ],
    ids=["update", "delete", "bulk_create", "bulk_update"],
)
def test_bulk_paths_are_refused_outside_a_service(orgs, write):
    before = _head()
    with pytest.raises(WriteOutsideService):
        write(orgs)
    assert Organisation.objects.filter(name="Sneaky").count() == 0
    assert Organisation.objects.filter(pk=orgs[0].pk).exists()
    assert _head() == before


def test_queryset_update_records_each_row_it_changed(orgs):
    before = _head()
    with acting_as(SYSTEM, reason="renamed in bulk"):
        count = Organisation.objects.filter(pk__in=[o.pk for o in orgs[:2]]).update(
            short_name="BLK"
        )
    assert count == 2
    events = _events_after(before)
    assert [(e.action, e.object_id) for e in events] == [
        ("update", str(orgs[0].pk)),
        ("update", str(orgs[1].pk)),
    ]
    assert events[0].changes == {"short_name": ["", "BLK"]}
    assert {e.reason for e in events} == {"renamed in bulk"}
    assert events[0].operation and events[0].operation == events[1].operation


def test_queryset_update_records_nothing_for_rows_it_left_as_they_were(orgs):
    with acting_as(SYSTEM):
        Organisation.objects.filter(pk=orgs[0].pk).update(short_name="SAME")
    before = _head()
    with acting_as(SYSTEM):
        Organisation.objects.filter(pk__in=[orgs[0].pk, orgs[1].pk]).update(short_name="SAME")
    assert [e.object_id for e in _events_after(before)] == [str(orgs[1].pk)]


def test_queryset_delete_records_each_row(orgs):
    before = _head()
    with acting_as(SYSTEM):
        Organisation.objects.filter(pk__in=[o.pk for o in orgs]).delete()
    events = _events_after(before)
    assert sorted(e.object_id for e in events) == sorted(str(o.pk) for o in orgs)
    assert {e.action for e in events} == {"delete"}


def test_bulk_create_records_each_row_with_its_fields(orgs):
    before = _head()
    with acting_as(SYSTEM):
        created = Organisation.objects.bulk_create(
            [Organisation(name=f"New {n}", kind=orgs[0].kind) for n in range(2)]
        )
    events = _events_after(before)
    assert [(e.action, e.object_id) for e in events] == [("create", str(o.pk)) for o in created]
    # The same record a save of the new row would write.
    assert events[0].changes == {"name": [None, "New 0"], "kind": [None, orgs[0].kind]}


def test_bulk_update_records_before_and_after(orgs):
    for org in orgs:
        org.name = f"{org.name} renamed"
    before = _head()
    with acting_as(SYSTEM):
        Organisation.objects.bulk_update(orgs, ["name"])
    events = _events_after(before)
    assert [e.object_id for e in events] == [str(o.pk) for o in orgs]
    assert events[0].changes == {"name": ["Bulk 0", "Bulk 0 renamed"]}


def test_secret_fields_are_redacted_on_bulk_paths():
    user = UserFactory()
    before = _head()
    with acting_as(SYSTEM):
        type(user).objects.filter(pk=user.pk).update(password="md5$x$y")
    assert _events_after(before)[0].changes == {"password": ["[redacted]", "[redacted]"]}


def test_bookkeeping_updates_are_allowed_anywhere_and_recorded_nowhere(orgs):
    user = make_member(Role.CASE_WORKER)
    issued = accounts.issue_api_token(actor=user, name="laptop")
    before = _head()
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=issued.token.created_at)
    assert _head() == before
    # The stale-edit counter is bookkeeping on every model; mixed with an edit it is not.
    from bahali.programmes.models import Programme

    Programme.objects.filter(pk__in=[]).update(version=2)
    with pytest.raises(WriteOutsideService):
        Programme.objects.all().update(version=2, code="X")


def test_cascade_delete_records_every_row_it_removes():
    user = make_member(Role.CASE_WORKER)
    membership = Membership.objects.get(user=user)
    token = accounts.issue_api_token(actor=user, name="phone").token
    before, user_pk = _head(), user.pk
    with acting_as(SYSTEM, reason="account removed"):
        user.delete()
    deleted = {(e.object_type, e.object_id) for e in _events_after(before)}
    assert ("accounts.user", str(user_pk)) in deleted
    assert ("accounts.membership", str(membership.pk)) in deleted
    assert ("accounts.apitoken", str(token.pk)) in deleted


def test_cascade_delete_outside_a_service_is_refused():
    user = make_member(Role.CASE_WORKER)
    with pytest.raises(WriteOutsideService):
        Membership.objects.filter(user=user).delete()
    with pytest.raises(WriteOutsideService):
        type(user).objects.filter(pk=user.pk).delete()
    assert Membership.objects.filter(user=user).exists()


def test_one_request_is_one_operation():
    """Two services called while handling one request write events of one operation; the
    next request is another operation."""

    def view(request):
        OrganisationFactory()
        with acting_as(SYSTEM):
            record("test.second_write")
        return HttpResponse("ok")

    middleware = ContentSecurityPolicyMiddleware(view)
    before = _head()
    middleware(RequestFactory().post("/somewhere/"))
    first = _events_after(before)
    middleware(RequestFactory().post("/somewhere/"))
    second = _events_after(first[-1].seq)
    assert len(first) == 2 and len({e.operation for e in first}) == 1
    assert first[0].operation and first[0].source == "web"
    assert {e.operation for e in second} != {first[0].operation}


def test_a_request_through_the_stack_gets_its_own_operation(member, signed_in):
    client = signed_in(member(Role.OVERSIGHT_MONITOR))
    signed = AuditEvent.objects.filter(action="auth.sign_in").order_by("-seq").first()
    client.post("/audit/verify/", HTTP_HX_REQUEST="true")
    verified = AuditEvent.objects.filter(action="audit.verified").order_by("-seq").first()
    assert signed.operation and verified.operation
    assert signed.operation != verified.operation


def test_one_command_is_one_operation(monkeypatch):
    """``bahali`` starts one operation for the command it runs. Each run is its own process;
    here the command runs through ``call_command`` (Django's command line would close the
    test's connection), and the source and operation it sets are put back after each run."""
    from django.core import management

    from bahali import cli
    from bahali.core import context

    monkeypatch.setattr(
        management, "execute_from_command_line", lambda argv: management.call_command(*argv[1:])
    )

    def run_command() -> None:
        source, operation_id = context._source.get(), context._operation.get()
        try:
            cli.main(["audit", "checkpoint", "--output", "/dev/null"])
        finally:
            context._source.set(source)
            context._operation.set(operation_id)

    before = _head()
    run_command()
    run_command()
    events = _events_after(before)
    assert [e.source for e in events] == ["cli", "cli"]
    assert events[0].operation != events[1].operation


def test_services_outside_any_request_share_the_outermost_operation():
    before = _head()
    with operation("feedc0de" * 4):
        OrganisationFactory()
        OrganisationFactory()
    assert {e.operation for e in _events_after(before)} == {"feedc0de" * 4}
