"""The one way a page marks a suppressed cell: ``{{ value|cell }}`` prints a count, or
"<5" (the minimum in force) in a muted span with ``data-testid="suppressed"``.

``value`` is a :class:`bahali.core.suppression.Shown`, or an ``int`` / ``None`` from
:func:`bahali.core.suppression.count_or_none` (None: hidden)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from bahali.core import suppression

register = template.Library()


@register.filter
def cell(value: Any, k: int | None = None) -> SafeString | str:
    if isinstance(value, suppression.Shown):
        if not value.hidden:
            return str(value)
        k = value.k
    elif value is not None:
        return str(value)
    k = k or suppression.minimum()
    return format_html(
        '<span class="text-body-secondary" title="{}" data-testid="suppressed">{}</span>',
        _("Fewer than %(n)s: suppressed") % {"n": k},
        suppression.hidden_label(k),
    )
