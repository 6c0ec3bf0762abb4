"""The layout's links to pages without arguments, reversed once per process."""

from __future__ import annotations

from django import template

from bahali.core.navigation import url_of

register = template.Library()


@register.simple_tag
def layout_url(url_name: str) -> str:
    """``{% url url_name %}`` for a page without arguments, without reversing it again."""
    return url_of(url_name)
