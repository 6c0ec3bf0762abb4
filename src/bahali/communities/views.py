"""Community pages: the communities and their committees (composition, flags), a community's
page (members, dialogues, cases placed there), recording dialogues, and the case's community
tab where a case is placed. Thin: services decide, policies scope, out of reach answers 404."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bahali.accounts import policies
from bahali.assessments import filling, presentation
from bahali.assessments import services as assessments
from bahali.assessments.models import Assessment, AssessmentStatus
from bahali.cases.lookups import get_case_for_user
from bahali.cases.models import Case
from bahali.cases.views import case_context
from bahali.communities import readiness, services
from bahali.communities.forms import (
    BenefitForm,
    BenefitPaidForm,
    CommitteeForm,
    DialogueForm,
    MemberForm,
    PlacementForm,
    ReadinessStartForm,
)
from bahali.communities.lookups import RESOURCE, communities_visible_to, get_community_for_user
from bahali.communities.models import (
    BenefitKind,
    Committee,
    CommitteeMember,
    CommunityBenefit,
    Dialogue,
)
from bahali.core.dates import format_day
from bahali.core.forms import (
    apply_validation_error,
    message_form_errors,
    message_refusal,
    show_conflict,
)
from bahali.core.http import AuthedRequest
from bahali.core.once import one_time_form
from bahali.core.versioning import Conflict
from bahali.geography.models import Community
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.programmes.lookups import get_programme_for_user
from bahali.programmes.models import Programme
from bahali.referrals.views import network_tabs

DIALOGUES_SHOWN = 20


def _committee(community: Community) -> Committee | None:
    return (
        Committee.objects.filter(community=community)
        .select_related("organisation")
        .prefetch_related("members")
        .first()
    )


@login_required
@require_GET
def community_list(request: AuthedRequest) -> HttpResponse:
    if not policies.can(request.user, f"{RESOURCE}.read"):
        raise Http404
    communities = (
        communities_visible_to(request.user)
        .select_related("tehsil__district", "committee__organisation")
        .prefetch_related(
            Prefetch("committee__members", CommitteeMember.objects.filter(left_on__isnull=True))
        )
        .order_by("tehsil__district__name", "tehsil__name", "name")
    )
    communities = list(communities)
    latest_readiness = readiness.latest(communities)
    rows = []
    for community in communities:
        committee = getattr(community, "committee", None)
        rows.append(
            {
                "community": community,
                "readiness": latest_readiness.get(community.pk),
                "committee": committee,
                "composition": services.composition(committee, list(committee.members.all()))
                if committee
                else None,
            }
        )
    return render(
        request,
        "communities/list.html",
        {"rows": rows, "network_tabs": network_tabs(request.user, "communities")},
    )


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk)
    can_write = policies.can(request.user, f"{RESOURCE}.write", community)
    committee = _committee(community)
    members = list(committee.members.all()) if committee else []
    placed = (
        Case.objects.visible_to(request.user)
        .open()
        .filter(receiving_community=community)
        .select_related("participant", "phase", "programme")
        .order_by("-opened_on")
    )
    committee_form = None
    if can_write and committee is None:
        committee_form = CommitteeForm(
            initial={"formed_on": timezone.localdate()},
            organisations=Organisation.objects.filter(
                kind=OrganisationKind.COMMUNITY_COMMITTEE, is_active=True, committee__isnull=True
            ).order_by("name"),
        )
    done = readiness.history(community)
    data = readiness.series(done)
    chart = presentation.chart(data) if done else None
    if chart is not None:
        chart = dataclasses.replace(
            chart,
            description=_("Readiness ratings of %(count)d assessments, from %(first)s to %(last)s.")
            % {
                "count": len(done),
                "first": format_day(done[-1].assessed_on),
                "last": format_day(done[0].assessed_on),
            },
        )
    draft = readiness.draft_in_progress(community)
    return render(
        request,
        "communities/detail.html",
        {
            "community": community,
            "readiness": done,
            "readiness_chart": chart,
            "readiness_table": readiness.rating_table(data) if len(done) > 1 else [],
            "readiness_columns": [p.assessment for p in reversed(data.points)],
            "readiness_drafts": list(
                readiness.assessments_of(community)
                .filter(status=AssessmentStatus.DRAFT)
                .select_related("assessor", "corrects")
            )
            if can_write
            else [],
            "readiness_form": ReadinessStartForm(initial={"assessed_on": timezone.localdate()})
            if can_write and draft is None and readiness.instrument() is not None
            else None,
            "committee": committee,
            "composition": services.composition(committee, members) if committee else None,
            "former": [m for m in members if m.left_on is not None],
            "dialogues": Dialogue.objects.filter(community=community)[:DIALOGUES_SHOWN],
            "placed": placed,
            "can_write": can_write,
            "committee_form": committee_form,
            "member_form": MemberForm(initial={"joined_on": timezone.localdate()})
            if can_write and committee
            else None,
        },
    )


@login_required
@require_POST
def form_committee(request: AuthedRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk, "write")
    form = CommitteeForm(
        request.POST,
        organisations=Organisation.objects.filter(kind=OrganisationKind.COMMUNITY_COMMITTEE),
    )
    if form.is_valid():
        try:
            services.form_committee(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The committee is recorded."))
    else:
        message_form_errors(request, form)
    return redirect("communities:detail", pk=community.pk)


@login_required
@require_POST
def add_member(request: AuthedRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk, "write")
    committee = _committee(community)
    if committee is None:
        raise Http404
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            services.add_committee_member(
                actor=request.user, committee=committee, **form.cleaned_data
            )
        except ValidationError as error:
            message_refusal(request, error)
        else:
            messages.success(request, _("The member is added to the committee."))
    else:
        message_form_errors(request, form)
    return redirect("communities:detail", pk=community.pk)


@login_required
@require_POST
def end_member(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk, "write")
    member = get_object_or_404(
        CommitteeMember.objects.filter(committee__community=community), pk=member_pk
    )
    try:
        services.end_committee_membership(actor=request.user, member=member)
    except ValidationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, _("The member has left the committee."))
    return redirect("communities:detail", pk=community.pk)


@login_required
@require_http_methods(["GET", "POST"])
@one_time_form
def new_dialogue(request: AuthedRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk, "write")
    form = DialogueForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_dialogue(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The dialogue is recorded."))
            return redirect("communities:detail", pk=community.pk)
    return render(request, "communities/dialogue.html", {"community": community, "form": form})


@login_required
@require_POST
def follow_ups_done(request: AuthedRequest, pk: int, dialogue_pk: int) -> HttpResponse:
    """The dialogue's follow-ups are done (today): they leave My work."""
    community = get_community_for_user(request.user, pk, "write")
    dialogue = get_object_or_404(Dialogue.objects.filter(community=community), pk=dialogue_pk)
    try:
        services.complete_follow_ups(actor=request.user, dialogue=dialogue)
    except ValidationError as error:
        message_refusal(request, error)
    else:
        messages.success(request, _("The follow-ups are recorded as done."))
    return redirect(reverse("communities:detail", args=[community.pk]) + f"#dialogue-{dialogue.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def case_community(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, RESOURCE)
    can_place = case.is_open and policies.can(request.user, "transition.write", case)
    if request.method == "POST" and not can_place:
        raise Http404
    form = None
    candidates: list[Community] = []
    if can_place:
        choices = (
            Community.objects.filter(tehsil__district=case.district, committee__isnull=False)
            .select_related("tehsil", "committee__organisation")
            .order_by("tehsil__name", "name")
        )
        candidates = list(choices)
    placed_in = [case.receiving_community] if case.receiving_community else []
    latest_readiness = readiness.latest(candidates + placed_in)
    if can_place:
        form = PlacementForm(
            request.POST or None,
            initial={"community": case.receiving_community_id, "version": case.version},
            communities=choices,
            readiness=latest_readiness,
        )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.place_case(
                actor=request.user,
                case=case,
                community=form.cleaned_data["community"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        except Conflict as stale:
            show_conflict(form, stale)
        else:
            messages.success(
                request, _("The case is placed; the community's committee now takes part.")
            )
            return redirect("communities:case", pk=case.pk)
    return _community_tab(request, case, form, candidates, latest_readiness)


def _community_tab(
    request: AuthedRequest,
    case: Case,
    form: PlacementForm | None,
    candidates: list[Community],
    latest_readiness: dict[int, Any],
    benefit_form: BenefitForm | None = None,
) -> HttpResponse:
    community = case.receiving_community
    committee = _committee(community) if community else None
    full = case_context(request, case, "community")
    full.update(
        {
            "community": community,
            "committee": committee,
            "composition": services.composition(committee, list(committee.members.all()))
            if committee
            else None,
            "dialogues": Dialogue.objects.filter(community=community)[:5] if community else [],
            "form": form,
            "readiness": latest_readiness.get(community.pk) if community else None,
            "candidates": [
                {"community": c, "readiness": latest_readiness.get(c.pk)} for c in candidates
            ],
            "can_open_community": community is not None
            and policies.can(request.user, f"{RESOURCE}.read", community),
            **_benefits_context(request, case, benefit_form),
        }
    )
    return render(request, "communities/case.html", full)


# --- support to the receiving community ---------------------------------------------


def _benefit_form(data: Any = None) -> BenefitForm:
    return BenefitForm(
        data,
        initial={"provided_on": timezone.localdate(), "status": "planned"},
        organisations=Organisation.objects.filter(is_active=True).order_by("name"),
    )


def _benefits_context(
    request: AuthedRequest, case: Case, form: BenefitForm | None = None
) -> dict[str, Any]:
    """The community-benefit card of the case's Community tab, for those who may read it."""
    if not policies.can(request.user, "community_benefit.read", case):
        return {"can_see_benefits": False}
    can_write = (
        case.is_open
        and case.receiving_community_id is not None
        and policies.can(request.user, "community_benefit.write", case)
    )
    return {
        "can_see_benefits": True,
        "benefits": case.community_benefits.select_related("community", "organisation"),
        "benefit_form": (form or _benefit_form()) if can_write else None,
        "can_write_benefits": can_write,
    }


@login_required
@require_POST
@one_time_form
def record_benefit(request: AuthedRequest, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "community_benefit", "write")
    form = _benefit_form(request.POST)
    if form.is_valid():
        try:
            services.record_community_benefit(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The support for the community is recorded."))
            return redirect("communities:case", pk=case.pk)
    placed_in = [case.receiving_community] if case.receiving_community else []
    return _community_tab(request, case, None, [], readiness.latest(placed_in), form)


@login_required
@require_POST
def benefit_paid(request: AuthedRequest, pk: int, benefit_pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, pk, "community_benefit", "write")
    benefit = get_object_or_404(case.community_benefits.all(), pk=benefit_pk)
    form = BenefitPaidForm(request.POST)
    if form.is_valid():
        try:
            services.mark_benefit_paid(
                actor=request.user, benefit=benefit, expected_version=form.cleaned_data["version"]
            )
        except ValidationError as error:
            message_refusal(request, error)
        except Conflict as conflict:
            messages.error(request, str(conflict))
        else:
            messages.success(request, _("Marked as paid."))
    else:
        message_form_errors(request, form)
    return redirect("communities:case", pk=case.pk)


@login_required
@require_GET
def support_share(request: AuthedRequest, code: str) -> HttpResponse:
    """One programme's support paid, to returnees and to community members, side by side."""
    if not policies.can(request.user, "support_share.read"):
        raise Http404
    programme = get_programme_for_user(request.user, code)
    share = services.support_shares([programme])[0]
    by_kind = (
        CommunityBenefit.objects.filter(case__programme=programme, status="paid")
        .values("kind")
        .annotate(total=Sum("amount"), reached=Sum("beneficiaries"))
        .order_by("kind")
    )
    kinds = dict(BenefitKind.choices)
    return render(
        request,
        "communities/support_share.html",
        {
            "programme": programme,
            "share": share,
            "by_kind": [{"label": kinds.get(row["kind"], row["kind"]), **row} for row in by_kind],
        },
    )


def oversight_support_panel(user: Any) -> dict[str, Any] | None:
    """The oversight body's home figure: each programme's support paid to returnees and to
    community members (``core.figures``), in three queries."""
    from bahali.accounts.roles import Role
    from bahali.core.figures import holds_role

    if not holds_role(user, Role.OVERSIGHT_MONITOR) or not policies.can(user, "support_share.read"):
        return None
    programmes = Programme.objects.order_by("code")
    return {"shares": services.support_shares(programmes)}


# --- readiness ----------------------------------------------------------------------


def _readiness(community: Community, pk: int) -> Assessment:
    return get_object_or_404(
        readiness.assessments_of(community).select_related(
            "instrument_version__instrument", "assessor", "corrects"
        ),
        pk=pk,
    )


@login_required
@require_POST
def start_readiness(request: AuthedRequest, pk: int) -> HttpResponse:
    """Start a readiness assessment of the community, then fill it in."""
    community = get_community_for_user(request.user, pk, "write")
    form = ReadinessStartForm(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("communities:detail", pk=community.pk)
    try:
        assessment = readiness.start_readiness_assessment(
            actor=request.user, community=community, assessed_on=form.cleaned_data["assessed_on"]
        )
    except ValidationError as error:
        message_refusal(request, error)
        return redirect("communities:detail", pk=community.pk)
    messages.success(request, _("The readiness assessment is started as a draft."))
    return redirect("communities:readiness", pk=community.pk, assessment_pk=assessment.pk)


@login_required
@require_http_methods(["GET", "POST"])
def readiness_assessment(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    """One readiness assessment: a draft opens for filling in (save and resume, or
    complete) with the assessments' fill-in machinery; a completed one reads only."""
    community = get_community_for_user(
        request.user, pk, "write" if request.method == "POST" else "read"
    )
    assessment = _readiness(community, assessment_pk)
    can_write = policies.can(request.user, f"{RESOURCE}.write", community)
    if assessment.is_completed or not can_write:
        if request.method == "POST" and not assessment.is_completed:
            raise Http404
        if request.method == "POST":  # a second submit after completion: show what is kept
            messages.info(request, _("This assessment is already completed; nothing was changed."))
            return redirect("communities:readiness", pk=community.pk, assessment_pk=assessment.pk)
        return _read_readiness(request, community, assessment, can_write)
    here = redirect("communities:readiness", pk=community.pk, assessment_pk=assessment.pk)
    filled = filling.take_post(request, assessment) if request.method == "POST" else None
    if filled is not None and filled.outcome in ("stale", "saved"):
        return here
    if filled is not None and filled.outcome == "completed":
        messages.success(request, _("The readiness assessment is completed."))
        return redirect("communities:detail", pk=community.pk)
    context = filling.filled_context(assessment, filled or filling.Filled.of(assessment))
    context["community"] = community
    if filled is not None and request.headers.get("HX-Request"):
        return filling.relevance_response(context["sections"])
    return render(request, "communities/readiness_fill.html", context)


def _read_readiness(
    request: AuthedRequest, community: Community, assessment: Assessment, can_write: bool
) -> HttpResponse:
    context = filling.read_context(assessment)
    corrections = list(assessment.corrections.order_by("-pk").select_related("assessor"))
    superseded = any(c.is_completed for c in corrections)
    context.update(
        {
            "community": community,
            "corrections": corrections,
            "can_correct": assessment.is_completed
            and can_write
            and not any(c.status == AssessmentStatus.DRAFT for c in corrections),
            "superseded": superseded,
        }
    )
    return render(request, "communities/readiness_detail.html", context)


@login_required
@require_POST
def correct_readiness(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk, "write")
    assessment = _readiness(community, assessment_pk)
    try:
        correction = assessments.correct_assessment(actor=request.user, assessment=assessment)
    except ValidationError as error:
        message_refusal(request, error)
        return redirect("communities:readiness", pk=community.pk, assessment_pk=assessment.pk)
    messages.success(
        request, _("A correction is started: change what was wrong, then complete it.")
    )
    return redirect("communities:readiness", pk=community.pk, assessment_pk=correction.pk)


@login_required
@require_POST
def discard_readiness(request: AuthedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk, "write")
    assessment = _readiness(community, assessment_pk)
    try:
        assessments.discard_draft(actor=request.user, assessment=assessment)
    except ValidationError as error:
        message_refusal(request, error)
        return redirect("communities:readiness", pk=community.pk, assessment_pk=assessment.pk)
    messages.success(request, _("The draft is discarded."))
    return redirect("communities:detail", pk=community.pk)
