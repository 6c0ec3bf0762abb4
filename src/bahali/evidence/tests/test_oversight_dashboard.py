"""The oversight body's dashboard on the oversight report's constructed world
(``test_oversight``): each figure at a glance, each leading to the list behind it, by
programme and period; its charts (quarters) and their SVG; never stored by the browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.authorization import module_world

from bahali.audit import services as audit
from bahali.core.context import SYSTEM
from bahali.evidence import oversight
from bahali.evidence.tests.test_oversight import _build, _days

pytestmark = pytest.mark.django_db

world = module_world(_build)


def _query(world: dict[str, Any], **extra: Any) -> str:
    w = world["world"]
    params = {"start": _days(w, 60).isoformat(), "end": w.today.isoformat(), **extra}
    return "&".join(f"{k}={v}" for k, v in params.items())


def _tile(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(?:<span[^>]*>)?([^<]*)<', page)
    assert found, testid
    return found.group(1).strip()


def test_every_part_at_a_glance(world, signed_in):
    client = signed_in(world["world"].monitor)
    response = client.get(f"/evidence/oversight/dashboard/?{_query(world)}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert _tile(page, "tile-gates-count") == "3"
    assert 'tile-overridden">1<' in page
    assert _tile(page, "tile-accesses-count") == "2"
    assert _tile(page, "tile-grievances-count") == "3"
    assert _tile(page, "tile-withdrawals-count") == "2"
    assert _tile(page, "tile-long-stays-count") == "2"
    assert _tile(page, "tile-juveniles-count") == "1"
    for part in oversight_parts():
        assert f"/evidence/oversight/dashboard/{part}/?" in page
    # the charts, each with its SVG and PNG
    for chart in ("civilian-share", "grievances-in-time", "juveniles"):
        assert f'data-testid="{chart}-png"' in page
        assert f"/evidence/oversight/dashboard/{chart}.svg?" in page
    # at a glance: no case named on the dashboard itself
    assert world["adult"].participant.code not in page


def oversight_parts() -> list[str]:
    from bahali.evidence.views import OVERSIGHT_PARTS

    return list(OVERSIGHT_PARTS)


@pytest.mark.parametrize(
    ("part", "rows"),
    [
        ("gates", 3),
        ("overrides", 1),
        ("accesses", 2),
        ("grievances", 3),
        ("withdrawals", 2),
        ("long-stays", 2),
        ("juveniles", 1),
        ("audit", 0),
    ],
)
def test_each_part_drills_down_to_its_list(world, signed_in, part, rows):
    client = signed_in(world["world"].monitor)
    response = client.get(f"/evidence/oversight/dashboard/{part}/?{_query(world)}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert page.count('data-testid="row"') == rows, part
    if part == "overrides":
        assert "OVR-7" in page and "Court order" in page
    if part == "long-stays":
        assert world["adult"].participant.code in page and world["young"].participant.code in page
        assert ">400<" in page  # days in the phase
    if part == "grievances":
        assert page.count("text-danger") >= 2  # the late one and the overdue one


def test_the_audit_list_shows_verifications_and_checkpoints(world, signed_in):
    audit.verify_and_record(actor=SYSTEM)
    audit.take_checkpoint(actor=SYSTEM)
    client = signed_in(world["world"].monitor)
    page = client.get("/evidence/oversight/dashboard/audit/").content.decode()
    assert page.count('data-testid="row"') == 2
    assert "intact" in page and "Signed checkpoint" in page
    board = client.get("/evidence/oversight/dashboard/").content.decode()
    assert "text-bg-success" in board.split('data-testid="tile-audit-state"')[1][:200]


def test_a_programme_narrows_every_part(world, signed_in):
    w = world["world"]
    client = signed_in(w.monitor)
    other = w.programmes["prison"].pk
    page = client.get(f"/evidence/oversight/dashboard/?{_query(world, programme=other)}")
    text = page.content.decode()
    for tile in ("gates", "accesses", "grievances", "withdrawals", "juveniles"):
        assert _tile(text, f"tile-{tile}-count") == "0", tile
    listed = client.get(f"/evidence/oversight/dashboard/gates/?{_query(world, programme=other)}")
    assert listed.content.decode().count('data-testid="row"') == 0
    same = w.programmes["centre"].pk
    text = client.get(f"/evidence/oversight/dashboard/?{_query(world, programme=same)}")
    assert _tile(text.content.decode(), "tile-gates-count") == "3"


def test_the_quarters_add_up(world):
    w = world["world"]
    courses = {c.slug: c for c in oversight.courses(w.today)}
    gates = courses["civilian-share"].points
    assert len(gates) == 8
    assert (sum(p.total for p in gates), sum(p.part for p in gates)) == (3, 2)
    grieved = courses["grievances-in-time"].points
    # four received in the last eight quarters; in time: g1 and g4
    assert (sum(p.total for p in grieved), sum(p.part for p in grieved)) == (4, 2)
    assert oversight.courses(w.today, w.programmes["prison"].pk)[0].points[-1].total == 0


def test_the_charts_as_svg_in_urdu_read_from_the_right(world, signed_in, settings):
    client = signed_in(world["world"].monitor)
    svg = client.get(f"/evidence/oversight/dashboard/juveniles.svg?{_query(world)}")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content and b'direction="rtl"' not in svg.content
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ur"
    svg = client.get(f"/evidence/oversight/dashboard/juveniles.svg?{_query(world)}")
    assert b'direction="rtl"' in svg.content
    assert client.get("/evidence/oversight/dashboard/civilian-share.svg").status_code == 200
    assert client.get("/evidence/oversight/dashboard/nothing.svg").status_code == 404
    assert client.get("/evidence/oversight/dashboard/nothing/").status_code == 404


def test_a_bad_filter_is_a_message_not_an_error(world, signed_in):
    client = signed_in(world["world"].monitor)
    for url in (
        "/evidence/oversight/dashboard/?start=2026-13-40&programme=abc",
        "/evidence/oversight/dashboard/gates/?end=2020-01-01&start=2021-01-01&page=zz",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert b"invalid-feedback" in response.content


def test_the_dashboard_costs_the_same_for_more_rows(
    world, signed_in, django_assert_max_num_queries
):
    client = signed_in(world["world"].monitor)
    url = f"/evidence/oversight/dashboard/?{_query(world)}"
    client.get(url)
    with django_assert_max_num_queries(70):
        assert client.get(url).status_code == 200
