"""A warning sign at a check-in alerts the team (JOURNEYS.md 4.2): it waits in the work of
everyone on the case's team (the case worker's home and My work, the psychologist's My
work), shows in the case header, brings an early reassessment, and asks the team to meet;
someone on the team acknowledges it once the team has met (audited), and it disappears."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.aftercare import services
from bahali.audit.models import AuditEvent
from bahali.cases import work
from bahali.core.versioning import Conflict
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _warned(world):
    case = world.case(phase="aftercare")
    services.plan_check_ins(actor=world.case_worker, case=case, starts_on=world.today)
    check_in = case.check_ins.order_by("due_on").first()
    services.record_check_in(
        actor=world.mentor,
        check_in=check_in,
        done_on=world.today,
        method="home_visit",
        wellbeing="poor",
        warnings=["lost_job", "renewed_contact"],
        follow_up="Call the case worker.",
    )
    check_in.refresh_from_db()
    return case, check_in


def _kinds(user):
    return [item.kind for item in work.items_for(user)]


def test_a_warning_sign_waits_for_everyone_on_the_team_and_nobody_else(world):
    _warned(world)
    for member in (world.case_worker, world.psychologist, world.mentor, world.scholar):
        assert "warning" in _kinds(member), member
        first = work.items_for(member)[0]
        assert first.kind == "warning" and first.alert  # alerts come first
        assert "Lost job or income" in str(first.detail)
    for other in (world.liaison, world.manager, world.committee_member, world.outsider):
        assert "warning" not in _kinds(other), other
    # the early reassessment is proposed to those who assess
    assert "reassessment" in _kinds(world.psychologist)


def test_the_case_header_shows_the_alert_to_the_team_not_to_the_liaison(world, signed_in):
    case, check_in = _warned(world)
    page = signed_in(world.case_worker).get(f"/cases/{case.pk}/").content.decode()
    assert f'data-testid="case-alert-warning-{check_in.pk}"' in page
    assert "Renewed contact with group members" in page
    signed_in(world.case_worker).logout()
    page = signed_in(world.liaison).get(f"/cases/{case.pk}/").content.decode()
    assert "case-alert-warning" not in page


def test_someone_on_the_team_acknowledges_it_and_it_disappears(world, signed_in):
    case, check_in = _warned(world)
    with pytest.raises(PermissionDenied):  # district scope, but not on the team
        services.acknowledge_warning(actor=world.manager, check_in=check_in, note="We met.")
    with pytest.raises(ValidationError):
        services.acknowledge_warning(actor=world.case_worker, check_in=check_in, note="  ")
    check_in.refresh_from_db()
    assert check_in.warning_acknowledged_at is None
    client = signed_in(world.psychologist)
    response = client.post(
        f"/cases/{case.pk}/aftercare/{check_in.pk}/acknowledge/",
        {"note": "The team met on Monday; the mentor visits weekly for a month."},
    )
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert check_in.warning_acknowledged_by == world.psychologist
    assert check_in.warning_note.startswith("The team met")
    assert AuditEvent.objects.filter(
        object_type="aftercare.checkin", object_id=str(check_in.pk), action="update"
    ).exists()
    for member in (world.case_worker, world.psychologist, world.mentor):
        assert "warning" not in _kinds(member)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "case-alert-warning" not in page
    with pytest.raises(Conflict):  # once is enough: a decision taken twice is a conflict
        services.acknowledge_warning(actor=world.case_worker, check_in=check_in, note="Again")


def test_a_check_in_without_warning_signs_alerts_nobody(world):
    case = world.case(phase="aftercare")
    services.plan_check_ins(actor=world.case_worker, case=case, starts_on=world.today)
    check_in = case.check_ins.order_by("due_on").first()
    services.record_check_in(
        actor=world.mentor,
        check_in=check_in,
        done_on=world.today,
        method="home_visit",
        wellbeing="good",
    )
    assert "warning" not in _kinds(world.case_worker)
    with pytest.raises(ValidationError):
        services.acknowledge_warning(actor=world.case_worker, check_in=check_in, note="Met")
