import pytest

from bahali.core.batches import in_batches
from bahali.geography.models import District

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [1, 7, 170, 171, 5000])
def test_every_row_once_in_key_order_whatever_the_page_size(size):
    everything = list(District.objects.order_by("pk"))
    assert len(everything) > 100  # Pakistan's districts, from the geography migration
    assert list(in_batches(District.objects.all(), size)) == everything
    keys = [district.pk for district in everything]
    assert list(in_batches(District.objects.values_list("pk", flat=True), size)) == keys
    codes = sorted(district.code for district in everything)
    by_code = in_batches(District.objects.values("code"), size, key="code")
    assert [row["code"] for row in by_code] == codes


def test_a_filtered_queryset_keeps_its_filter():
    province = District.objects.order_by("pk").first().province
    expected = list(District.objects.filter(province=province).order_by("pk"))
    assert list(in_batches(District.objects.filter(province=province), 3)) == expected
