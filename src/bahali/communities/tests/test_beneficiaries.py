"""Receiving communities as beneficiaries: community-benefit support follows a placement,
refused input changes nothing, and the share of a programme's support reaching community
members beside returnees, on constructed data."""

from __future__ import annotations

import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.casework import services as casework
from bahali.communities import services
from bahali.communities.models import CommunityBenefit
from bahali.communities.views import oversight_support_panel
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.geography import services as geography
from bahali.geography.models import Community, District
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

D = decimal.Decimal


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


@pytest.fixture
def village(world) -> Community:
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code="SWT"), name="Tehsil of Shah Dheri"
    )
    community = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shah Dheri")
    services.form_committee(actor=world.manager, community=community, organisation=world.committee)
    return community


def _benefit(world, case, amount="10000", reached=8, status="planned", actor=None):
    return services.record_community_benefit(
        actor=actor or world.case_worker,
        case=case,
        kind="livelihood_grant",
        description="Poultry for five households",
        amount=D(amount),
        beneficiaries=reached,
        provided_on=world.today,
        organisation=world.centre,
        status=status,
    )


def _support(world, case, amount, paid=True):
    item = casework.record_support(
        actor=world.case_worker,
        case=case,
        kind="stipend",
        amount=D(amount),
        provided_on=world.today,
        organisation=world.centre,
    )
    if paid:
        casework.mark_support_paid(actor=world.case_worker, item=item)
    return item


def test_community_benefit_follows_a_placement(world, village):
    unplaced = world.case()
    with pytest.raises(ValidationError) as error:
        _benefit(world, unplaced)
    assert "not placed in a community" in str(error.value)
    assert not CommunityBenefit.objects.exists()
    case = world.case(receiving_community=village)
    benefit = _benefit(world, case)
    assert benefit.community == village
    assert benefit.status == "planned"
    assert benefit.recorded_by == world.case_worker


def test_community_benefit_input_refused_and_nothing_written(world, village):
    case = world.case(receiving_community=village)
    with pytest.raises(ValidationError) as error:
        services.record_community_benefit(
            actor=world.case_worker,
            case=case,
            kind="bribe",
            description=" ",
            amount=D("0"),
            beneficiaries=0,
            provided_on=world.today,
            organisation=world.centre,
            status="lost",
        )
    assert set(error.value.message_dict) == {
        "kind",
        "description",
        "amount",
        "beneficiaries",
        "status",
    }
    with pytest.raises(ValidationError) as error:
        _benefit(world, case, amount="10.005")
    assert set(error.value.message_dict) == {"amount"}
    assert not CommunityBenefit.objects.exists()


def test_who_records_and_who_sees_community_benefit(world, village):
    case = world.case(receiving_community=village)
    benefit = _benefit(world, case)
    for outsider in (world.committee_member, world.liaison, world.analyst, world.outsider):
        with pytest.raises(PermissionDenied):
            _benefit(world, case, actor=outsider)
    # the receiving committee sees the support to its own community; the liaison does not
    assert list(CommunityBenefit.objects.visible_to(world.committee_member, "community_benefit"))
    assert benefit in CommunityBenefit.objects.visible_to(world.monitor, "community_benefit")
    assert not CommunityBenefit.objects.visible_to(world.liaison, "community_benefit").exists()
    assert not CommunityBenefit.objects.visible_to(world.outsider, "community_benefit").exists()


def test_paid_once_and_stale_refused(world, village):
    case = world.case(receiving_community=village)
    benefit = _benefit(world, case)
    with pytest.raises(Stale):
        services.mark_benefit_paid(actor=world.case_worker, benefit=benefit, expected_version=9)
    benefit.refresh_from_db()
    assert benefit.status == "planned"
    services.mark_benefit_paid(
        actor=world.case_worker, benefit=benefit, expected_version=benefit.version
    )
    benefit.refresh_from_db()
    assert benefit.status == "paid"


def test_share_of_support_reaching_community_members(world, village):
    """Constructed: the centre programme paid 30,000 to returnees (a planned 99,999 not
    counted) and 10,000 to community members (a planned 50,000 not counted): 75% and 25%,
    with 8 + 4 members reached. The prison programme paid returnees only: 100% and 0%. The
    community programme paid nothing: no share at all."""
    first = world.case(receiving_community=village)
    second = world.case(receiving_community=village)
    _support(world, first, "20000")
    _support(world, second, "10000")
    _support(world, second, "99999", paid=False)
    paid = _benefit(world, first, amount="6000", reached=8)
    services.mark_benefit_paid(actor=world.case_worker, benefit=paid)
    paid = _benefit(world, second, amount="4000", reached=4)
    services.mark_benefit_paid(actor=world.case_worker, benefit=paid)
    _benefit(world, second, amount="50000", reached=100)  # planned only
    prison_case = world.case("prison", receiving_community=village)
    _support(world, prison_case, "5000")
    programmes = world.programmes
    shares = {
        share.programme.pk: share
        for share in services.support_shares(
            [programmes["centre"], programmes["prison"], programmes["community"]]
        )
    }
    centre = shares[programmes["centre"].pk]
    assert (centre.returnees, centre.community) == (D("30000"), D("10000"))
    assert (centre.returnee_share, centre.community_share) == (75, 25)
    assert centre.community_members == 12
    prison = shares[programmes["prison"].pk]
    assert (prison.returnee_share, prison.community_share) == (100, 0)
    community = shares[programmes["community"].pk]
    assert community.total == 0
    assert (community.returnee_share, community.community_share) == (None, None)


def test_shares_in_a_fixed_number_of_queries(world, village, django_assert_num_queries):
    for _ in range(3):
        case = world.case(receiving_community=village)
        _support(world, case, "1000")
        services.mark_benefit_paid(actor=world.case_worker, benefit=_benefit(world, case))
    programmes = list(world.programmes.values())
    with django_assert_num_queries(2):
        services.support_shares(programmes)


def test_the_oversight_figure_is_for_oversight(world, village):
    case = world.case(receiving_community=village)
    _support(world, case, "3000")
    services.mark_benefit_paid(actor=world.case_worker, benefit=_benefit(world, case, "1000"))
    panel = oversight_support_panel(world.monitor)
    assert panel is not None
    centre = next(s for s in panel["shares"] if s.programme == world.programmes["centre"])
    assert (centre.returnee_share, centre.community_share) == (75, 25)
    assert oversight_support_panel(world.case_worker) is None
    assert oversight_support_panel(world.manager) is None
