"""The layout's links to pages without arguments, reversed once per process, and to its
static files, looked up once per process."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static

from bahali.core.navigation import url_of, url_with_pk

register = template.Library()

# Static files' addresses, by path: the manifest's hashed names do not change while a
# process runs, and asking the storage costs ~40 µs each, 9 on every page (the layout).
_STATIC: dict[str, str] = {}


@register.simple_tag
def layout_static(path: str) -> str:
    """``{% static path %}``, remembered for the process."""
    url = _STATIC.get(path)
    if url is None:
        url = _STATIC[path] = static(path)
    return url


@receiver(setting_changed)
def _forget_static(*, setting: str, **kwargs: Any) -> None:
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "DEBUG", "FORCE_SCRIPT_NAME"}:
        _STATIC.clear()


@register.simple_tag
def layout_url(url_name: str) -> str:
    """``{% url url_name %}`` for a page without arguments, without reversing it again."""
    return url_of(url_name)


@register.filter
def pk_url(pk: object, url_name: str) -> str:
    """``{{ row.pk|pk_url:"app:name" }}`` is ``{% url "app:name" row.pk %}`` for an address
    with one integer key, without reversing it for every row."""
    return url_with_pk(url_name, pk)
