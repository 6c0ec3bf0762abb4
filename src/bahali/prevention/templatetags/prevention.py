"""Template helpers of the prevention pages."""

from __future__ import annotations

from typing import Any

from django import template

from bahali.accounts import policies

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context: Any, action: str) -> bool:
    """May the signed-in user ``action`` ("resource.verb") at all? For links and tabs."""
    return policies.can(context["request"].user, action)


@register.filter
def percent(value: float | None) -> str:
    return "" if value is None else f"{round(100 * value)}%"


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """``mapping[key]``, or None: a template reads a measure's score by its name."""
    return (mapping or {}).get(key)
