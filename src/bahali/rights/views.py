"""The oversight body's red-flags page: each flag with its definition in plain words and the
cases behind it by pseudonymous code; "compute now" runs the daily computation at once.
Thin: services compute and read, policies decide; anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bahali.accounts import policies
from bahali.core.http import AuthedRequest
from bahali.rights import presentation, services


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "rights_flag.read"):
        raise Http404
    groups = services.groups_for(request.user)
    rows = {
        group.kind: [(flag, presentation.explain(flag)) for flag in group.flags] for group in groups
    }
    return render(
        request,
        "rights/dashboard.html",
        {
            "groups": [(group, rows[group.kind]) for group in groups],
            "total": sum(group.count for group in groups),
            "run": services.latest_run(),
            "can_compute": policies.can(request.user, "rights_flag.write"),
        },
    )


@login_required
@require_POST
def compute(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "rights_flag.write"):
        raise Http404
    run = services.compute_red_flags(actor=request.user)
    messages.success(
        request,
        _("The red flags were computed again: %(count)s found.")
        % {"count": sum(run.counts.values())},
    )
    return redirect("rights:dashboard")
