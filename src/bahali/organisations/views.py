"""The directory of organisations taking part."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from bahali.accounts import policies
from bahali.accounts.models import Membership
from bahali.core.http import AuthedRequest
from bahali.organisations.models import Organisation, OrganisationKind


@login_required
@require_GET
def organisation_list(request: AuthedRequest) -> HttpResponse:
    organisations = (
        Organisation.objects.visible_to(request.user)
        .active()
        .select_related("district", "district__province")
        .annotate(member_count=Count("memberships", filter=Q(memberships__is_active=True)))
    )
    kind = request.GET.get("kind", "")
    if kind in OrganisationKind.values:
        organisations = organisations.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query)
        )
    context = {
        "organisations": organisations,
        "kinds": OrganisationKind.choices,
        "kind": kind,
        "query": query,
    }
    template = (
        "organisations/_table.html"
        if request.headers.get("HX-Request")
        else "organisations/list.html"
    )
    return render(request, template, context)


@login_required
@require_GET
def organisation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related("district__province"),
        pk=pk,
    )
    memberships = None
    if policies.can(request.user, "organisation.write", organisation):
        memberships = (
            Membership.objects.visible_to(request.user)
            .filter(organisation=organisation, is_active=True)
            .select_related("user")
            .order_by("user__username")
        )
    return render(
        request,
        "organisations/detail.html",
        {"organisation": organisation, "memberships": memberships},
    )
