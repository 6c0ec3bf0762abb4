"""Each role's home page shows its work first (counts by kind, the oldest items), then the
few figures that matter to the role (issue 13, item 5)."""

from __future__ import annotations

import pytest

from bahali.aftercare import services as aftercare
from bahali.cases import services as cases
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _home(signed_in, user) -> str:
    client = signed_in(user)
    page = client.get("/").content.decode()
    client.logout()
    return page


def test_the_managers_home_shows_a_report_to_verify_and_a_team_to_build(world, signed_in):
    case = world.case(phase="aftercare")
    aftercare.report_outcome(
        actor=world.case_worker,
        case=case,
        kind="re_arrest",
        occurred_on=world.today,
        source="police",
        description="Arrested at a checkpoint.",
    )
    new = cases.enrol_participant(
        actor=world.case_worker,
        participant=world.participant(),
        programme=world.programmes["centre"],
        referral_source="self",
        lead_organisation=world.centre,
    )
    page = _home(signed_in, world.manager)
    assert "Nothing is waiting for you" not in page
    assert 'data-testid="work-count-outcome_verification">Events to verify: 1<' in page
    assert 'data-testid="work-count-team">Teams to build: 1<' in page
    assert new.participant.code in page and case.participant.code in page
    assert 'data-testid="access-card"' not in page  # the permission table is on the profile


def test_the_liaison_sees_phases_and_risk_bands_and_nothing_else(world, signed_in):
    world.case(phase="intake")
    high = world.case(phase="intake")
    cases.record_risk_band(actor=world.psychologist, case=high, band="high", reason="Threats")
    page = _home(signed_in, world.liaison)
    assert 'data-testid="figures-phase-risk"' in page
    assert page.count('data-testid="phase-risk-row"') == 1
    assert high.participant.code not in page  # counts, never a case


def test_oversight_sees_grievances_gates_and_the_audit_chain(world, signed_in):
    page = _home(signed_in, world.monitor)
    for panel in ("figures-grievances", "figures-gates", "figures-audit"):
        assert f'data-testid="{panel}"' in page, panel
    assert 'data-testid="figures-phase-risk"' not in page


def test_the_analyst_sees_aggregate_figures_with_small_cells_suppressed(world, signed_in):
    for _ in range(2):
        world.case(phase="intake")
    page = _home(signed_in, world.analyst)
    assert 'data-testid="figures-caseload"' in page
    assert 'data-testid="suppressed"' in page  # two cases: shown as "<5"
    assert 'data-testid="figures-gates"' not in page
