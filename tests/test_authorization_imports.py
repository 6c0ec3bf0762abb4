"""Imports and batch review: every role against every page, through HTTP.

The lead agency's programme manager and data steward import; the batches and review
clusters are their organisation's. Everyone else meets 404.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bahali.accounts.roles import Role
from bahali.imports import services
from bahali.imports.models import ImportBatch, ReviewCluster
from bahali.testing import PathwayWorld
from tests.authorization import call, each_role, module_world, page

pytestmark = pytest.mark.django_db

IMPORTERS = {Role.PROGRAMME_MANAGER, Role.DATA_STEWARD}
ROWS = "Full Name,Father Name,Gender,DOB,District\n" + "\n".join(
    [
        "Gul Zaman Afridi,Sher Rehman,M,1994-03-02,SWT",
        "Gul Zamaan Afreedi,Sher Rahman,M,1994-03-02,SWT",
    ]
)
MAPPING = {
    "name": "Full Name",
    "father_name": "Father Name",
    "sex": "Gender",
    "birth_date": "DOB",
    "district": "District",
}


@dataclass
class ImportWorld:
    world: PathwayWorld
    uploaded: ImportBatch
    checked: ImportBatch
    imported: ImportBatch
    review: ReviewCluster


def _world() -> ImportWorld:
    world = PathwayWorld()
    steward, lead = world.steward, world.lead

    def upload() -> ImportBatch:
        return services.upload_sheet(
            actor=steward, organisation=lead, filename="agency.csv", content=ROWS.encode()
        )

    uploaded = upload()
    checked = services.check_uploaded(actor=steward, batch=upload(), mapping=MAPPING)
    imported = services.run_import(
        actor=steward, batch=services.check_uploaded(actor=steward, batch=upload(), mapping=MAPPING)
    )
    return ImportWorld(world, uploaded, checked, imported, imported.reviews.get())


PAGES = [
    page("imports:list", "get", lambda w: "/imports/", IMPORTERS, 200),
    page(
        "imports:list",
        "post",
        lambda w: "/imports/",
        IMPORTERS,
        200,  # no file: the form again, with its error
        data={},
    ),
    page("imports:map", "get", lambda w: f"/imports/{w.uploaded.pk}/map/", IMPORTERS, 200),
    page(
        "imports:map",
        "post",
        lambda w: f"/imports/{w.uploaded.pk}/map/",
        IMPORTERS,
        302,
        data=MAPPING,
    ),
    page("imports:report", "get", lambda w: f"/imports/{w.checked.pk}/", IMPORTERS, 200),
    page("imports:report", "get", lambda w: f"/imports/{w.imported.pk}/", IMPORTERS, 200),
    page("imports:run", "post", lambda w: f"/imports/{w.checked.pk}/run/", IMPORTERS, 302),
    page(
        "imports:undo",
        "post",
        lambda w: f"/imports/{w.imported.pk}/undo/",
        IMPORTERS,
        302,
        data={"reason": "the wrong sheet"},
    ),
    page("imports:queue", "get", lambda w: "/imports/review/", IMPORTERS, 200),
    page(
        "imports:accept",
        "post",
        lambda w: "/imports/review/accept/",
        IMPORTERS,
        302,
        data={"score": 10},
    ),
    page("imports:cluster", "get", lambda w: f"/imports/review/{w.review.pk}/", IMPORTERS, 200),
    page(
        "imports:decide",
        "post",
        lambda w: f"/imports/review/{w.review.pk}/decide/",
        IMPORTERS,
        302,
        data=lambda w: {"verdict": "different", "version": w.review.version},
    ),
]
API: list = []  # the imports have no API operations yet


world = module_world(_world)


@pytest.mark.parametrize(
    "endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}-{sorted(e.allowed)[:1]}"
)
def test_every_role(client, endpoint, world):
    assert each_role(client, endpoint, world) == []


@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, endpoint, world):
    response = call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    if endpoint.anonymous == 302:
        assert response["Location"].startswith("/accounts/sign-in/")
