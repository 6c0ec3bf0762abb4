"""Anonymous trust and stigma surveys: the sample-size helper against hand-computed values,
questionnaires that could identify refused, answers that carry no identity, groups under
the minimum that show nothing, and the gap analysis's "trust falling" flag."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from bahali.assessments import services as assessments
from bahali.assessments import xlsform
from bahali.assessments.builtin import builtin_definition
from bahali.assessments.models import Instrument
from bahali.core.context import SYSTEM
from bahali.core.versioning import Conflict
from bahali.geography import services as geography
from bahali.geography.models import Community, District
from bahali.organisations.models import OrganisationKind
from bahali.prevention import gaps, services, surveys
from bahali.prevention.models import SurveyResponse, SurveyRound
from bahali.testing import OrganisationFactory, PathwayWorld

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
AGREE = ["strongly_disagree", "disagree", "neutral", "agree", "strongly_agree"]


# --- the sample a round needs (no database) -----------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "margin", "population", "expected"),
    [
        # 1.96² × 0.25 / 0.05² = 384.16 → 385
        (95, 0.05, None, 385),
        # 1.6449² × 0.25 / 0.05² = 270.57 → 271
        (90, 0.05, None, 271),
        # 2.5758² × 0.25 / 0.05² = 663.48 → 664
        (99, 0.05, None, 664),
        # 1.96² × 0.25 / 0.03² = 1067.11 → 1068
        (95, 0.03, None, 1068),
        # 384.16 / (1 + 383.16 / 1000) = 277.74 → 278
        (95, 0.05, 1000, 278),
        # 663.48 / (1 + 662.48 / 200) = 153.89 → 154
        (99, 0.05, 200, 154),
        # 1067.11 / (1 + 1066.11 / 100_000) = 1055.85 → 1056
        (95, 0.03, 100_000, 1056),
    ],
)
def test_sample_size_is_cochrans_with_the_finite_population_correction(
    confidence, margin, population, expected
):
    assert surveys.sample_size(confidence, margin, population) == expected


def test_sample_size_refuses_what_it_cannot_compute():
    for bad in ((80, 0.05, None), (95, 0.0, None), (95, 1.5, None), (95, 0.05, -3)):
        with pytest.raises(ValueError):
            surveys.sample_size(*bad)


# --- the questionnaire -------------------------------------------------------------------


def _questionnaire():
    assessments.load_builtin_instruments(actor=SYSTEM)
    return Instrument.objects.get(code="trust_stigma").current_version()


def test_the_builtin_questionnaire_travels_as_an_xlsform_and_asks_nothing_identifying():
    definition = builtin_definition("trust_stigma")
    imported = xlsform.read_xlsform(
        xlsform.write_xlsform(definition, code="trust_stigma", kind="survey", version=1)
    )
    assert imported.kind == "survey"
    assert imported.definition == definition
    assert not [i for s in definition["sections"] for i in s["items"] if i["type"] == "text"]
    scored = surveys.scored_items(definition)
    assert {m for m, _choices in scored.values()} == {
        "trust_programme",
        "trust_government",
        "trust_initiative",
        "stigma",
    }
    assert all(choices == AGREE for _m, choices in scored.values())


def test_a_survey_questionnaire_with_free_text_or_dates_is_refused():
    world = PathwayWorld()
    definition = builtin_definition("trust_stigma")
    definition["sections"][0]["items"].append(
        {"name": "your_name", "type": "text", "label": {"en": "Your name"}}
    )
    with pytest.raises(ValidationError) as refused:
        assessments.create_instrument(
            actor=world.manager,
            code="own-survey",
            kind="survey",
            organisation=world.lead,
            definition=definition,
        )
    assert "item:your_name" in str(refused.value)
    assert not Instrument.objects.filter(code="own-survey").exists()
    # the same item is fine in an instrument of another kind
    assessments.create_instrument(
        actor=world.manager,
        code="own-needs",
        kind="needs",
        organisation=world.lead,
        definition=definition,
    )


# --- rounds and responses -----------------------------------------------------------------


def _community(code: str = "SWT") -> Community:
    """The district's first community, added (with a tehsil) when it has none."""
    found = Community.objects.filter(tehsil__district__code=code).first()
    if found is not None:
        return found
    district = District.objects.get(code=code)
    tehsil = district.tehsils.first() or geography.add_tehsil(
        actor=SYSTEM, district=district, name=f"{code} Tehsil"
    )
    return geography.add_community(actor=SYSTEM, tehsil=tehsil, name=f"{code} Village")


def _round(org, community, *, ends_on: datetime.date, actor=SYSTEM) -> SurveyRound:
    return services.plan_survey_round(
        actor=actor,
        organisation=org,
        community=community,
        instrument_version=_questionnaire(),
        starts_on=ends_on - 30 * DAY,
        ends_on=ends_on,
    )


def _answers(trust: str, stigma: str) -> dict[str, str]:
    return {
        "programme_fair": trust,
        "programme_safe": trust,
        "government_listens": trust,
        "initiative_helps": trust,
        "avoid_returnees": stigma,
        "no_work": stigma,
    }


def _respond(survey_round, n: int, trust: str, stigma: str = "neutral", group="not_said"):
    for _ in range(n):
        services.record_survey_response(
            actor=SYSTEM, survey_round=survey_round, answers=_answers(trust, stigma), group=group
        )


def test_answers_carry_no_identity():
    # the model: nothing that points at a person or a user, no free text, no own date
    fields = {f.name: f for f in SurveyResponse._meta.get_fields()}
    assert set(fields) == {"id", "round", "group", "answers", "scores", "created_at", "updated_at"}
    people = {apps.get_model(settings.AUTH_USER_MODEL)} | set(
        apps.get_app_config("registry").get_models()
    )
    assert not [f for f in fields.values() if f.related_model in people]
    org = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    survey_round = _round(org, _community(), ends_on=datetime.date(2026, 3, 1))
    response = services.record_survey_response(
        actor=SYSTEM,
        survey_round=survey_round,
        # what a careless form might post: a name and a telephone number beside the answers
        answers={**_answers("agree", "disagree"), "name": "Gul Bibi", "phone": "0300 1234567"},
        group="women",
    )
    response.refresh_from_db()
    assert response.answers == _answers("agree", "disagree")
    assert "Gul" not in str(response.answers) and "0300" not in str(response.answers)
    assert response.scores == {
        "trust_programme": 75.0,
        "trust_government": 75.0,
        "trust_initiative": 75.0,
        "stigma": 25.0,
    }
    survey_round.refresh_from_db()
    assert survey_round.respondents == 1


def test_a_bad_answer_saves_nothing_and_a_closed_round_takes_none():
    org = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    survey_round = _round(org, _community(), ends_on=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as refused:
        services.record_survey_response(
            actor=SYSTEM,
            survey_round=survey_round,
            answers={**_answers("agree", "agree"), "no_work": "maybe"},
            group="men",
        )
    assert "no_work" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.record_survey_response(
            actor=SYSTEM, survey_round=survey_round, answers=_answers("agree", "agree"), group="x"
        )
    survey_round.refresh_from_db()
    assert (survey_round.respondents, SurveyResponse.objects.count()) == (0, 0)
    stale = SurveyRound.objects.get(pk=survey_round.pk)
    services.close_survey_round(actor=SYSTEM, survey_round=survey_round)
    with pytest.raises(Conflict):
        services.close_survey_round(actor=SYSTEM, survey_round=stale)
    with pytest.raises(ValidationError):
        _respond(survey_round, 1, "agree")


def test_a_round_needs_a_published_survey_questionnaire_and_its_own_organisation():
    world = PathwayWorld()
    assessments.load_builtin_instruments(actor=SYSTEM)
    needs = Instrument.objects.get(code="needs").current_version()
    with pytest.raises(ValidationError) as refused:
        services.plan_survey_round(
            actor=SYSTEM,
            organisation=world.cso,
            community=_community(),
            instrument_version=needs,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 2, 1),
        )
    assert "instrument_version" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        _round(world.lead, _community(), ends_on=datetime.date(2026, 2, 1), actor=world.trainer)
    own = _round(world.cso, _community(), ends_on=datetime.date(2026, 2, 1), actor=world.trainer)
    assert own.district.code == "SWT"
    assert SurveyRound.objects.count() == 1


@override_settings(BAHALI_SMALL_CELL=5)
def test_groups_under_the_minimum_show_nothing(signed_in):
    world = PathwayWorld()
    survey_round = _round(world.cso, _community(), ends_on=datetime.date(2026, 3, 1))
    _respond(survey_round, 4, "agree", group="women")
    survey_round.refresh_from_db()
    shown = surveys.result(survey_round.respondents, survey_round.tallies)
    assert shown.respondents is None and shown.scores == {} and shown.trust is None
    client = signed_in(world.analyst)
    page = client.get(f"/prevention/surveys/{survey_round.pk}/").content.decode()
    assert 'data-testid="score-' not in page and 'data-testid="suppressed"' in page
    # five women and two men: the round and the women shown, the men not
    _respond(survey_round, 1, "agree", group="women")
    _respond(survey_round, 2, "strongly_disagree", group="men")
    page = client.get(f"/prevention/surveys/{survey_round.pk}/").content.decode()
    assert 'data-testid="score-trust_programme">53.6<' in page  # (5 × 75 + 2 × 0) / 7
    assert page.count('data-testid="score-trust_programme"') == 2  # the round, the women
    assert 'data-testid="score-trust_programme">0.0<' not in page  # the men: suppressed
    survey_list = client.get("/prevention/surveys/").content.decode()
    assert "53.6" in survey_list


# --- the gap analysis's flag ---------------------------------------------------------------


def test_trust_falling_fires_where_built_to_and_not_elsewhere():
    org = OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    swat, peshawar, bajaur = _community("SWT"), _community("PEW"), _community("BJR")
    early, late = datetime.date(2026, 3, 1), datetime.date(2026, 9, 1)
    # Swat: trust fell from 75 to 25 between the half-years, each round of six people
    _respond(_round(org, swat, ends_on=early), 6, "agree")
    _respond(_round(org, swat, ends_on=late), 6, "disagree")
    # Peshawar: steady
    _respond(_round(org, peshawar, ends_on=early), 6, "agree")
    _respond(_round(org, peshawar, ends_on=late), 6, "agree")
    # Bajaur: the same fall, but the later round has only four respondents: suppressed
    _respond(_round(org, bajaur, ends_on=early), 6, "agree")
    _respond(_round(org, bajaur, ends_on=late), 4, "strongly_disagree")
    analysis = gaps.analyse(District.objects.filter(code__in=["SWT", "PEW", "BJR"]), minimum=5)
    by_code = {g.district.code: g for g in analysis.districts}
    assert "trust" in {f.key for f in by_code["SWT"].flags}
    assert "trust" not in {f.key for f in by_code["PEW"].flags}
    assert "trust" not in {f.key for f in by_code["BJR"].flags}
    assert [p.result.trust for p in by_code["SWT"].trust] == [75.0, 25.0]
    assert [p.result.trust for p in by_code["BJR"].trust] == [75.0, None]
    reason = next(f.reason for f in by_code["SWT"].flags if f.key == "trust")
    assert "75.0" in str(reason) and "25.0" in str(reason)


def test_the_planning_page_works_out_the_sample_and_plans_a_round(signed_in):
    world = PathwayWorld()
    _questionnaire()
    client = signed_in(world.trainer)
    page = client.get("/prevention/surveys/new/?confidence=95&margin=5&population=1000")
    assert page.status_code == 200
    assert 'data-testid="sample-result"' in page.content.decode()
    assert page.context["sample"] == 278
    bad = client.get("/prevention/surveys/new/?confidence=80&margin=50")
    assert bad.status_code == 200 and bad.context["sample"] is None
    response = client.post(
        "/prevention/surveys/new/",
        {
            "organisation": world.cso.pk,
            "community": _community().pk,
            "instrument_version": _questionnaire().pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-02-01",
            "planned_sample": "278",
        },
    )
    survey_round = SurveyRound.objects.get()
    assert response.status_code == 302 and survey_round.planned_sample == 278
    form = client.get(f"/prevention/surveys/{survey_round.pk}/respond/")
    assert form.status_code == 200 and 'name="i_programme_fair"' in form.content.decode()
    posted = {f"i_{k}": v for k, v in _answers("agree", "neutral").items()}
    response = client.post(
        f"/prevention/surveys/{survey_round.pk}/respond/", {**posted, "group": "men"}
    )
    assert response.status_code == 302
    missing = client.post(
        f"/prevention/surveys/{survey_round.pk}/respond/", {"i_no_work": "agree", "group": "men"}
    )
    assert missing.status_code == 200 and SurveyResponse.objects.count() == 1
    # another organisation's staff reach the round but may not enter its responses
    client.logout()
    client = signed_in(world.case_worker)
    assert client.get(f"/prevention/surveys/{survey_round.pk}/").status_code == 200
    assert client.get(f"/prevention/surveys/{survey_round.pk}/respond/").status_code == 404
    client.logout()
    client = signed_in(world.liaison)
    assert client.get(f"/prevention/surveys/{survey_round.pk}/").status_code == 404
