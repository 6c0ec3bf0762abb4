"""How a date reads on a page: day, month name, year, in the active language.

One format per language, from the format modules under ``bahali/formats`` (settings'
``FORMAT_MODULE_PATH``): "5 Dec 2026", "5 دسمبر 2026". Templates use the ``|day`` filter
(a builtin, no ``{% load %}``), Python code ``format_day()``; never a format string of its
own, so a page cannot mix ``12/05/2026`` with ``5 Mar 2027``.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.dateformat import format as django_format
from django.utils.translation import get_language


def _month_names(language: str | None) -> tuple[str, ...] | None:
    """The language's month names when its format module brings them (Pashto: Django ships
    no Pashto catalogue to translate its own); None lets Django name the month."""
    for module in formats.get_format_modules(language):
        names = getattr(module, "MONTHS", None)
        if names:
            return tuple(names)
    return None


def _escaped(text: str) -> str:
    return "".join(f"\\{char}" for char in text)


def format_day(value: datetime.date | datetime.datetime | None, *, time: bool = False) -> str:
    """``value`` as the active language writes a date (with the time of day if asked);
    an aware datetime is first moved to the local time zone. None gives ""."""
    if value is None or value == "":
        return ""
    language = get_language()
    if type(value) is datetime.date and not time:
        return _date_text(value, language)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return django_format(value, _pattern(language, time, value.month))


# A page shows the same few dates many times, and formatting one costs ~25-35 µs: a date's
# text in a language, and each language's pattern, are remembered for the process. Only
# settings can change them (tests override them), and then they are forgotten.
@functools.lru_cache(maxsize=4096)
def _date_text(value: datetime.date, language: str | None) -> str:
    return django_format(value, _pattern(language, False, value.month))


@functools.lru_cache(maxsize=256)
def _pattern(language: str | None, time: bool, month: int) -> str:
    """The format for a date of ``month`` (a month named by our format module is written
    into the pattern, escaped)."""
    pattern = str(
        formats.get_format("SHORT_DATETIME_FORMAT" if time else "SHORT_DATE_FORMAT", language)
    )
    names = _month_names(language)
    if names is not None:
        name = _escaped(names[month - 1])
        pattern = pattern.replace("F", name).replace("M", name)
    return pattern


@receiver(setting_changed)
def _forget_formats(**kwargs: Any) -> None:
    _date_text.cache_clear()
    _pattern.cache_clear()
