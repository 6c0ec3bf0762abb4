"""Keeping the shipped geography in the database."""

from __future__ import annotations

from typing import Any

from bahali.core.context import service
from bahali.geography.data import pakistan_rows
from bahali.geography.models import Community, District, Province, Tehsil


def sync_pakistan(province_model: Any, district_model: Any) -> int:
    """Create or rename the shipped provinces and districts; returns how many rows changed.

    Takes the model classes so the initial data migration can run it on historical models.
    """
    changed = 0
    provinces: dict[str, Any] = {}
    rows = pakistan_rows()
    for row in rows:
        if row.kind != "province":
            continue
        province = province_model.objects.filter(code=row.code).first()
        if province is None:
            province = province_model(code=row.code)
        if province.pk is None or (province.name, province.name_ur) != (row.name, row.name_ur):
            province.name, province.name_ur = row.name, row.name_ur
            province.save()
            changed += 1
        provinces[row.code] = province
    for row in rows:
        if row.kind != "district":
            continue
        district = district_model.objects.filter(code=row.code).first()
        if district is None:
            district = district_model(code=row.code)
        wanted = (row.name, row.name_ur, provinces[row.province_code].pk)
        if district.pk is None or (district.name, district.name_ur, district.province_id) != wanted:
            district.name, district.name_ur = row.name, row.name_ur
            district.province = provinces[row.province_code]
            district.save()
            changed += 1
    return changed


@service
def load_pakistan_geography(*, actor: Any) -> int:
    """Bring provinces and districts in line with the shipped data, audited."""
    return sync_pakistan(Province, District)


@service
def add_tehsil(*, actor: Any, district: District, name: str, name_ur: str = "") -> Tehsil:
    tehsil = Tehsil(district=district, name=name.strip(), name_ur=name_ur.strip())
    tehsil.full_clean()
    tehsil.save()
    return tehsil


@service
def add_community(
    *, actor: Any, tehsil: Tehsil, name: str, name_ur: str = "", kind: str = "village"
) -> Community:
    community = Community(tehsil=tehsil, name=name.strip(), name_ur=name_ur.strip(), kind=kind)
    community.full_clean()
    community.save()
    return community
