"""Registering many people at once (an import): the registration page's rules, in bulk."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import services
from bahali.registry.models import BlockingKey, Participant, ParticipantLink
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


def person(name: str, sex: str = "m", **extra) -> services.Registration:
    return services.Registration(
        identity=services.Identity(name=name, father_name="Sher Rehman", **extra),
        sex=sex,
        district=District.objects.get(code="SWT"),
    )


def test_each_person_is_registered_as_the_page_registers_one():
    organisation = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    one = services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(name="Bakht Jan", father_name="Taj Wali", birth_year=1990),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=organisation,
    )
    many = services.register_participants(
        actor=SYSTEM,
        people=[person("  gul  zaman ", birth_year=1994), person("Zarmina", sex="f")],
        organisation=organisation,
    )
    assert [p.serial for p in many] == [one.serial + 1, one.serial + 2]  # the next codes
    assert (
        services.open_identity(many[0]).name
        == services.Identity(name="  gul  zaman ").normalised().name
    )
    today = timezone.localdate()
    assert many[0].age_band == services._age_band(services.Identity(birth_year=1994), today)[0]
    assert many[1].age_band == "" and many[1].is_youth is None  # no age: unknown
    for participant in many:
        assert ParticipantLink.objects.filter(
            participant=participant, organisation=organisation
        ).exists()
        keys = set(
            BlockingKey.objects.filter(participant=participant).values_list("key", flat=True)
        )
        record = services.person_record(
            participant.code,
            services.open_identity(participant),
            sex=participant.sex,
            district="SWT",
        )
        assert keys == services._hashed_keys(record)
        assert AuditEvent.objects.filter(
            action="create", object_type="registry.participant", object_id=str(participant.pk)
        ).exists()


def test_one_refused_person_refuses_them_all_naming_it():
    organisation = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    with pytest.raises(ValidationError) as refused:
        services.register_participants(
            actor=SYSTEM,
            people=[person("Gul Zaman"), person("Bakht Jan", cnic="123")],
            organisation=organisation,
        )
    assert "Person 2 of 2" in refused.value.messages[0]
    assert not Participant.objects.exists()


def test_a_seeded_load_keys_each_person_as_registration_does():
    from bahali.registry.matching.records import PersonRecord

    organisation = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    records = [
        PersonRecord(
            record_id=str(n),
            name=name,
            father_name="Sher Rehman",
            sex="m",
            birth_year=1990,
            district="SWT",
        )
        for n, name in enumerate(["Gul Zaman", "Bakht Jan"])
    ]
    assert services.seed_participants(actor=SYSTEM, records=records, organisation=organisation) == 2
    for participant in Participant.objects.all():
        keys = set(
            BlockingKey.objects.filter(participant=participant).values_list("key", flat=True)
        )
        record = services.person_record(
            participant.code, services.open_identity(participant), sex="m", district="SWT"
        )
        assert keys and keys == services._hashed_keys(record)


def test_each_row_is_recorded_as_a_save_records_it_in_a_chain_that_verifies():
    """The rows are copied in (``copy_create``), but each person and link has the ``create``
    event a save (or ``bulk_create``) records: its fields, secrets redacted, its label."""
    from bahali.audit.services import verify_chain

    organisation = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    many = services.register_participants(
        actor=SYSTEM,
        people=[person("Gul Zaman", cnic="15602-1234567-1", birth_year=1994), person("Zarmina")],
        organisation=organisation,
    )
    for model, rows in [
        (Participant, Participant.objects.filter(pk__in=[p.pk for p in many])),
        (ParticipantLink, ParticipantLink.objects.filter(participant__in=many)),
    ]:
        for row in rows:
            values = row.audit_values()
            names = [name for name in values if name not in ("created_at", "updated_at")]
            event = AuditEvent.objects.get(
                action="create", object_type=model._meta.label_lower, object_id=str(row.pk)
            )
            assert event.changes == model.audit_describe(names, {}, values, adding=True)
            assert event.object_label == row.audit_label()
    event = AuditEvent.objects.get(object_type="registry.participant", object_id=str(many[0].pk))
    assert event.changes["sealed_cnic"] == ["[redacted]", "[redacted]"]
    assert event.changes["sex"] == [None, "m"]
    assert verify_chain().ok


def test_people_registered_in_bulk_keep_their_row_identifier():
    """Their sealed values are bound to the row's identifier: a copied-in row refuses a
    changed one on save, as a row saved one at a time does."""
    import uuid

    from bahali.core import crypto
    from bahali.core.context import acting_as

    organisation = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    [bulk] = services.register_participants(
        actor=SYSTEM, people=[person("Gul Zaman")], organisation=organisation
    )
    bulk.row_uuid = uuid.uuid4()
    with acting_as(SYSTEM), pytest.raises(crypto.SealError):
        bulk.save()
