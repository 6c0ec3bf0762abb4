"""The pathway's own contributions to the case timeline and to "My work"."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from bahali.cases.due import SIGN_OFF_DAYS
from bahali.cases.models import Case, PhaseChange, SignOff, TeamMember, TransitionRequest
from bahali.cases.timeline import (
    TimelineEntry,
    as_datetime,
    display,
    label_of,
    labelled,
    name_of,
    person,
    rows,
)
from bahali.cases.work import Found, WorkItem, case_columns, link


def case_timeline(case: Case, user: Any, limit: int) -> list[TimelineEntry]:
    """Phase changes, requests, sign-offs and team changes (the newest ``limit`` of each):
    four queries whatever the count. Who reads the summary only (a security liaison) sees
    the phase changes alone, without their reasons (DESIGN.md §2)."""
    from bahali.accounts import policies

    shows_detail = policies.can(user, "case_detail.read", case)
    entries: list[TimelineEntry] = []
    closure = display(PhaseChange, "closure")
    changes = rows(
        PhaseChange.objects.filter(case=case).order_by("-pk")[:limit],
        "created_at",
        "closure",
        "reason",
        "to_phase",
        "from_phase",
        *labelled("from_phase"),
        *labelled("to_phase"),
        *person("changed_by"),
        "request",
        "request__overridden_by",
        "request__override_reason",
    )
    for change in changes:
        if change["closure"] and change["to_phase"] is None:
            title = _("Closed: %(closure)s") % {"closure": closure(change["closure"])}
        elif change["from_phase"] is None:
            title = _("Enrolled in “%(phase)s”") % {"phase": label_of(change, "to_phase")}
        else:
            title = _("Moved from “%(from)s” to “%(to)s”") % {
                "from": label_of(change, "from_phase"),
                "to": label_of(change, "to_phase"),
            }
        overridden = change["request"] is not None and change["request__overridden_by"] is not None
        entries.append(
            TimelineEntry(
                when=as_datetime(change["created_at"]),
                kind="phase",
                icon="signpost-split",
                title=title,
                detail=(
                    ""
                    if not shows_detail
                    else _("Gate overridden: %(reason)s")
                    % {"reason": change["request__override_reason"]}
                    if overridden
                    else change["reason"]
                ),
                actor=name_of(change, "changed_by"),
                flagged=overridden,
            )
        )
    if not shows_detail:
        return entries
    requests = rows(
        TransitionRequest.objects.filter(case=case).order_by("-created_at")[:limit],
        "created_at",
        "reason",
        *labelled("transition__to_phase"),
        *person("requested_by"),
    )
    for request in requests:
        entries.append(
            TimelineEntry(
                when=request["created_at"],
                kind="request",
                icon="send",
                title=_("Asked to move to “%(phase)s”")
                % {"phase": label_of(request, "transition__to_phase")},
                detail=request["reason"],
                actor=name_of(request, "requested_by"),
            )
        )
    sign_offs = (
        []  # no request, so nothing to sign
        if not requests
        else rows(
            SignOff.objects.filter(request__case=case).order_by("-updated_at")[:limit],
            "updated_at",
            "decision",
            "reason",
            "objection",
            "answered_at",
            "answer",
            "organisation__name",
            *person("signed_by"),
            *person("answered_by"),
        )
    )
    for sign_off in sign_offs:
        approve = sign_off["decision"] == SignOff.Decision.APPROVE
        entries.append(
            TimelineEntry(
                when=sign_off["updated_at"],
                kind="sign_off",
                icon="check2-circle" if approve else "exclamation-octagon",
                title=(
                    _("%(organisation)s approved") if approve else _("%(organisation)s objected")
                )
                % {"organisation": sign_off["organisation__name"]},
                detail=sign_off["reason"],
                actor=name_of(sign_off, "signed_by"),
                flagged=sign_off["objection"] == SignOff.ObjectionState.OPEN,
            )
        )
        if sign_off["answered_at"]:
            entries.append(
                TimelineEntry(
                    when=sign_off["answered_at"],
                    kind="answer",
                    icon="reply",
                    title=_("Objection answered"),
                    detail=sign_off["answer"],
                    actor=name_of(sign_off, "answered_by"),
                )
            )
    case_role = display(TeamMember, "case_role")
    team = rows(
        TeamMember.objects.filter(case=case).order_by("-pk")[:limit],
        "created_at",
        "left_on",
        "case_role",
        "membership__organisation__name",
        *person("membership__user"),
    )
    for member in team:
        role = _("%(role)s · %(organisation)s") % {
            "role": case_role(member["case_role"]),
            "organisation": member["membership__organisation__name"],
        }
        name = name_of(member, "membership__user")
        entries.append(
            TimelineEntry(
                when=as_datetime(member["created_at"]),
                kind="team",
                icon="person-plus",
                title=_("%(name)s joined the team") % {"name": name},
                detail=role,
            )
        )
        if member["left_on"]:
            entries.append(
                TimelineEntry(
                    when=as_datetime(member["left_on"]),
                    kind="team",
                    icon="person-dash",
                    title=_("%(name)s left the team") % {"name": name},
                    detail=role,
                )
            )
    return entries


def sign_off_work(user: Any, limit: int | None) -> Found:
    """Sign-offs asked of the user's organisations, oldest first."""
    from bahali.accounts import policies
    from bahali.accounts.roles import Role
    from bahali.cases.services import waiting_for_sign_off

    if not any(
        policies.role_grants("sign_off", Role(membership.role))
        for membership in user.active_memberships()
    ):  # no role of the user's signs: nothing to ask the database
        return Found(0, [])
    to_case = link("cases:detail")
    waiting = (
        waiting_for_sign_off(user)
        .select_related(None)
        .select_related("case__participant", "case__programme", "transition__to_phase")
        .only(
            "created_at",
            "reason",
            *case_columns("case"),
            "transition",
            "transition__to_phase",
            *labelled("transition__to_phase"),
        )
    )
    return Found.of_rows(
        waiting,
        limit,
        lambda request: WorkItem.of_case(
            request.case,
            kind="sign_off",
            title=_("Sign off: move to “%(phase)s”") % {"phase": request.transition.to_phase.label},
            url=to_case(request.case_id),
            due=(request.created_at + datetime.timedelta(days=SIGN_OFF_DAYS)).date(),
            detail=request.reason,
        ),
    )


def objection_work(user: Any, limit: int | None) -> Found:
    """Objections to the user's own requests that wait for an answer, oldest first — on
    cases the user may still read (a requester who has left the team sees none)."""
    objections = (
        SignOff.objects.filter(
            objection=SignOff.ObjectionState.OPEN,
            request__requested_by=user,
            request__status=TransitionRequest.Status.PENDING,
            request__case__in=Case.objects.visible_to(user).values("pk"),
        )
        .select_related("request__case__participant", "request__case__programme", "organisation")
        .order_by("updated_at", "pk")
    )
    to_case = link("cases:detail")
    return Found.of_rows(
        objections,
        limit,
        lambda sign_off: WorkItem.of_case(
            sign_off.request.case,
            kind="objection",
            title=_("Answer the objection of %(organisation)s")
            % {"organisation": sign_off.organisation.name},
            url=to_case(sign_off.request.case_id),
            due=sign_off.updated_at.date(),
            detail=sign_off.reason,
        ),
    )


# A case enrolled this recently whose team has fewer than two members waits for its team.
NEW_CASE_DAYS = 90
TEAM_AT_LEAST = 2


def team_work(user: Any, limit: int | None) -> Found:
    """New cases whose team has not been built yet (one person or none), for whoever builds
    teams (programme managers, in their districts), oldest enrolment first."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from bahali.accounts import policies

    if not policies.can(user, "case_team.write"):
        return Found(0, [])
    since = timezone.localdate() - datetime.timedelta(days=NEW_CASE_DAYS)
    cases = (
        Case.objects.visible_to(user, "case_team", "write")
        .filter(closed_on__isnull=True, opened_on__gte=since)
        .annotate(members=Count("team", filter=Q(team__left_on__isnull=True)))
        .filter(members__lt=TEAM_AT_LEAST)
        .select_related("participant", "programme")
        .order_by("opened_on", "pk")
    )
    to_team = link("cases:detail", "#team")
    return Found.of_rows(
        cases,
        limit,
        lambda case: WorkItem.of_case(
            case,
            kind="team",
            title=_("Build the team of a new case"),
            url=to_team(case.pk),
            due=case.opened_on,
            detail=_("%(count)s on the team") % {"count": case.members},
        ),
    )
