"""The prevention API keeps the pages' promises: survey results and advice-line counts are
suppressed under the minimum, answers posted with a name keep none of it, and the contacts
themselves reach the counsellors only."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from bahali.accounts import services as accounts
from bahali.assessments import services as assessments
from bahali.assessments.models import Instrument
from bahali.core.context import SYSTEM
from bahali.geography import services as geography
from bahali.geography.models import District
from bahali.prevention import services
from bahali.prevention.models import SurveyResponse
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db
ITEMS = (
    "programme_fair",
    "programme_safe",
    "government_listens",
    "initiative_helps",
    "avoid_returnees",
    "no_work",
)


def _api(client, user, method, url, data=None):
    token = accounts.issue_api_token(actor=user, name="test").secret
    call = getattr(client, method)
    return call(
        url, data or {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@override_settings(BAHALI_SMALL_CELL=5)
def test_survey_results_over_the_api_are_suppressed_and_answers_keep_no_name(client):
    world = PathwayWorld()
    assessments.load_builtin_instruments(actor=SYSTEM)
    swat = District.objects.get(code="SWT")
    tehsil = geography.add_tehsil(actor=SYSTEM, district=swat, name="Matta")
    community = geography.add_community(actor=SYSTEM, tehsil=tehsil, name="Shawar")
    version = Instrument.objects.get(code="trust_stigma").current_version()
    made = _api(
        client,
        world.trainer,
        "post",
        "/api/v1/prevention/surveys",
        {
            "community_id": community.pk,
            "instrument_version_id": version.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-02-01",
        },
    )
    assert made.status_code == 201, made.content
    url = f"/api/v1/prevention/surveys/{made.json()['id']}"
    answers = dict.fromkeys(ITEMS, "agree")
    for n in range(4):
        sent = _api(
            client,
            world.trainer,
            "post",
            f"{url}/responses",
            {"group": "women", "answers": {**answers, "name": f"Person {n}"}},
        )
        assert sent.status_code == 201, sent.content
    assert not [r for r in SurveyResponse.objects.all() if "name" in r.answers]
    results = _api(client, world.analyst, "get", url).json()["results"]
    assert results == {
        "respondents": None,
        "trust": None,
        "trust_programme": None,
        "trust_government": None,
        "trust_initiative": None,
        "stigma": None,
    }
    trend = _api(client, world.analyst, "get", "/api/v1/prevention/surveys/trends").json()
    assert [p["results"]["trust"] for p in trend] == [None]
    _api(client, world.trainer, "post", f"{url}/responses", {"answers": answers})
    results = _api(client, world.analyst, "get", url).json()["results"]
    assert results["respondents"] == 5 and results["trust"] == 75.0
    refused = _api(
        client, world.trainer, "post", f"{url}/responses", {"answers": {"no_work": "maybe"}}
    )
    assert refused.status_code == 422
    assert SurveyResponse.objects.count() == 5


@override_settings(BAHALI_SMALL_CELL=5)
def test_advice_line_counts_are_suppressed_and_contacts_stay_with_the_counsellors(client):
    world = PathwayWorld()
    swat = District.objects.get(code="SWT")
    for _ in range(3):
        services.log_advice_contact(
            actor=SYSTEM,
            organisation=world.centre,
            caller_kind="parent",
            concern="online_content",
            advice="Talk with him",
            district=swat,
            contacted_on=timezone.localdate() - datetime.timedelta(days=3),
        )
    counts = _api(client, world.analyst, "get", "/api/v1/prevention/advice-line/counts").json()
    assert counts == [{"district": "SWT", "concern": "online_content", "contacts": None}]
    contacts = "/api/v1/prevention/advice-line/contacts"
    assert _api(client, world.analyst, "get", contacts).status_code == 404
    mine = _api(client, world.psychologist, "get", contacts)
    assert len(mine.json()) == 3 and "caller" not in mine.json()[0]
    others = _api(client, world.trainer, "get", contacts)
    assert others.json() == []  # another organisation's line
