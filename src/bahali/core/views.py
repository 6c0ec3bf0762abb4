"""The home page: a dashboard shaped by the user's roles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from bahali.accounts import policies
from bahali.accounts.models import Membership
from bahali.audit.models import AuditEvent
from bahali.core.http import AuthedRequest


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context = {
        "memberships": user.active_memberships(),
        "access": policies.access_summary(user),
        "recent_audit": None,
        "members_count": None,
    }
    if policies.can(user, "audit_log.read"):
        context["recent_audit"] = list(
            AuditEvent.objects.visible_to(user).select_related(None).order_by("-seq")[:8]
        )
    if policies.can(user, "case_summary.read") or policies.can(user, "sign_off.write"):
        from bahali.cases import work

        context["work_items"] = work.items_for(user)[:5]
    if policies.can(user, "membership.write"):
        context["members_count"] = (
            Membership.objects.visible_to(user).filter(is_active=True).exclude(user=user).count()
        )
    return render(request, "core/home.html", context)
