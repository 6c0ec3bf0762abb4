"""The research page (issue 15, item 6): approvals of researchers — listed for those who
may read them, granted and revoked by data stewards — and, for an approved analyst, the
request of the pseudonymised extract (a background export, ``evidence.exports``) and its
data dictionary. Thin: the rules are in ``evidence.services`` and ``evidence.research``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bahali.accounts import policies
from bahali.core.forms import message_form_errors, message_refusal
from bahali.core.http import AuthedRequest
from bahali.core.paging import KeysFirstPaginator
from bahali.core.services import local_today
from bahali.core.versioning import Conflict
from bahali.evidence import research, services
from bahali.evidence.forms import ResearchApprovalForm, RevokeForm
from bahali.evidence.models import ResearchApproval

PAGE_SIZE = 25


def _may_see(user: Any) -> bool:
    return policies.can(user, "research_approval.read") or policies.can(
        user, "research_extract.read"
    )


@login_required
@require_GET
def research_page(request: AuthedRequest) -> HttpResponse:
    if not _may_see(request.user):
        raise Http404
    found = (
        ResearchApproval.objects.visible_to(request.user)
        .select_related("researcher", "organisation", "approved_by", "revoked_by")
        .prefetch_related("programmes")
    )
    page = KeysFirstPaginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    revocable = set(
        ResearchApproval.objects.visible_to(request.user, "write")
        .filter(pk__in=[a.pk for a in page.object_list], revoked_on__isnull=True)
        .values_list("pk", flat=True)
    )
    may_grant = policies.can(request.user, "research_approval.write")
    return render(
        request,
        "evidence/research.html",
        {
            "page": page,
            "today": local_today(),
            "revocable": revocable,
            "form": ResearchApprovalForm(user=request.user) if may_grant else None,
            "in_force": list(research.approvals_in_force(request.user)),
            "is_researcher": policies.can(request.user, "research_extract.read"),
        },
    )


@login_required
@require_POST
def grant(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, "research_approval.write"):
        raise Http404
    form = ResearchApprovalForm(request.POST, user=request.user)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("evidence:research")
    data = form.cleaned_data
    try:
        services.grant_research_approval(
            actor=request.user,
            researcher=data["researcher"],
            title=data["title"],
            protocol=data["protocol"],
            ethics=data["ethics"],
            programmes=list(data["programmes"]),
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )
    except ValidationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, _("The researcher is approved."))
    return redirect("evidence:research")


@login_required
@require_POST
def revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    approval = ResearchApproval.objects.visible_to(request.user, "write").filter(pk=pk).first()
    if approval is None:
        raise Http404
    form = RevokeForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("evidence:research")
    try:
        services.revoke_research_approval(
            actor=request.user,
            approval=approval,
            reason=form.cleaned_data["revoke_reason"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        message_refusal(request, error)
    except Conflict as error:
        messages.error(request, str(error) or _("Someone changed this approval meanwhile."))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("The approval is revoked."))
    return redirect("evidence:research")


@login_required
@require_GET
def dictionary(request: AuthedRequest) -> HttpResponse:
    """The data dictionary of the extract (the one shipped in its ZIP), over every phase of
    the programmes of the approvals the user may see."""
    if not _may_see(request.user):
        raise Http404
    from bahali.programmes.models import Programme

    programmes = list(
        Programme.objects.filter(
            pk__in=ResearchApproval.objects.visible_to(request.user).values("programmes")
        )
    )
    body = research.csv_text(research.dictionary(research.layout_for(programmes)))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bahali-research-dictionary.csv"'
    return response
