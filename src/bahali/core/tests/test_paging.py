import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bahali.core.paging import KeysFirstPaginator
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
