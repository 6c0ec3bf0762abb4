"""Pakistan's provinces and districts ship with the code, in English and Urdu."""

from __future__ import annotations

import re

import pytest

from bahali.audit.models import AuditEvent
from bahali.core.context import SYSTEM, acting_as
from bahali.geography.data import pakistan_rows
from bahali.geography.models import District, Province
from bahali.geography.services import add_community, add_tehsil, load_pakistan_geography

pytestmark = pytest.mark.django_db

MERGED_TRIBAL_DISTRICTS = {
    "Bajaur",
    "Mohmand",
    "Khyber",
    "Kurram",
    "Orakzai",
    "North Waziristan",
}


def test_provinces_and_districts_are_loaded_by_migration():
    assert set(Province.objects.values_list("code", flat=True)) == {
        "PB",
        "SD",
        "KP",
        "BA",
        "IS",
        "GB",
        "AJK",
    }
    assert District.objects.count() == len([r for r in pakistan_rows() if r.kind == "district"])
    assert District.objects.count() >= 150


def test_merged_tribal_districts_are_in_khyber_pakhtunkhwa():
    kp = set(District.objects.filter(province__code="KP").values_list("name", flat=True))
    assert kp >= MERGED_TRIBAL_DISTRICTS
    assert any("South Waziristan" in name for name in kp)


def test_every_place_has_an_urdu_name_and_a_three_letter_code():
    arabic_script = re.compile(r"[\u0600-\u06FF]")
    for district in District.objects.all():
        assert re.fullmatch(r"[A-Z]{3}", district.code), district.code
        assert arabic_script.search(district.name_ur), district.name
    assert District.objects.get(code="SWT").name_ur == "سوات"


def test_loading_again_changes_nothing():
    before = AuditEvent.objects.count()
    assert load_pakistan_geography(actor=SYSTEM) == 0
    assert AuditEvent.objects.count() == before


def test_renamed_district_is_restored_and_audited():
    swat = District.objects.get(code="SWT")
    with acting_as(SYSTEM):
        District.objects.filter(pk=swat.pk).update(name="Wrong")
    assert load_pakistan_geography(actor=SYSTEM) == 1
    swat.refresh_from_db()
    assert swat.name == "Swat"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.changes["name"] == ["Wrong", "Swat"]


def test_local_name_follows_the_language():
    from django.utils import translation

    swat = District.objects.get(code="SWT")
    with translation.override("ur"):
        assert str(swat) == "سوات"
    with translation.override("en"):
        assert str(swat) == "Swat"


def test_tehsils_and_communities_are_unique_within_their_parent():
    from django.core.exceptions import ValidationError

    swat = District.objects.get(code="SWT")
    matta = add_tehsil(actor=SYSTEM, district=swat, name="Matta", name_ur="مٹہ")
    add_community(actor=SYSTEM, tehsil=matta, name="Sakhra")
    with pytest.raises(ValidationError):
        add_tehsil(actor=SYSTEM, district=swat, name="Matta")
    with pytest.raises(ValidationError):
        add_community(actor=SYSTEM, tehsil=matta, name="Sakhra")
