"""The oversight report on a constructed period (the 60 days up to today), every figure
worked out by hand.

Gate decisions (ledger): three applied 10 days ago — civil society + centre; centre +
committee with an answered objection; centre alone, overridden (document "OVR-7").

Emergency accesses: one 5 days ago, reviewed; one an hour ago to the juvenile's case, still
running, not reviewed; one 100 days ago (outside the period).

Grievances (received → limits → what happened):

=====  ========  ===========================  =====================================
g      received  acknowledged (limit)         resolved (limit)
=====  ========  ===========================  =====================================
g1     −40       −39 (−33): in time           −30 (−10): in time, 10 days, upheld
g2     −50       −40 (−43): late              −20 (−30): late, 30 days, not upheld
g3     −45       —                            open, limit −5: overdue, 45 days open
g4     −100      (outside the period)
=====  ========  ===========================  =====================================

Median days to resolution: (10 + 30) / 2 = 20; longest 30.

Consent withdrawals: the adult's research consent 20 days ago; the juvenile's media consent
(given by a guardian) 3 days ago; one 90 days ago (outside).

Residential stays today (the centre's intake expects 30 days, rehabilitation 365): the adult
in rehabilitation for 400 days (35 over) and the juvenile in intake for 45 days are listed;
an adult in rehabilitation for 100 days, and a closed case 500 days in, are not.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from tests.authorization import module_world

from bahali.audit.models import AuditEvent
from bahali.cases.models import Case, EmergencyAccess, SignOff, TransitionRequest
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import oversight
from bahali.grievances import services as grievances
from bahali.grievances.models import Channel, Grievance
from bahali.registry.models import Consent, ConsentPurpose
from bahali.testing import PathwayWorld, membership_of

pytestmark = pytest.mark.django_db


def _days(world: PathwayWorld, n: int) -> datetime.date:
    return world.today - datetime.timedelta(days=n)


def _build() -> dict[str, Any]:
    world = PathwayWorld()
    today = world.today
    now = timezone.now()
    adult = world.case(phase="rehabilitation")
    settled = world.case(phase="rehabilitation")
    minor = world.participant(consent=False, birth_year=today.year - 16)
    world.registry.record_consent(
        actor=SYSTEM,
        participant=minor,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by=Consent.GivenBy.GUARDIAN,
        guardian_name="A guardian",
        method=Consent.Method.SIGNED,
        given_on=today,
    )
    young = world.case(phase="intake", participant=minor)
    closed = world.case(phase="rehabilitation")
    transition = world.programmes["centre"].transitions.first()
    decided = now - datetime.timedelta(days=10)
    with acting_as(SYSTEM):
        Case.objects.filter(pk=adult.pk).update(phase_entered_on=_days(world, 400))
        Case.objects.filter(pk=settled.pk).update(phase_entered_on=_days(world, 100))
        Case.objects.filter(pk=young.pk).update(phase_entered_on=_days(world, 45))
        Case.objects.filter(pk=closed.pk).update(
            phase_entered_on=_days(world, 500), closed_on=_days(world, 1), closure="withdrawn"
        )
        plan = [
            ([world.centre, world.cso], None, ""),
            ([world.centre, world.committee], "answered", ""),
            ([world.centre], "open", "OVR-7"),
        ]
        for approvers, objection, override in plan:
            request = TransitionRequest.objects.create(
                case=adult,
                transition=transition,
                reason="Ready",
                status=TransitionRequest.Status.APPLIED,
                decided_at=decided,
                overridden_by=world.steward if override else None,
                override_reference=override,
                override_reason="Court order" if override else "",
            )
            for organisation in approvers:
                SignOff.objects.create(
                    request=request,
                    organisation=organisation,
                    organisation_kind=organisation.kind,
                    signed_by=world.manager,
                    decision="approve",
                    reason="Agreed",
                )
            if objection:
                SignOff.objects.create(
                    request=request,
                    organisation=world.security,
                    organisation_kind=world.security.kind,
                    signed_by=world.liaison,
                    decision="object",
                    reason="Not yet",
                    objection=objection,
                )
        opener = membership_of(world.outsider)
        for case, opened, reviewed in [
            (adult, now - datetime.timedelta(days=5), True),
            (young, now - datetime.timedelta(hours=1), False),
            (adult, now - datetime.timedelta(days=100), True),
        ]:
            EmergencyAccess.objects.create(
                case=case,
                membership=opener,
                reason="Threat to life reported by the family",
                opened_at=opened,
                expires_at=opened + datetime.timedelta(hours=12),
                reviewed_at=opened + datetime.timedelta(days=1) if reviewed else None,
                reviewed_by=world.steward if reviewed else None,
            )
        for participant, purpose, given_by, withdrawn in [
            (adult.participant, ConsentPurpose.RESEARCH, Consent.GivenBy.SELF, 20),
            (young.participant, ConsentPurpose.MEDIA, Consent.GivenBy.GUARDIAN, 3),
            (settled.participant, ConsentPurpose.RESEARCH, Consent.GivenBy.SELF, 90),
        ]:
            Consent.objects.create(
                participant=participant,
                purpose=purpose,
                given_by=given_by,
                guardian_name="A guardian" if given_by == Consent.GivenBy.GUARDIAN else "",
                method=Consent.Method.SIGNED,
                given_on=_days(world, 200),
                withdrawn_on=_days(world, withdrawn),
            )
    rows = [
        # received, category, acknowledged, acknowledge_by, resolved, resolve_by, finding
        (40, "mistreatment", 39, 33, 30, 10, "upheld"),
        (50, "support_not_paid", 40, 43, 20, 30, "not_upheld"),
        (45, "mistreatment", None, 38, None, 5, ""),
        (100, "other", 99, 93, 95, 70, "upheld"),
    ]
    for received, category, acked, ack_by, resolved, resolve_by, finding in rows:
        grievance = grievances.lodge_grievance(
            actor=SYSTEM,
            channel=Channel.PUBLIC_FORM,
            category=category,
            complainant="family",
            description="A complaint.",
            received_on=_days(world, received),
        )
        with acting_as(SYSTEM):
            Grievance.objects.filter(pk=grievance.pk).update(
                acknowledged_on=_days(world, acked) if acked is not None else None,
                acknowledge_by=_days(world, ack_by),
                resolved_on=_days(world, resolved) if resolved is not None else None,
                resolve_by=_days(world, resolve_by),
                finding=finding,
                status="resolved" if resolved is not None else "received",
            )
    return {"world": world, "adult": adult, "young": young, "settled": settled}


world = module_world(_build)


def _report(world: dict[str, Any]) -> oversight.Report:
    w = world["world"]
    return oversight.build(_days(w, 60), w.today, w.today)


def test_gate_decisions_and_overrides(world):
    report = _report(world)
    assert report.gates == {
        "decisions": 3,
        "civilian": 2,
        "community": 1,
        "objected": 2,
        "overridden": 1,
    }
    (overridden,) = report.overrides.rows
    assert overridden.override_reference == "OVR-7"
    assert report.overrides.total == 1


def test_emergency_accesses(world):
    report = _report(world)
    assert report.emergency == {
        "opened": 2,
        "reviewed": 1,
        "unreviewed": 1,
        "running": 1,
        "juvenile": 1,
        "cases": 2,
    }
    assert [a.case_id for a in report.accesses.rows] == [world["young"].pk, world["adult"].pk]


def test_grievances_and_time_to_resolution(world):
    report = _report(world)
    g = report.grievances
    assert (g["received"], g["acknowledged"], g["acknowledged_in_time"]) == (3, 2, 1)
    assert (g["resolved"], g["resolved_in_time"], g["open"], g["overdue"]) == (2, 1, 1, 1)
    assert (g["median_days"], g["longest_days"], g["oldest_open_days"]) == (20, 30, 45)
    assert report.grievance_categories == [("Mistreatment", 2), ("Support not paid", 1)]
    assert report.grievance_findings == [("Upheld", 1), ("Not upheld", 1)]


def test_consent_withdrawals(world):
    report = _report(world)
    assert report.withdrawals == {"withdrawn": 2, "people": 2, "by_guardian": 1, "juvenile": 1}
    assert report.withdrawal_purposes == [("Research", 1), ("Media", 1)]
    assert [c.participant_id for c in report.withdrawn.rows] == [
        world["young"].participant_id,
        world["adult"].participant_id,
    ]


def test_long_residential_stays_and_juveniles(world):
    report = _report(world)
    listed = [(c.pk, c.stay_days, c.days_over) for c in report.long_stays.rows]
    assert listed == [(world["adult"].pk, 400, 35), (world["young"].pk, 45, 15)]
    assert report.juveniles == {
        "open": 1,
        "enrolled": 1,
        "closed": 0,
        "residential": 1,
        "long_stays": 1,
    }
    assert report.juvenile_phases == [("centre · Intake", 1)]


def test_a_short_period_leaves_the_older_events_out(world):
    w = world["world"]
    report = oversight.build(_days(w, 4), w.today, w.today)
    assert report.gates["decisions"] == 0
    assert report.emergency["opened"] == 1  # only the access an hour ago
    assert report.withdrawals["withdrawn"] == 1
    assert report.grievances["received"] == 0
    assert report.grievances["median_days"] is None


def test_the_audit_chain_state():
    from bahali.audit import services as audit

    state = oversight.audit_state()
    assert state.verified is None and state.checkpoint is None
    assert state.head_seq == AuditEvent.objects.count()

    audit.verify_and_record(actor=SYSTEM)
    checked_then = AuditEvent.objects.count() - 1  # the verification event came after
    audit.take_checkpoint(actor=SYSTEM)
    state = oversight.audit_state()
    assert state.verified_ok and state.checked == checked_then
    assert state.checkpoint_seq == checked_then + 1  # the head when the checkpoint signed it
    assert state.checkpoint_holds is True
    assert state.verification_covers_checkpoint is False  # verified before the checkpoint
    assert state.events_since_verification == 1

    audit.verify_and_record(actor=SYSTEM)
    state = oversight.audit_state()
    assert state.verification_covers_checkpoint is True

    with acting_as(SYSTEM):  # a checkpoint that does not match the chain
        audit.record("audit.checkpoint", changes={"seq": [None, 1], "hash": [None, "0" * 64]})
    state = oversight.audit_state()
    assert state.checkpoint_seq == 1 and state.checkpoint_holds is False


def test_the_page_shows_the_report_and_is_never_stored(world, signed_in):
    w = world["world"]
    client = signed_in(w.monitor)
    start = _days(w, 60).isoformat()
    response = client.get(f"/evidence/oversight/?start={start}&end={w.today.isoformat()}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert 'data-testid="gates-overridden"><strong>1</strong>' in page
    assert 'data-testid="emergency-unreviewed"><strong>1</strong>' in page
    assert 'data-testid="grievances-median">20<' in page
    assert world["adult"].participant.code in page  # pseudonymous code of the long stay
    assert "OVR-7" in page


def test_the_pdf_in_english_and_urdu_is_recorded(world, signed_in, settings):
    w = world["world"]
    client = signed_in(w.monitor)
    before = AuditEvent.objects.filter(action="evidence.oversight_report_printed").count()
    for language in ("en", "ur"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(f"/evidence/oversight.pdf?start={_days(w, 60).isoformat()}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "no-store" in response["Cache-Control"]
        assert response.content.startswith(b"%PDF")
        assert b"+NotoNaskhArabic" in response.content  # the Arabic-script font, embedded
    printed = AuditEvent.objects.filter(action="evidence.oversight_report_printed")
    assert printed.count() == before + 2
    event = printed.order_by("-seq").first()
    assert event is not None and event.changes["start"] == [None, _days(w, 60).isoformat()]


def test_a_bad_period_is_a_message_not_an_error(world, signed_in):
    client = signed_in(world["world"].monitor)
    response = client.get("/evidence/oversight/?start=2026-13-40&end=2025-01-01")
    assert response.status_code == 200
    assert b"invalid-feedback" in response.content
    response = client.get("/evidence/oversight/?start=2026-02-01&end=2026-01-01")
    assert b"The end of the period comes before its start." in response.content


def test_the_page_costs_the_same_for_more_rows(world, signed_in, django_assert_max_num_queries):
    w = world["world"]
    client = signed_in(w.monitor)
    url = f"/evidence/oversight/?start={_days(w, 60).isoformat()}"
    client.get(url)
    with django_assert_max_num_queries(60) as counted:
        assert client.get(url).status_code == 200
    before = len(counted.captured_queries)
    now = timezone.now()
    with acting_as(SYSTEM):
        for n in range(4):
            EmergencyAccess.objects.create(
                case=world["settled"],
                membership=membership_of(w.outsider),
                reason=f"Threat {n}",
                opened_at=now - datetime.timedelta(days=2, hours=n),
                expires_at=now - datetime.timedelta(days=1),
            )
    with django_assert_max_num_queries(before):
        response = client.get(url)
    assert b'data-testid="emergency-opened">6<' in response.content
