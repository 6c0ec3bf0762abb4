"""Re-keying the registry (``bahali registry rekey``): keys of an earlier scheme recomputed in
batches, audited under one operation, resumed after a stop, each participant once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from bahali.audit.models import AuditEvent
from bahali.core import crypto
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import rekeying, services
from bahali.registry.matching.blocking import KEY_SCHEME, blocking_keys
from bahali.registry.models import BlockingKey, Participant
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db

NAMES = [
    ("Ayub Wali", "Sher Rehman"),
    ("Amin Aalam Shinwari", "Gul Khan"),
    ("Gul Bibi", "Noor Ali"),
    ("Zarmina", "Taj Wali"),
    ("Bakht Jan", "Khan Zaman"),
]


def register(name: str, father: str, year: int | None = None) -> Participant:
    return services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(name=name, father_name=father, birth_year=year),
        sex="m",
        district=District.objects.get(code="SWT"),
        organisation=OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY),
    )


def record_of(person: Participant):
    return services.person_record(
        person.code, services.open_identity(person), sex=person.sex, district="SWT"
    )


def keyed_by_current_scheme(person: Participant) -> set[str]:
    return {crypto.blind_index(key, purpose="block") for key in blocking_keys(record_of(person))}


def as_keyed_before_scheme_2(person: Participant) -> None:
    """The keys a participant registered before the joined-name keys holds, and a key of a
    kind since dropped."""
    joined = {
        crypto.blind_index(key, purpose="block")
        for key in blocking_keys(record_of(person))
        if key.startswith(("jy:", "jf:"))
    }
    assert joined
    BlockingKey.objects.filter(participant=person, key__in=joined).delete()
    BlockingKey.objects.create(participant=person, key=crypto.blind_index("x:old", purpose="block"))


@pytest.fixture
def people():
    found = [register(name, father) for name, father in NAMES]
    for person in found:
        as_keyed_before_scheme_2(person)
    return found


def stored(person: Participant) -> set[str]:
    return set(BlockingKey.objects.filter(participant=person).values_list("key", flat=True))


def test_every_participant_gets_the_current_keys_in_audited_batches_of_one_operation(people):
    assert rekeying.state().remaining == len(people) and not rekeying.state().complete
    seen = []
    _before, batches = rekeying.rekey(actor=SYSTEM, batch=2, progress=lambda *a: seen.append(a))
    assert [item.participants for item in batches] == [2, 2, 1]
    assert seen == [(2, 5), (4, 5), (5, 5)]
    for person in people:
        assert stored(person) == keyed_by_current_scheme(person)
    events = AuditEvent.objects.filter(action__startswith="registry.rekey").order_by("seq")
    assert [event.action for event in events] == [rekeying.REKEYED] * 3 + [rekeying.COMPLETE]
    assert len({event.operation for event in events}) == 1
    assert sum(event.changes["participants"][1] for event in events[:3]) == 5
    assert all(event.changes["scheme"][1] == KEY_SCHEME for event in events)
    assert sum(event.changes["keys_removed"][1] for event in events[:3]) == 5  # the x: keys
    now = rekeying.state()
    assert now.complete and now.remaining == 0
    # complete: a second run does nothing; a restart re-keys, changing nothing
    assert rekeying.rekey(actor=SYSTEM, batch=2)[1] == []
    again = rekeying.rekey(actor=SYSTEM, batch=2, restart=True)[1]
    assert sum(item.participants for item in again) == 5
    assert sum(item.added + item.removed for item in again) == 0


def test_a_run_stopped_half_way_resumes_after_its_last_batch_each_participant_once(
    people, monkeypatch
):
    real = rekeying.rekey_batch
    calls = []

    def dying(**kwargs):
        calls.append(kwargs["after"])
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed while re-keying the second batch
        return real(**kwargs)

    monkeypatch.setattr(rekeying, "rekey_batch", dying)
    with pytest.raises(KeyboardInterrupt):
        rekeying.rekey(actor=SYSTEM, batch=2)
    halted = rekeying.state()
    assert halted.through == people[1].pk and halted.remaining == 3 and not halted.complete
    assert stored(people[0]) == keyed_by_current_scheme(people[0])
    assert stored(people[2]) != keyed_by_current_scheme(people[2])  # the batch rolled back
    monkeypatch.setattr(rekeying, "rekey_batch", real)
    _before, batches = rekeying.rekey(actor=SYSTEM, batch=2)
    assert [item.participants for item in batches] == [2, 1]
    covered = [
        (event.changes["from"][1], event.changes["through"][1])
        for event in AuditEvent.objects.filter(action=rekeying.REKEYED).order_by("seq")
    ]
    assert covered == [
        (people[0].pk, people[1].pk),
        (people[2].pk, people[3].pk),
        (people[4].pk, people[4].pk),
    ]
    for person in people:
        assert stored(person) == keyed_by_current_scheme(person)


def test_the_registration_check_finds_a_name_written_joined_only_once_rekeyed():
    person = register("Ayub Wali", "Sher Rehman Afridi")
    as_keyed_before_scheme_2(person)
    probe = services.Identity(name="Ayubwali", father_name="Sher Rehman Afridi")
    swat = District.objects.get(code="SWT")
    weaker = services.find_candidates(probe, sex="m", district=swat, weaker=True)
    assert person.pk not in {candidate.participant.pk for candidate in weaker}
    rekeying.rekey(actor=SYSTEM)
    found = services.find_candidates(probe, sex="m", district=swat, weaker=True)
    assert person.pk in {candidate.participant.pk for candidate in found}


def test_the_command_reports_and_says_how_far(people):
    out = io.StringIO()
    call_command("registry", "rekey-status", stdout=out)
    assert f"Scheme {KEY_SCHEME}: 5 participants to re-key" in out.getvalue()
    out = io.StringIO()
    call_command("registry", "rekey", "--batch", "3", stdout=out, stderr=io.StringIO())
    assert "Re-keyed 5 participants" in out.getvalue() and "5 removed" in out.getvalue()
    out = io.StringIO()
    call_command("registry", "rekey-status", stdout=out)
    assert "every participant re-keyed" in out.getvalue()


def test_migrate_names_the_upgrade_step_while_keys_are_outstanding(people, capsys):
    rekeying.outstanding(sender=None)
    assert "bahali registry rekey" in capsys.readouterr().err
    rekeying.rekey(actor=SYSTEM)
    rekeying.outstanding(sender=None)
    assert capsys.readouterr().err == ""


def test_a_migrate_run_before_the_registry_tables_exist_says_nothing(people, capsys, monkeypatch):
    """``bahali restore`` migrates an empty database app by app: the check runs after each
    step, before the registry's (or the audit's) tables are there."""
    from django.db import connection

    monkeypatch.setattr(connection.introspection, "table_names", lambda *args, **kwargs: [])
    rekeying.outstanding(sender=None)
    assert capsys.readouterr().err == ""
