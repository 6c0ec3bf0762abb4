"""The home page: each role's work first, then the few figures that matter to it.

The work comes from the sources the apps register (``core.work``), the figures from the
panels they register (``core.figures``): the platform imports no domain app.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from bahali.accounts import policies
from bahali.accounts.models import Membership
from bahali.audit.models import AuditEvent
from bahali.core import figures, work
from bahali.core.http import AuthedRequest

# The home page lists this many of the oldest items; My work lists them all.
HOME_ITEMS = 6


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context = {
        "memberships": user.active_memberships(),
        "work": work.summary_for(user, each=HOME_ITEMS, overall=HOME_ITEMS),
        "panels": [
            render_to_string(panel.template, panel_context, request)
            for panel, panel_context in figures.panels_for(user)
        ],
        "recent_audit": None,
        "members_count": None,
    }
    if policies.can(user, "audit_log.read"):
        context["recent_audit"] = list(
            AuditEvent.objects.visible_to(user).select_related(None).order_by("-seq")[:8]
        )
    if policies.can(user, "membership.write"):
        context["members_count"] = (
            Membership.objects.visible_to(user).filter(is_active=True).exclude(user=user).count()
        )
    return render(request, "core/home.html", context)
