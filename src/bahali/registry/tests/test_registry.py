"""The registry's services: codes, sealing, blind index, registration, consent, edits, merge."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.core import crypto, sealing
from bahali.core.context import SYSTEM
from bahali.core.versioning import Stale
from bahali.geography.models import District
from bahali.organisations.models import OrganisationKind
from bahali.registry import services
from bahali.registry.codes import damm, is_valid_code, make_code
from bahali.registry.models import Consent, DistinctPair, Participant, ParticipantLink
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db


def _register(
    name="Muhammad Rahmatullah Khan",
    father="Gul Khan",
    year=2001,
    cnic="",
    sex="m",
    organisation=None,
    **extra,
):
    organisation = organisation or OrganisationFactory(kind=OrganisationKind.CIVIL_SOCIETY)
    return services.register_participant(
        actor=SYSTEM,
        identity=services.Identity(
            name=name, father_name=father, birth_year=year, cnic=cnic, **extra
        ),
        sex=sex,
        district=District.objects.get(code="SWT"),
        organisation=organisation,
    )


# --- codes ---------------------------------------------------------------------------


def test_code_has_district_year_serial_and_check_digit():
    code = make_code("SWT", 25, 123)
    assert code.startswith("SWT-25-00123-")
    assert is_valid_code(code)


def test_every_single_digit_typo_and_neighbour_swap_is_caught():
    code = make_code("SWT", 25, 412)
    body = code[4:6] + code[7:12]
    for position in range(len(body)):
        for digit in "0123456789":
            if digit == body[position]:
                continue
            typo = body[:position] + digit + body[position + 1 :]
            assert not is_valid_code(f"SWT-{typo[:2]}-{typo[2:]}-{code[-1]}")
    for position in range(len(body) - 1):
        swapped = body[:position] + body[position + 1] + body[position] + body[position + 2 :]
        if swapped != body:
            assert not is_valid_code(f"SWT-{swapped[:2]}-{swapped[2:]}-{code[-1]}")
    assert not is_valid_code(code[:-1] + str((int(code[-1]) + 1) % 10))
    assert not is_valid_code("SWT-25-123-7") and not is_valid_code("nonsense")
    assert damm("572") == 4  # the algorithm's published example


# --- sealing and the blind index -------------------------------------------------------


def test_identity_is_sealed_at_rest_and_opens():
    participant = _register(cnic="15602-1234567-1", phone="0300 1234567")
    row = Participant.objects.filter(pk=participant.pk).values().get()
    stored = " ".join(str(v) for v in row.values())
    assert "Rahmatullah" not in stored and "1560212345671" not in stored and "0300" not in stored
    identity = services.open_identity(participant)
    assert identity.name == "Muhammad Rahmatullah Khan"
    assert identity.cnic == "1560212345671"
    assert identity.birth_year == 2001


def test_sealed_value_is_bound_to_its_field():
    token = crypto.seal("Gul Khan", context="participant.father_name")
    with pytest.raises(crypto.SealError):
        crypto.unseal(token, context="participant.name")


def test_cnic_is_found_by_blind_index_only():
    participant = _register(cnic="15602-1234567-1")
    assert participant.cnic_index == services.cnic_index("1560212345671")
    assert (
        Participant.objects.filter(cnic_index=services.cnic_index("15602 1234567 1")).get()
        == participant
    )
    with override_settings(BLIND_INDEX_KEY=b"k" * 32):
        assert services.cnic_index("1560212345671") != participant.cnic_index


def test_key_rotation_reseals_everything_without_loss():
    first = _register(cnic="15602-1234567-1", address="Shah Dheri, Matta")
    second = _register(name="Zarin Gul", father="Sher Zaman", sex="f", cnic="1560212345672")
    old_keys = dict(services.crypto.settings.FIELD_ENCRYPTION_KEYS)
    new_ring = {**old_keys, "k2": b"n" * 32}
    with override_settings(FIELD_ENCRYPTION_KEYS=new_ring, FIELD_ENCRYPTION_ACTIVE_KEY="k2"):
        assert set(sealing.usage()) == {"dev1"}
        assert sealing.rotate(actor=SYSTEM, batch=1) == {"registry.participant": 2}
        assert set(sealing.usage()) == {"k2"}
        assert sealing.rotate(actor=SYSTEM) == {}  # nothing left to do
        with override_settings(FIELD_ENCRYPTION_KEYS={"k2": b"n" * 32}):
            first.refresh_from_db()
            second.refresh_from_db()
            assert services.open_identity(first).address == "Shah Dheri, Matta"
            assert services.open_identity(second).name == "Zarin Gul"


# --- registration and duplicates --------------------------------------------------------


def test_registration_links_the_organisation_and_audits_without_plaintext():
    organisation = OrganisationFactory()
    participant = _register(organisation=organisation, cnic="15602-1234567-1")
    assert ParticipantLink.objects.filter(
        participant=participant, organisation=organisation
    ).exists()
    event = AuditEvent.objects.filter(object_type="registry.participant", action="create").get()
    assert event.object_label == participant.code
    assert "Rahmatullah" not in str(event.changes) and "15602" not in str(event.changes)


def test_juvenile_is_flagged_from_birth_year():
    year = timezone.localdate().year - 15
    participant = _register(name="Ayaz Ahmad", father="Fazal Rahim", year=year)
    assert participant.is_juvenile and participant.age_band == "15-17"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"cnic": "12345"}, "cnic"),
        ({"cnic": "1560212345672"}, "cnic"),  # even last digit for a man
        ({"year": 1800}, "birth_year"),
    ],
)
def test_bad_identity_is_refused_and_nothing_is_written(overrides, field):
    before = Participant.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        _register(**overrides)
    assert field in error.value.message_dict
    assert (Participant.objects.count(), AuditEvent.objects.count())[0] == before[0]


def test_candidate_search_finds_the_variant_and_explains_why():
    existing = _register()
    other = _register(name="Rahmatullah", father="Noor Khan", year=1999)
    candidates = services.find_candidates(
        services.Identity(name="Mohd Rehmatullah Khan", father_name="Gul Khan", birth_year=2001),
        sex="m",
        district=District.objects.get(code="SWT"),
    )
    assert candidates and candidates[0].participant == existing
    codes = {reason.code for reason in candidates[0].reasons}
    assert {"father_same", "birth_year_same"} <= codes
    assert all(c.participant != other or c.comparison.decision != "match" for c in candidates)


def test_candidate_search_finds_native_script_only_record():
    existing = _register(
        name="", father="", name_native="محمد رحمت اللہ خان", father_name_native="گل خان"
    )
    candidates = services.find_candidates(
        services.Identity(
            name="Mohammad Rahmatullah Khan", father_name="Gul Khan", birth_year=2001
        ),
        sex="m",
        district=District.objects.get(code="SWT"),
    )
    assert existing in [c.participant for c in candidates]


def test_same_person_links_instead_of_creating():
    existing = _register()
    centre = OrganisationFactory(kind=OrganisationKind.REHABILITATION_CENTRE)
    swat = District.objects.get(code="SWT")
    services.confirm_same_person(
        actor=SYSTEM,
        participant=existing,
        organisation=centre,
        sex="m",
        district=swat,
        identity=services.Identity(
            name="Mohd Rehmatullah Khan", father_name="Gul Khan", birth_year=2001
        ),
    )
    assert Participant.objects.count() == 1
    assert set(existing.links.values_list("organisation", flat=True)) >= {centre.pk}


def test_same_person_is_refused_for_a_record_that_is_not_a_candidate():
    """Linking grants access: it must not work for an arbitrary record id."""
    stranger = _register(name="Zarin Gul", father="Sher Zaman", sex="f", year=1998)
    centre = OrganisationFactory(kind=OrganisationKind.REHABILITATION_CENTRE)
    with pytest.raises(Participant.DoesNotExist):
        services.confirm_same_person(
            actor=SYSTEM,
            participant=stranger,
            organisation=centre,
            sex="m",
            district=District.objects.get(code="SWT"),
            identity=services.Identity(name="Mohd Rehmatullah Khan", birth_year=2001),
        )
    assert not stranger.links.filter(organisation=centre).exists()


def test_different_person_is_remembered():
    existing = _register()
    new = _register(organisation=None, name="Muhammad Rahmatullah", father="Gul Khan", year=2002)
    services.mark_different(actor=SYSTEM, first=new, second=existing)
    first, second = sorted([new.pk, existing.pk])
    assert DistinctPair.objects.filter(first_id=first, second_id=second).exists()


def test_stale_edit_is_refused():
    participant = _register()
    version = participant.version
    services.update_identity(
        actor=SYSTEM,
        participant=participant,
        identity=services.Identity(
            name="Muhammad Rahmatullah Khan", father_name="Gul Khan", birth_year=2002
        ),
        expected_version=version,
    )
    with pytest.raises(Stale):
        services.update_identity(
            actor=SYSTEM,
            participant=participant,
            identity=services.Identity(name="Someone Else", birth_year=2001),
            expected_version=version,
        )
    participant.refresh_from_db()
    assert services.open_identity(participant).name == "Muhammad Rahmatullah Khan"
    assert services.open_identity(participant).birth_year == 2002


# --- consent and pledge -----------------------------------------------------------------


def test_consent_per_purpose_and_withdrawal_keeps_history():
    participant = _register()
    today = timezone.localdate()
    services.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="participation",
        given_by="self",
        method="thumbprint",
        given_on=today,
    )
    sharing = services.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="sharing",
        share_with="community_committee",
        given_by="self",
        method="verbal_witnessed",
        witness="Maulana Idris",
        given_on=today,
    )
    assert services.has_consent(participant, "participation")
    assert services.has_consent(participant, "sharing", "community_committee")
    assert not services.has_consent(participant, "sharing", "security_liaison")
    assert not services.has_consent(participant, "research")
    services.withdraw_consent(actor=SYSTEM, consent=sharing, note="changed his mind")
    assert not services.has_consent(participant, "sharing", "community_committee")
    assert Consent.objects.filter(participant=participant).count() == 2


def test_juvenile_needs_a_guardian():
    year = timezone.localdate().year - 16
    participant = _register(name="Ayaz Ahmad", father="Fazal Rahim", year=year)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.record_consent(
            actor=SYSTEM,
            participant=participant,
            purpose="participation",
            given_by="self",
            method="signed",
            given_on=today,
        )
    assert "given_by" in error.value.message_dict
    services.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="participation",
        given_by="guardian",
        guardian_name="Fazal Rahim",
        method="signed",
        given_on=today,
    )
    assert services.has_consent(participant, "participation")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"method": "verbal_witnessed"}, "witness"),
        ({"purpose": "sharing"}, "share_with"),
        ({"given_by": "guardian"}, "guardian_name"),
        ({"given_on": timezone.localdate() + datetime.timedelta(days=3)}, "given_on"),
    ],
)
def test_incomplete_consent_is_refused(overrides, field):
    participant = _register()
    values = {
        "purpose": "participation",
        "given_by": "self",
        "method": "signed",
        "given_on": timezone.localdate(),
        **overrides,
    }
    with pytest.raises(ValidationError) as error:
        services.record_consent(actor=SYSTEM, participant=participant, **values)
    assert field in error.value.message_dict
    assert not Consent.objects.exists()


def test_pledge_needs_a_witness():
    participant = _register()
    with pytest.raises(ValidationError):
        services.record_pledge(
            actor=SYSTEM, participant=participant, pledged_on=timezone.localdate(), witnesses=" "
        )
    services.record_pledge(
        actor=SYSTEM,
        participant=participant,
        pledged_on=timezone.localdate(),
        witnesses="Maulana Idris",
    )
    assert participant.pledges.count() == 1


# --- merge ------------------------------------------------------------------------------


def test_merge_keeps_everything_and_can_be_undone():
    aman = OrganisationFactory(name="Aman")
    centre = OrganisationFactory(name="Centre", kind=OrganisationKind.REHABILITATION_CENTRE)
    kept = _register(organisation=aman)
    merged = _register(organisation=centre, name="Mohd Rehmatullah Khan")
    consent = services.record_consent(
        actor=SYSTEM,
        participant=merged,
        purpose="participation",
        given_by="self",
        method="signed",
        given_on=timezone.localdate(),
    )
    with pytest.raises(ValidationError):
        services.merge_participants(actor=SYSTEM, kept=kept, merged=merged, reason="")
    merge = services.merge_participants(
        actor=SYSTEM, kept=kept, merged=merged, reason="Same CNIC on both documents"
    )
    merged.refresh_from_db()
    consent.refresh_from_db()
    assert merged.merged_into == kept
    assert consent.participant == kept
    assert set(kept.links.values_list("organisation__name", flat=True)) == {"Aman", "Centre"}
    assert Participant.objects.active().count() == 1
    services.undo_merge(actor=SYSTEM, merge=merge, reason="Different fathers after all")
    merged.refresh_from_db()
    consent.refresh_from_db()
    assert merged.merged_into is None and consent.participant == merged
    assert list(kept.links.values_list("organisation__name", flat=True)) == ["Aman"]
    actions = set(
        AuditEvent.objects.filter(object_type="registry.merge").values_list("action", flat=True)
    )
    assert actions == {"create", "update"}


def test_only_a_data_steward_of_a_linked_organisation_may_merge(member):
    lead = OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY)
    steward = member(Role.DATA_STEWARD, organisation=lead)
    case_worker = member(Role.CASE_WORKER)
    a, b = _register(organisation=lead), _register(organisation=lead, name="Mohd Rahmatullah")
    with pytest.raises(PermissionDenied):
        services.merge_participants(actor=case_worker, kept=a, merged=b, reason="x")
    outsider = _register(name="Zarin Gul", sex="f", father="Sher Zaman")
    with pytest.raises(PermissionDenied):
        services.merge_participants(actor=steward, kept=a, merged=outsider, reason="x")
    services.merge_participants(actor=steward, kept=a, merged=b, reason="same man")


def test_registry_records_yield_every_active_participant():
    _register()
    _register(name="Zarin Gul", sex="f", father="Sher Zaman")
    records = list(services.registry_records())
    assert {r.name for r in records} == {"Muhammad Rahmatullah Khan", "Zarin Gul"}


def test_registry_records_open_every_field_as_open_identity_does():
    full = _register(
        name="Gul Zaman",
        father="Sher Rehman",
        cnic="1560212345671",
        name_native="گل زمان",
        birth_date=datetime.date(1994, 3, 2),
        year=None,
    )
    sparse = _register(name="Zarin Gul", sex="f", father="", year=1990)
    records = {r.record_id: r for r in services.registry_records()}
    for participant in (full, sparse):
        expected = services.person_record(
            participant.code,
            services.open_identity(participant),
            sex=participant.sex,
            district="SWT",
        )
        assert records[participant.code] == expected
    assert records[full.code].birth_date == datetime.date(1994, 3, 2)
    assert records[sparse.code].birth_year == 1990 and records[sparse.code].sex == "f"


def test_registry_records_refuse_a_value_moved_from_another_row():
    a = _register(name="Gul Zaman")
    b = _register(name="Zarin Gul", sex="f")
    with connection.cursor() as cursor:  # someone with the database moves a's name to b
        cursor.execute(
            "UPDATE registry_participant SET sealed_name = %s WHERE id = %s", [a.sealed_name, b.pk]
        )
    with pytest.raises(crypto.MisplacedSeal):
        list(services.registry_records())


def test_participant_rows_never_hold_plaintext_on_this_database():
    _register(name="Qari Abdur Rehman", cnic="1560212345671")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_participant")
        dump = repr(cursor.fetchall())
    assert "Rehman" not in dump and "1560212345671" not in dump


def test_duplicates_of_skips_pairs_judged_different():
    first = _register()
    second = _register(name="Mohd Rehmatullah Khan")
    assert [c.participant for c in services.duplicates_of(first)] == [second]
    services.mark_different(actor=SYSTEM, first=second, second=first)
    assert services.duplicates_of(first) == []


def test_match_persons_against_the_registry(tmp_path):
    from django.core.management import call_command

    existing = _register()
    source = tmp_path / "in.csv"
    source.write_text(
        "record_id,name,name_native,father_name,father_name_native,sex,birth_year,birth_date,"
        "cnic,district\n"
        "A1,Mohd Rehmatullah Khan,,Gul Khan,,m,2001,,,SWT\n"
        "A2,Someone Else,,Other Father,,m,1970,,,PEW\n",
        encoding="utf-8",
    )
    out = tmp_path / "pairs.csv"
    call_command("match_persons", str(source), "--out", str(out), "--against-registry")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "record_id_a,record_id_b,score,decision"
    assert len(lines) == 2 and lines[1].startswith(f"A1,{existing.code},")


def test_every_reason_the_matcher_gives_has_words():
    from bahali.registry.matching import model
    from bahali.registry.reasons import REASON_LABELS

    codes = {code for levels in model.LEVELS.values() for code in levels}
    codes |= {f"{field}_{kind}" for field in ("name", "father") for kind in ("common", "rare")}
    codes |= {"sibling_pattern"}  # weighed apart from the levels (model.SIBLING_WEIGHT)
    assert codes == set(REASON_LABELS)


def test_candidate_search_weighs_a_name_by_how_common_it_is_in_the_registry():
    # Twelve men called Gul Afridi, one Zabihullah Dawar: agreeing on "Gul Afridi" says less.
    for number in range(12):
        _register(name="Gul Afridi", father=f"Father{chr(65 + number)} Wazir", year=1980 + number)
    common = _register(name="Gul Afridi", father="Sher Khan", year=1990)
    rare = _register(name="Zabihullah Dawar", father="Sher Khan", year=1990)
    swat = District.objects.get(code="SWT")

    def best(name):
        identity = services.Identity(name=name, father_name="Sher Khan", birth_year=1990)
        return services.find_candidates(identity, sex="m", district=swat)[0]

    found_common, found_rare = best("Gul Afridi"), best("Zabihullah Dawar")
    assert (found_common.participant, found_rare.participant) == (common, rare)

    def adjustment(candidate):
        return sum(r.weight for r in candidate.comparison.reasons if r.code == "name_common")

    # the same evidence, a commoner name: a lower score, by the name's adjustment
    assert adjustment(found_common) < adjustment(found_rare) - 2
    assert found_common.comparison.score < found_rare.comparison.score - 2
