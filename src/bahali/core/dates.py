"""How a date reads on a page: day, month name, year, in the active language.

One format per language, from the format modules under ``bahali/formats`` (settings'
``FORMAT_MODULE_PATH``): "5 Dec 2026", "5 دسمبر 2026". Templates use the ``|day`` filter
(a builtin, no ``{% load %}``), Python code ``format_day()``; never a format string of its
own, so a page cannot mix ``12/05/2026`` with ``5 Mar 2027``.
"""

from __future__ import annotations

import datetime

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
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    language = get_language()
    pattern = str(formats.get_format("SHORT_DATETIME_FORMAT" if time else "SHORT_DATE_FORMAT"))
    names = _month_names(language)
    if names is not None:
        month = _escaped(names[value.month - 1])
        pattern = pattern.replace("F", month).replace("M", month)
    return django_format(value, pattern)
