"""``AuditedQuerySet.erase``: fields overwritten for good, one event per row naming the fields,
never their values before or after; refused outside a service like every bulk write."""

from __future__ import annotations

import pytest

from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM, WriteOutsideService, acting_as
from bahali.organisations.models import Organisation
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db

SECRET = "Met Zarghunwal at his uncle's house in Kabal"


def test_erase_records_the_fields_and_never_their_values():
    first = OrganisationFactory(description=SECRET)
    second = OrganisationFactory(description=SECRET)
    untouched = OrganisationFactory(description=SECRET)
    with acting_as(SYSTEM):
        count = Organisation.objects.filter(pk__in=[first.pk, second.pk]).erase(description="")
    assert count == 2
    assert list(
        Organisation.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "description", flat=True
        )
    ) == ["", ""]
    assert Organisation.objects.get(pk=untouched.pk).description == SECRET
    events = AuditEvent.objects.filter(action="erase").order_by("seq")
    assert [e.object_id for e in events] == [str(first.pk), str(second.pk)]
    assert all(e.changes == {"description": ["[redacted]", "[redacted]"]} for e in events)
    assert not any(SECRET in str(e.changes) for e in events)
    # whereas an ordinary update records the value it replaces (why erase exists)
    with acting_as(SYSTEM):
        Organisation.objects.filter(pk=untouched.pk).update(description="")
    update = AuditEvent.objects.filter(action="update", object_id=str(untouched.pk)).last()
    assert update is not None and SECRET in str(update.changes)


def test_erase_is_refused_outside_a_service():
    org = OrganisationFactory(description=SECRET)
    with pytest.raises(WriteOutsideService):
        Organisation.objects.filter(pk=org.pk).erase(description="")
    assert Organisation.objects.get(pk=org.pk).description == SECRET


def test_erasing_nothing_records_nothing():
    before = AuditEvent.objects.count()
    with acting_as(SYSTEM):
        assert Organisation.objects.filter(pk=-1).erase(description="") == 0
    assert AuditEvent.objects.count() == before
