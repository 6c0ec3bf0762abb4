"""Referral operations: the service directory and referrals that respect consent.

A referral is sent only when the participant consented to sharing with the provider's kind
of organisation; without it the referral is refused with a message saying so, and nothing is
written. The provider's staff answer it (accept or decline) and complete it with feedback;
the team may withdraw it while it is open. Every write checks policy first, validates before
touching anything and runs in one transaction with its audit events (``@service``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import formats
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import Membership, User
from bahali.cases.models import Case
from bahali.casework.models import FamilyMember, Session, SessionFormat
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, raise_if_errors, user_of
from bahali.core.versioning import Conflict, Stale, claim_version
from bahali.geography.models import District
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.referrals.models import (
    OPEN_REFERRAL_STATUSES,
    ConsentMethod,
    FamilyConsent,
    FamilySupportPlan,
    Referral,
    ReferralStatus,
    Service,
    ServiceCategory,
)
from bahali.registry.models import Consent, ConsentPurpose
from bahali.registry.services import has_consent

Actor = User | SystemActor
MAX_TEXT = 5_000


def _text(errors: dict[str, str], name: str, value: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("This cannot be empty.")
    elif len(value) > MAX_TEXT:
        errors[name] = _("This is too long.")
    return value


# --- the directory ------------------------------------------------------------------


@service
def register_service(
    *,
    actor: Actor,
    provider: Organisation,
    name: str,
    category: str,
    districts: Iterable[District],
    contact: str,
    eligibility: str = "",
    description: str = "",
) -> Service:
    """Add a service to the directory: what it offers, who provides it, where and for whom."""
    policies.require(actor, "service_directory.write")
    errors: dict[str, str] = {}
    name = _text(errors, "name", name)
    if len(name) > 200:
        errors["name"] = _("This is too long.")
    if category not in ServiceCategory.values:
        errors["category"] = _("Choose one of the listed options.")
    if provider is None or not provider.is_active:
        errors["provider"] = _("Choose an active organisation.")
    elif Service.objects.filter(provider=provider, name__iexact=name).exists():
        errors["name"] = _("This provider already lists a service of this name.")
    districts = list(districts)
    if not districts:
        errors["districts"] = _("Name at least one district the service works in.")
    contact = _text(errors, "contact", contact)[:300]
    eligibility = _text(errors, "eligibility", eligibility, required=False)
    description = _text(errors, "description", description, required=False)
    raise_if_errors(errors)
    item = Service(
        name=name,
        category=category,
        provider=provider,
        contact=contact,
        eligibility=eligibility,
        description=description,
    )
    item.save()
    item.districts.set(districts)
    from bahali.audit.services import record

    record(
        "service.districts",
        obj=item,
        changes={"districts": [None, sorted(d.code for d in districts)]},
    )
    return item


@service
def set_service_active(*, actor: Actor, service_item: Service, active: bool) -> Service:
    """Take a service out of the directory (open referrals to it stay) or back in."""
    policies.require(actor, "service_directory.write")
    if service_item.is_active != active:
        service_item.is_active = active
        service_item.save(update_fields=["is_active", "updated_at"])
    return service_item


# --- referrals ----------------------------------------------------------------------


def consented_kinds(participant: Any) -> set[str]:
    """The organisation kinds the participant (or, for a juvenile, a guardian) currently
    consents to sharing with, in one query."""
    consents = Consent.objects.filter(
        participant=participant, purpose=ConsentPurpose.SHARING, withdrawn_on__isnull=True
    )
    if participant.is_juvenile:
        consents = consents.filter(given_by=Consent.GivenBy.GUARDIAN)
    return set(consents.values_list("share_with", flat=True))


def relative_consented_kinds(member: FamilyMember) -> set[str]:
    """The organisation kinds a relative currently consents to being referred to."""
    return set(
        FamilyConsent.objects.filter(member=member, withdrawn_on__isnull=True).values_list(
            "share_with", flat=True
        )
    )


def consent_missing(
    case: Case, service_item: Service, family_member: FamilyMember | None = None
) -> str:
    """Why the case (or the relative named) cannot be referred to this service for want of
    consent, or ``""``. A relative's own consent decides for them, never the participant's."""
    kind = service_item.provider.kind
    if family_member is not None:
        if kind in relative_consented_kinds(family_member):
            return ""
        return _(
            "No referral without consent: this relative has not consented to being referred "
            "to a %(kind)s. Record their own consent on the Family support tab first."
        ) % {"kind": OrganisationKind(kind).label}
    if has_consent(case.participant, ConsentPurpose.SHARING, kind):
        return ""
    label = OrganisationKind(kind).label
    withdrawn = (
        Consent.objects.filter(
            participant=case.participant,
            purpose=ConsentPurpose.SHARING,
            share_with=kind,
            withdrawn_on__isnull=False,
        )
        .order_by("-withdrawn_on")
        .values_list("withdrawn_on", flat=True)
        .first()
    )
    if withdrawn is not None:
        return _(
            "No referral: consent to sharing with a %(kind)s was withdrawn on %(date)s. "
            "Nothing is shared until new consent is recorded."
        ) % {"kind": label, "date": formats.date_format(withdrawn, "SHORT_DATE_FORMAT")}
    if case.participant.is_juvenile:
        return _(
            "No referral without consent: a guardian has not consented to sharing with a "
            "%(kind)s. Record the guardian's consent first."
        ) % {"kind": label}
    return _(
        "No referral without consent: the participant has not consented to sharing with a "
        "%(kind)s. Record the consent first."
    ) % {"kind": label}


def sharing_consent_current(referral: Referral) -> bool:
    """Does the consent ``referral`` relied on when it was sent still stand now? The
    participant's consent to sharing with the provider's kind (a guardian's for a juvenile),
    or, for a relative, the relative's own. Asked at the moment of every use: a withdrawal
    stops the provider's reading and accepting at once (issue 14, item 6)."""
    kind = referral.provider.kind
    if referral.family_member is not None:
        return kind in relative_consented_kinds(referral.family_member)
    return has_consent(referral.case.participant, ConsentPurpose.SHARING, kind)


def with_consent_state(referrals: Any) -> Any:
    """``referrals`` annotated with whether the consent each relies on still stands (read
    through ``Referral.consent_current``): two EXISTS columns, no query per row."""
    participant_consent = Consent.objects.filter(
        participant=OuterRef("case__participant"),
        purpose=ConsentPurpose.SHARING,
        share_with=OuterRef("provider__kind"),
        withdrawn_on__isnull=True,
    ).filter(Q(participant__is_juvenile=False) | Q(given_by=Consent.GivenBy.GUARDIAN))
    relative_consent = FamilyConsent.objects.filter(
        member=OuterRef("family_member"),
        share_with=OuterRef("provider__kind"),
        withdrawn_on__isnull=True,
    )
    return referrals.annotate(
        participant_consent=Exists(participant_consent),
        relative_consent=Exists(relative_consent),
    )


def consent_withdrawn_message() -> str:
    """What the provider is told about a referral whose consent was withdrawn."""
    return _(
        "Consent withdrawn: the person no longer consents to sharing with your kind of "
        "organisation. What this referral asked is no longer shared, and it cannot be accepted."
    )


@service
def refer(
    *,
    actor: Actor,
    case: Case,
    service_item: Service,
    need: str,
    sent_on: datetime.date | None = None,
    family_member: FamilyMember | None = None,
) -> Referral:
    """Send a referral to a service, for the participant or (``family_member``) for one of
    their relatives. Refused, with nothing written, without the consent of the person
    referred to share with the provider's kind of organisation, to an inactive service, to a
    service outside the case's district, or while a referral of the same person to it is
    still open."""
    policies.require(actor, "referral.write", case)
    errors: dict[str, str] = {}
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    if family_member is not None and family_member.case_id != case.pk:
        errors["family_member"] = _("Choose a relative of this participant.")
    elif service_item is None or not service_item.is_active:
        errors["service"] = _("This service is not taking referrals.")
    elif not service_item.districts.filter(pk=case.district_id).exists():
        errors["service"] = _("This service does not work in the case's district.")
    elif case.referrals.filter(
        service=service_item, family_member=family_member, status__in=OPEN_REFERRAL_STATUSES
    ).exists():
        if family_member is None:
            errors["service"] = _("A referral to this service is already open for this case.")
        else:
            errors["service"] = _("A referral of this relative to this service is already open.")
    else:
        refusal = consent_missing(case, service_item, family_member)
        if refusal:
            errors["service"] = refusal
    need = _text(errors, "need", need)
    sent_on = sent_on or local_today()
    if sent_on > local_today():
        errors["sent_on"] = _("The date cannot be in the future.")
    raise_if_errors(errors)
    referral = Referral(
        case=case,
        family_member=family_member,
        service=service_item,
        provider=service_item.provider,
        need=need,
        sent_on=sent_on,
        sent_by=user_of(actor),
    )
    referral.save()
    return referral


def provider_memberships(user: Any, referral: Referral) -> list[Membership]:
    """The user's memberships that may answer this referral for its provider."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        m
        for m in user.active_memberships()
        if m.organisation_id == referral.provider_id
        and policies.membership_can(m, "referral.write", referral)
    ]


def _as_provider(actor: Actor, referral: Referral) -> None:
    if isinstance(actor, SystemActor):
        return
    if not provider_memberships(actor, referral):
        policies.require(actor, "referral.write", referral)
        raise ValidationError(_("Only the organisation providing the service can answer it."))


def _bump(referral: Referral, expected_version: int | None) -> None:
    """Refuse a stale answer: someone else changed the referral since the form was opened."""
    claim_version(referral, expected_version)
    referral.refresh_from_db()


@service
def respond_to_referral(
    *,
    actor: Actor,
    referral: Referral,
    accept: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Referral:
    """The provider accepts the referral or declines it, saying why when declining."""
    _as_provider(actor, referral)
    if referral.status != ReferralStatus.SENT:
        raise Conflict(_("This referral has been answered already."))
    if accept and not sharing_consent_current(referral):
        raise ValidationError(consent_withdrawn_message())
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, required=False)
    if not accept and not note:
        errors["note"] = _("Say why the referral is declined.")
    raise_if_errors(errors)
    _bump(referral, expected_version)
    referral.status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
    referral.responded_on = local_today()
    referral.responded_by = user_of(actor)
    referral.response_note = note
    referral.save(
        update_fields=["status", "responded_on", "responded_by", "response_note", "updated_at"]
    )
    return referral


@service
def complete_referral(
    *,
    actor: Actor,
    referral: Referral,
    feedback: str,
    completed_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Referral:
    """The provider reports the service delivered, with feedback for the team."""
    _as_provider(actor, referral)
    if referral.status != ReferralStatus.ACCEPTED:
        raise ValidationError(_("Only an accepted referral can be completed."))
    errors: dict[str, str] = {}
    feedback = _text(errors, "feedback", feedback)
    completed_on = completed_on or local_today()
    if completed_on > local_today():
        errors["completed_on"] = _("The date cannot be in the future.")
    elif referral.responded_on and completed_on < referral.responded_on:
        errors["completed_on"] = _("The referral cannot be completed before it was accepted.")
    raise_if_errors(errors)
    _bump(referral, expected_version)
    referral.status = ReferralStatus.COMPLETED
    referral.completed_on = completed_on
    referral.feedback = feedback
    referral.save(update_fields=["status", "completed_on", "feedback", "updated_at"])
    return referral


@service
def cancel_referral(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    """The team withdraws an open referral (the need has gone, consent was withdrawn ...)."""
    policies.require(actor, "referral.write", referral.case)
    if not referral.is_open:
        raise ValidationError(_("Only an open referral can be withdrawn."))
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason)
    raise_if_errors(errors)
    _bump(referral, None)
    if not referral.is_open:  # answered or withdrawn meanwhile
        raise Conflict(_("Only an open referral can be withdrawn."))
    referral.status = ReferralStatus.CANCELLED
    referral.cancel_reason = reason
    referral.save(update_fields=["status", "cancel_reason", "updated_at"])
    return referral


def provider_organisations(user: Actor) -> list[int]:
    """The organisations for which the user answers referrals (the provider scope)."""
    return policies.referral_providers(user)


def received_by(user: User) -> Any:
    """Referrals addressed to the organisations for which the user answers referrals."""
    return with_consent_state(
        Referral.objects.visible_to(user)
        .filter(provider__in=provider_organisations(user))
        .select_related("case__participant", "service", "provider", "family_member")
    )


@service
def record_partner_reads(*, actor: Actor, referrals: Iterable[Referral]) -> None:
    """A provider's staff read what referrals share (the inbox page, the API): one audit event
    per referral shown, so the participant's "who saw my data" lists each partner read.
    Referrals whose consent was withdrawn share nothing any more and are not recorded."""
    from bahali.audit.services import record_many

    record_many(
        [
            (
                "referral.partner_read",
                referral,
                {"participant": [None, referral.case.participant.code]},
            )
            for referral in referrals
            if referral.consent_current
        ]
    )


def waiting_for(user: User) -> Any:
    """Referrals sent to one of the user's organisations that wait for its answer."""
    return received_by(user).filter(status=ReferralStatus.SENT).order_by("sent_on", "pk")


# --- the family's support -----------------------------------------------------------


@service
def save_family_plan(
    *,
    actor: Actor,
    case: Case,
    needs: str,
    agreed_on: datetime.date | None = None,
    review_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> FamilySupportPlan:
    """Agree the family's support plan with them, or revise it (version-checked: a plan
    changed by someone else since the form was opened is refused, not overwritten)."""
    policies.require(actor, "family_support.write", case)
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    errors: dict[str, str] = {}
    needs = _text(errors, "needs", needs)
    agreed_on = agreed_on or local_today()
    if agreed_on > local_today():
        errors["agreed_on"] = _("The date cannot be in the future.")
    if review_on is not None and review_on < agreed_on:
        errors["review_on"] = _("The review cannot come before the plan was agreed.")
    raise_if_errors(errors)
    plan = FamilySupportPlan.objects.filter(case=case).first()
    if plan is None:
        if expected_version not in (None, 0):
            raise Stale
        plan = FamilySupportPlan(
            case=case,
            needs=needs,
            agreed_on=agreed_on,
            review_on=review_on,
            recorded_by=user_of(actor),
        )
        plan.save()
        return plan
    claim_version(plan, expected_version)
    plan.refresh_from_db()
    plan.needs = needs
    plan.agreed_on = agreed_on
    plan.review_on = review_on
    plan.recorded_by = user_of(actor)
    plan.save(update_fields=["needs", "agreed_on", "review_on", "recorded_by", "updated_at"])
    return plan


@service
def record_family_consent(
    *,
    actor: Actor,
    member: FamilyMember,
    share_with: str,
    method: str,
    given_on: datetime.date | None = None,
) -> FamilyConsent:
    """Record a relative's own consent to being referred to one kind of organisation."""
    case = member.case
    policies.require(actor, "family_support.write", case)
    if not case.is_open:
        raise ValidationError(_("This case is closed: its record can no longer change."))
    errors: dict[str, str] = {}
    if share_with not in OrganisationKind.values:
        errors["share_with"] = _("Choose one of the listed options.")
    elif FamilyConsent.objects.filter(
        member=member, share_with=share_with, withdrawn_on__isnull=True
    ).exists():
        errors["share_with"] = _("This relative's consent to this kind is on record already.")
    if method not in ConsentMethod.values:
        errors["method"] = _("Choose one of the listed options.")
    given_on = given_on or local_today()
    if given_on > local_today():
        errors["given_on"] = _("The date cannot be in the future.")
    raise_if_errors(errors)
    consent = FamilyConsent(
        member=member,
        share_with=share_with,
        method=method,
        given_on=given_on,
        recorded_by=user_of(actor),
    )
    consent.save()
    return consent


@service
def withdraw_family_consent(*, actor: Actor, consent: FamilyConsent) -> FamilyConsent:
    """The relative withdraws their consent: no new referral of them to that kind; open
    ones stay for the team to withdraw."""
    policies.require(actor, "family_support.write", consent.member.case)
    consent.refresh_from_db(from_queryset=FamilyConsent.objects.select_for_update())
    if consent.withdrawn_on is not None:
        raise Conflict(_("This consent is withdrawn already."))
    consent.withdrawn_on = local_today()
    consent.save(update_fields=["withdrawn_on", "updated_at"])
    return consent


def family_sessions(case: Case) -> Any:
    """The family sessions the case's relatives attended (recorded on casework's Sessions)."""
    return (
        Session.objects.filter(attendances__case=case, format=SessionFormat.FAMILY)
        .select_related("facilitator")
        .prefetch_related("family_attendees")
        .order_by("-held_on", "-pk")
    )


def family_referrals(case: Case) -> Any:
    """Services for the case's relatives: referrals addressed to one of them."""
    return case.referrals.filter(family_member__isnull=False).select_related(
        "service", "provider", "family_member"
    )
