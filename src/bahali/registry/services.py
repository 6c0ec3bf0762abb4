"""The registry: registering people once, opening identity under audit, consent, pledge, merge."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.audit.services import record, record_many
from bahali.core import crypto, sealing
from bahali.core.batches import in_batches
from bahali.core.context import SystemActor, service
from bahali.core.services import user_of
from bahali.core.versioning import Conflict, claim_version
from bahali.geography.models import Community, District
from bahali.organisations.models import Organisation
from bahali.registry.codes import make_code
from bahali.registry.matching import model as matching_model
from bahali.registry.matching.blocking import blocking_keys, name_count_key
from bahali.registry.matching.compare import Comparison, NameFrequencies, compare
from bahali.registry.matching.records import PersonRecord, features
from bahali.registry.matching.training import plausible
from bahali.registry.models import (
    IDENTITY_FIELDS,
    AgeBand,
    BlockingKey,
    Consent,
    ConsentPurpose,
    DistinctPair,
    IdentityPurpose,
    Language,
    LinkRequest,
    MatchingWeights,
    Merge,
    Participant,
    ParticipantLink,
    Pledge,
)
from bahali.registry.reasons import explain

Actor = User | SystemActor
CANDIDATE_LIMIT = 30


@dataclass(frozen=True)
class Identity:
    """Identity fields in the clear: only ever held in memory, never stored like this."""

    name: str = ""
    name_native: str = ""
    father_name: str = ""
    father_name_native: str = ""
    cnic: str = ""
    birth_date: datetime.date | None = None
    birth_year: int | None = None
    phone: str = ""
    address: str = ""

    def normalised(self) -> Identity:
        cnic = "".join(ch for ch in self.cnic if ch.isdigit())
        year = self.birth_date.year if self.birth_date else self.birth_year
        return replace(
            self,
            name=" ".join(self.name.split()),
            name_native=" ".join(self.name_native.split()),
            father_name=" ".join(self.father_name.split()),
            father_name_native=" ".join(self.father_name_native.split()),
            cnic=cnic,
            birth_year=year,
            phone=self.phone.strip(),
            address=self.address.strip(),
        )


def _known_languages(languages: str) -> str:
    """Comma-separated codes of known languages, each once; an unknown code is refused.

    Unchecked, the API stored 30 kB in a 100-character column on SQLite and answered 500 on
    PostgreSQL; the known codes (``Language``) fit in the column all together.
    """
    codes = list(dict.fromkeys(code.strip() for code in languages.split(",") if code.strip()))
    unknown = [code for code in codes if code not in Language.values]
    if unknown:
        raise ValidationError(
            {
                "languages": _("Unknown language code %(code)s: use one of %(known)s.")
                % {"code": repr(unknown[0][:20]), "known": ", ".join(Language.values)}
            }
        )
    return ",".join(codes)


def _check_identity(identity: Identity, sex: str, today: datetime.date | None = None) -> None:
    errors: dict[str, str] = {}
    today = today or timezone.localdate()
    if not (identity.name or identity.name_native):
        errors["name"] = _("Give the name in Latin letters, in Urdu/Pashto script, or both.")
    if identity.cnic:
        if len(identity.cnic) != 13:
            errors["cnic"] = _("A CNIC has 13 digits, e.g. 15602-1234567-1.")
        elif sex in {"m", "f"} and (int(identity.cnic[-1]) % 2 == 1) != (sex == "m"):
            errors["cnic"] = _(
                "The CNIC's last digit is odd for men and even for women; check the CNIC or sex."
            )
    this_year = today.year
    if identity.birth_year is not None and not this_year - 100 <= identity.birth_year <= this_year:
        errors["birth_year"] = _("Give a year of birth within the last hundred years.")
    if identity.birth_date and identity.birth_date > today:
        errors["birth_date"] = _("The date of birth cannot be in the future.")
    if errors:
        raise ValidationError(errors)


def check_identity(identity: Identity, sex: str = "", today: datetime.date | None = None) -> None:
    """The bounds every screen applies to an identity (the registration form, the
    candidates screen, "same person", the API): one ValidationError naming each field, so a
    year of birth in the future is refused before candidates are shown, not only on saving.
    ``today``: the local date, when a caller checking many identities has it already."""
    _check_identity(identity.normalised(), sex, today)


def _seal(participant: Participant, identity: Identity) -> None:
    for name in IDENTITY_FIELDS:
        value = getattr(identity, name)
        text = (
            ""
            if value is None
            else (value.isoformat() if hasattr(value, "isoformat") else str(value))
        )
        sealing.seal_field(participant, f"sealed_{name}", text)
    participant.cnic_index = cnic_index(identity.cnic) if identity.cnic else ""


@dataclass(frozen=True)
class SealedIdentity:
    """One person's identity as a bulk load stores it: each identity field sealed exactly as
    :func:`_seal` seals it (bound to the row's ``row_uuid`` and the field), the CNIC's
    blind index, the age band and flags computed as at registration, and the keyed
    blocking keys the matcher looks candidates up by."""

    sealed: dict[str, str]
    cnic_index: str
    age_band: str
    is_juvenile: bool
    is_youth: bool | None
    blocking_keys: frozenset[str]


def seal_identity_in_bulk(
    record: PersonRecord, *, row_uuid: uuid.UUID, code: str, district: str, today: datetime.date
) -> SealedIdentity:
    """What :func:`seed_participants` and :func:`register_participant` store for ``record``,
    for a row written by ``COPY`` (national-scale seeding): no instance, no database."""
    identity = Identity(
        name=record.name,
        name_native=record.name_native,
        father_name=record.father_name,
        father_name_native=record.father_name_native,
        cnic=record.cnic,
        birth_date=record.birth_date,
        birth_year=record.birth_year,
    ).normalised()
    sealed = {}
    for name in IDENTITY_FIELDS:
        value = getattr(identity, name)
        text = (
            ""
            if value is None
            else (value.isoformat() if hasattr(value, "isoformat") else str(value))
        )
        field = f"sealed_{name}"
        sealed[field] = crypto.seal(text, context=sealing.context_for(Participant, row_uuid, field))
    band, juvenile = _age_band(identity, today)
    return SealedIdentity(
        sealed=sealed,
        cnic_index=cnic_index(identity.cnic) if identity.cnic else "",
        age_band=band,
        is_juvenile=bool(juvenile),
        is_youth=_is_youth(identity, today),
        blocking_keys=frozenset(
            _hashed_keys(person_record(code, identity, sex=record.sex or "m", district=district))
        ),
    )


def open_identity(participant: Participant) -> Identity:
    """Decrypt a participant's identity. Internal: callers showing it use ``read_identity``."""
    return _identity_of(
        {name: sealing.open_field(participant, f"sealed_{name}") for name in IDENTITY_FIELDS}
    )


def _identity_of(texts: dict[str, str]) -> Identity:
    """An identity from its fields' opened texts."""
    values: dict[str, Any] = {}
    for name, text in texts.items():
        if name == "birth_date":
            values[name] = datetime.date.fromisoformat(text) if text else None
        elif name == "birth_year":
            values[name] = int(text) if text else None
        else:
            values[name] = text
    return Identity(**values)


def cnic_index(cnic: str) -> str:
    return crypto.blind_index("".join(ch for ch in cnic if ch.isdigit()), purpose="cnic")


def person_record(record_id: str, identity: Identity, *, sex: str, district: str) -> PersonRecord:
    return PersonRecord(
        record_id=record_id,
        name=identity.name,
        name_native=identity.name_native,
        father_name=identity.father_name,
        father_name_native=identity.father_name_native,
        sex=sex,
        birth_year=identity.birth_year,
        birth_date=identity.birth_date,
        cnic=identity.cnic,
        district=district,
    )


def _hashed_keys(record: PersonRecord) -> set[str]:
    return {crypto.blind_index(key, purpose="block") for key in blocking_keys(record)}


def _index(participant: Participant, identity: Identity) -> None:
    """Rebuild the participant's keyed blocking keys from their identity."""
    keys = _hashed_keys(
        person_record(
            participant.code, identity, sex=participant.sex, district=participant.district.code
        )
    )
    BlockingKey.objects.filter(participant=participant).exclude(key__in=keys).delete()
    existing = set(
        BlockingKey.objects.filter(participant=participant).values_list("key", flat=True)
    )
    BlockingKey.objects.bulk_create(
        [BlockingKey(participant=participant, key=key) for key in keys - existing]
    )


@dataclass
class Candidate:
    """A registered participant who may be the person being registered, with the reasons."""

    participant: Participant
    identity: Identity
    comparison: Comparison
    reasons: list[Any] = field(default_factory=list)


def find_candidates(
    identity: Identity,
    *,
    sex: str,
    district: District,
    exclude: Iterable[int] = (),
    weaker: bool = False,
) -> list[Candidate]:
    """Registered participants who may be this person, best first.

    Empty unless at least one is a likely match or needs review; then weaker candidates
    that share a blocking key (positive score) are listed too, for comparison. With
    ``weaker`` (registration: the user judges), every one sharing a blocking key is, however
    low it scores: the user sees it in a "less likely" group rather than not at all.

    Retrieval uses only keyed hashes (blocking keys and the CNIC index); the few candidates
    found are opened and compared field by field (``matching.compare``).
    """
    identity = identity.normalised()
    probe = person_record("new", identity, sex=sex, district=district.code)
    excluded = list(exclude)
    # Rank by how many keyed blocking keys a record shares with the probe; open only the top.
    ranked = (
        BlockingKey.objects.filter(
            key__in=_hashed_keys(probe), participant__merged_into__isnull=True
        )
        .exclude(participant__in=excluded)
        .values("participant")
        .annotate(hits=Count("id"))
        .order_by("-hits", "participant")[:CANDIDATE_LIMIT]
    )
    ids = {row["participant"] for row in ranked}
    if identity.cnic:
        ids |= set(
            Participant.objects.active()
            .filter(cnic_index=cnic_index(identity.cnic))
            .exclude(pk__in=excluded)
            .values_list("pk", flat=True)
        )
    opened = [
        (
            participant,
            other,
            person_record(
                participant.code, other, sex=participant.sex, district=participant.district.code
            ),
        )
        for participant in Participant.objects.filter(pk__in=ids).select_related("district")
        for other in [open_identity(participant)]
    ]
    frequencies = _registry_frequencies(
        [probe, *(person for _, _, person in opened)], matching_parameters()
    )
    candidates = []
    for participant, other, person in opened:
        comparison = compare(probe, person, frequencies)
        if weaker or comparison.decision in {"match", "review"} or comparison.score > 0:
            candidates.append(
                Candidate(participant, other, comparison, explain(comparison.reasons))
            )
    candidates.sort(key=lambda c: c.comparison.score, reverse=True)
    if not any(c.comparison.decision in {"match", "review"} for c in candidates):
        return []
    return candidates[:CANDIDATE_LIMIT]


def _registry_frequencies(
    records: list[PersonRecord], parameters: matching_model.Parameters
) -> NameFrequencies:
    """How common the names compared are in the registry, as the batch counts them in a file,
    with the ``m`` and ``u`` to score with.

    Counted from the keyed ``n:`` blocking keys (``matching.blocking.name_count_key``), so
    no name is opened: one grouped query for these names and one for the registry's size.
    Fathers' names are not counted (no key holds a father alone): their weight is the
    model's.
    """
    keys: dict[str, str] = {}
    for person in records:
        name = features(person).name
        if name is not None:
            keys[crypto.blind_index(name_count_key(name), purpose="block")] = name.core_key
    counted = (
        BlockingKey.objects.filter(key__in=keys, participant__merged_into__isnull=True)
        .values("key")
        .annotate(holders=Count("participant", distinct=True))
    )
    names = {keys[row["key"]]: row["holders"] for row in counted}
    total = Participant.objects.active().count()
    return NameFrequencies.of_counts(names, {}, (total, 0), parameters)


def matching_parameters() -> matching_model.Parameters:
    """The ``m`` and ``u`` the registration check scores with: the latest estimated on the
    registry (:func:`store_matching_weights`, by an import's duplicate check), so that one
    person is scored as the import scores a sheet; the weights shipped with Bahali until
    one is stored, or if the stored one lacks a level (a release added one) or does not
    look like a matching model (:func:`~.matching.training.plausible`)."""
    latest = MatchingWeights.objects.order_by("-estimated_at", "-pk").first()
    levels = set(matching_model.M)
    if latest is None or set(latest.m) != levels or set(latest.u) != levels:
        return matching_model.COMMITTED
    parameters = matching_model.Parameters(latest.m, latest.u, latest.source)
    return parameters if plausible(parameters) else matching_model.COMMITTED


@service
def store_matching_weights(
    *, actor: Actor, parameters: matching_model.Parameters
) -> MatchingWeights | None:
    """Keep weights estimated on the registry's records (and a sheet meeting it) for the
    registration check (:func:`matching_parameters`). The shipped table is not stored: the
    check falls back to it anyway, and an estimate already stored stays in use."""
    if parameters is matching_model.COMMITTED:
        return None
    stored = MatchingWeights.objects.create(
        m=parameters.m, u=parameters.u, source=parameters.source[:200]
    )
    record(
        "registry.matching_weights",
        obj=stored,
        changes={"source": [None, stored.source]},
    )
    return stored


def _acting_organisation(actor: Actor, organisation: Organisation | None) -> Organisation:
    chosen = organisation or getattr(actor, "active_organisation", None)
    if chosen is None:
        raise ValidationError(_("Choose the organisation you are registering for."))
    return chosen


def _age(identity: Identity, on: datetime.date) -> int | None:
    if identity.birth_date:
        born = identity.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if identity.birth_year:
        return on.year - identity.birth_year
    return None


def _is_youth(identity: Identity, on: datetime.date) -> bool | None:
    """15 to 29 years old on ``on`` (None when the age is not known)."""
    age = _age(identity, on)
    return None if age is None else 15 <= age <= 29


def _age_band(identity: Identity, on: datetime.date) -> tuple[str, bool | None]:
    age = _age(identity, on)
    if age is None:
        return AgeBand.UNKNOWN, None
    bands = [
        (15, AgeBand.UNDER_15),
        (18, AgeBand.AGE_15_17),
        (25, AgeBand.AGE_18_24),
        (35, AgeBand.AGE_25_34),
        (50, AgeBand.AGE_35_49),
    ]
    for limit, band in bands:
        if age < limit:
            return band, age < 18
    return AgeBand.AGE_50_PLUS, False


def _next_serial(district: District, year: int) -> int:
    District.objects.select_for_update().filter(pk=district.pk).first()  # serialise per district
    last = (
        Participant.objects.filter(district=district, code_year=year)
        .order_by("-serial")
        .values_list("serial", flat=True)
        .first()
    )
    return (last or 0) + 1


@service
def register_participant(
    *,
    actor: Actor,
    identity: Identity,
    sex: str,
    district: District,
    home_community: Community | None = None,
    languages: str = "",
    organisation: Organisation | None = None,
    different_from: Iterable[Participant] = (),
) -> Participant:
    """Register a new person and link the registering organisation.

    ``different_from`` are candidates the user saw and judged to be other people; each pair
    is remembered so it is not proposed again. Callers find candidates first
    (``find_candidates``) and link to an existing record instead when it is the same person.
    """
    policies.require(actor, "registration.write")
    organisation = _acting_organisation(actor, organisation)
    identity = identity.normalised()
    _check_identity(identity, sex)
    languages = _known_languages(languages)
    if sex not in {"m", "f"}:
        raise ValidationError({"sex": _("Choose the participant's sex.")})
    if home_community is not None and home_community.tehsil.district_id != district.pk:
        raise ValidationError({"home_community": _("The community is not in this district.")})
    today = timezone.localdate()
    band, juvenile = _age_band(identity, today)
    year = today.year % 100
    serial = _next_serial(district, year)
    participant = Participant(
        code=make_code(district.code, year, serial),
        district=district,
        serial=serial,
        code_year=year,
        sex=sex,
        age_band=band,
        is_juvenile=bool(juvenile),
        is_youth=_is_youth(identity, today),
        home_community=home_community,
        languages=languages,
        registered_by=organisation,
    )
    _seal(participant, identity)
    participant.save()
    ParticipantLink(participant=participant, organisation=organisation).save()
    _index(participant, identity)
    judged = list(different_from)
    if judged:
        # Only real candidates for this identity can be judged different people.
        found = {
            c.participant.pk
            for c in find_candidates(
                identity, sex=sex, district=district, exclude=[participant.pk], weaker=True
            )
        }
        for other in judged:
            if other.pk in found:
                _remember_distinct(participant, other)
    return participant


@dataclass(frozen=True)
class Registration:
    """One person for :func:`register_participants`: what the registration page takes."""

    identity: Identity
    sex: str
    district: District


@service
def register_participants(
    *, actor: Actor, people: list[Registration], organisation: Organisation | None = None
) -> list[Participant]:
    """Register many new people at once (an import): the rules of
    :func:`register_participant`, in bulk.

    Each person is normalised and checked as there (a refused one refuses them all, naming
    it), given the next code of their district, sealed, linked to the organisation and keyed;
    every row is recorded in the audit trail as a save records it. The writes are a few bulk
    statements (``COPY`` on PostgreSQL) instead of a dozen per person.
    Callers found candidates first (the import's duplicate check).
    """
    policies.require(actor, "registration.write")
    organisation = _acting_organisation(actor, organisation)
    today = timezone.localdate()
    year = today.year % 100
    checked = []
    for position, person in enumerate(people):
        identity = person.identity.normalised()
        try:
            _check_identity(identity, person.sex, today)
            if person.sex not in {"m", "f"}:
                raise ValidationError({"sex": _("Choose the participant's sex.")})
        except ValidationError as error:
            raise ValidationError(
                _("Person %(number)s of %(count)s: %(errors)s")
                % {"number": position + 1, "count": len(people), "errors": " ".join(error.messages)}
            ) from error
        checked.append((identity, person))
    serials: dict[int, int] = {}
    participants = []
    for identity, person in checked:
        district = person.district
        if district.pk not in serials:
            serials[district.pk] = _next_serial(district, year) - 1  # locks the district
        serials[district.pk] += 1
        band, juvenile = _age_band(identity, today)
        participant = Participant(
            code=make_code(district.code, year, serials[district.pk]),
            district=district,
            serial=serials[district.pk],
            code_year=year,
            sex=person.sex,
            age_band=band,
            is_juvenile=bool(juvenile),
            is_youth=_is_youth(identity, today),
            registered_by=organisation,
        )
        _seal(participant, identity)
        participants.append(participant)
    # Written by COPY, each row recorded as bulk_create records it (``copy_create``)
    Participant.objects.copy_create(participants, key=["code"])
    ParticipantLink.objects.copy_create(
        [ParticipantLink(participant=p, organisation=organisation) for p in participants],
        key=["participant", "organisation"],
    )
    _insert_blocking_keys(
        (p.pk, key)
        for p, (identity, person) in zip(participants, checked, strict=True)
        for key in _hashed_keys(
            person_record(p.code, identity, sex=p.sex, district=person.district.code)
        )
    )
    return participants


def _insert_blocking_keys(rows: Iterable[tuple[int, str]]) -> None:
    """Insert new participants' ``(participant id, keyed hash)`` blocking keys in bulk:
    ``COPY`` on PostgreSQL, one ``executemany`` elsewhere. The keys are derived data, not
    audited (as ``BlockingKey.objects.bulk_create`` did not audit them); building a model
    instance per key cost more than the participants' own rows."""
    rows = list(rows)
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(BlockingKey._meta.db_table)
    column = {field.name: str(field.column) for field in BlockingKey._meta.concrete_fields}
    columns = f"{quote(column['participant'])}, {quote(column['key'])}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s)"  # noqa: S608 - names only
            cursor.executemany(sql, rows)


def _remember_distinct(a: Participant, b: Participant) -> None:
    first, second = sorted([a, b], key=lambda p: p.pk)
    if not DistinctPair.objects.filter(first=first, second=second).exists():
        DistinctPair(first=first, second=second).save()


@service
def mark_different(*, actor: Actor, first: Participant, second: Participant) -> None:
    """Remember that two registered records are different people."""
    policies.require(actor, "participant_record.write", first)
    _remember_distinct(first, second)


def in_scope(actor: Actor, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates a duplicate check may show ``actor`` (issue 14, item 2): those whose
    identity the user may already read, and those whose consent to sharing covers the kind
    of organisation the user acts for (the consent that would link it at once). A match
    outside that is not revealed: registering anew leaves a duplicate for the data stewards'
    review, which discloses nothing."""
    if isinstance(actor, SystemActor) or not candidates:
        return candidates
    ids = [c.participant.pk for c in candidates]
    reachable = set(
        Participant.objects.visible_to(actor, "identity")
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    organisation = getattr(actor, "active_organisation", None)
    if organisation is not None:
        reachable |= set(
            Consent.objects.filter(
                participant__in=ids,
                purpose=ConsentPurpose.SHARING,
                share_with=organisation.kind,
                withdrawn_on__isnull=True,
            )
            .filter(Q(given_by=Consent.GivenBy.GUARDIAN) | Q(participant__is_juvenile=False))
            .values_list("participant", flat=True)
        )
    shown = [c for c in candidates if c.participant.pk in reachable]
    # Weaker candidates are offered beside a likely one; alone they would betray that the
    # likely one exists out of sight.
    if not any(c.comparison.decision in {"match", "review"} for c in shown):
        return []
    return shown


def sharing_kinds(participants: list[Participant]) -> dict[int, list[str]]:
    """The kinds of organisation each participant consented to sharing with (in force), in
    one query: what a steward weighs a link request against."""
    found: dict[int, list[str]] = {}
    rows = Consent.objects.filter(
        participant__in=[p.pk for p in participants],
        purpose=ConsentPurpose.SHARING,
        withdrawn_on__isnull=True,
    ).values_list("participant", "share_with")
    for participant, kind in rows.order_by("share_with").distinct():
        found.setdefault(participant, []).append(kind)
    return found


def sharing_consented(participant: Participant, organisation: Organisation) -> bool:
    """Does the participant's consent to sharing cover this kind of organisation?"""
    return has_consent(participant, ConsentPurpose.SHARING, share_with=organisation.kind)


@dataclass(frozen=True)
class SamePerson:
    """What "same person" did: linked the organisation (``link``), or asked a data steward
    (``request``, pending); the requester then knows the code and that there was a match."""

    participant: Participant
    link: ParticipantLink | None = None
    request: LinkRequest | None = None

    @property
    def pending(self) -> bool:
        return self.link is None


@service
def confirm_same_person(
    *,
    actor: Actor,
    participant: Participant,
    identity: Identity,
    sex: str,
    district: District,
    organisation: Organisation | None = None,
) -> SamePerson:
    """ "Same person": the acting organisation works with an existing participant; no new record.

    Linking gives the organisation's staff access to the record, so it is allowed only for
    a participant who really is a duplicate candidate for the identity being registered;
    a made-up participant id is refused like a missing one. Knowing a CNIC, or a name and a
    father's name, is not enough to open someone's identity (issue 14, item 2): the link is
    made at once only where the organisation already holds the record or the participant's
    consent to sharing covers its kind; otherwise a data steward of an organisation holding
    the record decides (:func:`decide_link_request`) and, until then, nothing opens.
    """
    policies.require(actor, "registration.write")
    organisation = _acting_organisation(actor, organisation)
    check_identity(identity, sex)
    found = {
        c.participant.pk for c in find_candidates(identity, sex=sex, district=district, weaker=True)
    }
    if participant.pk not in found:
        raise Participant.DoesNotExist
    existing = ParticipantLink.objects.filter(
        participant=participant, organisation=organisation
    ).first()
    if existing is not None:
        return SamePerson(participant, link=existing)
    if isinstance(actor, SystemActor) or sharing_consented(participant, organisation):
        created = ParticipantLink(participant=participant, organisation=organisation)
        created.save()
        return SamePerson(participant, link=created)
    waiting = LinkRequest.objects.pending().filter(
        participant=participant, organisation=organisation
    )
    request = waiting.first()
    if request is None:
        request = LinkRequest(
            participant=participant, organisation=organisation, requested_by=user_of(actor)
        )
        request.save()
    return SamePerson(participant, request=request)


REFUSAL_MIN = 10


@service
def decide_link_request(
    *,
    actor: Actor,
    request: LinkRequest,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> LinkRequest:
    """A data steward approves (the organisation is linked) or refuses (with a reason) a
    request to work with a participant their organisation holds. A decision applies once:
    a second one, or one made on a version read before another's, is a conflict."""
    policies.require(actor, "link_review.write", request)
    note = (note or "").strip()
    if not approve and len(note) < REFUSAL_MIN:
        raise ValidationError({"note": _("Say why the request is refused.")})
    if len(note) > STATEMENT_MAX:
        raise ValidationError(
            {
                "note": _("Keep the explanation under %(count)d characters.")
                % {"count": STATEMENT_MAX}
            }
        )
    claim_version(request, expected_version)
    request.refresh_from_db()
    if not request.is_pending:
        raise Conflict(_("This request has been decided already."))
    request.status = LinkRequest.Status.APPROVED if approve else LinkRequest.Status.REFUSED
    request.decided_by = user_of(actor)
    request.decided_at = timezone.now()
    request.note = note
    request.save()
    if (
        approve
        and not ParticipantLink.objects.filter(
            participant=request.participant_id, organisation=request.organisation_id
        ).exists()
    ):
        ParticipantLink(participant=request.participant, organisation=request.organisation).save()
    return request


STATEMENT_MIN = 10  # a stated purpose says something: more than "ok"
STATEMENT_MAX = 500


def check_stated_purpose(stated_purpose: str, statement: str) -> str:
    """The statement, trimmed, if ``stated_purpose`` and ``statement`` make a purpose worth
    recording; otherwise a ValidationError naming what is missing."""
    errors: dict[str, str] = {}
    if stated_purpose not in IdentityPurpose.values:
        errors["purpose"] = _("Choose why you need this person's identity.")
    statement = (statement or "").strip()
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in statement):
        errors["statement"] = _("The explanation contains characters that cannot be stored.")
    elif len(statement) < STATEMENT_MIN:
        errors["statement"] = _(
            "Say in a sentence what you need the identity for (at least %(count)d characters)."
        ) % {"count": STATEMENT_MIN}
    elif len(statement) > STATEMENT_MAX:
        errors["statement"] = _("Keep the explanation under %(count)d characters.") % {
            "count": STATEMENT_MAX
        }
    if errors:
        raise ValidationError(errors)
    return statement


@service
def read_identity(
    *,
    actor: Actor,
    participant: Participant,
    purpose: str = "view",
    stated_purpose: str = "",
    statement: str = "",
) -> Identity:
    """Open a participant's identity for someone allowed to see it, and audit the read.

    Where the actor's access is "on request" (``policies.identity_needs_purpose``:
    programme managers), the identity opens only with a stated purpose (one of
    ``IdentityPurpose`` and a sentence), recorded with the read; anyone else may state one
    too, and it is recorded the same way.
    """
    policies.require(actor, "identity.read", participant)
    changes: dict[str, list[Any]] = {}
    reason = ""
    if policies.identity_needs_purpose(actor, participant) or stated_purpose or statement:
        reason = check_stated_purpose(stated_purpose, statement)
        changes["stated_purpose"] = [None, stated_purpose]
        purpose = f"{purpose}:on_request"
    identity = open_identity(participant)
    if names_only(actor, participant):
        identity = Identity(name=identity.name, name_native=identity.name_native)
        purpose = f"{purpose}:name"
    changes["purpose"] = [None, purpose]
    record("identity.read", obj=participant, changes=changes, reason=reason)
    return identity


@service
def read_identities(
    *,
    actor: Actor,
    participants: Iterable[Participant],
    purpose: str = "view",
    stated_purpose: str = "",
    statement: str = "",
) -> dict[int, Identity]:
    """:func:`read_identity` for several participants at once (records side by side): the
    same rules for each, asked in a fixed number of queries, and the reads audited in one
    append. Participants the actor may not read are left out of the answer (the caller
    shows their code only); a stated purpose is checked once, and needed when any of the
    participants needs one."""
    listed = list(participants)
    access = policies.identity_access(actor, listed)
    opened: dict[int, Identity] = {}
    entries: dict[str, list[tuple[str, Participant, dict[str, list[Any]]]]] = {}
    checked: str | None = None
    for participant in listed:
        if participant.pk not in access:
            continue
        names, needs_purpose = access[participant.pk]
        changes: dict[str, list[Any]] = {}
        reason = ""
        read_as = purpose
        if needs_purpose or stated_purpose or statement:
            if checked is None:
                checked = check_stated_purpose(stated_purpose, statement)
            reason = checked
            changes["stated_purpose"] = [None, stated_purpose]
            read_as = f"{purpose}:on_request"
        identity = open_identity(participant)
        if names:
            identity = Identity(name=identity.name, name_native=identity.name_native)
            read_as = f"{read_as}:name"
        changes["purpose"] = [None, read_as]
        entries.setdefault(reason, []).append(("identity.read", participant, changes))
        opened[participant.pk] = identity
    for reason, reads in entries.items():
        record_many(reads, reason=reason)
    return opened


def names_only(actor: Actor, participant: Participant) -> bool:
    """Committee members see the name alone (DESIGN.md §2), and only where the participant
    consented to sharing with committees; any other role that reaches the identity sees it
    all."""
    return policies.identity_names_only(actor, participant)


@service
def update_identity(
    *,
    actor: Actor,
    participant: Participant,
    identity: Identity,
    expected_version: int,
    reason: str = "",
) -> Participant:
    """Correct identity fields; refused when someone else saved since the form was opened."""
    policies.require(actor, "participant_record.write", participant)
    identity = identity.normalised()
    _check_identity(identity, participant.sex)
    claim_version(participant, expected_version)
    participant.refresh_from_db()
    before = open_identity(participant)
    _seal(participant, identity)
    participant.save()
    changed = [name for name in IDENTITY_FIELDS if getattr(before, name) != getattr(identity, name)]
    record("identity.update", obj=participant, changes={"fields": [None, changed]})
    _index(participant, identity)
    return participant


def has_consent(participant: Participant, purpose: str, share_with: str = "") -> bool:
    """Is there current (not withdrawn) consent for this purpose, valid for this person?

    Juveniles' consent counts only when a guardian gave it.
    """
    consents = Consent.objects.filter(
        participant=participant, purpose=purpose, withdrawn_on__isnull=True
    )
    if purpose == ConsentPurpose.SHARING:
        consents = consents.filter(share_with=share_with)
    if participant.is_juvenile:
        consents = consents.filter(given_by=Consent.GivenBy.GUARDIAN)
    return consents.exists()


@service
def record_consent(
    *,
    actor: Actor,
    participant: Participant,
    purpose: str,
    given_by: str,
    method: str,
    given_on: datetime.date,
    share_with: str = "",
    guardian_name: str = "",
    witness: str = "",
) -> Consent:
    policies.require(actor, "participant_record.write", participant)
    errors: dict[str, str] = {}
    if participant.is_juvenile and given_by != Consent.GivenBy.GUARDIAN:
        errors["given_by"] = _("The participant is a juvenile: a guardian must give consent.")
    if given_by == Consent.GivenBy.GUARDIAN and not guardian_name.strip():
        errors["guardian_name"] = _("Name the guardian who gave consent.")
    if method == Consent.Method.VERBAL and not witness.strip():
        errors["witness"] = _("Verbal consent needs a witness.")
    if purpose == ConsentPurpose.SHARING and not share_with:
        errors["share_with"] = _("Choose the kind of organisation the data may be shared with.")
    if purpose != ConsentPurpose.SHARING and share_with:
        errors["share_with"] = _("Only sharing consent names a kind of organisation.")
    if given_on > timezone.localdate():
        errors["given_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        participant=participant,
        purpose=purpose,
        share_with=share_with,
        given_by=given_by,
        guardian_name=guardian_name.strip(),
        method=method,
        witness=witness.strip(),
        given_on=given_on,
        recorded_by=actor if isinstance(actor, User) else None,
    )
    consent.full_clean()
    consent.save()
    return consent


@service
def record_consents(
    *,
    actor: Actor,
    participant: Participant,
    purposes: Iterable[str] = (),
    share_with: Iterable[str] = (),
    given_by: str,
    method: str,
    given_on: datetime.date | None = None,
    guardian_name: str = "",
    witness: str = "",
) -> list[Consent]:
    """Several purposes consented to at one sitting (participation, sharing with civil-society
    organisations and with the committee, …): one consent per purpose and per kind of
    organisation the data may be shared with, each through ``record_consent``, all recorded
    or none (a service is one transaction). Dated today unless told otherwise."""
    wanted = [(str(purpose), "") for purpose in dict.fromkeys(purposes)]
    wanted += [(str(ConsentPurpose.SHARING), str(kind)) for kind in dict.fromkeys(share_with)]
    if not wanted:
        raise ValidationError({"purposes": _("Tick at least one purpose the person consented to.")})
    return [
        record_consent(
            actor=actor,
            participant=participant,
            purpose=purpose,
            share_with=kind,
            given_by=given_by,
            method=method,
            given_on=given_on or timezone.localdate(),
            guardian_name=guardian_name,
            witness=witness,
        )
        for purpose, kind in wanted
    ]


@service
def withdraw_consent(*, actor: Actor, consent: Consent, note: str = "") -> Consent:
    """Withdrawal ends consent from today; the record stays as history."""
    policies.require(actor, "participant_record.write", consent.participant)
    if consent.withdrawn_on is None:
        consent.withdrawn_on = timezone.localdate()
        consent.withdrawal_note = note.strip()
        consent.save(update_fields=["withdrawn_on", "withdrawal_note", "updated_at"])
    return consent


@service
def record_pledge(
    *,
    actor: Actor,
    participant: Participant,
    pledged_on: datetime.date,
    witnesses: str,
    notes: str = "",
) -> Pledge:
    policies.require(actor, "participant_record.write", participant)
    if not witnesses.strip():
        raise ValidationError({"witnesses": _("A pledge needs at least one witness.")})
    if pledged_on > timezone.localdate():
        raise ValidationError({"pledged_on": _("The date cannot be in the future.")})
    pledge = Pledge(
        participant=participant,
        pledged_on=pledged_on,
        witnesses=witnesses.strip(),
        notes=notes.strip(),
        recorded_by=actor if isinstance(actor, User) else None,
    )
    pledge.save()
    return pledge


# Rows that belong to a participant and move to the kept record on merge.
_MOVABLE: dict[str, type[Consent] | type[Pledge] | type[ParticipantLink]] = {
    "consents": Consent,
    "pledges": Pledge,
    "links": ParticipantLink,
}


@service
def merge_participants(
    *, actor: Actor, kept: Participant, merged: Participant, reason: str
) -> Merge:
    """One person, two records: move everything to ``kept``; ``merged`` points to it.

    Nothing is deleted; the merge records which rows moved, so ``undo_merge`` restores them.
    """
    policies.require(actor, "merge.write", kept)
    policies.require(actor, "merge.write", merged)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why these records are the same person.")})
    if kept.pk == merged.pk or kept.merged_into_id or merged.merged_into_id:
        raise ValidationError(_("Choose two different records that are not already merged."))
    moved: dict[str, list[int]] = {}
    for name, model in _MOVABLE.items():
        rows: list[Any] = list(model.objects.filter(participant=merged))
        moved[name] = []
        for row in rows:
            if (
                isinstance(row, ParticipantLink)
                and ParticipantLink.objects.filter(
                    participant=kept, organisation_id=row.organisation_id
                ).exists()
            ):
                continue  # the kept record already works with this organisation
            row.participant = kept
            row.save()
            moved[name].append(row.pk)
    merged.merged_into = kept
    merged.save()
    merge = Merge(kept=kept, merged=merged, reason=reason.strip(), moved=moved)
    merge.save()
    return merge


@service
def undo_merge(*, actor: Actor, merge: Merge, reason: str) -> Merge:
    policies.require(actor, "merge.write", merge.kept)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge was already undone."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the merge is undone.")})
    for name, ids in merge.moved.items():
        rows_back: list[Any] = list(_MOVABLE[name].objects.filter(pk__in=ids))
        for row in rows_back:
            row.participant = merge.merged
            row.save()
    merge.merged.merged_into = None
    merge.merged.save()
    merge.undone_at = timezone.now()
    merge.save()
    return merge


def registry_records() -> Iterator[PersonRecord]:
    """Every active participant as a matching record (the import's check, ``match-persons
    --against-registry``).

    Read as plain values, not model instances (the whole registry: instances were half the
    cost), each field opened as :func:`open_identity` opens it, bound to its row; a value
    that does not open is opened again through :func:`open_identity`, which raises the
    error naming the row.
    """
    sealed = {name: f"sealed_{name}" for name in IDENTITY_FIELDS}
    rows = Participant.objects.active().values(
        "pk", "code", "sex", "district__code", "row_uuid", *sealed.values()
    )
    for row in in_batches(rows, 2000):
        try:
            identity = _identity_of(
                {
                    name: crypto.unseal(
                        row[column],
                        context=sealing.context_for(Participant, row["row_uuid"], column),
                    )
                    for name, column in sealed.items()
                }
            )
        except crypto.SealError:
            identity = open_identity(Participant.objects.get(pk=row["pk"]))
        yield person_record(row["code"], identity, sex=row["sex"], district=row["district__code"])


@service
def record_candidate_views(*, actor: Actor, participants: Iterable[Participant]) -> None:
    """Candidates shown side by side at registration reveal identity: audit each one."""
    for participant in participants:
        record("identity.read", obj=participant, changes={"purpose": [None, "duplicate check"]})


@service
def seed_participants(
    *, actor: Actor, records: list[PersonRecord], organisation: Organisation, batch: int = 2000
) -> int:
    """Bulk-register synthetic people (``bahali seed``); one audit event for the whole load.

    For demo and benchmark data only: it skips the per-person duplicate check on purpose,
    because the generator's duplicates are the ground truth the matcher is measured on.
    """
    districts = {d.code: d for d in District.objects.all()}
    year = timezone.localdate().year % 100
    today = timezone.localdate()
    created = 0
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        serials: dict[int, int] = {}
        participants = []
        identities = []
        for rec in chunk:
            district = districts.get(rec.district) or districts["SWT"]
            if district.pk not in serials:
                serials[district.pk] = _next_serial(district, year) - 1
            serials[district.pk] += 1
            identity = Identity(
                name=rec.name,
                name_native=rec.name_native,
                father_name=rec.father_name,
                father_name_native=rec.father_name_native,
                cnic=rec.cnic,
                birth_date=rec.birth_date,
                birth_year=rec.birth_year,
            ).normalised()
            band, juvenile = _age_band(identity, today)
            participant = Participant(
                code=make_code(district.code, year, serials[district.pk]),
                district=district,
                serial=serials[district.pk],
                code_year=year,
                sex=rec.sex or "m",
                age_band=band,
                is_juvenile=bool(juvenile),
                is_youth=_is_youth(identity, today),
                registered_by=organisation,
            )
            _seal(participant, identity)
            participants.append(participant)
            identities.append(identity)
        Participant.objects.bulk_create(participants)
        ParticipantLink.objects.bulk_create(
            [ParticipantLink(participant=p, organisation=organisation) for p in participants]
        )
        _insert_blocking_keys(
            (p.pk, key)
            for p, identity in zip(participants, identities, strict=True)
            for key in _hashed_keys(
                person_record(p.code, identity, sex=p.sex, district=p.district.code)
            )
        )
        created += len(participants)
    record("registry.seeded", obj=organisation, changes={"participants": [None, created]})
    return created


def duplicates_of(participant: Participant) -> list[Candidate]:
    """Other registered records that may be this person, minus pairs already judged different."""
    distinct = DistinctPair.objects.filter(Q(first=participant) | Q(second=participant))
    exclude = {participant.pk}
    for pair in distinct.values_list("first_id", "second_id"):
        exclude.update(pair)
    exclude.update(participant.merged_records.values_list("pk", flat=True))
    return find_candidates(
        open_identity(participant),
        sex=participant.sex,
        district=participant.district,
        exclude=exclude,
    )


def _to_month(day: datetime.date | None) -> datetime.date | None:
    return day.replace(day=1) if day else None


@service
def anonymise_participant(*, actor: Actor, participant: Participant) -> None:
    """Destroy a participant's identity for good (retention rules, or a withdrawal of
    consent after its grace period; the policy is ``bahali.retention``'s, not this one's).

    Every sealed identity field is emptied, the CNIC blind index cleared and the keyed
    blocking keys removed, so neither a look-up nor a duplicate check finds the person
    again; the names of guardians and witnesses and the free text of consent and pledge are
    erased, and their dates kept to the month. Code, sex, age band, home community and
    languages stay: the pseudonymous figures do not change. The erasures are recorded
    without the values erased (``AuditedQuerySet.erase``). Irreversible.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _seal(participant, Identity())
    participant.save(
        update_fields=[f"sealed_{name}" for name in IDENTITY_FIELDS] + ["cnic_index", "updated_at"]
    )
    BlockingKey.objects.filter(participant=participant).delete()
    for consent in Consent.objects.filter(participant=participant).order_by("pk"):
        Consent.objects.filter(pk=consent.pk).erase(
            guardian_name="",
            witness="",
            withdrawal_note="",
            given_on=_to_month(consent.given_on),
            withdrawn_on=_to_month(consent.withdrawn_on),
        )
    for pledge in Pledge.objects.filter(participant=participant).order_by("pk"):
        Pledge.objects.filter(pk=pledge.pk).erase(
            witnesses="", notes="", pledged_on=_to_month(pledge.pledged_on)
        )
    record("identity.anonymised", obj=participant)
