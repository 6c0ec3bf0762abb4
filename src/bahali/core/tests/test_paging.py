import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bahali.core.paging import KeysFirstPaginator, ordered_count
from bahali.geography.models import District

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("per_page", [7, 25, 1000])
def test_each_page_holds_the_rows_a_plain_slice_would_in_the_same_order(per_page):
    listed = District.objects.select_related("province").order_by("-name", "pk")
    everything = list(listed)
    paginator = KeysFirstPaginator(listed, per_page)
    pages = [paginator.page(n) for n in paginator.page_range]
    assert [row for page in pages for row in page.object_list] == everything
    last = pages[-1]
    assert last.end_index() == len(everything) and not last.has_next()
    with CaptureQueriesContext(connection) as captured:
        first = paginator.page(1)
        assert first[0].province.name  # joined: no query per row
    assert len(captured) == 2  # the keys, then their rows


def test_an_empty_list_has_one_empty_page():
    page = KeysFirstPaginator(District.objects.none(), 25).get_page(3)
    assert page.number == 1 and list(page) == []


@pytest.mark.parametrize("count_in_order", [False, True])
def test_the_count_in_order_is_the_plain_count(count_in_order):
    listed = District.objects.select_related("province").order_by("-name", "pk")
    paginator = KeysFirstPaginator(listed, 10, count_in_order=count_in_order)
    assert paginator.count == listed.count() > 10
    assert ordered_count(listed.filter(name__startswith="S")) == (
        District.objects.filter(name__startswith="S").count()
    )
    assert ordered_count(District.objects.none()) == 0
    with CaptureQueriesContext(connection) as captured:
        ordered_count(listed)
    assert "OVER ()" in captured[0]["sql"] and "ORDER BY" in captured[0]["sql"]
