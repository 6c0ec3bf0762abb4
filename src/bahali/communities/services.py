"""Community operations: forming a committee, its membership, dialogues, placing a case in
a community (so its committee signs the gates towards the community and sees the case), and
the committee's composition with its flags.

Every write checks policy first and validates before touching anything, so a refusal changes
nothing; each runs in one transaction with its audit events (``@service``).
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.cases.models import Case, TransitionRequest
from bahali.casework.models import SupportItem, SupportStatus
from bahali.communities.models import (
    BenefitKind,
    Committee,
    CommitteeMember,
    CommunityBenefit,
    Dialogue,
    DialogueKind,
    MemberAge,
    MemberRole,
    MemberSex,
)
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, raise_if_errors, user_of
from bahali.core.versioning import Conflict, claim_version
from bahali.geography.models import Community
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.programmes.models import Programme

Actor = User | SystemActor
MAX_TEXT = 10_000
MAX_ATTENDANCE = 5_000


def _not_future(errors: dict[str, str], name: str, value: datetime.date | None) -> None:
    if value is None:
        errors[name] = _("Give the date.")
    elif value > local_today():
        errors[name] = _("The date cannot be in the future.")


# --- committees ---------------------------------------------------------------------


@service
def form_committee(
    *,
    actor: Actor,
    community: Community,
    organisation: Organisation,
    formed_on: datetime.date | None = None,
) -> Committee:
    """Recognise the community's reintegration committee, acting through its organisation."""
    policies.require(actor, "community_readiness.write", community)
    errors: dict[str, str] = {}
    if Committee.objects.filter(community=community).exists():
        errors["community"] = _("This community has its committee already.")
    if organisation.kind != OrganisationKind.COMMUNITY_COMMITTEE or not organisation.is_active:
        errors["organisation"] = _("Choose an active community reintegration committee.")
    elif Committee.objects.filter(organisation=organisation).exists():
        errors["organisation"] = _("This organisation is the committee of another community.")
    formed_on = formed_on or local_today()
    _not_future(errors, "formed_on", formed_on)
    raise_if_errors(errors)
    committee = Committee(community=community, organisation=organisation, formed_on=formed_on)
    committee.save()
    return committee


@service
def add_committee_member(
    *,
    actor: Actor,
    committee: Committee,
    name: str,
    role: str,
    sex: str,
    age_band: str,
    joined_on: datetime.date | None = None,
) -> CommitteeMember:
    """Someone joins the committee, in a role, with the sex and age band that let the
    committee show whether women and youth have a seat."""
    policies.require(actor, "community_readiness.write", committee)
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("Give the member's name.")
    elif len(name) > 200:
        errors["name"] = _("This is too long.")
    for field_name, value, choices in (
        ("role", role, MemberRole),
        ("sex", sex, MemberSex),
        ("age_band", age_band, MemberAge),
    ):
        if value not in choices.values:
            errors[field_name] = _("Choose one of the listed options.")
    joined_on = joined_on or local_today()
    _not_future(errors, "joined_on", joined_on)
    if (
        name
        and committee.members.filter(name__iexact=name, role=role, left_on__isnull=True).exists()
    ):
        errors["name"] = _("This member already sits on the committee in this role.")
    raise_if_errors(errors)
    member = CommitteeMember(
        committee=committee,
        name=name,
        role=role,
        sex=sex,
        age_band=age_band,
        joined_on=joined_on,
    )
    member.save()
    return member


@service
def end_committee_membership(*, actor: Actor, member: CommitteeMember) -> CommitteeMember:
    """The member leaves the committee from today; the record stays."""
    policies.require(actor, "community_readiness.write", member)
    if member.left_on is not None:
        raise ValidationError(_("This member has left the committee already."))
    member.left_on = max(local_today(), member.joined_on)
    member.save(update_fields=["left_on", "updated_at"])
    return member


@dataclass(frozen=True)
class Composition:
    """Who sits on a committee now, and whether women and youth are among them."""

    members: list[CommitteeMember]
    women: int
    youth: int
    roles_missing: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.members)

    @property
    def women_share(self) -> int | None:
        return round(100 * self.women / self.total) if self.total else None

    @property
    def youth_share(self) -> int | None:
        return round(100 * self.youth / self.total) if self.total else None

    @property
    def flags(self) -> list[str]:
        """What a reviewer must see at once: a committee without women or without youth."""
        found = []
        if not self.total:
            found.append(_("No members are recorded."))
            return found
        if not self.women:
            found.append(_("No women sit on this committee."))
        if not self.youth:
            found.append(_("No young people (under 30) sit on this committee."))
        return found


def composition(committee: Committee, members: list[CommitteeMember] | None = None) -> Composition:
    """The committee's current members (those who have not left), counted (one query)."""
    if members is None:
        members = list(committee.members.filter(left_on__isnull=True))
    else:
        members = [m for m in members if m.left_on is None]
    held = {m.role for m in members}
    return Composition(
        members=members,
        women=sum(1 for m in members if m.sex == MemberSex.FEMALE),
        youth=sum(1 for m in members if m.age_band == MemberAge.YOUTH),
        roles_missing=[label for value, label in MemberRole.choices if value not in held],
    )


# --- dialogues ----------------------------------------------------------------------


@service
def record_dialogue(
    *,
    actor: Actor,
    community: Community,
    kind: str,
    held_on: datetime.date,
    topic: str,
    facilitator: str,
    men: int = 0,
    women: int = 0,
    young_men: int = 0,
    young_women: int = 0,
    decisions: str = "",
    follow_ups: str = "",
    follow_up_by: datetime.date | None = None,
) -> Dialogue:
    """Record a jirga or community meeting with its attendance by sex and age band."""
    policies.require(actor, "community_readiness.write", community)
    errors: dict[str, str] = {}
    if kind not in DialogueKind.values:
        errors["kind"] = _("Choose one of the listed options.")
    _not_future(errors, "held_on", held_on)
    topic = (topic or "").strip()
    facilitator = (facilitator or "").strip()
    if not topic:
        errors["topic"] = _("Give the topic.")
    elif len(topic) > 200:
        errors["topic"] = _("This is too long.")
    if not facilitator:
        errors["facilitator"] = _("Name who facilitated.")
    elif len(facilitator) > 200:
        errors["facilitator"] = _("This is too long.")
    counts = {"men": men, "women": women, "young_men": young_men, "young_women": young_women}
    for name, value in counts.items():
        if value is None or not 0 <= value <= MAX_ATTENDANCE:
            errors[name] = _("Give a number between 0 and %(max)s.") % {"max": MAX_ATTENDANCE}
    if not any(name in errors for name in counts) and sum(counts.values()) == 0:
        errors["men"] = _("Record who attended: at least one person.")
    decisions = (decisions or "").strip()
    follow_ups = (follow_ups or "").strip()
    if len(decisions) > MAX_TEXT or len(follow_ups) > MAX_TEXT:
        errors["decisions"] = _("This is too long.")
    if follow_up_by is not None and held_on is not None and follow_up_by < held_on:
        errors["follow_up_by"] = _("Follow-ups fall due after the meeting.")
    if follow_up_by is not None and not follow_ups:
        errors["follow_ups"] = _("Say what is to follow by that date.")
    raise_if_errors(errors)
    dialogue = Dialogue(
        community=community,
        kind=kind,
        held_on=held_on,
        topic=topic,
        facilitator=facilitator,
        decisions=decisions,
        follow_ups=follow_ups,
        follow_up_by=follow_up_by,
        recorded_by=user_of(actor),
        **counts,
    )
    dialogue.save()
    return dialogue


@service
def complete_follow_ups(
    *, actor: Actor, dialogue: Dialogue, done_on: datetime.date | None = None
) -> Dialogue:
    """Record that what the dialogue agreed to follow up has been done (it leaves My work)."""
    policies.require(actor, "community_readiness.write", dialogue)
    done_on = done_on or local_today()
    if not dialogue.follow_ups:
        raise ValidationError(_("This dialogue agreed no follow-ups."))
    if dialogue.follow_ups_done_on is not None:
        raise ValidationError(_("These follow-ups are recorded as done already."))
    errors: dict[str, str] = {}
    _not_future(errors, "done_on", done_on)
    if not errors and done_on < dialogue.held_on:
        errors["done_on"] = _("Follow-ups are done after the meeting.")
    raise_if_errors(errors)
    dialogue.follow_ups_done_on = done_on
    dialogue.save(update_fields=["follow_ups_done_on", "updated_at"])
    return dialogue


FOLLOW_UP_HORIZON_DAYS = 7  # My work shows follow-ups due within a week, and overdue ones


def follow_ups_due_for(user: Actor) -> list[Dialogue]:
    """Dialogues whose follow-ups are open and due within the horizon (or overdue), for the
    members of the community's committee and whoever recorded the dialogue, soonest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    committees = policies.committees_of(user)
    horizon = local_today() + datetime.timedelta(days=FOLLOW_UP_HORIZON_DAYS)
    return list(
        Dialogue.objects.visible_to(user, "community_readiness", "write")
        .filter(
            Q(community__committee__organisation__in=committees) | Q(recorded_by=user.pk),
            follow_up_by__lte=horizon,
            follow_ups_done_on__isnull=True,
        )
        .select_related("community")
        .order_by("follow_up_by", "pk")
    )


# --- placement ----------------------------------------------------------------------


@service
def place_case(
    *,
    actor: Actor,
    case: Case,
    community: Community,
    expected_version: int | None = None,
) -> Case:
    """Place the case in the community the person returns to: its committee becomes the
    receiving committee, asked to sign the gates towards the community, and sees the case
    summary (never clinical notes, nor identity beyond what consent allows)."""
    policies.require(actor, "transition.write", case)
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    committee = Committee.objects.filter(community=community).select_related("organisation").first()
    errors: dict[str, str] = {}
    if committee is None:
        errors["community"] = _(
            "This community has no reintegration committee yet, so no one could sign off the "
            "return. Form its committee first."
        )
    elif not committee.organisation.is_active:
        errors["community"] = _("This community's committee is no longer active.")
    elif community.tehsil.district_id != case.district_id:
        errors["community"] = _("Choose a community in the case's district.")
    if case.transition_requests.filter(status=TransitionRequest.Status.PENDING).exists():
        errors["community"] = _(
            "A transition is waiting for sign-offs: decide it before changing the community."
        )
    raise_if_errors(errors)
    assert committee is not None  # noqa: S101 - errors raised above otherwise
    if (
        case.receiving_community_id == community.pk
        and case.receiving_committee_id == committee.organisation_id
    ):
        raise ValidationError({"community": _("The case is placed in this community already.")})
    # the row stays locked until the end: a transition requested meanwhile waits for it, and
    # one requested just before is seen here
    claim_version(case, expected_version)
    if case.transition_requests.filter(status=TransitionRequest.Status.PENDING).exists():
        raise Conflict(
            _("A transition is waiting for sign-offs: decide it before changing the community.")
        )
    case.receiving_community = community
    case.receiving_committee = committee.organisation
    case.save(update_fields=["receiving_community", "receiving_committee", "updated_at"])
    return case


# --- support to the receiving community ---------------------------------------------

MAX_AMOUNT = decimal.Decimal("1e10")
MAX_BENEFICIARIES = 1_000_000


@service
def record_community_benefit(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    description: str,
    amount: decimal.Decimal,
    beneficiaries: int,
    provided_on: datetime.date,
    organisation: Organisation,
    status: str = SupportStatus.PLANNED,
) -> CommunityBenefit:
    """Record support for the community the case is placed in (a livelihood grant for its
    members, training, a repaired well): it counts as support reaching community members.
    Refused, with nothing written, before the case is placed in a community."""
    policies.require(actor, "community_benefit.write", case)
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    if case.receiving_community_id is None:
        raise ValidationError(
            _(
                "The case is not placed in a community yet: support for the receiving "
                "community follows a placement. Place the case first."
            )
        )
    errors: dict[str, str] = {}
    if kind not in BenefitKind.values:
        errors["kind"] = _("Choose one of the listed options.")
    if status not in SupportStatus.values:
        errors["status"] = _("Choose one of the listed options.")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Say what the community receives.")
    elif len(description) > 200:
        errors["description"] = _("This is too long.")
    if not isinstance(amount, decimal.Decimal) or not amount.is_finite() or amount <= 0:
        errors["amount"] = _("Give an amount in rupees above zero.")
    elif amount.as_tuple().exponent < -2 or amount >= MAX_AMOUNT:  # type: ignore[operator]
        errors["amount"] = _("Give the amount in rupees and paisa, at most two decimals.")
    if not isinstance(beneficiaries, int) or not 0 < beneficiaries <= MAX_BENEFICIARIES:
        errors["beneficiaries"] = _("Give the number of community members reached (at least 1).")
    if provided_on is None:
        errors["provided_on"] = _("Give the date.")
    elif status == SupportStatus.PAID and provided_on > local_today():
        errors["provided_on"] = _("Support paid cannot be dated in the future.")
    if organisation is None or not organisation.is_active:
        errors["organisation"] = _("Choose an active organisation.")
    raise_if_errors(errors)
    benefit = CommunityBenefit(
        case=case,
        community_id=case.receiving_community_id,
        kind=kind,
        description=description,
        amount=amount,
        beneficiaries=beneficiaries,
        provided_on=provided_on,
        organisation=organisation,
        status=status,
        recorded_by=user_of(actor),
    )
    benefit.save()
    return benefit


@service
def mark_benefit_paid(
    *,
    actor: Actor,
    benefit: CommunityBenefit,
    paid_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> CommunityBenefit:
    """Planned community-benefit support has been paid: it now counts in the shares."""
    policies.require(actor, "community_benefit.write", benefit.case)
    if not benefit.case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    paid_on = paid_on or local_today()
    if paid_on > local_today():
        raise ValidationError({"provided_on": _("The date cannot be in the future.")})
    claim_version(benefit, expected_version)
    benefit.refresh_from_db()
    if benefit.status == SupportStatus.PAID:
        raise Conflict(_("This support is already recorded as paid."))
    benefit.status = SupportStatus.PAID
    benefit.provided_on = paid_on
    benefit.save(update_fields=["status", "provided_on", "updated_at"])
    return benefit


@dataclass(frozen=True)
class SupportShare:
    """Support paid under one programme, in PKR: to returnees (casework's support items)
    and to community members (community-benefit support), with each one's share."""

    programme: Programme
    returnees: decimal.Decimal
    community: decimal.Decimal
    community_members: int

    @property
    def total(self) -> decimal.Decimal:
        return self.returnees + self.community

    def _share(self, part: decimal.Decimal) -> int | None:
        if not self.total:
            return None
        return int((part * 100 / self.total).quantize(decimal.Decimal("1"), decimal.ROUND_HALF_UP))

    @property
    def returnee_share(self) -> int | None:
        """Percent of the support paid that reached returnees (None when nothing was paid)."""
        return self._share(self.returnees)

    @property
    def community_share(self) -> int | None:
        """Percent of the support paid that reached community members."""
        return None if self.total == 0 else 100 - (self.returnee_share or 0)


def support_shares(programmes: Any) -> list[SupportShare]:
    """The share of each programme's paid support reaching returnees and community members,
    in two grouped queries whatever the number of cases."""
    programmes = list(programmes)
    ids = [programme.pk for programme in programmes]
    returnees = dict(
        SupportItem.objects.filter(case__programme__in=ids, status=SupportStatus.PAID)
        .values("case__programme")
        .annotate(total=Sum("amount"))
        .values_list("case__programme", "total")
    )
    community = {
        row["case__programme"]: row
        for row in CommunityBenefit.objects.filter(
            case__programme__in=ids, status=SupportStatus.PAID
        )
        .values("case__programme")
        .annotate(total=Sum("amount"), reached=Sum("beneficiaries"))
    }
    zero = decimal.Decimal("0.00")
    return [
        SupportShare(
            programme=programme,
            returnees=decimal.Decimal(returnees.get(programme.pk) or zero),
            community=decimal.Decimal(community.get(programme.pk, {}).get("total") or zero),
            community_members=int(community.get(programme.pk, {}).get("reached") or 0),
        )
        for programme in programmes
    ]
