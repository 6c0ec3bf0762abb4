"""The assessment pages through HTTP: start, fill in (draft, resume, skip logic, errors
pointing at the item), complete, read, correct, compare, proposed goals, the chart, the
instruments (import, publish, export) and the programme's factor distribution."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bahali.assessments import services, xlsform
from bahali.assessments.builtin import builtin_definition
from bahali.assessments.models import Assessment, Instrument
from bahali.assessments.tests.test_services import (
    DOMAINS,
    FACTORS,
    NEEDS,
    _opened_long_ago,
    complete_progress,
    progress_answers,
)
from bahali.casework.models import Goal
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _start(client, case, code: str, day: datetime.date) -> Assessment:
    instrument = Instrument.objects.get(code=code)
    response = client.post(
        f"/cases/{case.pk}/assessments/",
        {"instrument": instrument.pk, "assessed_on": day.isoformat()},
    )
    assert response.status_code == 302, response.content[:2000]
    assessment = Assessment.objects.get(case=case, instrument_version__instrument=instrument)
    assert response["Location"] == f"/cases/{case.pk}/assessments/{assessment.pk}/"
    return assessment


def test_fill_in_a_screening_on_the_page(world, signed_in):
    client = signed_in(world.case_worker)
    case = world.case()
    assessment = _start(client, case, "screening", world.today)
    url = f"/cases/{case.pk}/assessments/{assessment.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="item-guardian_consent" hidden' in html  # age unknown: hidden
    # skip logic follows the answers without saving (HTMX redraw)
    redraw = client.post(url, {"i_age": "15", "assessed_on": world.today}, HTTP_HX_REQUEST="true")
    shown = json.loads(redraw["HX-Trigger"])["bahali:relevance"]
    assert "guardian_consent" in shown["items"] and "pressure" not in shown["items"]
    assessment.refresh_from_db()
    assert assessment.answers == {}
    # a draft with a wrong answer: nothing saved, the message points at the item
    data = {"version": 1, "assessed_on": world.today, "i_age": "abc", "action": "save"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert 'data-testid="error-age"' in refused.content.decode()
    assessment.refresh_from_db()
    assert assessment.version == 1
    data["i_age"] = "15"
    assert client.post(url, data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == {"age": 15} and assessment.version == 2
    resumed = client.get(url).content.decode()
    assert 'value="15"' in resumed
    # completing needs the required items shown
    data.update({"version": 2, "action": "complete"})
    refused = client.post(url, data).content.decode()
    assert 'data-testid="error-guardian_consent"' in refused
    assert 'data-testid="error-voluntary"' in refused
    assert 'data-testid="error-pressure"' not in refused  # shown only when not voluntary
    data.update(
        {
            "i_voluntary": "yes",
            "i_understands": "full",
            "i_pledge_ready": "yes",
            "i_safety_risk": "no",
            "i_health_needs": ["none"],
            "i_guardian_consent": "yes",
            "i_eligibility": "eligible",
            "i_eligibility_reason": "Came forward with his father.",
        }
    )
    # a live redraw carries the last submit button htmx saw, but never saves or completes
    redraw = client.post(url, data, HTTP_HX_REQUEST="true")
    assert redraw.status_code == 200 and "bahali:relevance" in redraw["HX-Trigger"]
    assessment.refresh_from_db()
    assert not assessment.is_completed and assessment.version == 2
    assert client.post(url, data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_completed
    readonly = client.get(url).content.decode()
    assert 'data-testid="fill-form"' not in readonly
    assert "Came forward with his father." in readonly
    # read-only: a second submit after completion changes nothing and shows what is kept
    again = client.post(url, {**data, "i_eligibility_reason": "Changed."}, follow=True)
    assert again.status_code == 200
    assert "already completed; nothing was changed" in again.content.decode()
    assessment.refresh_from_db()
    assert assessment.version == 3 and assessment.answers["eligibility_reason"] == (
        "Came forward with his father."
    )


def test_stale_draft_is_refused(world, signed_in):
    client = signed_in(world.case_worker)
    case = world.case()
    assessment = _start(client, case, "needs", world.today)
    url = f"/cases/{case.pk}/assessments/{assessment.pk}/"
    base = {"assessed_on": world.today, "action": "save", "i_health": "some"}
    assert client.post(url, {**base, "version": 1}).status_code == 302
    stale = client.post(url, {**base, "version": 1, "i_health": "urgent"}, follow=True)
    assert "Someone else changed this after you opened it" in stale.content.decode()
    assessment.refresh_from_db()
    assert assessment.answers == {"health": "some"}


def test_progress_chart_compare_and_correct(world, signed_in):
    case = _opened_long_ago(world.case())
    first = complete_progress(world, case, "high", days_ago=180)
    complete_progress(world, case, "moderate", days_ago=90)
    last = complete_progress(world, case, "low", days_ago=2)
    client = signed_in(world.psychologist)
    page = client.get(f"/cases/{case.pk}/assessments/").content.decode()
    assert 'data-testid="domain-chart"' in page
    assert page.count('data-testid="chart-point"') == 3 * (len(DOMAINS) + 1)
    assert page.count('data-testid="chart-line"') == len(DOMAINS) + 1
    compared = client.get(
        f"/cases/{case.pk}/assessments/compare/?left={first.pk}&right={last.pk}"
    ).content.decode()
    assert compared.count('data-testid="changed"') == len(DOMAINS) + 1  # indicators unchanged
    response = client.post(f"/cases/{case.pk}/assessments/{first.pk}/correct/")
    correction = Assessment.objects.get(corrects=first)
    assert response["Location"] == f"/cases/{case.pk}/assessments/{correction.pk}/"
    case.refresh_from_db()
    assert case.risk_band == "low"


def test_compare_refuses_two_different_instruments(world, signed_in):
    """A needs assessment next to a progress review has no item in common: the page says so
    instead of showing a meaningless difference."""
    case = _opened_long_ago(world.case())
    progress = complete_progress(world, case, "high", days_ago=30)
    needs = services.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="needs")
    )
    services.complete_assessment(
        actor=world.case_worker,
        assessment=needs,
        expected_version=1,
        answers=dict.fromkeys(NEEDS, "none"),
    )
    client = signed_in(world.psychologist)
    url = f"/cases/{case.pk}/assessments/compare/"
    page = client.get(f"{url}?left={progress.pk}&right={needs.pk}").content.decode()
    assert 'data-testid="compare-different"' in page
    assert "different instruments" in page
    assert 'data-testid="comparison"' not in page
    same = client.get(f"{url}?left={progress.pk}&right={progress.pk}").content.decode()
    assert 'data-testid="comparison"' in same and 'data-testid="compare-different"' not in same


def test_security_liaison_sees_the_overall_band_only(world, signed_in):
    case = _opened_long_ago(world.case())
    assessment = complete_progress(world, case, "moderate", days_ago=10)
    client = signed_in(world.liaison)
    page = client.get(f"/cases/{case.pk}/assessments/").content.decode()
    assert 'data-testid="assessment-band"' in page
    assert "domain-chart" not in page
    assert "Overall moderate" not in page  # the rationale is not for them
    assert client.get(f"/cases/{case.pk}/assessments/{assessment.pk}/").status_code == 404


def test_proposed_goals_are_accepted_or_edited(world, signed_in):
    client = signed_in(world.case_worker)
    case = world.case()
    assessment = services.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="factors")
    )
    answers = dict.fromkeys(FACTORS, "absent")
    answers.update(
        {
            "socio_economic": "primary",
            "socio_economic_evidence": "Lost work after the floods",
            "trauma": "secondary",
            "trauma_evidence": "Saw his brother killed",
        }
    )
    data = {f"i_{k}": v for k, v in answers.items()}
    data.update({"version": 1, "assessed_on": world.today, "action": "complete"})
    response = client.post(f"/cases/{case.pk}/assessments/{assessment.pk}/", data)
    goals_url = f"/cases/{case.pk}/assessments/{assessment.pk}/goals/"
    assert response["Location"] == goals_url
    page = client.get(goals_url).content.decode()
    assert page.count('data-testid="proposal"') == 2
    response = client.post(
        goals_url,
        {
            "keep_0": "on",
            "domain_0": "livelihood",
            "title_0": "Open a tailoring stall",
            "domain_1": "psychosocial",
            "title_1": "Trauma-informed counselling",
        },
    )
    assert response["Location"] == f"/cases/{case.pk}/plan/"
    assert list(Goal.objects.filter(case=case).values_list("domain", "title")) == [
        ("livelihood", "Open a tailoring stall")
    ]


def test_instrument_import_publish_and_export(world, signed_in):
    client = signed_in(world.manager)
    definition = builtin_definition("needs")
    data = xlsform.write_xlsform(definition, code="lead-needs", kind="needs", version=1)
    upload = SimpleUploadedFile("needs.xlsx", data)
    response = client.post(
        "/assessments/instruments/import/",
        {"workbook": upload, "organisation": world.lead.pk, "note": "Our needs"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    instrument = Instrument.objects.get(code="lead-needs")
    assert instrument.organisation == world.lead
    detail = client.get("/assessments/instruments/lead-needs/").content.decode()
    assert 'data-testid="publish-form"' in detail
    client.post("/assessments/instruments/lead-needs/versions/1/publish/")
    assert instrument.current_version().number == 1
    exported = client.get("/assessments/instruments/lead-needs/versions/1/xlsform/")
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsform.read_xlsform(exported.content).definition == definition
    broken = xlsform.write_xlsform(definition, code="x", kind="needs", version=1)
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(broken))
    book["survey"]["F3"] = "${nothing} = 'x'"  # relevant of the first item
    buffer = io.BytesIO()
    book.save(buffer)
    refused = client.post(
        "/assessments/instruments/import/",
        {
            "workbook": SimpleUploadedFile("bad.xlsx", buffer.getvalue()),
            "instrument": instrument.pk,
        },
    )
    html = refused.content.decode()
    assert 'data-testid="import-problems"' in html
    assert re.search(r"Sheet “survey”, row 3", html)
    assert instrument.versions.count() == 1


def test_factor_distribution_suppresses_small_cells(world, signed_in):
    case = world.case()
    assessment = services.start_assessment(
        actor=world.case_worker, case=case, instrument=Instrument.objects.get(code="factors")
    )
    answers = dict.fromkeys(FACTORS, "absent")
    answers.update({"coercion": "primary", "coercion_evidence": "Taken from school"})
    services.complete_assessment(
        actor=world.case_worker, assessment=assessment, expected_version=1, answers=answers
    )
    client = signed_in(world.analyst)
    page = client.get(f"/assessments/programmes/{case.programme.code}/factors/").content.decode()
    assert 'data-testid="factor-row"' in page
    assert "&lt;5" in page
    by_age = client.get(f"/assessments/programmes/{case.programme.code}/factors/?by=age_band")
    assert by_age.status_code == 200


def test_overdue_reassessment_in_my_work(world, signed_in):
    case = _opened_long_ago(world.case(phase="rehabilitation"))
    page = signed_in(world.psychologist).get("/cases/my-work/").content.decode()
    assert "Reassess progress" in page
    assert f"/cases/{case.pk}/assessments/" in page


def test_timeline_shows_completed_assessments(world, signed_in):
    case = _opened_long_ago(world.case())
    complete_progress(world, case, "high", days_ago=3)
    page = signed_in(world.case_worker).get(f"/cases/{case.pk}/").content.decode()
    assert "Assessment: Progress and risk" in page
    assert progress_answers  # the shared helper stays imported for the fixtures above


def test_the_programme_page_links_to_factors_for_aggregate_readers_only(world, signed_in, client):
    code = world.programmes["centre"].code
    assert 'data-testid="programme-factors"' in (
        signed_in(world.analyst).get(f"/programmes/{code}/").content.decode()
    )
    client.logout()
    page = signed_in(world.committee_member).get(f"/programmes/{code}/").content.decode()
    assert 'data-testid="programme-factors"' not in page


def test_the_start_form_suggests_the_phase_instruments(world, signed_in):
    case = world.case(phase="intake")
    page = signed_in(world.case_worker).get(f"/cases/{case.pk}/assessments/").content.decode()
    assert 'data-testid="phase-instruments"' in page
    factors = Instrument.objects.get(code="factors")
    assert f'<option value="{factors.pk}" selected>' in page
