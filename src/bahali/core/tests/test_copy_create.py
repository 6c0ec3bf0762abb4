"""``AuditedQuerySet.copy_create``: rows copied in bulk are the rows ``bulk_create`` writes,
recorded by the same events (one ``create`` per row with the same changes and label), in
a chain that verifies; refused outside a service; sealed values bound to their rows."""

from __future__ import annotations

import pytest

from bahali.audit.models import AuditEvent
from bahali.audit.services import verify_chain
from bahali.core.context import SYSTEM, WriteOutsideService, acting_as, operation
from bahali.geography.models import District
from bahali.organisations.models import Organisation, OrganisationKind

pytestmark = pytest.mark.django_db

COMPARED = ["name", "short_name", "kind", "district_id", "description", "is_active"]


def _head() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _new(prefix: str) -> list[Organisation]:
    district = District.objects.get(code="SWT")
    return [
        Organisation(name=f"{prefix} centre", kind=OrganisationKind.CIVIL_SOCIETY),
        Organisation(
            name=f"{prefix} police",
            short_name="DPO",
            kind=OrganisationKind.CIVIL_SOCIETY,
            district=district,
            description="“quoted” ۱۲",
            is_active=False,
        ),
    ]


def _said(event: AuditEvent, prefix: str) -> tuple:
    changes = dict(event.changes)
    changes["name"] = [changes["name"][0], changes["name"][1].removeprefix(prefix)]
    return (event.action, event.object_type, event.operation, changes)


@pytest.mark.parametrize("key", [["name"], []])
def test_copied_rows_and_their_events_are_those_of_bulk_create(key):
    with acting_as(SYSTEM), operation("op-copy"):
        before = _head()
        made = Organisation.objects.bulk_create(_new("Bulk"))
        middle = _head()
        copied = Organisation.objects.copy_create(_new("Copy"), key=key)
    assert all(org.pk is not None for org in copied)
    assert len({org.pk for org in [*made, *copied]}) == 4
    for one, other in zip(made, copied, strict=True):
        stored = Organisation.objects.get(pk=other.pk)
        assert stored.name == other.name and stored.created_at is not None
        assert {f: getattr(stored, f) for f in COMPARED if f != "name"} == {
            f: getattr(Organisation.objects.get(pk=one.pk), f) for f in COMPARED if f != "name"
        }
    by_bulk = list(AuditEvent.objects.filter(seq__gt=before, seq__lte=middle).order_by("seq"))
    by_copy = list(AuditEvent.objects.filter(seq__gt=middle).order_by("seq"))
    assert [_said(e, "Bulk") for e in by_bulk] == [_said(e, "Copy") for e in by_copy]
    assert [e.object_id for e in by_copy] == [str(org.pk) for org in copied]
    assert [e.object_label for e in by_copy] == [str(org.name) for org in copied]
    assert verify_chain().ok


def test_copy_create_is_refused_outside_a_service():
    with pytest.raises(WriteOutsideService):
        Organisation.objects.copy_create(_new("Outside"), key=["name"])
    assert not Organisation.objects.filter(name__startswith="Outside").exists()


def test_copy_create_refuses_a_row_that_has_an_id():
    with acting_as(SYSTEM), pytest.raises(ValueError, match="new rows only"):
        Organisation.objects.copy_create([Organisation(pk=10**6, name="Has an id")], key=["name"])


def test_the_describer_of_new_rows_says_what_audit_describe_says_for_every_audited_model():
    from django.apps import apps

    from bahali.core.models import AuditedModel

    audited = [m for m in apps.get_models() if issubclass(m, AuditedModel)]
    assert len(audited) > 20
    for model in audited:
        row = model()  # the defaults: most are left out of the changes
        values = row.audit_values()
        names = [name for name in values if name not in ("created_at", "updated_at")]
        assert model.audit_describer()(values) == model.audit_describe(
            names, {}, values, adding=True
        ), model._meta.label
    organisation = Organisation(
        name="Described", kind=OrganisationKind.CIVIL_SOCIETY, is_active=False, description="d"
    )
    values = organisation.audit_values()
    names = [name for name in values if name not in ("created_at", "updated_at")]
    described = Organisation.audit_describer()(values)
    assert described == Organisation.audit_describe(names, {}, values, adding=True)
    assert described["is_active"] == [None, False] and described["name"] == [None, "Described"]
