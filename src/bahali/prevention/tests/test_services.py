"""Prevention services: funding status, reach that adds up, who may edit an initiative, the
district import's report and all-or-nothing rule, the advice line kept out of case lists,
and the 4W export's formula neutralising."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM, acting_as
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.prevention import export, services
from bahali.prevention.models import Activity, AdviceContact, DistrictValue, Initiative
from bahali.prevention.services import FundingStatus, GrantRow, funding_status
from bahali.testing import OrganisationFactory, PathwayWorld, make_member

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 6, 1)


def initiative(lead, *, kind="livelihood", codes=("SWT",), actor=SYSTEM, **extra) -> Initiative:
    return services.create_initiative(
        actor=actor,
        data=services.InitiativeData(
            name=extra.pop("name", "Skills for Peace"),
            lead_organisation=lead,
            kind=kind,
            districts=list(District.objects.filter(code__in=codes)),
            starts_on=extra.pop("starts_on", datetime.date(2025, 1, 1)),
            **extra,
        ),
    )


# --- funding status -----------------------------------------------------------------------


def g(start: datetime.date, end: datetime.date, amount: int = 1000, paid: int = 1000) -> GrantRow:
    return GrantRow(start, end, amount, paid)


def test_no_grant_covering_today_is_unfunded():
    assert funding_status([], None, TODAY) == FundingStatus.UNFUNDED
    past = g(TODAY - 400 * DAY, TODAY - DAY)
    assert funding_status([past], None, TODAY) == FundingStatus.UNFUNDED
    future = g(TODAY + DAY, TODAY + 400 * DAY)
    assert funding_status([future], None, TODAY) == FundingStatus.UNFUNDED


def test_funding_ending_within_90_days_before_the_initiative_ends_is_a_cliff():
    grant = g(TODAY - 300 * DAY, TODAY + 60 * DAY)
    assert funding_status([grant], None, TODAY) == FundingStatus.ENDING
    assert funding_status([grant], TODAY + 200 * DAY, TODAY) == FundingStatus.ENDING
    # the initiative ends with its money: no cliff
    assert funding_status([grant], TODAY + 60 * DAY, TODAY) == FundingStatus.FUNDED
    # a grant that follows on closes the cliff
    follow = g(TODAY + 61 * DAY, TODAY + 400 * DAY, paid=0)
    assert funding_status([grant, follow], None, TODAY) == FundingStatus.FUNDED


def test_partly_funded_when_grants_stop_before_the_end_or_payments_lag():
    grant = g(TODAY - 100 * DAY, TODAY + 200 * DAY)
    assert funding_status([grant], TODAY + 500 * DAY, TODAY) == FundingStatus.PARTLY
    assert funding_status([grant], TODAY + 200 * DAY, TODAY) == FundingStatus.FUNDED
    lagging = g(TODAY - 200 * DAY, TODAY + 100 * DAY, amount=3000, paid=100)
    assert funding_status([lagging], TODAY + 100 * DAY, TODAY) == FundingStatus.PARTLY


def test_funding_statuses_read_grants_and_disbursements():
    lead = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    today = timezone.localdate()
    funded = initiative(lead, name="Funded", ends_on=today + 100 * DAY)
    grant = services.add_grant(
        actor=SYSTEM,
        initiative=funded,
        funder_kind="donor",
        amount=1_000_000,
        starts_on=today - 100 * DAY,
        ends_on=today + 100 * DAY,
    )
    services.add_disbursement(actor=SYSTEM, grant=grant, amount=600_000, paid_on=today)
    unfunded = initiative(lead, name="Unfunded")
    statuses = services.funding_statuses(Initiative.objects.all())
    assert statuses == {funded.pk: FundingStatus.FUNDED, unfunded.pk: FundingStatus.UNFUNDED}
    with pytest.raises(ValidationError):  # more than the grant
        services.add_disbursement(actor=SYSTEM, grant=grant, amount=500_000, paid_on=today)


# --- reach ------------------------------------------------------------------------------------


def test_reach_adds_up_by_sex_and_age_band():
    lead = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    item = initiative(lead)
    bands = {
        "female_under_15": 3,
        "female_youth": 10,
        "female_30_plus": 4,
        "male_under_15": 2,
        "male_youth": 12,
        "male_30_plus": 5,
    }
    activity = services.record_activity(
        actor=SYSTEM,
        initiative=item,
        held_on=timezone.localdate(),
        kind="session",
        channel="in_person",
        district=District.objects.get(code="SWT"),
        reach=bands,
    )
    assert activity.reach == 36 == sum(bands.values())
    assert activity.women == 17 and activity.youth == 22
    # the database refuses a total that does not add up
    with transaction.atomic(), acting_as(SYSTEM), pytest.raises(IntegrityError):
        Activity.objects.filter(pk=activity.pk).update(reach=35)


def test_an_activity_outside_the_initiatives_districts_or_reaching_no_one_is_refused():
    item = initiative(OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY))
    with pytest.raises(ValidationError) as refused:
        services.record_activity(
            actor=SYSTEM,
            initiative=item,
            held_on=timezone.localdate(),
            kind="session",
            channel="radio",
            district=District.objects.get(code="BJR"),
            reach={"male_youth": 3},
        )
    assert "district" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.record_activity(
            actor=SYSTEM,
            initiative=item,
            held_on=timezone.localdate(),
            kind="session",
            channel="radio",
            district=District.objects.get(code="SWT"),
            reach={},
        )


# --- who may edit ------------------------------------------------------------------------------


def test_an_organisation_edits_its_own_initiatives_only_and_coordinators_all(signed_in):
    world = PathwayWorld()
    own = initiative(world.cso, name="Ours")
    other = initiative(world.centre, name="Theirs")
    data = services.InitiativeData(
        name="Renamed",
        lead_organisation=world.cso,
        kind="livelihood",
        districts=list(District.objects.filter(code="SWT")),
        starts_on=datetime.date(2025, 1, 1),
    )
    services.update_initiative(actor=world.trainer, initiative=own, data=data)
    with pytest.raises(PermissionDenied):
        data.lead_organisation = world.centre
        services.update_initiative(actor=world.trainer, initiative=other, data=data)
    with pytest.raises(PermissionDenied):  # nor register one for another organisation
        initiative(world.centre, actor=world.trainer, name="Not ours")
    # the coordinator edits any
    data.name = "Coordinated"
    services.update_initiative(actor=world.manager, initiative=other, data=data)
    client = signed_in(world.trainer)
    assert client.get(f"/prevention/initiatives/{other.pk}/edit/").status_code == 404
    assert client.get(f"/prevention/initiatives/{own.pk}/edit/").status_code == 200
    page = client.get(f"/prevention/initiatives/{other.pk}/")
    assert page.status_code == 200 and b'data-testid="edit-initiative"' not in page.content
    # analysts: no initiative at all, the gap analysis only
    client.logout()
    client = signed_in(world.analyst)
    assert client.get(f"/prevention/initiatives/{own.pk}/").status_code == 404
    assert client.get("/prevention/gaps/").status_code == 200


def test_stale_edit_is_refused():
    from bahali.core.versioning import Stale

    item = initiative(OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY))
    data = services.InitiativeData(
        name="A",
        lead_organisation=item.lead_organisation,
        kind="livelihood",
        districts=list(item.districts.all()),
        starts_on=item.starts_on,
    )
    services.update_initiative(actor=SYSTEM, initiative=item, data=data, expected_version=1)
    with pytest.raises(Stale):
        services.update_initiative(actor=SYSTEM, initiative=item, data=data, expected_version=1)


def test_coordination_is_a_state_partner_or_a_national_framework():
    lead = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    state = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    assert initiative(lead, name="A", partners=[state]).coordinated
    assert initiative(lead, name="B", frameworks=["paigham_e_pakistan"]).coordinated
    assert not initiative(lead, name="C", partners=[lead]).coordinated
    with pytest.raises(ValidationError):
        initiative(lead, name="D", frameworks=["invented"])
    with pytest.raises(ValidationError):  # messages belong to counter-narrative work
        initiative(lead, name="E", messages="Peace")
    cn = initiative(lead, name="F", kind="counter_narrative", messages="Peace", channels=["radio"])
    assert cn.channels == ["radio"]


# --- district profiles: the import -------------------------------------------------------------


def _csv(*rows: str) -> bytes:
    return ("district,indicator,year,value\n" + "\n".join(rows)).encode()


def test_import_reports_each_row_and_imports_nothing_if_any_is_refused():
    services.define_indicator(actor=SYSTEM, code="returnees", name="Returnees", higher_is_need=True)
    table = services.read_table(
        "values.csv",
        _csv(
            "SWT,returnees,2025,520",
            "Bajaur,returnees,2025,640",
            "XXX,returnees,2025,1",
            "SWT,unknown,2025,1",
            "SWT,returnees,1800,1",
            "SWT,returnees,2024,abc",
            "SWT,returnees,2025,99",
        ),
    )
    report = services.check_import(table)
    assert [row.valid for row in report] == [True, True, False, False, False, False, False]
    assert "Unknown district." in report[2].problems
    assert "Unknown indicator." in report[3].problems
    assert report[6].problems  # the same district, indicator and year twice
    with pytest.raises(ValidationError):
        services.import_district_values(actor=SYSTEM, report=report)
    assert not DistrictValue.objects.exists()
    assert services.import_district_values(actor=SYSTEM, report=report, valid_only=True) == 2
    assert DistrictValue.objects.count() == 2


def test_import_reads_xlsx_and_refuses_a_bad_header():
    from openpyxl import Workbook

    services.define_indicator(actor=SYSTEM, code="literacy", name="Literacy", higher_is_need=False)
    book = Workbook()
    book.active.append(["district", "indicator", "year", "value"])
    book.active.append(["SWT", "literacy", 2025, 49.5])
    out = io.BytesIO()
    book.save(out)
    report = services.check_import(services.read_table("v.xlsx", out.getvalue()))
    assert services.import_district_values(actor=SYSTEM, report=report) == 1
    assert DistrictValue.objects.get().value == Decimal("49.5")
    with pytest.raises(ValidationError):
        services.check_import([["place", "value"]])
    with pytest.raises(ValidationError):
        services.read_table("v.xlsx", b"not a workbook")


def test_import_page_shows_the_report_and_imports_valid_rows_on_request(signed_in):
    world = PathwayWorld()
    services.define_indicator(actor=SYSTEM, code="returnees", name="Returnees", higher_is_need=True)
    client = signed_in(world.manager)
    upload = io.BytesIO(_csv("SWT,returnees,2025,520", "XXX,returnees,2025,1"))
    upload.name = "values.csv"
    response = client.post("/prevention/districts/import/", {"file": upload})
    assert response.status_code == 422
    assert b'data-testid="import-report"' in response.content
    assert not DistrictValue.objects.exists()
    signed = response.context["signed"]
    response = client.post("/prevention/districts/import/", {"rows": signed})
    assert response.status_code == 302 and DistrictValue.objects.count() == 1
    assert client.post("/prevention/districts/import/", {"rows": "forged"}).status_code == 302
    assert DistrictValue.objects.count() == 1


# --- the advice line ------------------------------------------------------------------------------


def test_advice_contacts_are_anonymous_by_default_and_never_cases(signed_in):
    world = PathwayWorld()
    case = world.case()
    contact = services.log_advice_contact(
        actor=world.psychologist,
        organisation=world.centre,
        caller_kind="parent",
        concern="online_content",
        advice="Talk about the videos with him",
        district=District.objects.get(code="SWT"),
    )
    assert contact.anonymous and contact.sealed_caller == ""
    named = services.log_advice_contact(
        actor=world.psychologist,
        organisation=world.centre,
        caller_kind="parent",
        concern="online_content",
        advice="Counselling offered",
        caller="Bibi Zarina 0300",
    )
    assert not named.anonymous and "Zarina" not in named.sealed_caller
    with pytest.raises(PermissionDenied):  # not in another organisation's name
        services.log_advice_contact(
            actor=world.psychologist,
            organisation=world.cso,
            caller_kind="parent",
            concern="other",
            advice="x",
        )
    from bahali.cases.models import Case

    assert list(Case.objects.all()) == [case]
    client = signed_in(world.case_worker)
    listing = client.get("/cases/")
    assert listing.status_code == 200
    assert b"Talk about the videos" not in listing.content
    assert AdviceContact.objects.visible_to(world.case_worker).count() == 2
    assert AdviceContact.objects.visible_to(world.trainer).count() == 0
    assert AdviceContact.objects.visible_to(world.analyst).count() == 0


# --- the 4W export ---


def test_4w_exports_neutralise_formulas(signed_in):
    world = PathwayWorld()
    initiative(world.cso, name='=HYPERLINK("http://x")')
    initiative(world.cso, name="@SUM(1)", kind="youth_engagement", codes=("BJR",))
    client = signed_in(world.manager)
    text = client.get("/prevention/4w/?format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    names = {row[3] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://x")', "'@SUM(1)"}
    filtered = client.get("/prevention/4w/?format=csv&kind=youth_engagement").content
    assert b"HYPERLINK" not in filtered and b"SUM" in filtered
    from openpyxl import load_workbook

    xlsx = client.get("/prevention/4w/?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert {sheet.cell(row=r, column=4).value for r in (2, 3)} == names
    assert export.safe_cell("=1+2") == "'=1+2" and export.safe_cell("\tx") == "'\tx"
    assert export.safe_cell("Peace") == "Peace" and export.safe_cell(5) == 5


def test_a_trainer_registers_an_initiative_through_the_page(signed_in):
    world = PathwayWorld()
    member = make_member(Role.MENTOR, organisation=world.cso, districts=["BJR"])
    client = signed_in(member)
    form = client.get("/prevention/initiatives/new/")
    assert form.status_code == 200
    response = client.post(
        "/prevention/initiatives/new/",
        {
            "name": "Bajaur Digital Sisters",
            "lead_organisation": world.cso.pk,
            "kind": "digital_literacy",
            "status": "active",
            "districts": [District.objects.get(code="BJR").pk],
            "starts_on": "2026-01-01",
            "target_groups": ["women"],
        },
    )
    assert response.status_code == 302
    item = Initiative.objects.get(name="Bajaur Digital Sisters")
    assert item.lead_organisation == world.cso and item.target_groups == ["women"]
