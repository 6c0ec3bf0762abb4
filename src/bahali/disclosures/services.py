"""Subject access (issue 14, item 4): everything Bahali holds about one participant, for
them, produced by a data steward with a stated reason, audited as one event.

What the bundle holds: the registry record (identity opened, consents, pledges, the
organisations working with them), each case (programme, phase history, team, plan, sessions
attended, general notes, completed assessments with their answers and ratings, referrals,
material support, emergency accesses) and the disclosure log. What it leaves out, and says
so with a count: clinical notes (released by the person's psychologist, the only role that
may read them), security notes (a security exemption: they can endanger others), drafts of
assessments (working papers, not yet a judgement) and relatives' names and contacts (their
own data, not the participant's).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.assessments.models import Assessment, AssessmentStatus
from bahali.audit.services import record
from bahali.cases.models import Case, PhaseChange
from bahali.casework.models import Attendance, Goal, Note, Sensitivity, SupportItem
from bahali.casework.services import open_note
from bahali.core.context import service
from bahali.disclosures.log import SUBJECT_ACCESS_ACTION, disclosures_of
from bahali.referrals.models import Referral
from bahali.registry.models import Participant
from bahali.registry.services import open_identity

REASON_MIN = 10
REASON_MAX = 500
FORMATS = ("json", "pdf")


def check_reason(reason: str) -> str:
    """The reason, trimmed, or a ValidationError saying what is wrong with it."""
    reason = (reason or "").strip()
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in reason):
        raise ValidationError(
            {"reason": _("The reason contains characters that cannot be stored.")}
        )
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {
                "reason": _(
                    "Say in a sentence why this is produced, e.g. the person's request and its "
                    "date (at least %(count)d characters)."
                )
                % {"count": REASON_MIN}
            }
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(count)d characters.") % {"count": REASON_MAX}}
        )
    return reason


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.username) if user is not None else ""


def _case(case: Case) -> dict[str, Any]:
    changes = PhaseChange.objects.filter(case=case).select_related("from_phase", "to_phase")
    notes = list(Note.objects.filter(case=case).select_related("author").order_by("written_on"))
    general = [n for n in notes if n.sensitivity == Sensitivity.GENERAL]
    assessments = list(
        Assessment.objects.filter(case=case)
        .select_related("instrument_version__instrument", "assessor")
        .order_by("assessed_on", "pk")
    )
    completed = [a for a in assessments if a.status == AssessmentStatus.COMPLETED]
    attendances = (
        Attendance.objects.filter(case=case)
        .select_related("session")
        .order_by("session__held_on", "pk")
    )
    return {
        "programme": case.programme.label,
        "lead_organisation": case.lead_organisation.name,
        "district": case.district.name,
        "phase": case.phase.label,
        "opened_on": _day(case.opened_on),
        "closed_on": _day(case.closed_on),
        "closure": case.get_closure_display() if case.closure else "",
        "closure_note": case.closure_note,
        "risk_band": case.get_risk_band_display() if case.risk_band else "",
        "phase_history": [
            {
                "on": _day(change.changed_on),
                "from": change.from_phase.label if change.from_phase else "",
                "to": change.to_phase.label if change.to_phase else change.get_closure_display(),
                "reason": change.reason,
            }
            for change in changes.order_by("changed_on", "pk")
        ],
        "team": [
            {
                "name": _person(member.membership.user),
                "organisation": member.membership.organisation.name,
                "role": member.get_case_role_display(),
                "joined_on": _day(member.joined_on),
                "left_on": _day(member.left_on),
            }
            for member in case.team.select_related(
                "membership__user", "membership__organisation"
            ).order_by("joined_on", "pk")
        ],
        "plan": [
            {
                "domain": goal.get_domain_display(),
                "goal": goal.title,
                "interventions": goal.interventions,
                "status": goal.get_status_display(),
                "target_on": _day(goal.target_on),
            }
            for goal in Goal.objects.filter(case=case).order_by("domain", "pk")
        ],
        "sessions": [
            {
                "on": _day(a.session.held_on),
                "kind": a.session.get_kind_display(),
                "topic": a.session.topic,
                "attendance": a.get_status_display(),
            }
            for a in attendances
        ],
        "notes": [
            {"on": _day(n.written_on), "author": _person(n.author), "text": open_note(n)}
            for n in general
        ],
        "assessments": [
            {
                "instrument": a.instrument_version.instrument.label,
                "version": a.instrument_version.number,
                "assessed_on": _day(a.assessed_on),
                "assessor": a.assessor_name,
                "overall_judgement": a.get_overall_rating_display() if a.overall_rating else "",
                "overall_rationale": a.overall_rationale or "",
                "domain_ratings": a.domain_ratings or {},
                "answers": a.answers or {},
            }
            for a in completed
        ],
        "referrals": [
            {
                "service": r.service.name,
                "provider": r.provider.name,
                "sent_on": _day(r.sent_on),
                "status": r.get_status_display(),
                "need": r.need,
                "feedback": r.feedback,
            }
            for r in Referral.objects.filter(case=case, family_member__isnull=True)
            .select_related("service", "provider")
            .order_by("sent_on", "pk")
        ],
        "support": [
            {
                "kind": s.get_kind_display(),
                "description": s.description,
                "amount_pkr": str(s.amount),
                "on": _day(s.provided_on),
                "status": s.get_status_display(),
            }
            for s in SupportItem.objects.filter(case=case).order_by("provided_on", "pk")
        ],
        "left_out": {
            "clinical_notes": sum(1 for n in notes if n.sensitivity == Sensitivity.CLINICAL),
            "security_notes": sum(1 for n in notes if n.sensitivity == Sensitivity.SECURITY),
            "draft_assessments": len(assessments) - len(completed),
            "relatives": case.family.count(),
        },
    }


def build_bundle(participant: Participant, actor: Any, reason: str) -> dict[str, Any]:
    """Everything held about ``participant`` (see the module's docstring), as plain data."""
    identity = open_identity(participant)
    return {
        "produced_at": timezone.now().isoformat(timespec="seconds"),
        "produced_by": _person(actor) if isinstance(actor, User) else "system",
        "organisation": actor.active_organisation.name
        if getattr(actor, "active_organisation", None)
        else "",
        "reason": reason,
        "participant": {
            "code": participant.code,
            "district": participant.district.name,
            "sex": participant.get_sex_display(),
            "age_band": participant.get_age_band_display(),
            "juvenile": participant.is_juvenile,
            "home_community": participant.home_community.name if participant.home_community else "",
            "languages": participant.languages,
            "registered_on": _day(timezone.localdate(participant.created_at)),
            "registered_by": participant.registered_by.name,
        },
        "identity": {
            **{
                key: value
                for key, value in identity.__dict__.items()
                if key not in {"birth_date", "birth_year"}
            },
            "birth_date": _day(identity.birth_date),
            "birth_year": identity.birth_year,
        },
        "organisations": [
            link.organisation.name
            for link in participant.links.select_related("organisation").order_by("created_at")
        ],
        "consents": [
            {
                "purpose": c.get_purpose_display(),
                "share_with": c.get_share_with_display() if c.share_with else "",
                "given_by": c.get_given_by_display(),
                "guardian": c.guardian_name,
                "how": c.get_method_display(),
                "witness": c.witness,
                "given_on": _day(c.given_on),
                "withdrawn_on": _day(c.withdrawn_on),
            }
            for c in participant.consents.order_by("given_on", "pk")
        ],
        "pledges": [
            {"on": _day(p.pledged_on), "witnesses": p.witnesses, "notes": p.notes}
            for p in participant.pledges.order_by("pledged_on", "pk")
        ],
        "cases": [
            _case(case)
            for case in Case.objects.filter(participant=participant)
            .select_related("programme", "lead_organisation", "district", "phase")
            .order_by("opened_on", "pk")
        ],
        "disclosures": [entry.as_dict() for entry in disclosures_of(participant, actor)],
    }


@service
def produce_subject_access(
    *, actor: Any, participant: Participant, reason: str, fmt: str = "json"
) -> dict[str, Any]:
    """Everything held about ``participant``, for a data steward of an organisation working
    with them, with a reason (the person's request). One audit event names the steward, the
    reason and the format; the bundle's disclosure list includes this production."""
    policies.require(actor, "subject_access.write", participant)
    reason = check_reason(reason)
    if fmt not in FORMATS:
        raise ValidationError({"fmt": _("Choose one of the listed options.")})
    record(SUBJECT_ACCESS_ACTION, obj=participant, changes={"format": [None, fmt]}, reason=reason)
    return build_bundle(participant, actor, reason)
