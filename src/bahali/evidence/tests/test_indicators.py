"""Each indicator on a small constructed dataset, against values worked out by hand.

The period is calendar 2025. Six centre cases:

====  ==========  ===============  ==================================
case  enrolled    source           closed
====  ==========  ===============  ==================================
c1    2025-02-01  security forces  2025-08-01 completed
c2    2025-03-01  family           2025-09-01 withdrawn
c3    2025-04-01  family           2025-10-01 completed
c4    2024-06-01  self             2025-11-01 transferred
c5    2025-05-01  police           2026-02-01 exited (after the period)
c6    2025-06-01  family           open; screening 2025-09-01, intake 2026-01-10
====  ==========  ===============  ==================================
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.authorization import module_world

from bahali.aftercare.models import CheckIn
from bahali.cases.models import Case, PhaseChange
from bahali.casework.models import Attendance, Goal, Session, SupportItem
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import figures, services
from bahali.evidence.indicators import INDICATORS, Filters
from bahali.evidence.models import IndicatorVersion
from bahali.grievances import services as grievances
from bahali.grievances.models import Grievance
from bahali.referrals.models import Referral, Service
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Filters(start=D(2025, 1, 1), end=D(2025, 12, 31))


def _build() -> dict[str, Any]:
    world = PathwayWorld()
    plan = [
        ("c1", D(2025, 2, 1), "security_forces", D(2025, 8, 1), "completed"),
        ("c2", D(2025, 3, 1), "family", D(2025, 9, 1), "withdrawn"),
        ("c3", D(2025, 4, 1), "family", D(2025, 10, 1), "completed"),
        ("c4", D(2024, 6, 1), "self", D(2025, 11, 1), "transferred"),
        ("c5", D(2025, 5, 1), "police", D(2026, 2, 1), "exited"),
        ("c6", D(2025, 6, 1), "family", None, ""),
    ]
    cases = {}
    for name, opened, source, closed, closure in plan:
        case = world.case(referral_source=source)
        with acting_as(SYSTEM):
            Case.objects.filter(pk=case.pk).update(
                opened_on=opened, closed_on=closed, closure=closure, phase_entered_on=opened
            )
            PhaseChange.objects.filter(case=case).update(changed_on=opened)
            figures.refresh([case.pk])  # an update bypasses save(), as a restore does
        cases[name] = case
    programme = world.programmes["centre"]
    screening = programme.phases.get(code="screening")
    intake = programme.phases.get(code="intake")
    entry = cases["c6"].phase
    with acting_as(SYSTEM):
        PhaseChange.objects.create(
            case=cases["c6"], from_phase=entry, to_phase=screening, changed_on=D(2025, 9, 1)
        )
        PhaseChange.objects.create(
            case=cases["c6"], from_phase=screening, to_phase=intake, changed_on=D(2026, 1, 10)
        )

        def session(kind: str, day: datetime.date) -> Session:
            return Session.objects.create(
                kind=kind,
                format="individual",
                facilitator=world.psychologist,
                organisation=world.centre,
                held_on=day,
                duration_minutes=60,
            )

        for kind, day, case, status in [
            ("counselling", D(2025, 3, 1), "c1", "present"),
            ("counselling", D(2025, 4, 1), "c1", "present"),
            ("counselling", D(2025, 4, 2), "c2", "present"),
            ("counselling", D(2025, 4, 3), "c2", "absent"),
            ("education", D(2024, 12, 1), "c3", "present"),
        ]:
            Attendance.objects.create(session=session(kind, day), case=cases[case], status=status)
        for case, target, status in [
            ("c1", D(2025, 5, 1), "achieved"),
            ("c1", D(2025, 6, 1), "in_progress"),
            ("c2", D(2025, 7, 1), "achieved"),
            ("c3", D(2026, 3, 1), "achieved"),
        ]:
            Goal.objects.create(
                case=cases[case], domain="family", title="Goal", target_on=target, status=status
            )
        for due, done, follow_up in [
            (D(2025, 3, 1), D(2025, 2, 28), False),
            (D(2025, 4, 1), D(2025, 4, 5), False),
            (D(2025, 5, 1), None, False),
            (D(2025, 5, 2), D(2025, 5, 2), True),
        ]:
            CheckIn.objects.create(
                case=cases["c1"], due_on=due, done_on=done, is_follow_up=follow_up
            )
        service = Service.objects.create(
            name="Tailoring course", category="vocational", provider=world.cso, contact="Office"
        )
        for case, sent, status in [
            ("c1", D(2025, 3, 1), "completed"),
            ("c2", D(2025, 4, 1), "declined"),
            ("c3", D(2025, 4, 1), "cancelled"),
        ]:
            Referral.objects.create(
                case=cases[case],
                service=service,
                provider=world.cso,
                need="Training",
                sent_on=sent,
                status=status,
            )
        for case, kind, amount, status in [
            ("c1", "stipend", "1000", "paid"),
            ("c1", "grant", "5000", "paid"),
            ("c2", "stipend", "3000", "paid"),
            ("c3", "stipend", "9999", "planned"),
        ]:
            SupportItem.objects.create(
                case=cases[case],
                kind=kind,
                amount=Decimal(amount),
                provided_on=D(2025, 6, 1),
                organisation=world.cso,
                status=status,
            )
    for received, ack_by, acked, resolve_by, resolved in [
        (D(2025, 1, 10), D(2025, 1, 17), D(2025, 1, 15), D(2025, 2, 10), D(2025, 2, 5)),
        (D(2025, 3, 1), D(2025, 3, 8), D(2025, 3, 10), D(2025, 4, 1), D(2025, 4, 15)),
        (D(2025, 6, 1), D(2025, 6, 8), None, D(2025, 7, 1), None),
    ]:
        grievance = grievances.lodge_grievance(
            actor=SYSTEM,
            channel="public_form",
            category="mistreatment",
            complainant="participant",
            description="Shouted at",
            district=world.swat,
        )
        with acting_as(SYSTEM):
            Grievance.objects.filter(pk=grievance.pk).update(
                received_on=received,
                acknowledge_by=ack_by,
                acknowledged_on=acked,
                resolve_by=resolve_by,
                resolved_on=resolved,
            )
    return {
        "world": world,
        "cases": cases,
        "programme": programme,
        "entry": entry,
        "screening": screening,
    }


world = module_world(_build)


def _lines(code: str, world: dict[str, Any], filters: Filters = YEAR) -> dict[str, Any]:
    narrowed = Filters(**{**filters.__dict__, "programme": world["programme"].pk})
    result = INDICATORS[code].compute(narrowed)
    return {line.key: line for line in result.lines} | (
        {"total": result.total} if result.total else {}
    )


def test_enrolments_by_source(world: dict[str, Any]) -> None:
    lines = _lines("enrolments-by-source", world)
    assert {k: v.value for k, v in lines.items() if v.value} == {
        "security_forces": 1,
        "family": 3,
        "police": 1,
    }


def test_people_in_phase_at_the_end_of_the_period(world: dict[str, Any]) -> None:
    lines = _lines("people-in-phase", world)
    counts = {k: v.value for k, v in lines.items() if v.value}
    # c5 still in its entry phase, c6 in screening (its move to intake came after)
    assert counts == {str(world["entry"].pk): 1, str(world["screening"].pk): 1}


def test_median_days_in_phase(world: dict[str, Any]) -> None:
    lines = _lines("median-days-in-phase", world)
    # only c6's entry stay ended in 2025: 1 June → 1 September
    assert {k: (v.value, v.denominator) for k, v in lines.items()} == {
        str(world["entry"].pk): (92.0, 1)
    }


def test_completion_and_dropout(world: dict[str, Any]) -> None:
    lines = _lines("closures", world)
    assert lines["completed"].numerator == 2 and lines["completed"].denominator == 3
    assert lines["completed"].value == pytest.approx(2 / 3)
    assert lines["withdrawn"].value == pytest.approx(1 / 3)
    assert lines["exited"].value == 0  # c5's exit came after the period


def test_sessions_per_case(world: dict[str, Any]) -> None:
    lines = _lines("sessions-per-case", world)
    # six cases open during 2025; three sessions attended in 2025, all counselling
    assert lines["counselling"].value == pytest.approx(3 / 6)
    assert lines["education"].value == 0
    assert lines["total"].value == pytest.approx(0.5) and lines["total"].denominator == 6


def test_plan_goals_met(world: dict[str, Any]) -> None:
    line = _lines("plan-goals-met", world)["all"]
    assert (line.numerator, line.denominator) == (2, 3)


def test_check_ins_on_time(world: dict[str, Any]) -> None:
    line = _lines("check-ins-on-time", world)["all"]
    assert (line.numerator, line.denominator) == (1, 3)  # the follow-up is not scheduled


def test_referrals_completed(world: dict[str, Any]) -> None:
    line = _lines("referrals-completed", world)["all"]
    assert (line.numerator, line.denominator) == (1, 2)  # the withdrawn one left out


def test_support_per_case(world: dict[str, Any]) -> None:
    lines = _lines("support-per-case", world)
    assert lines["stipend"].value == pytest.approx(2000)  # 4000 over two cases
    assert lines["grant"].value == pytest.approx(5000)
    assert lines["total"].value == pytest.approx(4500)  # 9000 over two cases


def test_grievances_within_limits(world: dict[str, Any]) -> None:
    lines = _lines("grievances-within-limits", world)
    assert (lines["acknowledged"].numerator, lines["acknowledged"].denominator) == (1, 3)
    assert (lines["resolved"].numerator, lines["resolved"].denominator) == (1, 3)
    assert lines["median_days"].value == pytest.approx(35.5)  # 26 and 45 days


def test_filters_narrow_the_cases(world: dict[str, Any]) -> None:
    cohort_2024 = Filters(**{**YEAR.__dict__, "cohort": 2024})
    assert _lines("closures", world, cohort_2024)["completed"].denominator == 0
    women = Filters(**{**YEAR.__dict__, "sex": "f"})
    assert not any(v.value for v in _lines("enrolments-by-source", world, women).values())


def test_breakdown_by_a_second_dimension_is_suppressed_as_a_table(world: dict[str, Any]) -> None:
    by = Filters(**{**YEAR.__dict__, "by": "sex", "programme": world["programme"].pk})
    result = INDICATORS["enrolments-by-source"].compute(by)
    assert result.columns == [("m", "Male")]
    public = result.public()
    assert public["total"] == 5
    assert all(row["value"] in ("<5", 0) for row in public["rows"])


def test_shown_figures_are_suppressed(world: dict[str, Any]) -> None:
    public = INDICATORS["enrolments-by-source"].compute(YEAR).public()
    values = {row["key"]: row["value"] for row in public["rows"]}
    assert values["family"] == "<5" and values["self"] == 0
    rates = INDICATORS["closures"].compute(YEAR).public()
    assert {row["value"] for row in rates["rows"]} == {"<5"}


def test_registering_definitions_is_audited_and_versioned(world: dict[str, Any]) -> None:
    from bahali.audit.models import AuditEvent

    created = services.register_definitions(
        actor=world["world"].manager, effective_from=D(2024, 1, 1)
    )
    assert {row.code for row in created} == set(INDICATORS)
    assert AuditEvent.objects.filter(object_type__icontains="indicatorversion").count() >= len(
        INDICATORS
    )
    assert services.register_definitions(actor=SYSTEM) == []  # nothing new
    in_force = {f.indicator.code: f for f in services.definitions_in_force(D(2025, 1, 1))}
    assert not in_force["closures"].changed_during
    # a definition edited without a new number is refused
    with acting_as(SYSTEM):
        IndicatorVersion.objects.filter(code="closures").update(fingerprint="0" * 64)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.register_definitions(actor=SYSTEM)


def test_analyst_may_not_register_definitions(world: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.register_definitions(actor=world["world"].analyst)


# --- releases ---------------------------------------------------------------------------


def test_a_release_verifies_and_one_changed_byte_fails(world: dict[str, Any], tmp_path) -> None:
    import json

    from django.core.management import call_command

    from bahali.evidence import releases

    services.register_definitions(actor=SYSTEM, effective_from=D(2024, 12, 1))
    release = services.publish_release(
        actor=world["world"].manager,
        title="Outcomes 2025",
        start=D(2025, 1, 1),
        end=D(2025, 12, 31),
    )
    content = release.content.encode()
    verification = json.loads(release.verification)
    verdict = releases.verify(content, verification, releases.public_key())
    assert verdict.ok, verdict.problems
    assert not release.definitions_changed
    assert {d["code"] for d in verdict.definitions} == set(INDICATORS)
    document = json.loads(content)
    assert document["minimum_cell"] == 5
    family = next(row for row in document["indicators"][0]["rows"] if row["key"] == "family")
    assert family["value"] == "<5"  # suppressed for public use
    for position in (0, len(content) // 2, len(content) - 1):
        altered = bytearray(content)
        altered[position] ^= 0x01
        assert not releases.verify(bytes(altered), verification).ok
    # the command: 0 when intact, 1 when altered
    (tmp_path / "r.json").write_bytes(content)
    (tmp_path / "r.verification.json").write_text(release.verification)
    call_command(
        "releases", "verify", str(tmp_path / "r.json"), "--public-key", releases.public_key()
    )
    altered = bytearray(content)
    altered[10] ^= 0x01
    (tmp_path / "r.json").write_bytes(bytes(altered))
    with pytest.raises(SystemExit) as exit_status:
        call_command("releases", "verify", str(tmp_path / "r.json"))
    assert exit_status.value.code == 1


def test_a_definition_changed_after_the_period_started_is_flagged(world: dict[str, Any]) -> None:
    import json

    services.register_definitions(actor=SYSTEM, effective_from=D(2025, 3, 1))
    release = services.publish_release(
        actor=SYSTEM, title="Outcomes 2025", start=D(2025, 1, 1), end=D(2025, 12, 31)
    )
    assert release.definitions_changed
    flagged = [d for d in json.loads(release.content)["definitions"] if d["changed_during_period"]]
    assert len(flagged) == len(INDICATORS)


def test_a_wrong_key_or_a_swapped_checkpoint_fails(world: dict[str, Any]) -> None:
    import base64
    import json

    from bahali.evidence import releases

    release = services.publish_release(
        actor=SYSTEM, title="Outcomes 2025", start=D(2025, 1, 1), end=D(2025, 12, 31)
    )
    verification = json.loads(release.verification)
    other_key = base64.b64encode(bytes(32)).decode()
    assert not releases.verify(release.content.encode(), verification, other_key).ok
    verification["checkpoint"]["statement"]["seq"] += 1
    assert not releases.verify(release.content.encode(), verification).ok


def test_only_a_programme_manager_publishes(world: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.publish_release(
            actor=world["world"].analyst, title="x", start=D(2025, 1, 1), end=D(2025, 2, 1)
        )
