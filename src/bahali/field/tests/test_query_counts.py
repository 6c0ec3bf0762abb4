"""A submission costs the same few queries however many cases there are (issue 18: under
200 ms p95 with 200,000 cases): what it touches is found by its own keys, authorization is
asked once (the service does not ask again what the submission path found within reach),
and a case's due dates are worked out once per submission."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bahali.accounts.models import User
from bahali.aftercare import services as aftercare
from bahali.assessments.models import Instrument
from bahali.assessments.services import load_builtin_instruments
from bahali.core.context import SYSTEM
from bahali.field import services, xforms
from bahali.field.models import SubmissionStatus
from bahali.field.tests.test_forms import _answers
from bahali.field.tests.test_new_forms import instance, session_values
from bahali.field.tests.test_openrosa import Collect
from bahali.testing import PathwayWorld

pytestmark = pytest.mark.django_db

# Ceilings as measured (PostgreSQL's audit chain lock, one per event, not counted); the
# point is the equality with more cases, the ceilings catch a look-up that creeps back.
# what a submission costs now; the stored evidence figures (evidence.figures, refreshed in
# the write's transaction, about eight queries) are worked out once per case per submission
# (an assessment is started, then completed), and its audit events appended together at
# the end (the chain head read and moved once, not once per event); a session's attendance
# changes its cases' stored sessions per year (four queries: the case locked, its attendance
# counted by year and type, its rows replaced)
CEILING = {"check_in": 39, "assessment": 52, "session": 24}


@pytest.fixture
def world() -> PathwayWorld:
    load_builtin_instruments(actor=SYSTEM)
    return PathwayWorld()


def _check_in(world) -> bytes:
    case = world.case(phase="aftercare")
    aftercare.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today)
    check_in = case.check_ins.order_by("due_on", "pk").first()
    values = {
        "case": case.participant.code,
        "checkin": str(check_in.pk),
        "checkin_version": str(check_in.version),
        "done_on": str(world.today),
        "method": "home_visit",
        "wellbeing": "good",
        "warnings": "",
        "notes": "Fine",
        "follow_up": "",
    }
    return services.instance_xml(
        xforms.CHECK_IN_FORM, xforms.CHECK_IN_REVISION, values, f"uuid:{uuid.uuid4()}"
    ).encode()


def _assessment(world) -> bytes:
    case = world.case(phase="aftercare")
    version = Instrument.objects.get(code="needs").current_version()
    form = xforms.instrument_form(version)
    values = {
        "bahali_case": case.participant.code,
        "bahali_phase": str(case.phase_id),
        "bahali_assessed_on": str(world.today),
        **_answers(version.definition),
    }
    return instance(form.form_id, form.version, values).encode()


def _session(world) -> bytes:
    case = world.case(phase="aftercare")
    return instance(xforms.SESSION_FORM, xforms.SESSION_REVISION, session_values(case)).encode()


MAKERS = {"check_in": _check_in, "assessment": _assessment, "session": _session}


def _queries(world, xml: bytes, user: User) -> int:
    fresh = User.objects.get(pk=user.pk)  # as a request has it: nothing read yet
    with CaptureQueriesContext(connection) as queries:
        submission, created = services.receive_submission(actor=fresh, xml=xml)
    assert created and submission.status == SubmissionStatus.APPLIED, submission.reason
    return len([q for q in queries if "pg_advisory_xact_lock" not in q["sql"]])


def _more_cases(world, count: int) -> None:
    for _n in range(count):
        case = world.case(phase="aftercare")
        aftercare.plan_check_ins(actor=SYSTEM, case=case, starts_on=world.today)


@pytest.mark.parametrize("kind", list(MAKERS))
def test_a_submission_costs_the_same_queries_with_many_more_cases(world, kind):
    user = world.psychologist if kind == "assessment" else world.mentor
    few = _queries(world, MAKERS[kind](world), user)
    _more_cases(world, 25)
    many = _queries(world, MAKERS[kind](world), user)
    assert many == few
    assert few <= CEILING[kind], f"{kind}: {few} queries"


def test_the_service_does_not_ask_again_what_the_submission_found_within_reach(world):
    xml, mentor = _check_in(world), User.objects.get(pk=world.mentor.pk)
    with CaptureQueriesContext(connection) as queries:
        submission, _created = services.receive_submission(actor=mentor, xml=xml)
    assert submission.status == SubmissionStatus.APPLIED
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT 1 AS "a" FROM "aftercare')]
    assert reads == []  # the check-in found within reach is not checked a second time
    users = [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]
    assert users == []  # the submitter is the actor: not read again
    due = [q["sql"] for q in queries if 'FROM "cases_transitionrequest"' in q["sql"]]
    assert len(due) == 1  # due dates worked out once


def test_an_assessment_works_out_the_case_due_dates_once(world):
    xml, psychologist = _assessment(world), User.objects.get(pk=world.psychologist.pk)
    with CaptureQueriesContext(connection) as queries:
        submission, _created = services.receive_submission(actor=psychologist, xml=xml)
    assert submission.status == SubmissionStatus.APPLIED, submission.reason
    due = [q["sql"] for q in queries if 'FROM "cases_transitionrequest"' in q["sql"]]
    assert len(due) == 1


def test_over_http_the_post_costs_the_same_with_many_more_cases(world):
    credential, secret = services.create_device_credential(actor=world.mentor, label="Phone")
    collect = Collect(credential.login, secret)

    def post() -> int:
        upload = SimpleUploadedFile("i.xml", _check_in(world), content_type="text/xml")
        with CaptureQueriesContext(connection) as queries:
            response = collect.request(
                "POST", "/openrosa/submission", data={"xml_submission_file": upload}
            )
        assert response.status_code == 201
        return len(queries)

    post()  # the device's first request of the minute notes its use
    few = post()
    _more_cases(world, 25)
    assert post() == few
