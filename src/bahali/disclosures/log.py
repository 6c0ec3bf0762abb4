"""The disclosure log of one participant: every identity read and every disclosure of their
data to another organisation, with when, who, for what purpose and on which consent.

A read model, not a table: each entry is built from what is recorded already, when the
disclosure happened —

- identity reads: the audit trail's ``identity.read`` events on the participant (their
  purpose, and a stated purpose and statement where one was given);
- referrals to a service: the ``Referral`` rows of the participant's cases, sent by the
  case team to the provider organisation (the audit trail names the sender's organisation);
- partner reads: the audit trail's ``referral.partner_read`` events (a provider's staff
  reading what a referral shares, on its inbox page or through the API), one entry per
  reader, referral and day;
- transfers: the ``PhaseChange`` rows closing a case as transferred;
- emergency accesses (break-the-glass): the ``EmergencyAccess`` rows;
- subject access: the audit trail's ``participant.subject_access`` events.

The consent each relied on is the participant's consent that was in force on that day
(``Consent.given_on`` .. ``withdrawn_on``), and whether it still stands now.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.audit.models import AuditEvent
from bahali.cases.models import Closure, EmergencyAccess, PhaseChange
from bahali.core.dates import format_day
from bahali.organisations.models import OrganisationKind
from bahali.referrals.models import Referral
from bahali.registry.models import Consent, ConsentPurpose, IdentityPurpose, Participant

SUBJECT_ACCESS_ACTION = "participant.subject_access"
PARTNER_READ_ACTION = "referral.partner_read"


class Kind:
    IDENTITY_READ = "identity_read"
    REFERRAL = "referral"
    PARTNER_READ = "partner_read"
    TRANSFER = "transfer"
    EMERGENCY = "emergency"
    SUBJECT_ACCESS = "subject_access"


def kind_labels() -> dict[str, str]:
    return {
        Kind.IDENTITY_READ: _("Identity read"),
        Kind.REFERRAL: _("Referral to a service"),
        Kind.PARTNER_READ: _("Read by a partner organisation"),
        Kind.TRANSFER: _("Transfer to another programme"),
        Kind.EMERGENCY: _("Emergency access"),
        Kind.SUBJECT_ACCESS: _("Subject access"),
    }


class ConsentState:
    CURRENT = "current"  # relied on a consent that still stands
    WITHDRAWN = "withdrawn"  # relied on a consent withdrawn since
    NONE = "none"  # no consent was in force
    NOT_BASED = "not_based"  # not based on consent (an emergency, the person's own request)


@dataclass(frozen=True)
class Disclosure:
    """One line of the log. ``detail`` is free text (a stated reason, what a referral asked):
    empty when the viewer may not read the person's identity, since such text can name
    them (``detail_withheld`` says so)."""

    kind: str
    kind_label: str
    when: datetime.datetime
    dated_only: bool  # recorded as a date (referrals, transfers), not a moment
    who: str
    organisation: str
    recipient: str  # the organisation the data went to, when another than the reader's
    purpose: str
    detail: str
    detail_withheld: bool
    consent: str
    consent_state: str
    channel: str  # "web", "api", "cli", ...
    times: int = 1  # partner reads of one referral by one reader on one day

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "what": self.kind_label,
            "when": self.when.date().isoformat()
            if self.dated_only
            else self.when.isoformat(timespec="seconds"),
            "who": self.who,
            "organisation": self.organisation,
            "recipient": self.recipient,
            "purpose": _plain(self.purpose),
            "detail": self.detail,
            "consent": _plain(self.consent),
            "consent_state": self.consent_state,
            "channel": self.channel,
            "times": self.times,
        }


def _iso(value: Any) -> str:
    """``value`` isolated (FSI … PDI) inside a translated sentence, so a Latin name or a
    date in an Urdu sentence, or an Urdu name in an English one, keeps its own direction."""
    return f"\u2068{value}\u2069"


def _plain(text: str) -> str:
    return text.replace("\u2068", "").replace("\u2069", "")


def may_see_log(user: Any, participant: Participant) -> bool:
    return policies.can(user, "disclosure_log.read", participant)


def _person(user: Any, fallback: str = "") -> str:
    if user is None:
        return fallback or _("the system")
    return str(user.get_full_name() or user.username)


def _organisation(event: AuditEvent, known: dict[Any, str]) -> str:
    """The organisation an event was recorded for; for one recorded outside a request (a
    command, a task), the organisations the person belongs to."""
    if event.organisation_label or event.actor is None:
        return event.organisation_label
    if event.actor_id not in known:
        known[event.actor_id] = ", ".join(
            dict.fromkeys(m.organisation.name for m in event.actor.active_memberships())
        )
    return known[event.actor_id]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def in_force(
    consents: Iterable[Consent],
    participant: Participant,
    at: datetime.datetime,
    purpose: str,
    kind: str = "",
) -> Consent | None:
    """The consent for ``purpose`` (and, for sharing, ``kind``) in force at moment ``at``:
    given by then and not yet withdrawn (on the day of a withdrawal, the moment it was
    recorded decides); a guardian's for a juvenile. The latest given, if several."""
    day = timezone.localdate(at)

    def standing(c: Consent) -> bool:
        if c.withdrawn_on is None or c.withdrawn_on > day:
            return True
        return c.withdrawn_on == day and c.updated_at > at

    found = [
        c
        for c in consents
        if c.purpose == purpose
        and (purpose != ConsentPurpose.SHARING or c.share_with == kind)
        and c.given_on <= day
        and standing(c)
        and (not participant.is_juvenile or c.given_by == Consent.GivenBy.GUARDIAN)
    ]
    return max(found, key=lambda c: (c.given_on, c.pk), default=None)


def describe_consent(consent: Consent) -> str:
    """A consent in words, without the guardian's or witness's name (they identify)."""
    what = (
        _("Sharing with: %(kind)s") % {"kind": _iso(consent.get_share_with_display())}
        if consent.purpose == ConsentPurpose.SHARING
        else str(consent.get_purpose_display())
    )
    text = _("%(what)s — given %(date)s (%(who)s, %(how)s)") % {
        "what": what,
        "date": _iso(format_day(consent.given_on)),
        "who": consent.get_given_by_display(),
        "how": consent.get_method_display(),
    }
    if consent.withdrawn_on:
        text += " · " + _("withdrawn %(date)s") % {"date": _iso(format_day(consent.withdrawn_on))}
    return text


def _consent_of(consent: Consent | None, missing: str) -> tuple[str, str]:
    if consent is None:
        return missing, ConsentState.NONE
    state = ConsentState.WITHDRAWN if consent.withdrawn_on else ConsentState.CURRENT
    return describe_consent(consent), state


IDENTITY_PURPOSES = {
    "view": lambda: _("Viewing the identity"),
    "edit": lambda: _("Correcting the record"),
    "api": lambda: _("Reading the identity through the API"),
    "duplicate check": lambda: _("Duplicate check at registration"),
    "duplicate_review": lambda: _("Duplicate review of an import"),
}
DUPLICATE_CHECKS = {"duplicate check", "duplicate_review"}


def _identity_reads(
    participant: Participant, consents: list[Consent], full: bool
) -> list[Disclosure]:
    events = AuditEvent.objects.filter(
        action="identity.read", object_type="registry.participant", object_id=str(participant.pk)
    ).select_related("actor")
    label = kind_labels()[Kind.IDENTITY_READ]
    known: dict[Any, str] = {}
    entries = []
    for event in events:
        recorded = str((event.changes.get("purpose") or [None, ""])[1] or "view")
        base, _sep, suffixes = recorded.partition(":")
        purpose = IDENTITY_PURPOSES.get(base, lambda base=base: base)()
        stated = (event.changes.get("stated_purpose") or [None, ""])[1]
        if stated in IdentityPurpose.values:
            purpose = f"{purpose}: {IdentityPurpose(stated).label}"
        if "name" in suffixes.split(":"):
            purpose = f"{purpose} ({_('the name only')})"
        at = event.occurred_at
        if base in DUPLICATE_CHECKS:
            consent, state = (
                _("Not based on consent: finding duplicates before registering"),
                (ConsentState.NOT_BASED),
            )
        elif "name" in suffixes.split(":"):
            consent, state = _consent_of(
                in_force(
                    consents,
                    participant,
                    at,
                    ConsentPurpose.SHARING,
                    OrganisationKind.COMMUNITY_COMMITTEE,
                ),
                _("No consent to sharing with committees on file then"),
            )
        else:
            consent, state = _consent_of(
                in_force(consents, participant, at, ConsentPurpose.PARTICIPATION),
                _("No consent to participate on file then"),
            )
        entries.append(
            Disclosure(
                kind=Kind.IDENTITY_READ,
                kind_label=label,
                when=event.occurred_at,
                dated_only=False,
                who=_person(event.actor, event.actor_label),
                organisation=_organisation(event, known),
                recipient="",
                purpose=purpose,
                detail=event.reason if full else "",
                detail_withheld=bool(event.reason) and not full,
                consent=consent,
                consent_state=state,
                channel=event.source,
            )
        )
    return entries


def _referrals(
    participant: Participant, consents: list[Consent], full: bool
) -> tuple[list[Disclosure], list[Disclosure]]:
    referrals = list(
        Referral.objects.filter(case__participant=participant).select_related(
            "provider", "service", "sent_by", "family_member"
        )
    )
    if not referrals:
        return [], []
    by_pk = {str(r.pk): r for r in referrals}
    events = (
        AuditEvent.objects.filter(object_type="referrals.referral", object_id__in=list(by_pk))
        .filter(Q(action="create") | Q(action=PARTNER_READ_ACTION))
        .select_related("actor")
        .order_by("seq")
    )
    sent_from: dict[str, str] = {}
    known: dict[Any, str] = {}
    reads: dict[tuple[str, Any, datetime.date], list[AuditEvent]] = {}
    for event in events:
        if event.action == "create":
            sent_from[event.object_id] = _organisation(event, known)
        else:
            day = timezone.localdate(event.occurred_at)
            reads.setdefault(
                (event.object_id, event.actor_id or event.actor_label, day), []
            ).append(event)

    def consent_for(referral: Referral, at: datetime.datetime) -> tuple[str, str]:
        if referral.family_member_id is not None:
            return _("The relative's own consent to be referred"), (
                ConsentState.CURRENT if referral.consent_current else ConsentState.WITHDRAWN
            )
        kind = referral.provider.kind
        return _consent_of(
            in_force(consents, participant, at, ConsentPurpose.SHARING, kind),
            _("No consent to sharing with: %(kind)s") % {"kind": OrganisationKind(kind).label},
        )

    sent = []
    for referral in referrals:
        consent, state = consent_for(referral, referral.created_at)
        purpose = _("%(service)s (%(category)s)") % {
            "service": _iso(referral.service.name),
            "category": referral.service.get_category_display(),
        }
        if referral.family_member_id is not None:
            purpose += " · " + _("for a relative")
        sent.append(
            Disclosure(
                kind=Kind.REFERRAL,
                kind_label=kind_labels()[Kind.REFERRAL],
                when=referral.created_at
                if timezone.localdate(referral.created_at) == referral.sent_on
                else _day_start(referral.sent_on),
                dated_only=True,
                who=_person(referral.sent_by),
                organisation=sent_from.get(str(referral.pk), ""),
                recipient=referral.provider.name,
                purpose=purpose,
                detail=referral.need if full else "",
                detail_withheld=not full,
                consent=consent,
                consent_state=state,
                channel="",
            )
        )
    partner = []
    for (referral_pk, _reader, _day), seen in reads.items():
        referral = by_pk[referral_pk]
        first = seen[0]
        consent, state = consent_for(referral, first.occurred_at)
        partner.append(
            Disclosure(
                kind=Kind.PARTNER_READ,
                kind_label=kind_labels()[Kind.PARTNER_READ],
                when=first.occurred_at,
                dated_only=False,
                who=_person(first.actor, first.actor_label),
                organisation=_organisation(first, known),
                recipient=referral.provider.name,
                purpose=_("Reading the referral to %(service)s")
                % {"service": _iso(referral.service.name)},
                detail="",
                detail_withheld=False,
                consent=consent,
                consent_state=state,
                channel=", ".join(sorted({e.source for e in seen})),
                times=len(seen),
            )
        )
    return sent, partner


def _transfers(participant: Participant, consents: list[Consent], full: bool) -> list[Disclosure]:
    changes = list(
        PhaseChange.objects.filter(
            case__participant=participant, closure=Closure.TRANSFERRED
        ).select_related("changed_by", "case__programme", "case__lead_organisation")
    )
    entries = []
    for change in changes:
        consent, state = _consent_of(
            in_force(consents, participant, change.created_at, ConsentPurpose.PARTICIPATION),
            _("No consent to participate on file then"),
        )
        entries.append(
            Disclosure(
                kind=Kind.TRANSFER,
                kind_label=kind_labels()[Kind.TRANSFER],
                when=_day_start(change.changed_on),
                dated_only=True,
                who=_person(change.changed_by),
                organisation=change.case.lead_organisation.name,
                recipient="",
                purpose=_("Case closed in %(programme)s as transferred")
                % {"programme": _iso(change.case.programme.label)},
                detail=change.reason if full else "",
                detail_withheld=bool(change.reason) and not full,
                consent=consent,
                consent_state=state,
                channel="",
            )
        )
    return entries


def _emergencies(participant: Participant, full: bool) -> list[Disclosure]:
    accesses = EmergencyAccess.objects.filter(case__participant=participant).select_related(
        "membership__user", "membership__organisation", "reviewed_by"
    )
    entries = []
    for access in accesses:
        consent = _("Not based on consent: a threat to life")
        consent += " · " + (
            _("reviewed by the data steward %(date)s")
            % {"date": _iso(format_day(access.reviewed_at))}
            if access.reviewed_at
            else _("waiting for the data steward's review")
        )
        entries.append(
            Disclosure(
                kind=Kind.EMERGENCY,
                kind_label=kind_labels()[Kind.EMERGENCY],
                when=access.opened_at,
                dated_only=False,
                who=_person(access.membership.user),
                organisation=access.membership.organisation.name,
                recipient="",
                purpose=_("Opened the case outside its team, until %(until)s")
                % {"until": _iso(format_day(access.expires_at, time=True))},
                detail=access.reason if full else "",
                detail_withheld=not full,
                consent=consent,
                consent_state=ConsentState.NOT_BASED,
                channel="",
            )
        )
    return entries


def _subject_accesses(participant: Participant, full: bool) -> list[Disclosure]:
    events = AuditEvent.objects.filter(
        action=SUBJECT_ACCESS_ACTION,
        object_type="registry.participant",
        object_id=str(participant.pk),
    ).select_related("actor")
    return [
        Disclosure(
            kind=Kind.SUBJECT_ACCESS,
            kind_label=kind_labels()[Kind.SUBJECT_ACCESS],
            when=event.occurred_at,
            dated_only=False,
            who=_person(event.actor, event.actor_label),
            organisation=_organisation(event, {}),
            recipient="",
            purpose=_("Everything held, produced for the person"),
            detail=event.reason if full else "",
            detail_withheld=bool(event.reason) and not full,
            consent=_("Not based on consent: the person's right to their data"),
            consent_state=ConsentState.NOT_BASED,
            channel=event.source,
        )
        for event in events
    ]


def disclosures_of(participant: Participant, viewer: Any) -> list[Disclosure]:
    """Every identity read and disclosure of ``participant``, newest first, as ``viewer``
    may see them: free text only for those who may open the identity without stating a
    purpose (pseudonymous for the others). The caller checks ``may_see_log`` first."""
    # free text can name the person: for those who open the identity without asking (a
    # programme manager's identity is "on request", so not here either)
    full = policies.can(viewer, "identity.read", participant) and not (
        policies.identity_needs_purpose(viewer, participant)
    )
    consents = list(participant.consents.all())
    sent, partner = _referrals(participant, consents, full)
    entries = [
        *_identity_reads(participant, consents, full),
        *sent,
        *partner,
        *_transfers(participant, consents, full),
        *_emergencies(participant, full),
        *_subject_accesses(participant, full),
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
