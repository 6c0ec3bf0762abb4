"""``{{ value|day }}`` and ``{{ value|day_time }}``: dates as the active language writes
them (``bahali.core.dates``). Loaded as a builtin, so every template has them."""

from __future__ import annotations

import datetime

from django import template

from bahali.core.dates import format_day

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def day(value: datetime.date | datetime.datetime | None) -> str:
    return format_day(value)


@register.filter(expects_localtime=True, is_safe=False)
def day_time(value: datetime.datetime | None) -> str:
    return format_day(value, time=True)
