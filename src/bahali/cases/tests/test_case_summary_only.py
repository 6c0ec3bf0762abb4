"""The security liaison reads the case summary only (DESIGN.md §2): code, phase, status, risk
band and district — never the team's names, the reasons given in requests and sign-offs, nor
the dates sessions were held or fall due. Checked on every page and API answer the liaison
reaches, against the strings seeded here, with a programme manager as the control who does
see them (so the absence means something)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.urls import reverse

from bahali.accounts import services as accounts
from bahali.accounts.models import User
from bahali.cases import services
from bahali.cases.models import Case, TransitionRequest
from bahali.casework import services as casework
from bahali.core.context import SYSTEM, acting_as
from bahali.core.templatetags.dates import day
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

REQUEST_REASON = "Ready for the community of Kabal"
PSYCHOLOGIST_REASON = "Psychosocial progress steady"
COMMITTEE_REASON = "Jirga first, say the elders"
GOAL_TITLE = "Vocational course in tailoring"


def _rename(user: User, first: str, last: str) -> str:
    with acting_as(SYSTEM):  # a test's set-up: names nobody else in the world carries
        User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
    return f"{first} {last}"


@dataclass
class Seeded:
    world: PathwayWorld
    case: Case
    pending: TransitionRequest
    names: list[str]  # the team's (and the committee signer's) full names
    dates: list[str]  # a session held and a review due, as pages and the API write them
    reasons: list[str]

    def leaks(self, text: str) -> list[str]:
        return [secret for secret in (*self.names, *self.reasons, *self.dates) if secret in text]


@pytest.fixture
def seeded() -> Seeded:
    world = PathwayWorld()
    case = world.case("centre", phase="rehabilitation")
    services.record_risk_band(actor=SYSTEM, case=case, band="high", reason="Overall judgement")
    names = [
        _rename(world.case_worker, "Shazia", "Durrani"),
        _rename(world.psychologist, "Farhan", "Qureshi"),
        _rename(world.committee_member, "Malik", "Yousafzai"),
    ]
    held_on = world.today - datetime.timedelta(days=9)
    casework.record_session(
        actor=world.psychologist,
        kind="counselling",
        format="individual",
        held_on=held_on,
        duration_minutes=60,
        topic="Anger and family",
        attendances=[casework.AttendanceLine(case=case)],
    )
    review_on = world.today + datetime.timedelta(days=3)
    casework.add_goal(
        actor=world.case_worker,
        case=case,
        domain="livelihood",
        title=GOAL_TITLE,
        review_on=review_on,
    )
    pending = services.request_transition(
        actor=world.case_worker,
        case=case,
        transition=case.programme.transitions.get(from_phase=case.phase),
        reason=REQUEST_REASON,
    )
    services.record_sign_off(
        actor=world.committee_member, request=pending, decision="object", reason=COMMITTEE_REASON
    )
    services.record_sign_off(
        actor=world.psychologist, request=pending, decision="approve", reason=PSYCHOLOGIST_REASON
    )
    case = Case.objects.get(pk=case.pk)
    assert case.next_due_on == review_on  # the goal's review: a date due on the case
    return Seeded(
        world=world,
        case=case,
        pending=pending,
        names=names,
        dates=[day(held_on), held_on.isoformat(), day(review_on), review_on.isoformat()],
        reasons=[REQUEST_REASON, PSYCHOLOGIST_REASON, COMMITTEE_REASON, GOAL_TITLE],
    )


def _bearer(user: User) -> dict[str, str]:
    issued = accounts.issue_api_token(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def _pages(client, case: Case) -> dict[str, str]:
    """Every page the liaison reaches about the case, and their work and home pages."""
    urls = (
        f"/cases/{case.pk}/",
        "/cases/",
        "/cases/my-work/",
        "/",
        reverse("registry:detail", args=[case.participant.code]),
        reverse("casework:security_notes", args=[case.pk]),
    )
    answers = {url: client.get(url) for url in urls}
    assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(urls, 200)
    return {url: answer.content.decode() for url, answer in answers.items()}


def test_the_manager_sees_the_team_the_reasons_and_the_dates(seeded: Seeded, signed_in):
    """The control: the seeded strings are on the pages for a role that may read them."""
    client = signed_in(seeded.world.manager)
    case = seeded.case
    page = client.get(f"/cases/{case.pk}/").content.decode()
    for shown in (*seeded.names, REQUEST_REASON, PSYCHOLOGIST_REASON, COMMITTEE_REASON):
        assert shown in page
    assert seeded.dates[2] in page  # next due
    assert f'datetime="{seeded.dates[3]}"' in client.get("/cases/").content.decode()
    answer = client.get(f"/api/v1/cases/{case.pk}", **_bearer(seeded.world.manager)).json()
    assert answer["team"]
    assert answer["pending_request"]["reason"] == REQUEST_REASON
    assert answer["opened_on"] == case.opened_on.isoformat()
    listed = client.get("/api/v1/cases", **_bearer(seeded.world.manager)).json()["items"][0]
    assert listed["receiving_committee_id"] == case.receiving_committee_id is not None
    assert listed["opened_on"] == case.opened_on.isoformat()
    assert 'data-testid="case-enrolled"' in page


def test_the_liaison_pages_show_the_summary_only(seeded: Seeded, signed_in):
    world = seeded.world
    case = seeded.case
    client = signed_in(world.liaison)
    pages = _pages(client, case)
    assert {url: seeded.leaks(text) for url, text in pages.items() if seeded.leaks(text)} == {}
    detail = pages[f"/cases/{case.pk}/"]
    assert case.phase.label in detail
    assert 'data-testid="case-risk"' in detail
    assert case.district.local_name in detail
    assert 'data-testid="case-team"' not in detail
    assert 'data-testid="gate"' not in detail
    assert 'data-testid="timeline-phase"' in detail  # phase changes stay, without reasons
    assert 'data-testid="timeline-sign_off"' not in detail
    assert 'data-testid="timeline-team"' not in detail
    assert 'data-testid="case-enrolled"' not in detail
    assert case.lead_organisation.name not in detail
    person = pages[reverse("registry:detail", args=[case.participant.code])]
    panel = person.split('data-testid="participant-cases"')[1].split("</section>")[0]
    assert case.phase.label in panel
    assert case.lead_organisation.name not in panel
    assert day(case.opened_on) not in panel
    listing = pages["/cases/"]
    assert case.participant.code in listing
    assert case.get_risk_band_display() in listing


def test_the_liaison_api_answers_show_the_summary_only(seeded: Seeded, client):
    world = seeded.world
    case = seeded.case
    pending = seeded.pending
    headers = _bearer(world.liaison)
    answers = {
        url: client.get(url, **headers)
        for url in (
            f"/api/v1/cases/{case.pk}",
            "/api/v1/cases",
            "/api/v1/me/work",
            "/api/v1/sign-offs",
        )
    }
    assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(answers, 200)
    assert {u: seeded.leaks(a.content.decode()) for u, a in answers.items()} == {
        url: [] for url in answers
    }
    one = answers[f"/api/v1/cases/{case.pk}"].json()
    assert (one["phase"], one["risk_band"], one["closed_on"]) == ("rehabilitation", "high", None)
    assert one["team"] is None and one["pending_request"] is None
    assert {change["reason"] for change in one["history"]} == {None}
    # beyond the summary in the case itself: when enrolled, by whom led and referred, where to
    beyond = (
        "opened_on",
        "lead_organisation_id",
        "referral_source",
        "referred_by_id",
        "receiving_community_id",
        "receiving_committee_id",
    )
    listed = answers["/api/v1/cases"].json()["items"]
    assert [row["id"] for row in listed] == [case.pk]
    for answer in (one, listed[0]):
        assert {name: answer[name] for name in beyond} == dict.fromkeys(beyond)
        assert (answer["participant"], answer["district"]) == (
            case.participant.code,
            case.district.code,
        )
    # a request carries its reasons and its sign-offs': not the liaison's to read
    assert client.get(f"/api/v1/transition-requests/{pending.pk}", **headers).status_code == 404
