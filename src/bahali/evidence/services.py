"""Evidence operations: registering indicator definitions (an audited event with a version
and the date it counts from). Each runs in one transaction with its audit events
(``@service``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today
from bahali.evidence.indicators import INDICATORS, Indicator
from bahali.evidence.models import IndicatorVersion, Release, ResearchApproval
from bahali.programmes.models import Programme

Actor = User | SystemActor


@service
def register_definitions(
    *, actor: Actor, effective_from: datetime.date | None = None, note: str = ""
) -> list[IndicatorVersion]:
    """Record every indicator version the code defines and the database does not hold yet.

    A definition whose text or formula changed under the same version number is refused:
    a change is a new version, counted from its own date, never a silent edit.
    """
    policies.require(actor, "indicator_definition.write")
    effective_from = effective_from or local_today()
    recorded = {(v.code, v.number): v for v in IndicatorVersion.objects.all()}
    changed = [
        item.code
        for item in INDICATORS.values()
        if (item.code, item.version) in recorded
        and recorded[(item.code, item.version)].fingerprint != item.fingerprint()
    ]
    if changed:
        raise ValidationError(
            _("These definitions changed without a new version number: %(codes)s.")
            % {"codes": ", ".join(changed)}
        )
    created = []
    for item in INDICATORS.values():
        if (item.code, item.version) in recorded:
            continue
        latest = max((n for code, n in recorded if code == item.code), default=0)
        if item.version < latest:
            raise ValidationError(
                _("%(code)s: version %(version)s is older than the recorded version %(latest)s.")
                % {"code": item.code, "version": item.version, "latest": latest}
            )
        with translation.override("en"):
            created.append(
                IndicatorVersion.objects.create(
                    code=item.code,
                    number=item.version,
                    effective_from=effective_from,
                    name=str(item.name),
                    definition=str(item.definition),
                    fingerprint=item.fingerprint(),
                    note=note[:300],
                )
            )
    return created


@dataclass(frozen=True)
class InForce:
    indicator: Indicator
    record: IndicatorVersion | None  # None: the version in code was never registered
    changed_during: bool  # the version counts from a date after the period started


def definitions_in_force(start: datetime.date) -> list[InForce]:
    """Each indicator's registered version, flagged when it was registered (or changed)
    after ``start``: a figure whose definition moved during its own period."""
    records = {
        (v.code, v.number): v for v in IndicatorVersion.objects.filter(code__in=list(INDICATORS))
    }
    found = []
    for item in INDICATORS.values():
        record = records.get((item.code, item.version))
        changed = record is None or record.effective_from > start
        found.append(InForce(item, record, changed))
    return found


@service
def publish_release(
    *, actor: Actor, title: str, start: datetime.date, end: datetime.date
) -> Release:
    """Freeze, suppress and sign a release for ``start``–``end`` with a fresh checkpoint of
    the audit chain (the checkpoint is recorded in the chain; so is the release)."""
    from django.utils import timezone

    from bahali.audit.services import take_checkpoint
    from bahali.core.services import user_of
    from bahali.evidence import releases

    policies.require(actor, "release.write")
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the release a title."))
    if start > end:
        raise ValidationError(_("The end of the period comes before its start."))
    if end > local_today():
        raise ValidationError(_("A release covers a period that has ended."))
    now = timezone.now()
    release = Release.objects.create(
        title=title[:200],
        period_start=start,
        period_end=end,
        published_by=user_of(actor),
        published_at=now,
        content="",
        content_sha256="",
        verification="",
        definitions_changed=False,
    )
    with translation.override("en"):
        document = releases.build_content(
            release_id=release.pk,
            title=release.title,
            start=start,
            end=end,
            published_at=now.isoformat(timespec="seconds"),
        )
    content = releases.canonical(document)
    checkpoint = take_checkpoint(actor=actor)
    verification = releases.sign(content, checkpoint)
    release.content = content.decode()
    release.content_sha256 = verification["statement"]["sha256"]
    release.verification = releases.canonical(verification).decode()
    release.definitions_changed = any(d["changed_during_period"] for d in document["definitions"])
    release.save()
    return release


@service
def record_oversight_report_printed(
    *, actor: Actor, start: datetime.date, end: datetime.date
) -> None:
    """The oversight report leaves the system as a PDF (case codes, who opened which case in
    an emergency): note in the audit chain who printed which period."""
    from bahali.audit.services import record

    policies.require(actor, "oversight_report.read")
    record(
        "evidence.oversight_report_printed",
        changes={"start": [None, start.isoformat()], "end": [None, end.isoformat()]},
    )


# --- approvals of researchers (the research extract, issue 15 item 6) ----------------------


def may_research(user: Any) -> bool:
    """Could ``user`` take the research extract if approved (an active analyst role)?"""
    return bool(policies.grants(user, "research_extract", "read"))


@service
def grant_research_approval(
    *,
    actor: Actor,
    researcher: User,
    title: str,
    protocol: str,
    ethics: str,
    programmes: Iterable[Programme],
    valid_from: datetime.date,
    valid_until: datetime.date,
) -> ResearchApproval:
    """Approve ``researcher`` (an analyst) for one study over ``programmes``, all led by an
    organisation in whose name ``actor`` approves researchers, from ``valid_from`` to
    ``valid_until``. Recorded in the audit trail with the programmes it covers."""
    from bahali.audit.services import record
    from bahali.core.services import user_of

    policies.require(actor, "research_approval.write")
    chosen = list(dict.fromkeys(programmes))
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = _("Name the study.")
    if not (protocol or "").strip():
        errors["protocol"] = _("Give the study protocol's reference.")
    if not (ethics or "").strip():
        errors["ethics"] = _("Give the reference of the study's ethics approval.")
    if not chosen:
        errors["programmes"] = _("Choose at least one programme.")
    if valid_until < valid_from:
        errors["valid_until"] = _("The approval ends before it starts.")
    elif valid_until < local_today():
        errors["valid_until"] = _("The approval would already have ended.")
    if not may_research(researcher):
        errors["researcher"] = _("Only a person with an active analyst role can be approved.")
    elif researcher.pk == getattr(user_of(actor), "pk", None):
        errors["researcher"] = _("Another data steward must approve your own research.")
    leads = {programme.lead_organisation_id for programme in chosen}
    if chosen and len(leads) > 1:
        errors["programmes"] = _("Choose programmes led by one organisation.")
    elif chosen and not isinstance(actor, SystemActor):
        mine = policies.acting_organisations(actor, "research_approval.write")
        if not leads <= set(mine):
            errors["programmes"] = _("You may approve research only on programmes you lead.")
    if errors:
        raise ValidationError(errors)
    approval = ResearchApproval(
        researcher=researcher,
        organisation_id=leads.pop(),
        title=title.strip()[:200],
        protocol=protocol.strip()[:100],
        ethics=ethics.strip()[:100],
        valid_from=valid_from,
        valid_until=valid_until,
        approved_by=user_of(actor),
    )
    approval.save()
    approval.programmes.set(chosen)
    record(
        "evidence.research_approved",
        obj=approval,
        changes={
            "researcher": [None, researcher.username],
            "programmes": [None, sorted(p.code for p in chosen)],
            "valid_from": [None, valid_from.isoformat()],
            "valid_until": [None, valid_until.isoformat()],
        },
    )
    return approval


@service
def revoke_research_approval(
    *, actor: Actor, approval: ResearchApproval, reason: str, expected_version: int | None = None
) -> ResearchApproval:
    """End ``approval`` now, saying why: no extract can be started under it any more, and
    one queued but not yet run is refused by the worker."""
    from bahali.audit.services import record
    from bahali.core.services import user_of
    from bahali.core.versioning import Conflict, claim_version

    policies.require(actor, "research_approval.write", approval)
    if not (reason or "").strip():
        raise ValidationError({"revoke_reason": _("Say why the approval is revoked.")})
    claim_version(approval, expected_version)
    if approval.revoked_on is not None:
        raise Conflict(_("This approval was already revoked."))
    approval.revoked_on = local_today()
    approval.revoked_by = user_of(actor)
    approval.revoke_reason = reason.strip()[:500]
    approval.save(update_fields=["revoked_on", "revoked_by", "revoke_reason", "updated_at"])
    record("evidence.research_revoked", obj=approval, changes={"revoked": [None, True]})
    return approval


@service
def record_research_extract(
    *, actor: Actor, approval: ResearchApproval, programmes: list[str], rows: int, sha256: str
) -> None:
    """Note in the audit trail that a research extract left the system: under which
    approval, over which programmes, how many rows, and the SHA-256 of its data."""
    from bahali.audit.services import record

    record(
        "evidence.research_extract",
        obj=approval,
        changes={
            "programmes": [None, programmes],
            "rows": [None, rows],
            "sha256": [None, sha256],
        },
    )
