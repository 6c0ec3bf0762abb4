"""Break-the-glass (issue 14, item 3): a member outside a case's team opens it for a threat to
life with a reason, for a limited time; the team sees it, a data steward reviews it,
oversight counts it; without it, or once it has run out, the case does not exist (404)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import timezone
from tests.authorization import module_world

from bahali.accounts import policies
from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.cases import figures, services
from bahali.cases.models import Case, EmergencyAccess
from bahali.core.context import SYSTEM, acting_as
from bahali.core.versioning import Conflict
from bahali.organisations.models import OrganisationKind
from bahali.registry.models import Participant
from bahali.testing import OrganisationFactory, PathwayWorld, make_member, sign_in

pytestmark = pytest.mark.django_db

REASON = "Her brother called: a threat to her life tonight; the team cannot be reached."


def _build() -> tuple[PathwayWorld, Case]:
    world = PathwayWorld()
    return world, world.case("centre")


world = module_world(_build)


def _sees(user, case) -> bool:
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def test_without_it_the_case_does_not_exist_for_someone_outside_its_team(world):
    cast, case = world
    assert not _sees(cast.outsider, case)
    client = Client()
    sign_in(client, cast.outsider)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/participants/{case.participant.code}/").status_code == 404


def test_an_emergency_opens_the_case_and_identity_for_four_hours(world):
    cast, case = world
    access = services.open_emergency_access(actor=cast.outsider, case=case, reason=REASON)
    assert access.expires_at - access.opened_at == datetime.timedelta(hours=4)
    assert _sees(cast.outsider, case)
    participant = Participant.objects.get(pk=case.participant_id)
    assert policies.can(cast.outsider, "identity.read", participant)
    assert not policies.on_case_team(cast.outsider, case)  # not a team member for team acts
    client = Client()
    sign_in(client, cast.outsider)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    created = AuditEvent.objects.get(action="create", object_type="cases.emergencyaccess")
    assert created.actor == cast.outsider and REASON in str(created.changes)


def test_it_ends_by_itself(world):
    cast, case = world
    long_ago = timezone.now() - datetime.timedelta(hours=4, minutes=1)
    services.open_emergency_access(actor=cast.outsider, case=case, reason=REASON, now=long_ago)
    assert not _sees(cast.outsider, case)
    client = Client()
    sign_in(client, cast.outsider)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    nearly = timezone.now() - datetime.timedelta(hours=3, minutes=59)
    services.open_emergency_access(actor=cast.outsider, case=case, reason=REASON, now=nearly)
    assert _sees(cast.outsider, case)


@override_settings(BAHALI_EMERGENCY_ACCESS_HOURS=1)
def test_the_length_is_a_setting(world):
    cast, case = world
    access = services.open_emergency_access(actor=cast.outsider, case=case, reason=REASON)
    assert access.expires_at - access.opened_at == datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    "role", [Role.PROGRAMME_MANAGER, Role.SECURITY_LIAISON, Role.ANALYST, Role.DATA_STEWARD]
)
def test_only_roles_that_work_cases_may_break_the_glass(world, role):
    _cast, case = world
    with pytest.raises(PermissionDenied):
        services.open_emergency_access(actor=make_member(role), case=case, reason=REASON)
    assert not EmergencyAccess.objects.exists()


def test_refused_without_a_reason_on_a_closed_case_or_for_the_team(world):
    cast, case = world
    with pytest.raises(ValidationError):
        services.open_emergency_access(actor=cast.outsider, case=case, reason="urgent")
    with pytest.raises(ValidationError):  # already reaches it: nothing to break
        services.open_emergency_access(actor=cast.case_worker, case=case, reason=REASON)
    with acting_as(SYSTEM):
        Case.objects.filter(pk=case.pk).update(closed_on=timezone.localdate())
    closed = Case.objects.get(pk=case.pk)  # the module's case stays as built
    with pytest.raises(ValidationError):
        services.open_emergency_access(actor=cast.outsider, case=closed, reason=REASON)
    assert not EmergencyAccess.objects.exists()


def test_the_team_sees_it_on_the_case_the_liaison_does_not(world):
    cast, case = world
    access = services.open_emergency_access(actor=cast.outsider, case=case, reason=REASON)
    client = Client()
    sign_in(client, cast.case_worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'data-testid="case-alert-emergency-{access.pk}"' in page
    assert "threat to her life" in page
    client = Client()
    sign_in(client, cast.liaison)
    assert "case-alert-emergency" not in client.get(f"/cases/{case.pk}/").content.decode()


def test_a_data_steward_reviews_it_once_audited(world):
    cast, case = world
    access = services.open_emergency_access(actor=cast.outsider, case=case, reason=REASON)
    client = Client()
    sign_in(client, cast.steward)
    queue = client.get("/cases/emergency/review/").content.decode()
    assert 'data-testid="emergency-review-form"' in queue and "threat to her life" in queue
    response = client.post(
        f"/cases/emergency/{access.pk}/review/", {"note": "Justified: police informed."}
    )
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == cast.steward and access.review_note
    assert AuditEvent.objects.filter(
        action="update", object_type="cases.emergencyaccess", actor=cast.steward
    ).exists()
    with pytest.raises(Conflict):
        services.review_emergency_access(actor=cast.steward, access=access, note="again")
    other = make_member(
        Role.DATA_STEWARD, organisation=OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    )
    client = Client()
    sign_in(client, other)
    assert client.post(f"/cases/emergency/{access.pk}/review/", {"note": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.review_emergency_access(actor=cast.case_worker, access=access, note="mine")


def test_oversight_counts_them(world):
    cast, case = world
    services.open_emergency_access(actor=cast.outsider, case=case, reason=REASON)
    long_ago = timezone.now() - datetime.timedelta(hours=5)
    services.open_emergency_access(
        actor=cast.mentor, case=cast.stranger_case(), reason=REASON, now=long_ago
    )
    shown = figures.emergency_accesses(cast.monitor)
    assert shown is not None
    assert (shown["opened"], shown["running"], shown["unreviewed"]) == (2, 1, 2)
    assert figures.emergency_accesses(cast.case_worker) is None
    client = Client()
    sign_in(client, cast.monitor)
    assert 'data-testid="figures-emergency"' in client.get("/").content.decode()


def test_the_page_opens_a_case_by_its_participant_code(world):
    cast, case = world
    client = Client()
    sign_in(client, cast.outsider)
    assert client.get("/cases/emergency/").status_code == 200
    unknown = client.post("/cases/emergency/", {"code": "SWT-99-99999-9", "reason": REASON})
    assert unknown.status_code == 400 and not EmergencyAccess.objects.exists()
    short = client.post("/cases/emergency/", {"code": case.participant.code, "reason": "now"})
    assert short.status_code == 400 and not EmergencyAccess.objects.exists()
    opened = client.post(
        "/cases/emergency/", {"code": case.participant.code.lower(), "reason": REASON}
    )
    assert opened.status_code == 302 and opened["Location"] == f"/cases/{case.pk}/"
    assert client.get(opened["Location"]).status_code == 200
