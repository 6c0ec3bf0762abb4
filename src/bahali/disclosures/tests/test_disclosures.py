"""Who saw my data (issue 14, item 4), subject access, and consent at the moment of use
(item 6): the services and the pages."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.cases import services as cases
from bahali.cases.models import Closure
from bahali.casework import services as casework
from bahali.core.context import SYSTEM
from bahali.disclosures import services
from bahali.disclosures.log import Kind, disclosures_of
from bahali.geography.models import District
from bahali.referrals import services as referrals
from bahali.referrals.models import Referral, ReferralStatus
from bahali.registry import services as registry
from bahali.registry.models import Consent, ConsentPurpose
from bahali.testing import PathwayWorld, make_member, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = PathwayWorld()
    # a data steward of the organisation that registered the cast's participants
    world.steward = make_member(Role.DATA_STEWARD, organisation=world.centre)
    return world


def _share_with_cso(world, participant, given_on=None):
    return registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose=ConsentPurpose.SHARING,
        share_with="civil_society",
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=given_on or world.today,
    )


def _service(world):
    return referrals.register_service(
        actor=SYSTEM,
        provider=world.cso,
        name="Electrician course",
        category="vocational",
        districts=District.objects.filter(code="SWT"),
        contact="Mingora",
    )


@pytest.fixture
def shared(world):
    """A case referred to the CSO's service with the participant's consent."""
    case = world.case()
    consent = _share_with_cso(world, case.participant)
    referral = referrals.refer(
        actor=world.case_worker, case=case, service_item=_service(world), need="Wiring course"
    )
    return case, consent, referral


def _kinds(entries):
    return [entry.kind for entry in entries]


# --- the disclosure log -------------------------------------------------------------------


def test_the_log_lists_a_referral_an_emergency_access_and_an_identity_read(world, shared):
    case, _consent, _referral = shared
    registry.read_identity(actor=world.case_worker, participant=case.participant)
    cases.open_emergency_access(
        actor=world.outsider,
        case=case,
        reason="A threat against his life was reported by the police this morning.",
    )
    entries = disclosures_of(case.participant, world.steward)
    by_kind = {entry.kind: entry for entry in entries}
    assert {Kind.IDENTITY_READ, Kind.REFERRAL, Kind.EMERGENCY} <= set(by_kind)

    read = by_kind[Kind.IDENTITY_READ]
    assert read.who == world.case_worker.get_full_name() or world.case_worker.username
    assert read.organisation == world.centre.name
    assert read.purpose == "Viewing the identity"
    assert read.as_dict()["consent"].startswith("Participation in the programme")
    assert read.consent_state == "current"

    sent = by_kind[Kind.REFERRAL]
    assert sent.recipient == world.cso.name
    assert "Electrician course" in sent.purpose
    assert sent.detail == "Wiring course"  # the steward may read the identity
    assert sent.as_dict()["consent"].startswith("Sharing with: Civil-society organisation")
    assert sent.consent_state == "current"

    emergency = by_kind[Kind.EMERGENCY]
    assert emergency.organisation == world.outsider.active_memberships()[0].organisation.name
    assert "threat against his life" in emergency.detail
    assert emergency.consent_state == "not_based"
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)


def test_the_consent_relied_on_is_the_one_in_force_that_day_and_shows_its_withdrawal(world, shared):
    case, consent, _referral = shared
    registry.withdraw_consent(actor=SYSTEM, consent=consent, note="Changed his mind")
    sent = next(e for e in disclosures_of(case.participant, world.steward) if e.kind == "referral")
    assert sent.consent_state == "withdrawn"
    assert "withdrawn" in sent.consent


def test_a_read_without_consent_in_force_says_none_on_file(world):
    participant = world.participant(consent=False)
    registry.read_identity(actor=SYSTEM, participant=participant)
    (entry,) = disclosures_of(participant, world.steward)
    assert entry.consent_state == "none"


def test_free_text_is_withheld_from_those_without_identity_rights(world, shared):
    case, _consent, _referral = shared
    oversight = disclosures_of(case.participant, world.monitor)
    sent = next(e for e in oversight if e.kind == "referral")
    assert sent.detail == ""
    assert sent.detail_withheld
    assert "Wiring" not in json.dumps([e.as_dict() for e in oversight])


def test_partner_reads_are_listed_once_per_reader_referral_and_day(world, shared, client):
    case, _consent, _referral = shared
    sign_in(client, world.trainer)
    for _ in range(2):
        assert client.get("/referrals/received/").status_code == 200
    (entry,) = [
        e for e in disclosures_of(case.participant, world.steward) if e.kind == "partner_read"
    ]
    assert entry.times == 2
    assert entry.organisation == world.cso.name
    assert entry.consent_state == "current"


def test_a_transfer_is_listed(world, shared):
    case, _consent, _referral = shared
    cases.close_case(
        actor=SYSTEM, case=case, closure=Closure.TRANSFERRED, note="Moved to Peshawar programme"
    )
    assert Kind.TRANSFER in _kinds(disclosures_of(case.participant, world.steward))


# --- consent at the moment of use (item 6) -------------------------------------------------


def test_after_withdrawal_a_new_referral_is_refused_with_the_date(world, shared):
    case, consent, referral = shared
    referrals.cancel_referral(actor=world.case_worker, referral=referral, reason="Done")
    registry.withdraw_consent(actor=SYSTEM, consent=consent)
    before = Referral.objects.count()
    with pytest.raises(ValidationError) as refused:
        referrals.refer(
            actor=world.case_worker,
            case=case,
            service_item=referral.service,
            need="Again",
        )
    assert "was withdrawn on" in str(refused.value)
    assert Referral.objects.count() == before


def test_after_withdrawal_the_provider_cannot_accept_and_nothing_changes(world, shared):
    _case, consent, referral = shared
    registry.withdraw_consent(actor=SYSTEM, consent=consent)
    with pytest.raises(ValidationError) as refused:
        referrals.respond_to_referral(actor=world.trainer, referral=referral, accept=True)
    assert "Consent withdrawn" in str(refused.value)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    declined = referrals.respond_to_referral(
        actor=world.trainer, referral=referral, accept=False, note="Consent withdrawn"
    )
    assert declined.status == ReferralStatus.DECLINED


def test_after_withdrawal_the_provider_no_longer_reads_the_referral(world, shared, client):
    case, consent, _referral = shared
    sign_in(client, world.trainer)
    page = client.get("/referrals/received/").content.decode()
    assert "Wiring course" in page
    registry.withdraw_consent(actor=SYSTEM, consent=consent)
    reads_before = AuditEvent.objects.filter(action="referral.partner_read").count()
    page = client.get("/referrals/received/").content.decode()
    assert "Wiring course" not in page
    assert 'data-testid="consent-withdrawn"' in page
    assert 'data-testid="accept"' not in page
    # nothing shared, so no partner read recorded
    assert AuditEvent.objects.filter(action="referral.partner_read").count() == reads_before
    # the team sees it too
    sign_in(client, world.case_worker)
    team_page = client.get(f"/cases/{case.pk}/referrals/").content.decode()
    assert 'data-testid="consent-withdrawn"' in team_page


def test_after_withdrawal_the_api_withholds_what_the_referral_asked(world, shared, client):
    from bahali.accounts import services as accounts

    _case, consent, referral = shared
    token = accounts.issue_api_token(actor=world.trainer, name="t").secret
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    (item,) = client.get("/api/v1/referrals/received", **headers).json()
    assert item["need"] == "Wiring course"
    registry.withdraw_consent(actor=SYSTEM, consent=consent)
    (item,) = client.get("/api/v1/referrals/received", **headers).json()
    assert "Wiring" not in item["need"]
    assert item["need"].startswith("Consent withdrawn")
    answer = client.post(
        f"/api/v1/referrals/{referral.pk}/answer",
        {"accept": True, "version": referral.version},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 422
    assert "Consent withdrawn" in answer.content.decode()


def test_a_transfer_after_withdrawn_participation_consent_is_refused(world):
    case = world.case()
    consent = case.participant.consents.get(purpose=ConsentPurpose.PARTICIPATION)
    registry.withdraw_consent(actor=SYSTEM, consent=consent)
    with pytest.raises(ValidationError):
        cases.close_case(actor=SYSTEM, case=case, closure=Closure.TRANSFERRED, note="Moving")
    case.refresh_from_db()
    assert case.is_open
    cases.close_case(actor=SYSTEM, case=case, closure=Closure.WITHDRAWN, note="Withdrew")


# --- subject access ----------------------------------------------------------------------


def test_the_bundle_holds_the_data_and_is_audited_once(world, shared):
    case, _consent, _referral = shared
    casework.write_note(
        actor=world.case_worker, case=case, sensitivity="general", body="Came on time"
    )
    casework.write_note(
        actor=world.psychologist, case=case, sensitivity="clinical", body="Sleeps badly"
    )
    before = AuditEvent.objects.count()
    bundle = services.produce_subject_access(
        actor=world.steward,
        participant=case.participant,
        reason="His written request of 3 December",
        fmt="json",
    )
    events = list(AuditEvent.objects.filter(seq__gt=before))
    assert [e.action for e in events] == ["participant.subject_access"]
    assert events[0].actor == world.steward
    assert events[0].reason == "His written request of 3 December"
    assert bundle["identity"]["name"].startswith("Test Person")
    assert bundle["consents"] and bundle["pledges"]
    (held,) = bundle["cases"]
    assert held["notes"][0]["text"] == "Came on time"
    assert "Sleeps badly" not in json.dumps(bundle)
    assert held["left_out"]["clinical_notes"] == 1
    assert held["referrals"][0]["need"] == "Wiring course"
    kinds = {d["kind"] for d in bundle["disclosures"]}
    assert {"referral", "subject_access"} <= kinds


def test_the_bundle_is_refused_without_a_reason_or_to_a_non_steward(world, shared):
    case, *_ = shared
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.produce_subject_access(
            actor=world.steward, participant=case.participant, reason="x"
        )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.produce_subject_access(
            actor=world.case_worker, participant=case.participant, reason="A long enough reason"
        )
    assert AuditEvent.objects.count() == before


# --- pages ---------------------------------------------------------------------------------


def test_the_participant_page_shows_the_panel_to_the_team_not_to_the_liaison(world, shared, client):
    case, *_ = shared
    registry.read_identity(actor=world.case_worker, participant=case.participant)
    sign_in(client, world.case_worker)
    page = client.get(f"/participants/{case.participant.code}/").content.decode()
    assert 'data-testid="who-saw-panel"' in page
    assert "Electrician course" in page
    assert 'data-testid="subject-access-link"' not in page
    client.logout()
    sign_in(client, world.liaison)
    page = client.get(f"/participants/{case.participant.code}/")
    assert page.status_code == 200
    assert 'data-testid="who-saw-panel"' not in page.content.decode()
    assert client.get(f"/participants/{case.participant.code}/disclosures/").status_code == 404


def test_the_log_is_paged(world, shared, client):
    case, *_ = shared
    for _ in range(30):
        registry.read_identity(actor=world.case_worker, participant=case.participant)
    sign_in(client, world.case_worker)
    first = client.get(f"/participants/{case.participant.code}/disclosures/")
    assert first.content.decode().count('data-testid="disclosure"') == 25
    second = client.get(f"/participants/{case.participant.code}/disclosures/?page=2")
    assert second.content.decode().count('data-testid="disclosure"') >= 6
    panel = client.get(f"/participants/{case.participant.code}/").content.decode()
    assert 'data-testid="all-disclosures"' in panel


def test_a_steward_downloads_json_and_pdf_with_no_store(world, shared, client):
    case, *_ = shared
    sign_in(client, world.steward)
    url = f"/participants/{case.participant.code}/subject-access/"
    assert client.get(url).status_code == 200
    as_json = client.post(url, {"reason": "Her request at the office today", "fmt": "json"})
    assert as_json.status_code == 200
    assert "no-store" in as_json["Cache-Control"]
    assert as_json["Content-Disposition"].startswith("attachment")
    assert json.loads(as_json.content)["participant"]["code"] == case.participant.code
    as_pdf = client.post(url, {"reason": "Her request at the office today", "fmt": "pdf"})
    assert as_pdf.status_code == 200
    assert as_pdf.content.startswith(b"%PDF")
    assert "no-store" in as_pdf["Cache-Control"]
    assert AuditEvent.objects.filter(action="participant.subject_access").count() == 2
    refused = client.post(url, {"reason": "", "fmt": "json"})
    assert refused.status_code == 400
    assert AuditEvent.objects.filter(action="participant.subject_access").count() == 2


def test_a_non_steward_gets_404_for_subject_access(world, shared, client):
    case, *_ = shared
    sign_in(client, world.case_worker)
    url = f"/participants/{case.participant.code}/subject-access/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "A long enough reason", "fmt": "json"}).status_code == 404
    assert not AuditEvent.objects.filter(action="participant.subject_access").exists()


def test_the_pdf_embeds_the_arabic_script_font_for_urdu_names(world):
    from bahali.disclosures import pdf

    latin = world.participant()
    urdu = world.participant(name_native="گل خان")
    used = {}
    for participant in (latin, urdu):
        bundle = services.produce_subject_access(
            actor=SYSTEM, participant=participant, reason="The person's own request"
        )
        document = pdf.layout(bundle)
        assert bytes(document.output()).startswith(b"%PDF")
        used[participant.pk] = len(document.fonts["naskh"].subset)
    # the Arabic-script font gives the glyphs of the Urdu name (shaped: joined forms), and
    # nothing when no text needs it (two glyphs are always reserved)
    assert used[latin.pk] <= 2
    assert used[urdu.pk] >= 2 + len(set("گلخان"))


def test_free_text_is_withheld_from_a_manager_whose_identity_access_is_on_request(world, shared):
    case, *_ = shared
    cases.open_emergency_access(
        actor=world.outsider,
        case=case,
        reason="A threat against his life was reported by the police this morning.",
    )
    entries = disclosures_of(case.participant, world.manager)
    emergency = next(e for e in entries if e.kind == "emergency")
    assert emergency.detail == ""
    assert emergency.detail_withheld


def test_the_log_costs_the_same_queries_for_few_and_many_entries(world, shared):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case, *_ = shared
    registry.read_identity(actor=world.case_worker, participant=case.participant)

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            entries = disclosures_of(case.participant, world.steward)
        return len(entries), len(queries)

    cost()  # the viewer's memberships, read once and kept
    few_entries, few_queries = cost()
    for _ in range(20):
        registry.read_identity(actor=world.case_worker, participant=case.participant)
    many_entries, many_queries = cost()
    assert many_entries == few_entries + 20
    assert many_queries == few_queries
