"""Grievance services and pages: lodging (staff and public), confidentiality towards the
organisation complained about, acknowledgement and resolution against time limits, the
oversight figures, and the public form's refusals and rate limit."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.cases import work
from bahali.core import work as core_work
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.geography.models import District
from bahali.grievances import services
from bahali.grievances.models import Grievance, GrievanceStatus
from bahali.grievances.views import PUBLIC_LIMIT
from bahali.testing import PathwayWorld, make_member

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
SECRET = "My son Rahim's stipend was not paid for two months"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _lodge(world, **kw):
    kw.setdefault("actor", world.case_worker)
    kw.setdefault("channel", "staff")
    kw.setdefault("category", "support_not_paid")
    kw.setdefault("complainant", "family")
    kw.setdefault("description", SECRET)
    kw.setdefault("name", "Bibi Hajra")
    kw.setdefault("contact", "0300-1234567")
    kw.setdefault("district", world.swat)
    kw.setdefault("about_organisation", world.centre)
    return services.lodge_grievance(**kw)


def test_lodged_with_time_limits_and_sealed_identity(world):
    grievance = _lodge(world)
    assert grievance.reference.startswith("GRV-") and len(grievance.reference) == 13
    assert grievance.acknowledge_by == world.today + services.ACKNOWLEDGE_DAYS * DAY
    assert grievance.resolve_by == world.today + services.RESOLVE_DAYS * DAY
    assert "Hajra" not in grievance.sealed_name and "0300" not in grievance.sealed_contact
    created = AuditEvent.objects.filter(action="create", object_type="grievances.grievance")
    text = str(list(created.values_list("changes", flat=True)))
    assert "Hajra" not in text and "stipend" not in text


def test_bad_input_refused_and_nothing_written(world):
    with pytest.raises(ValidationError) as error:
        _lodge(world, category="gossip", complainant="alien", description="bad")
    assert set(error.value.message_dict) == {"category", "complainant", "description"}
    assert not Grievance.objects.exists()


def test_analysts_and_stewards_cannot_lodge_through_staff(world):
    for user in (world.analyst, world.steward):
        with pytest.raises(PermissionDenied):
            _lodge(world, actor=user)


def test_public_channel_only_for_the_platform(world):
    with pytest.raises(ValidationError):
        _lodge(world, channel="public_form")  # a user cannot pretend to be the public form
    assert _lodge(world, actor=SYSTEM, channel="public_form", name="", contact="").pk


def test_confidential_towards_the_organisation_complained_about(world):
    grievance = _lodge(world)
    centre_manager = make_member(Role.PROGRAMME_MANAGER, organisation=world.centre)
    for user in (world.case_worker, world.psychologist, centre_manager):
        assert not Grievance.objects.visible_to(user).exists()
        assert not Grievance.objects.visible_to(user, "grievance_complainant").exists()
        with pytest.raises(PermissionDenied):
            services.read_complainant(actor=user, grievance=grievance)
    # ... but it learns that one exists
    assert list(Grievance.objects.visible_to(world.case_worker, "grievance_notice")) == [grievance]
    # the lead agency's manager (Swat) reads it, never who lodged it
    assert list(Grievance.objects.visible_to(world.manager)) == [grievance]
    with pytest.raises(PermissionDenied):
        services.read_complainant(actor=world.manager, grievance=grievance)
    # oversight reads who lodged it, and the reading is recorded
    details = services.read_complainant(actor=world.monitor, grievance=grievance)
    assert details.name == "Bibi Hajra" and details.contact == "0300-1234567"
    assert AuditEvent.objects.filter(action="grievance_complainant.read").count() == 1


def test_about_the_managers_own_organisation_hidden_from_them(world):
    _lodge(world, about_organisation=world.lead)
    assert not Grievance.objects.visible_to(world.manager).exists()
    assert Grievance.objects.visible_to(world.monitor).count() == 1


def test_only_oversight_acknowledges_and_resolves(world):
    grievance = _lodge(world)
    for user in (world.manager, world.case_worker, world.committee_member):
        with pytest.raises(PermissionDenied):
            services.acknowledge_grievance(actor=user, grievance=grievance, note="Called")
    with pytest.raises(ValidationError):
        services.acknowledge_grievance(actor=world.monitor, grievance=grievance, note=" ")
    services.acknowledge_grievance(
        actor=world.monitor, grievance=grievance, note="Phoned her", expected_version=1
    )
    assert grievance.status == GrievanceStatus.ACKNOWLEDGED
    with pytest.raises(Stale):
        services.resolve_grievance(
            actor=world.monitor,
            grievance=grievance,
            finding="upheld",
            resolution="Paid",
            expected_version=1,
        )
    services.resolve_grievance(
        actor=world.monitor, grievance=grievance, finding="upheld", resolution="Arrears paid"
    )
    assert grievance.status == GrievanceStatus.RESOLVED and grievance.resolved_on == world.today


def test_figures_and_my_work(world):
    late = _lodge(world, received_on=world.today - 40 * DAY)
    resolved = _lodge(world, received_on=world.today - 9 * DAY)
    services.resolve_grievance(
        actor=world.monitor, grievance=resolved, finding="upheld", resolution="Paid"
    )
    _lodge(world, category="stigma_threats")
    figures = services.figures(Grievance.objects.all())
    assert figures.total == 3 and figures.open == 2 and figures.resolved == 1
    assert figures.resolution_overdue == 1 and figures.acknowledgement_overdue == 1
    assert figures.resolved_in_time == 1 and figures.share_resolved_in_time == 100
    assert figures.median_days_to_resolve == 9
    assert sorted((o, r) for _label, o, r in figures.by_category) == [(1, 0), (1, 1)]
    assert services.figures(Grievance.objects.visible_to(world.monitor)) == figures
    items = [i for i in work.items_for(world.monitor) if i.kind == "grievance"]
    assert len(items) == 2 and items[0].case_label == late.reference and items[0].overdue
    # A page of the oldest one: both counted, only the oldest built (the home page's list)
    summary = core_work.summary_for(world.monitor, each=1)
    [grievances] = [kind for kind in summary.kinds if kind.source.kind == "grievance"]
    assert grievances.count == 2 and grievances.shown == 1
    assert [i.case_label for i in summary.items if i.kind == "grievance"] == [late.reference]
    assert not [i for i in work.items_for(world.manager) if i.kind == "grievance"]


# --- pages --------------------------------------------------------------------------


def _public_data(**kw):
    data = {
        "complainant": "community",
        "category": "stigma_threats",
        "district": District.objects.get(code="SWT").pk,
        "about_text": "The bazaar committee",
        "description": "Shopkeepers refuse to sell to the returnee's family.",
    }
    data.update(kw)
    return data


def test_public_form_needs_no_login_and_answers_a_reference_only(client, world):
    assert client.get("/grievance/").status_code == 200
    response = client.post("/grievance/", _public_data())
    assert response.status_code == 200
    grievance = Grievance.objects.get()
    page = response.content.decode()
    assert grievance.reference in page
    assert "Shopkeepers" not in page and "bazaar" not in page
    assert grievance.channel == "public_form" and grievance.lodged_by is None


def test_public_form_refuses_bad_input_and_changes_nothing(client, world):
    response = client.post("/grievance/", _public_data(description="", category="nonsense"))
    assert response.status_code == 400
    assert not Grievance.objects.exists()
    response = client.post("/grievance/", _public_data(description="x" * 6000))
    assert response.status_code == 400 and not Grievance.objects.exists()


def test_public_form_is_rate_limited(client, world):
    for _ in range(PUBLIC_LIMIT):
        assert client.post("/grievance/", _public_data()).status_code == 200
    response = client.post("/grievance/", _public_data())
    assert response.status_code == 429
    assert 'data-testid="rate-limited"' in response.content.decode()
    assert Grievance.objects.count() == PUBLIC_LIMIT
    other = client.post("/grievance/", _public_data(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200  # another address is counted apart


def test_pages_keep_the_complainant_from_the_organisation(client, world, signed_in):
    grievance = _lodge(world)
    client = signed_in(world.case_worker)
    assert client.get(f"/grievances/{grievance.pk}/").status_code == 404
    assert client.get(f"/grievances/{grievance.pk}/complainant/").status_code == 404
    about = client.get("/grievances/about-us/").content.decode()
    assert 'data-testid="about-us-row"' in about
    assert "stipend" not in about and "Hajra" not in about and grievance.reference not in about
    client.logout()
    client = signed_in(world.manager)
    page = client.get(f"/grievances/{grievance.pk}/").content.decode()
    assert "stipend" in page and "Hajra" not in page and "show-complainant" not in page
    client.logout()
    client = signed_in(world.monitor)
    listing = client.get("/grievances/").content.decode()
    assert grievance.reference in listing and 'data-testid="grievance-figures"' in listing
    shown = client.get(f"/grievances/{grievance.pk}/complainant/").content.decode()
    assert "Bibi Hajra" in shown


def test_the_rate_limit_is_counted_in_the_database_for_every_worker(client, world):
    """Each worker process of a deployment must see the same count: it lives in the database
    cache table, not in one process's memory; the address itself is never stored."""
    from django.db import connection

    client.post("/grievance/", _public_data(), REMOTE_ADDR="10.1.2.3")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM bahali_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == 1 and "grievance-form" in keys[0] and "10.1.2.3" not in keys[0]
