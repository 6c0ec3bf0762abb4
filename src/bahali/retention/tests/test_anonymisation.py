"""Anonymisation: every identity value gone from the whole database (audit trail included),
the indicators unchanged, a dry run changing nothing, legal holds and withdrawals."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection

from bahali.cases import services as cases
from bahali.cases.models import Case
from bahali.casework import services as casework
from bahali.casework.models import FamilyMember, Note
from bahali.core import crypto, sealing
from bahali.core.context import SYSTEM, acting_as
from bahali.core.versioning import Stale
from bahali.evidence import indicators
from bahali.jobs import services as jobs
from bahali.jobs.models import JobStatus
from bahali.registry import services as registry
from bahali.registry.models import IDENTITY_FIELDS, BlockingKey, Consent, Participant, Pledge
from bahali.retention import services
from bahali.retention.jobs import RUN_JOB
from bahali.retention.models import Erasure, LegalHold, RetentionRule, Scope
from bahali.testing import PathwayWorld, make_member

pytestmark = pytest.mark.django_db

NAME = "Zarghunwal Qiyamuddin"
NAME_NATIVE = "زرغونول قیام الدین"
FATHER = "Sherbazkhan Durranizai"
CNIC = "15602-9988776-1"
PHONE = "0345-7654329"
OLD_PHONE = "0300-1112223"  # corrected later: the value before must go too
ADDRESS = "House 77, Mohalla Qiyamabad, Kabal"
WITNESS = "Gulbadan Witnesszai"
PLEDGE_WITNESS = "Imam Pledgewitness Sahib"
RELATIVE = "Bibi Relativezai"
RELATIVE_PHONE = "0312-1122334"
SEEDED = [
    NAME,
    NAME_NATIVE,
    FATHER,
    CNIC,
    CNIC.replace("-", ""),
    PHONE,
    OLD_PHONE,
    ADDRESS,
    WITNESS,
    PLEDGE_WITNESS,
    RELATIVE,
    RELATIVE_PHONE,
    "Zarghunwal",
    "Qiyamuddin",
    "Durranizai",
]


def dump() -> str:
    """Every row of every table, as text (what a stolen copy of the database would hold)."""
    parts = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.append(f"{table}: " + " | ".join(str(value) for value in row))
    return "\n".join(parts)


def forms_of(value: str) -> list[str]:
    """A value as it may be stored: as typed, and escaped as JSON text stores it."""
    return [value, json.dumps(value)[1:-1]]


@dataclass
class Seeded:
    world: PathwayWorld
    participant: Participant
    case: Case
    secrets: list[str]  # blind index, blocking keys and sealed identity values


def seeded_world() -> Seeded:
    world = PathwayWorld()
    participant = registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(
            name=NAME,
            name_native=NAME_NATIVE,
            father_name=FATHER,
            cnic=CNIC,
            birth_date=datetime.date(1994, 3, 17),
            phone=OLD_PHONE,
            address=ADDRESS,
        ),
        sex="m",
        district=world.swat,
        organisation=world.centre,
    )
    registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="participation",
        given_by="self",
        method="verbal_witnessed",
        witness=WITNESS,
        given_on=world.today,
    )
    registry.record_pledge(
        actor=SYSTEM, participant=participant, pledged_on=world.today, witnesses=PLEDGE_WITNESS
    )
    identity = registry.open_identity(participant)
    participant = registry.update_identity(
        actor=SYSTEM,
        participant=participant,
        identity=registry.Identity(**{**identity.__dict__, "phone": PHONE}),
        expected_version=participant.version,
        reason="He has a new number.",
    )
    case = world.case(participant=participant)
    # identity read by the team, as the identity panel does (an audited read)
    assert registry.read_identity(actor=world.case_worker, participant=participant).name == NAME
    casework.write_note(
        actor=world.case_worker, case=case, sensitivity="general", body=f"Met {NAME} at home."
    )
    casework.add_family_member(
        actor=world.case_worker,
        case=case,
        relationship="mother",
        name=RELATIVE,
        contact=RELATIVE_PHONE,
    )
    cases.close_case(
        actor=world.case_worker, case=case, closure="exited", note="Left for work abroad."
    )
    # a second, ordinary participant in the same programme, whose case stays open
    world.case()
    participant.refresh_from_db()
    secrets = [participant.cnic_index]
    secrets += list(
        BlockingKey.objects.filter(participant=participant).values_list("key", flat=True)
    )
    secrets += [getattr(participant, f"sealed_{name}") for name in IDENTITY_FIELDS]
    secrets += [
        token
        for member in FamilyMember.objects.filter(case=case)
        for token in (member.sealed_name, member.sealed_contact)
    ]
    secrets += list(Note.objects.filter(case=case).values_list("sealed_body", flat=True))
    return Seeded(world, participant, Case.objects.get(pk=case.pk), [s for s in secrets if s])


def closed_years_ago(case: Case, years: int, days: int = 1) -> None:
    """Move a closed case's closing date back, as if it had closed long ago."""
    day = services.add_years(case.closed_on, -years) - datetime.timedelta(days=days)
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(closed_on=day)


def set_rule(seeded: Seeded, identity: int, notes: int) -> RetentionRule:
    return services.save_rule(
        actor=seeded.world.steward,
        programme=seeded.case.programme,
        identity_years=identity,
        notes_years=notes,
        expected_version=0,
    )


def figures() -> list[Any]:
    """Every indicator over all time, as raw figures."""
    out = []
    for result in indicators.compute_all(indicators.Filters()):
        lines = [(ln.key, ln.value, ln.numerator, ln.denominator) for ln in result.lines]
        total = result.total and (result.total.value, result.total.denominator)
        out.append((result.indicator.code, lines, total, result.grid))
    return out


def test_anonymisation_removes_every_identity_value_and_keeps_the_indicators():
    seeded = seeded_world()
    set_rule(seeded, identity=5, notes=2)
    closed_years_ago(seeded.case, 5)
    before_dump = dump()
    # the search can fail: the keys and sealed values are there before
    assert seeded.secrets and all(secret in before_dump for secret in seeded.secrets)
    assert seeded.participant.cnic_index in before_dump
    assert WITNESS in before_dump and PLEDGE_WITNESS in before_dump  # plain columns, found
    before = figures()
    assert any(value for _code, lines, *_rest in before for _k, value, *_n in lines)

    report = services.run_due(actor=SYSTEM)

    assert [(item.participant, item.scope) for item in report.done] == [
        (seeded.participant, Scope.IDENTITY)
    ]
    assert figures() == before
    after_dump = dump()
    for value in SEEDED:
        for form in forms_of(value):
            assert form not in after_dump, value
    for secret in seeded.secrets:
        assert secret not in after_dump
    participant = Participant.objects.get(pk=seeded.participant.pk)
    assert registry.open_identity(participant) == registry.Identity()
    assert participant.cnic_index == ""
    assert not BlockingKey.objects.filter(participant=participant).exists()
    assert (participant.sex, participant.age_band) == (
        seeded.participant.sex,
        seeded.participant.age_band,
    )
    case = Case.objects.get(pk=seeded.case.pk)
    assert case.closure_note == ""
    assert not Note.objects.filter(case=case).exists()
    consent = Consent.objects.get(participant=participant)
    assert consent.witness == "" and consent.given_on.day == 1
    assert Pledge.objects.get(participant=participant).pledged_on.day == 1
    # neither a CNIC look-up nor a duplicate check finds the person again
    assert not registry.find_candidates(
        registry.Identity(name=NAME, father_name=FATHER, cnic=CNIC, birth_year=1994),
        sex="m",
        district=seeded.world.swat,
    )
    # recorded, once; a second run finds nothing
    assert Erasure.objects.filter(participant=participant, scope=Scope.IDENTITY).count() == 1
    assert services.run_due(actor=SYSTEM).done == []


def test_a_dry_run_lists_what_would_go_and_changes_nothing():
    seeded = seeded_world()
    set_rule(seeded, identity=5, notes=2)
    closed_years_ago(seeded.case, 5)
    before = dump()
    out = StringIO()
    call_command("retention", "run", "--dry-run", stdout=out)
    assert seeded.participant.code in out.getvalue()
    assert "would go" in out.getvalue()
    assert dump() == before


def test_notes_go_before_identity():
    seeded = seeded_world()
    set_rule(seeded, identity=10, notes=2)
    closed_years_ago(seeded.case, 2)
    report = services.run_due(actor=SYSTEM)
    assert [(i.participant, i.scope) for i in report.done] == [(seeded.participant, Scope.NOTES)]
    assert registry.open_identity(Participant.objects.get(pk=seeded.participant.pk)).name == NAME
    assert not Note.objects.filter(case=seeded.case).exists()
    member = FamilyMember.objects.get(case=seeded.case)
    opened = [sealing.open_field(member, f) for f in ("sealed_name", "sealed_contact")]
    assert opened == ["", ""]
    assert Case.objects.get(pk=seeded.case.pk).closure_note == ""
    assert services.run_due(actor=SYSTEM).done == []  # each case's notes go once


def test_nothing_goes_before_its_time_or_without_a_rule():
    seeded = seeded_world()
    closed_years_ago(seeded.case, 20)
    assert services.due() == []  # no rule: kept
    set_rule(seeded, identity=5, notes=2)
    with acting_as(SYSTEM):
        Case.objects.filter(pk=seeded.case.pk).update(
            closed_on=seeded.world.today - datetime.timedelta(days=300)
        )
    assert services.due() == []
    assert services.run_due(actor=SYSTEM).done == []
    assert registry.open_identity(Participant.objects.get(pk=seeded.participant.pk)).name == NAME


def test_a_legal_hold_keeps_the_records_until_it_is_lifted():
    seeded = seeded_world()
    set_rule(seeded, identity=5, notes=2)
    closed_years_ago(seeded.case, 6)
    hold = services.place_hold(
        actor=seeded.world.steward,
        participant=seeded.participant,
        reason="Pending appeal in the anti-terrorism court.",
        reference="ATC Swat 12/2026",
    )
    report = services.run_due(actor=SYSTEM)
    assert report.done == [] and [i.participant for i in report.held] == [seeded.participant]
    assert registry.open_identity(Participant.objects.get(pk=seeded.participant.pk)).name == NAME
    with pytest.raises(ValidationError):  # one standing hold at a time
        services.place_hold(
            actor=seeded.world.steward, participant=seeded.participant, reason="x", reference="y"
        )
    with pytest.raises(Stale):
        services.lift_hold(
            actor=seeded.world.steward, hold=hold, reason="Appeal decided.", expected_version=9
        )
    services.lift_hold(
        actor=seeded.world.steward, hold=hold, reason="Appeal decided.", expected_version=1
    )
    assert [i.participant for i in services.run_due(actor=SYSTEM).done] == [seeded.participant]
    lifted = LegalHold.objects.get(pk=hold.pk)
    assert (lifted.reason, lifted.reference, lifted.lift_reason) == ("", "", "")


def test_a_hold_needs_a_reason_and_a_document_and_a_steward():
    seeded = seeded_world()
    with pytest.raises(ValidationError) as refused:
        services.place_hold(
            actor=seeded.world.steward, participant=seeded.participant, reason=" ", reference=""
        )
    assert set(refused.value.error_dict) == {"reason", "reference"}
    with pytest.raises(PermissionDenied):
        services.place_hold(
            actor=seeded.world.manager, participant=seeded.participant, reason="r", reference="d"
        )
    assert not LegalHold.objects.exists()


def _withdraw(seeded: Seeded, days_ago: int) -> None:
    for consent in Consent.objects.filter(participant=seeded.participant):
        registry.withdraw_consent(actor=SYSTEM, consent=consent, note="Wants to be forgotten.")
    with acting_as(SYSTEM):
        Consent.objects.filter(participant=seeded.participant).update(
            withdrawn_on=seeded.world.today - datetime.timedelta(days=days_ago)
        )


@pytest.mark.parametrize(("days_ago", "anonymised"), [(29, False), (30, True), (90, True)])
def test_a_withdrawal_of_consent_anonymises_after_the_grace_period(settings, days_ago, anonymised):
    settings.BAHALI_RETENTION_GRACE_DAYS = 30
    seeded = seeded_world()  # no rule at all: the withdrawal alone makes it due
    _withdraw(seeded, days_ago)
    done = services.run_due(actor=SYSTEM).done
    assert bool(done) is anonymised
    name = registry.open_identity(Participant.objects.get(pk=seeded.participant.pk)).name
    assert name == ("" if anonymised else NAME)
    if anonymised:
        assert done[0].cause == "withdrawal"
        assert not Note.objects.filter(case=seeded.case).exists()


def test_a_legal_hold_stops_a_withdrawal_too():
    seeded = seeded_world()
    _withdraw(seeded, 400)
    services.place_hold(
        actor=seeded.world.steward,
        participant=seeded.participant,
        reason="Evidence in a pending trial.",
        reference="FIR 88/2026",
    )
    assert services.run_due(actor=SYSTEM).done == []
    assert registry.open_identity(Participant.objects.get(pk=seeded.participant.pk)).name == NAME


def test_consent_given_again_cancels_the_withdrawal():
    seeded = seeded_world()
    _withdraw(seeded, 400)
    registry.record_consent(
        actor=SYSTEM,
        participant=seeded.participant,
        purpose="participation",
        given_by="self",
        method="signed",
        given_on=seeded.world.today,
    )
    assert services.due() == []


def test_the_run_goes_through_the_worker_for_the_steward():
    seeded = seeded_world()
    set_rule(seeded, identity=5, notes=2)
    closed_years_ago(seeded.case, 5)
    job = jobs.start(RUN_JOB, actor=seeded.world.steward)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert registry.open_identity(Participant.objects.get(pk=seeded.participant.pk)).name == ""
    erasure = Erasure.objects.get(participant=seeded.participant, scope=Scope.IDENTITY)
    from bahali.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        operation=job.operation, action="identity.anonymised", actor=seeded.world.steward
    ).exists()
    assert erasure.cause == "rule"


def test_a_steward_of_another_organisation_cannot_anonymise():
    seeded = seeded_world()
    set_rule(seeded, identity=5, notes=2)
    closed_years_ago(seeded.case, 5)
    other = make_member(seeded.world.steward.active_memberships()[0].role)  # elsewhere
    assert services.due_for(other) == []
    assert services.run_due(actor=other).done == []
    item = services.due()[0]
    with pytest.raises(PermissionDenied):
        services.anonymise(actor=other, item=item)
    assert registry.open_identity(Participant.objects.get(pk=seeded.participant.pk)).name == NAME


def test_rules_are_checked_versioned_and_for_the_steward():
    seeded = seeded_world()
    programme = seeded.case.programme
    with pytest.raises(ValidationError) as refused:
        services.save_rule(
            actor=seeded.world.steward,
            programme=programme,
            identity_years=2,
            notes_years=5,
            expected_version=0,
        )
    assert "notes_years" in refused.value.error_dict
    with pytest.raises(ValidationError):
        services.save_rule(
            actor=seeded.world.steward,
            programme=programme,
            identity_years=101,
            notes_years=5,
            expected_version=0,
        )
    with pytest.raises(PermissionDenied):
        services.save_rule(
            actor=seeded.world.manager,
            programme=programme,
            identity_years=10,
            notes_years=5,
            expected_version=0,
        )
    assert not RetentionRule.objects.exists()
    rule = set_rule(seeded, identity=10, notes=5)
    with pytest.raises(Stale):  # someone else created it since the form was opened
        set_rule(seeded, identity=8, notes=4)
    services.save_rule(
        actor=seeded.world.steward,
        programme=programme,
        identity_years=8,
        notes_years=4,
        expected_version=rule.version,
    )
    with pytest.raises(Stale):
        services.save_rule(
            actor=seeded.world.steward,
            programme=programme,
            identity_years=7,
            notes_years=4,
            expected_version=rule.version,
        )
    rule.refresh_from_db()
    assert (rule.identity_years, rule.notes_years, rule.version) == (8, 4, 2)
    from bahali.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        object_type="retention.retentionrule", object_id=str(rule.pk), action="update"
    ).exists()


def test_erasures_record_no_values():
    seeded = seeded_world()
    set_rule(seeded, identity=5, notes=2)
    closed_years_ago(seeded.case, 5)
    services.run_due(actor=SYSTEM)
    from bahali.audit.models import AuditEvent

    erased = AuditEvent.objects.filter(action="erase", object_type="cases.case")
    assert erased.exists()
    for event in erased:
        assert all(change == ["[redacted]", "[redacted]"] for change in event.changes.values())
    assert crypto  # the sealed empties are real ciphertexts, checked by opening above
