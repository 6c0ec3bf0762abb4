"""One date format per language, day-month-year with the month named (issue 13, item 6):
12/05/2026 reads as 5 December in Pakistan and 12 May elsewhere."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from bahali.core.context import SYSTEM
from bahali.core.dates import format_day

EXPECTED = {"en": "5 Dec 2025", "ur": "5 دسمبر 2025", "ps": "5 دسمبر 2025"}
DAY = datetime.date(2025, 12, 5)


@pytest.mark.parametrize("language", list(EXPECTED))
def test_each_language_names_the_month(language):
    with translation.override(language):
        assert format_day(DAY) == EXPECTED[language]
        assert Template("{{ day|day }}").render(Context({"day": DAY})) == EXPECTED[language]


def test_pashto_uses_its_own_month_names_not_english():
    with translation.override("ps"):
        months = [format_day(datetime.date(2026, month, 1)) for month in range(1, 13)]
    assert not any(name in " ".join(months) for name in ("January", "May", "December"))
    assert len(set(months)) == 12


def test_an_aware_datetime_is_shown_on_the_local_day():
    """23:30 UTC on 4 December is already 5 December in Pakistan (UTC+5)."""
    late = datetime.datetime(2025, 12, 4, 23, 30, tzinfo=datetime.UTC)
    with translation.override("en"):
        assert format_day(late) == "5 Dec 2025"
        assert format_day(late, time=True) == "5 Dec 2025, 04:30"
    assert format_day(None) == ""


@pytest.mark.django_db
@pytest.mark.parametrize("language", list(EXPECTED))
def test_a_page_shows_the_date_in_its_language(client, signed_in, language):
    """The participant page lists the consent's date in the page's language."""
    from bahali.registry.models import Consent, ConsentPurpose
    from bahali.testing import PathwayWorld

    world = PathwayWorld()
    participant = world.participant(consent=False, pledge=False)
    world.registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose=ConsentPurpose.PARTICIPATION,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=DAY,
    )
    signed_in(world.case_worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override("en"):  # the request switches this thread's language: undo it
        page = client.get(f"/participants/{participant.code}/").content.decode()
    assert f'lang="{language}"' in page
    assert EXPECTED[language] in page
    assert "12/05/2025" not in page and "2025-12-05" not in page


def test_remembered_dates_read_as_formatted_afresh():
    """A date's text is remembered per language; the same text as formatting it anew, and a
    settings change (another format) is not answered from memory."""
    import datetime

    from django.test import override_settings
    from django.utils import translation
    from django.utils.dateformat import format as django_format

    from bahali.core.dates import _date_text, format_day

    for language in ("en", "ur", "ps"):
        with translation.override(language):
            for month in range(1, 13):
                value = datetime.date(2026, month, 5)
                first, again = format_day(value), format_day(value)
                assert first == again
                noon = datetime.datetime(2026, month, 5, 12, tzinfo=datetime.UTC)
                assert first == format_day(noon)
    with translation.override("en"):
        value = datetime.date(2026, 3, 5)
        assert format_day(value) == django_format(value, "j M Y") == "5 Mar 2026"
    assert _date_text.cache_info().currsize
    with override_settings(SHORT_DATE_FORMAT="Y-m-d"):
        assert not _date_text.cache_info().currsize
