"""Community readiness: started by the community's committee or a programme manager, filled
in and completed through the assessments services, read by the team and oversight, corrected
by a linked assessment; the community page shows the history and its change over time, and
the placement page shows each community's latest judgement."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.assessments import services as assessments
from bahali.assessments.models import Assessment, AssessmentStatus
from bahali.audit.models import AuditEvent
from bahali.communities import readiness, services
from bahali.core.context import SYSTEM
from bahali.geography import services as geography
from bahali.geography.models import Community, District
from bahali.testing import OrganisationFactory, PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
ITEMS = (
    "acceptance",
    "stigma",
    "safety",
    "victims_concerns",
    "elders_support",
    "religious_support",
    "services",
)


@pytest.fixture
def world() -> PathwayWorld:
    return PathwayWorld()


def _community(name: str, district: str = "SWT") -> Community:
    tehsil = geography.add_tehsil(
        actor=SYSTEM, district=District.objects.get(code=district), name=f"Tehsil of {name}"
    )
    return geography.add_community(actor=SYSTEM, tehsil=tehsil, name=name)


def _with_committee(community: Community) -> None:
    organisation = OrganisationFactory(kind="community_committee")
    services.form_committee(actor=SYSTEM, community=community, organisation=organisation)


@pytest.fixture
def village(world) -> Community:
    village = _community("Shah Dheri")
    services.form_committee(actor=SYSTEM, community=village, organisation=world.committee)
    return village


def _answers(level: str) -> dict[str, str]:
    return dict.fromkeys(ITEMS, level) | {"acceptance_notes": "Elders spoke for it."}


def _assess(actor, community, on: datetime.date, level: str, overall: str) -> Assessment:
    draft = readiness.start_readiness_assessment(actor=actor, community=community, assessed_on=on)
    return assessments.complete_assessment(
        actor=actor,
        assessment=draft,
        expected_version=draft.version,
        answers=_answers(level),
        judgement=assessments.Judgement({}, overall, "What the jirga and the women said."),
        assessed_on=on,
    )


def test_committee_member_assesses_own_community(world, village):
    draft = readiness.start_readiness_assessment(actor=world.committee_member, community=village)
    assert draft.community == village and draft.case is None
    assert draft.status == AssessmentStatus.DRAFT
    assert draft.instrument.code == "community_readiness"
    saved = assessments.save_answers(
        actor=world.committee_member,
        assessment=draft,
        expected_version=draft.version,
        answers={"acceptance": "medium"},
    )
    assert saved.answers["acceptance"] == "medium"
    with pytest.raises(ValidationError) as refused:
        assessments.complete_assessment(
            actor=world.committee_member,
            assessment=saved,
            expected_version=saved.version,
            answers={"acceptance": "medium"},
        )
    assert "stigma" in refused.value.message_dict
    assert "overall_rating" in refused.value.message_dict
    saved.refresh_from_db()
    assert saved.status == AssessmentStatus.DRAFT
    done = assessments.complete_assessment(
        actor=world.committee_member,
        assessment=saved,
        expected_version=saved.version,
        answers=_answers("high"),
        judgement=assessments.Judgement({}, "high", "Ready."),
    )
    assert done.is_completed and done.overall_rating == "high"
    assert AuditEvent.objects.filter(object_label=f"community {village.pk} · assessment {done.pk}")


def test_who_may_start_one(world, village):
    stranger = _community("Khar", "BJR")
    _with_committee(stranger)
    world.case(receiving_community=village)
    assert readiness.start_readiness_assessment(actor=world.manager, community=village)
    for user in (world.case_worker, world.psychologist, world.monitor, world.liaison):
        with pytest.raises(PermissionDenied):
            readiness.start_readiness_assessment(actor=user, community=village)
    with pytest.raises(PermissionDenied):
        readiness.start_readiness_assessment(actor=world.committee_member, community=stranger)
    with pytest.raises(PermissionDenied):
        readiness.start_readiness_assessment(actor=world.manager, community=stranger)
    assert not Assessment.objects.filter(community=stranger).exists()


def test_one_draft_at_a_time_and_no_future_date(world, village):
    readiness.start_readiness_assessment(actor=world.committee_member, community=village)
    with pytest.raises(ValidationError):
        readiness.start_readiness_assessment(actor=world.manager, community=village)
    with pytest.raises(ValidationError):
        readiness.start_readiness_assessment(
            actor=world.manager, community=_community("Sakhra"), assessed_on=world.today + DAY
        )
    assert Assessment.objects.filter(community=village).count() == 1


def test_completed_is_read_only_and_a_correction_takes_its_place(world, village):
    first = _assess(world.committee_member, village, world.today - 90 * DAY, "low", "low")
    with pytest.raises(ValidationError):
        assessments.save_answers(
            actor=world.committee_member,
            assessment=first,
            expected_version=first.version,
            answers=_answers("high"),
        )
    correction = assessments.correct_assessment(actor=world.manager, assessment=first)
    assert correction.community == village and correction.corrects == first
    with pytest.raises(PermissionDenied):
        assessments.discard_draft(actor=world.case_worker, assessment=correction)
    assessments.complete_assessment(
        actor=world.manager,
        assessment=correction,
        expected_version=correction.version,
        answers=_answers("medium"),
        judgement=assessments.Judgement({}, "moderate", "Recounted."),
    )
    assert [a.pk for a in readiness.history(village)] == [correction.pk]


def test_history_newest_first_latest_and_series(world, village):
    other = _community("Sakhra")
    _with_committee(other)
    oldest = _assess(world.manager, village, world.today - 200 * DAY, "low", "low")
    newest = _assess(world.manager, village, world.today - 10 * DAY, "high", "high")
    middle = _assess(world.manager, village, world.today - 100 * DAY, "medium", "moderate")
    assert readiness.history(village) == [newest, middle, oldest]
    assert readiness.latest([village, other]) == {village.pk: newest}
    data = readiness.series(readiness.history(village))
    assert [name for name, _label in data.domains] == list(ITEMS)
    assert [p.ratings["acceptance"] for p in data.points] == ["low", "moderate", "high"]
    assert [p.overall for p in data.points] == ["low", "moderate", "high"]
    table = readiness.rating_table(data)
    assert table[0]["label"] == "Acceptance of returnees"
    assert [value for value, _label in table[0]["cells"]] == ["high", "moderate", "low"]


# --- pages --------------------------------------------------------------------------


def test_community_page_shows_history_chart_and_start(world, village, signed_in):
    _assess(world.manager, village, world.today - 120 * DAY, "low", "low")
    _assess(world.manager, village, world.today - 20 * DAY, "medium", "moderate")
    page = signed_in(world.committee_member).get(f"/communities/{village.pk}/").content.decode()
    assert page.count('data-testid="readiness-entry"') == 2
    assert 'data-testid="domain-chart"' in page
    assert "Readiness ratings of 2 assessments" in page
    assert 'data-testid="readiness-table"' in page
    assert 'data-testid="start-readiness"' in page


def test_list_shows_latest_readiness(world, village, signed_in):
    _with_committee(_community("Sakhra"))
    _assess(world.manager, village, world.today - 50 * DAY, "low", "low")
    _assess(world.manager, village, world.today, "high", "high")
    page = signed_in(world.manager).get("/communities/").content.decode()
    cells = page.split('data-testid="list-readiness"')[1:]
    assert len(cells) == 2
    assert any("High" in cell.split("</td>")[0] for cell in cells)
    assert any("not assessed" in cell.split("</td>")[0] for cell in cells)


def test_readers_see_history_but_cannot_start(world, village, client, signed_in):
    world.case(receiving_community=village)
    done = _assess(world.manager, village, world.today, "high", "high")
    signed_in(world.case_worker)
    page = client.get(f"/communities/{village.pk}/").content.decode()
    assert 'data-testid="readiness-entry"' in page
    assert 'data-testid="start-readiness"' not in page
    detail = client.get(f"/communities/{village.pk}/readiness/{done.pk}/").content.decode()
    assert 'data-testid="answer-acceptance"' in detail
    assert 'data-testid="correct-form"' not in detail
    assert client.post(f"/communities/{village.pk}/readiness/{done.pk}/correct/").status_code == 404


def test_fill_in_page_draft_resume_validation_and_complete(world, village, client, signed_in):
    signed_in(world.committee_member)
    response = client.post(
        f"/communities/{village.pk}/readiness/", {"assessed_on": world.today.isoformat()}
    )
    draft = Assessment.objects.get(community=village)
    url = f"/communities/{village.pk}/readiness/{draft.pk}/"
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert 'data-testid="fill-form"' in page and 'name="i_acceptance"' in page
    posted = {
        "version": draft.version,
        "assessed_on": world.today.isoformat(),
        "i_acceptance": "medium",
        "action": "save",
    }
    assert client.post(url, posted)["Location"] == url
    draft.refresh_from_db()
    assert draft.answers["acceptance"] == "medium"
    refused = client.post(url, {**posted, "version": draft.version, "action": "complete"})
    assert refused.status_code == 200
    assert 'data-testid="error-overall_rating"' in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT
    complete = {f"i_{name}": "high" for name in ITEMS} | {
        "version": draft.version,
        "assessed_on": world.today.isoformat(),
        "overall_rating": "high",
        "overall_rationale": "The jirga agreed.",
        "action": "complete",
    }
    assert client.post(url, complete)["Location"] == f"/communities/{village.pk}/"
    draft.refresh_from_db()
    assert draft.is_completed
    read = client.get(url).content.decode()
    assert 'data-testid="fill-form"' not in read and 'data-testid="correct-form"' in read
    again = client.post(url, {**complete, "overall_rating": "low"}, follow=True)
    assert "already completed; nothing was changed" in again.content.decode()
    draft.refresh_from_db()
    assert draft.overall_rating == "high"


def test_discard_a_draft(world, village, client, signed_in):
    draft = readiness.start_readiness_assessment(actor=world.manager, community=village)
    signed_in(world.committee_member)
    response = client.post(f"/communities/{village.pk}/readiness/{draft.pk}/discard/")
    assert response["Location"] == f"/communities/{village.pk}/"
    assert not Assessment.objects.filter(pk=draft.pk).exists()


def test_placement_page_shows_latest_readiness(world, village, client, signed_in):
    other = _community("Sakhra")
    _with_committee(other)
    _assess(world.manager, village, world.today - 100 * DAY, "low", "low")
    _assess(world.manager, village, world.today - 5 * DAY, "medium", "moderate")
    case = world.case(receiving_community=village)
    signed_in(world.case_worker)
    page = client.get(f"/cases/{case.pk}/community/").content.decode()
    placed = page.split('data-testid="placed-readiness"')[1].split("</div></div>")[0]
    assert "Moderate" in placed and "Low" not in placed
    candidates = page.split('data-testid="candidate-readiness"')[1].split("</ul>")[0]
    assert "Moderate" in candidates and "No readiness assessment yet." in candidates
    assert "no readiness assessment yet" in page  # in the choice of Sakhra


def test_demo_communities_show_readiness_changing(demo_data):
    # the demo, loaded once per session by `bahali demo` (root conftest.py)
    shown = {}
    for community in Community.objects.filter(committee__isnull=False):
        done = readiness.history(community)
        if done:
            shown[community.name] = [a.overall_rating for a in reversed(done)]
    assert shown["Shah Dheri"] == ["low", "moderate", "high"]
    assert len(shown) >= 3 and all(len(ratings) >= 2 for ratings in shown.values())
    assert "Dherai" not in shown  # placing a case there warns
    assert all(a.assessor is not None for a in Assessment.objects.filter(case__isnull=True))


def test_api_lists_readiness_history(world, village, client):
    from bahali.accounts import services as accounts

    _assess(world.manager, village, world.today - 100 * DAY, "low", "low")
    newest = _assess(world.committee_member, village, world.today, "high", "high")
    readiness.start_readiness_assessment(actor=world.manager, community=village)  # a draft
    token = accounts.issue_api_token(actor=world.monitor, name="t").secret
    rows = client.get(
        f"/api/v1/communities/{village.pk}/readiness", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert [row["overall_rating"] for row in rows] == ["high", "low"]
    assert rows[0]["id"] == newest.pk and rows[0]["ratings"]["acceptance"] == "high"
    assert rows[0]["assessor_id"] == world.committee_member.pk
