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


def test_set_columns_writes_each_rows_values_nulls_included():
    import datetime

    from bahali.cases.models import Case
    from bahali.core.batches import set_columns
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    first, second = world.case(), world.case()
    day = datetime.date(2027, 3, 4)
    Case.objects.filter(pk=second.pk).update(next_due_on=day, reassess_on=day)
    written = set_columns(
        Case,
        ["next_due_on", "reassess_on"],
        [(first.pk, day, day + datetime.timedelta(days=1)), (second.pk, None, None)],
    )
    assert written == 2
    stored = dict(
        Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "reassess_on")
    )
    assert stored == {first.pk: day + datetime.timedelta(days=1), second.pk: None}
    assert Case.objects.get(pk=first.pk).next_due_on == day
    assert Case.objects.get(pk=second.pk).next_due_on is None
    assert set_columns(Case, ["next_due_on"], []) == 0


def test_set_columns_writes_across_batches_and_refuses_audited_columns(monkeypatch):
    import datetime

    from django.db import connection

    from bahali.cases.models import Case
    from bahali.core.batches import set_columns
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    cases = [world.case() for _ in range(3)]
    days = [datetime.date(2027, 1, n + 1) for n in range(3)]
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 1)
    rows = [(case.pk, day) for case, day in zip(cases, days, strict=True)]
    assert set_columns(Case, ["reassess_on"], rows) == 3
    stored = Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "reassess_on")
    assert sorted(stored) == sorted(rows)
    with pytest.raises(ValueError, match="recorded by the audit"):
        set_columns(Case, ["phase"], [(cases[0].pk, "intake")])
    with pytest.raises(ValueError, match="recorded by the audit"):
        set_columns(District, ["name"], [(1, "renamed")])
