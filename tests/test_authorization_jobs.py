"""Background jobs: every role against every page and endpoint, through HTTP.

A job is its owner's alone. The cast's users each see their own list; a job started by a
stranger (and its result) is 404 for every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.jobs import services as jobs
from bahali.jobs.models import Job
from bahali.jobs.registry import background
from bahali.testing import PathwayWorld, make_member
from tests.authorization import api, call, each_role, module_world, page

pytestmark = pytest.mark.django_db

EVERYONE = set(Role)
NOBODY: set[Role] = set()


@background("tests.authorization.export", label="An export")
def _export(job, params):  # type: ignore[no-untyped-def]
    job.attach("export.csv", "text/csv", [b"a,b\n"])


@dataclass
class JobsWorld:
    world: PathwayWorld
    job: Job


def _world() -> JobsWorld:
    world = PathwayWorld()
    stranger = make_member(Role.PROGRAMME_MANAGER, districts=("BJR",))
    return JobsWorld(world=world, job=jobs.start("tests.authorization.export", actor=stranger))


PAGES = [
    page("jobs:list", "get", lambda w: "/jobs/", EVERYONE, 200),
    page("jobs:detail", "get", lambda w: f"/jobs/{w.job.pk}/", NOBODY, 200),
    page("jobs:download", "get", lambda w: f"/jobs/{w.job.pk}/download/", NOBODY, 200),
]
API = [
    api("api:list_jobs", "get", lambda w: "/api/v1/jobs", EVERYONE, 200),
    api("api:get_job", "get", lambda w: f"/api/v1/jobs/{w.job.pk}", NOBODY, 200),
    api("api:download_job", "get", lambda w: f"/api/v1/jobs/{w.job.pk}/download", NOBODY, 200),
]

world = module_world(_world)


@pytest.mark.parametrize(
    "endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world, settings, tmp_path):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    if endpoint.anonymous == 302:
        assert response["Location"].startswith("/accounts/sign-in/")
