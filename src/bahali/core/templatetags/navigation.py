"""The layout's links to pages without arguments, reversed once per process."""

from __future__ import annotations

from django import template

from bahali.core.navigation import url_of, url_with_pk

register = template.Library()


@register.simple_tag
def layout_url(url_name: str) -> str:
    """``{% url url_name %}`` for a page without arguments, without reversing it again."""
    return url_of(url_name)


@register.filter
def pk_url(pk: object, url_name: str) -> str:
    """``{{ row.pk|pk_url:"app:name" }}`` is ``{% url "app:name" row.pk %}`` for an address
    with one integer key, without reversing it for every row."""
    return url_with_pk(url_name, pk)
