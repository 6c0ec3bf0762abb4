"""Panels other apps add to a participant's page (their cases, ...).

The registry is below the apps that build on it (docs/development/layers.md): it does not
import them. An app registers a panel from its ``AppConfig.ready``; the participant page
renders each registered panel in order, with what the panel's function gives for this
participant and user (the function decides what the user may see there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.http import HttpRequest

    from bahali.accounts.models import User
    from bahali.registry.models import Participant


@dataclass(frozen=True)
class Panel:
    key: str
    template: str  # rendered with ``participant`` and what ``context`` returns
    context: Callable[[Participant, User], dict[str, Any]]


PANELS: list[Panel] = []


def register(panel: Panel) -> Panel:
    """Add ``panel`` to every participant's page (registering its key again replaces it)."""
    PANELS[:] = [p for p in PANELS if p.key != panel.key] + [panel]
    return panel


def render(request: HttpRequest, participant: Participant, user: User) -> list[SafeString]:
    """Each registered panel, rendered for this participant and user."""
    return [
        SafeString(
            render_to_string(
                panel.template,
                {"participant": participant, **panel.context(participant, user)},
                request=request,
            )
        )
        for panel in PANELS
    ]
