"""Field work: every role against the device, submission and conflict pages and API, through
HTTP. The OpenRosa server answers only device credentials: a signed-in session (or no one)
gets the Digest challenge, 401 (its device-by-device tests are in ``field/tests``).

The cast's case is in aftercare; the mentor's device sent a check-in based on a stale
version, now in the conflict queue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.aftercare import services as aftercare
from bahali.aftercare.models import CheckIn
from bahali.cases.models import Case
from bahali.core.context import SYSTEM
from bahali.field import services, xforms
from bahali.field.models import DeviceCredential, Submission
from bahali.testing import PathwayWorld
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

EVERYONE = set(Role)
TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
WRITERS = TEAM | {Role.PROGRAMME_MANAGER}
FIELD_FORMS = WRITERS | {Role.COMMITTEE_MEMBER}  # someone with at least one field form
CARD_READERS = TEAM | {
    Role.COMMITTEE_MEMBER,
    Role.PROGRAMME_MANAGER,
    Role.SECURITY_LIAISON,
    Role.OVERSIGHT_MONITOR,
    Role.DATA_STEWARD,
}


@dataclass
class FieldWorld:
    world: PathwayWorld
    case: Case
    check_in: CheckIn
    credential: DeviceCredential
    conflict: Submission
    refused: Submission


def _world() -> FieldWorld:
    world = PathwayWorld()
    case = world.case(phase="aftercare")
    check_in = aftercare.plan_check_ins(actor=SYSTEM, case=case)[0]
    credential, _secret = services.create_device_credential(actor=world.mentor, label="Phone")
    xml = (
        f'<data id="{xforms.CHECK_IN_FORM}" version="{xforms.CHECK_IN_REVISION}">'
        f"<case>{case.participant.code}</case><checkin>{check_in.pk}</checkin>"
        f"<checkin_version>9</checkin_version><done_on>{case.opened_on}</done_on>"
        "<method>phone</method><wellbeing>good</wellbeing><warnings/><notes/><follow_up/>"
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    )
    conflict, _new = services.receive_submission(actor=world.mentor, xml=xml.encode())
    refused_xml = services.instance_xml(
        xforms.CHECK_IN_FORM,
        xforms.CHECK_IN_REVISION,
        {
            "case": case.participant.code,
            "checkin": str(check_in.pk),
            "checkin_version": "1",
            "done_on": "not a date",
            "method": "phone",
            "wellbeing": "good",
        },
        f"uuid:{uuid.uuid4()}",
    )
    refused, _new = services.receive_submission(actor=world.mentor, xml=refused_xml.encode())
    assert refused.status == "refused"
    return FieldWorld(world, case, check_in, credential, conflict, refused)


def _openrosa(name: str, method: str, url) -> object:
    return page(name, method, url, set(), 200, denied=401, anonymous=401)


PAGES = [
    page("field:devices", "get", lambda w: "/field/devices/", EVERYONE, 200),
    page(
        "field:devices", "post", lambda w: "/field/devices/", EVERYONE, 302, data={"label": "Tab"}
    ),
    page(
        "field:revoke",
        "post",
        lambda w: f"/field/devices/{w.credential.pk}/revoke/",
        {Role.MENTOR},
        302,
    ),
    page("field:submissions", "get", lambda w: "/field/submissions/", EVERYONE, 200),
    # only the submitter corrects their refused submission (others: 404)
    page(
        "field:correct",
        "get",
        lambda w: f"/field/submissions/{w.refused.pk}/correct/",
        {Role.MENTOR},
        200,
    ),
    page(
        "field:correct",
        "post",
        lambda w: f"/field/submissions/{w.refused.pk}/correct/",
        {Role.MENTOR},
        302,
        data=lambda w: {"version": w.refused.version, "done_on": "not a date"},
    ),
    page("field:conflicts", "get", lambda w: "/field/conflicts/", EVERYONE, 200),
    page("field:conflict", "get", lambda w: f"/field/conflicts/{w.conflict.pk}/", WRITERS, 200),
    page(
        "field:conflict",
        "post",
        lambda w: f"/field/conflicts/{w.conflict.pk}/",
        WRITERS,
        302,
        data={"choice": "record", "version": 1},
    ),
    # the browser's form engine offers every form the user may fill: committee members
    # fill dialogues and community readiness there
    page("field:offline", "get", lambda w: "/field/offline/", FIELD_FORMS, 200),
    page("field:draft_key", "get", lambda w: "/field/offline/draft-key/", FIELD_FORMS, 200),
    # no form sent: a clear 400 for everyone signed in (the service decides the rest)
    page("field:offline_submit", "post", lambda w: "/field/offline/submit/", EVERYONE, 400),
    page(
        "field:web_manifest",
        "get",
        lambda w: "/field/manifest.webmanifest",
        EVERYONE,
        200,
        anonymous=200,
    ),
    page("field:worker", "get", lambda w: "/field/worker.js", EVERYONE, 200, anonymous=200),
    page("field:card", "get", lambda w: f"/field/card/{w.case.pk}/", CARD_READERS, 200),
    _openrosa("field:form_list", "get", lambda w: "/openrosa/formList"),
    _openrosa("field:form", "get", lambda w: f"/openrosa/forms/{xforms.CHECK_IN_FORM}/form.xml"),
    _openrosa(
        "field:manifest", "get", lambda w: f"/openrosa/forms/{xforms.CHECK_IN_FORM}/manifest"
    ),
    _openrosa(
        "field:media",
        "get",
        lambda w: f"/openrosa/forms/{xforms.CHECK_IN_FORM}/media/cases.csv",
    ),
    _openrosa("field:submission", "post", lambda w: "/openrosa/submission"),
]
API = [
    api("api:list_submissions", "get", lambda w: "/api/v1/field/submissions", EVERYONE, 200),
    api(
        "api:correct_submission",
        "post",
        lambda w: f"/api/v1/field/submissions/{w.refused.pk}/correction",
        {Role.MENTOR},
        201,
        data=lambda w: {"answers": {"done_on": "not a date"}, "version": w.refused.version},
    ),
    api("api:list_conflicts", "get", lambda w: "/api/v1/field/conflicts", EVERYONE, 200),
    api(
        "api:resolve_conflict",
        "post",
        lambda w: f"/api/v1/field/conflicts/{w.conflict.pk}/resolution",
        WRITERS,
        200,
        data={"choice": "record", "version": 1},
    ),
]


world = module_world(_world)


@pytest.mark.parametrize(
    "endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    if endpoint.anonymous == 302:
        assert response["Location"].startswith("/accounts/sign-in/")


def test_the_conflict_is_in_the_queue_of_the_team_only(world):
    assert world.conflict.status == "conflict"
    for role in Role:
        user = world.world.user_for(role)
        assert services.conflicts_for(user).exists() == (role in WRITERS), role
