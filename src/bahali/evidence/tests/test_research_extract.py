"""The pseudonymised case-level research extract (issue 15, item 6): approvals granted and
revoked by a data steward (audited), extracts only for an analyst with an approval in force
and only over its programmes, only research-consented cases, no identity and no exact
date in any row, fresh pseudonyms per extract, and every extract in the audit trail."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bahali.audit.models import AuditEvent
from bahali.casework.models import Goal, GoalStatus
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import exports, research, services
from bahali.evidence.models import ResearchApproval
from bahali.jobs.models import Job, JobStatus
from bahali.registry.models import Consent, ConsentPurpose
from bahali.testing import PathwayWorld, make_member, sign_in

pytestmark = pytest.mark.django_db


def _consent(world: PathwayWorld, case: Any, *, withdrawn: bool = False) -> Consent:
    from bahali.registry import services as registry

    consent = registry.record_consent(
        actor=SYSTEM,
        participant=case.participant,
        purpose=ConsentPurpose.RESEARCH,
        given_by=Consent.GivenBy.SELF,
        method=Consent.Method.SIGNED,
        given_on=world.today - datetime.timedelta(days=40),
    )
    if withdrawn:
        registry.withdraw_consent(actor=SYSTEM, consent=consent, note="No more research.")
    return consent


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> PathwayWorld:
    settings.BAHALI_JOB_DIR = tmp_path
    world = PathwayWorld()
    cases = [world.case() for _ in range(3)]
    cases.insert(
        0,
        world.case(
            participant=world.participant(
                name="Gulalai Yousafzai Testname",
                cnic="17101-1234567-1",
                birth_date=datetime.date(1990, 3, 14),
                phone="03001234567",
                address="House 12, Mingora Bazaar",
            )
        ),
    )
    world.cases = cases  # type: ignore[attr-defined]
    _consent(world, cases[0])
    _consent(world, cases[1])
    _consent(world, cases[2], withdrawn=True)  # cases[3]: never asked
    with acting_as(SYSTEM):
        Goal.objects.create(
            case=cases[0],
            domain="vocational",
            title="Finish the tailoring course",
            target_on=world.today - datetime.timedelta(days=1),
            status=GoalStatus.ACHIEVED,
        )
    return world


def _approve(world: PathwayWorld, **kwargs: Any) -> ResearchApproval:
    kwargs.setdefault("programmes", [world.programmes["centre"]])
    kwargs.setdefault("valid_from", world.today - datetime.timedelta(days=1))
    kwargs.setdefault("valid_until", world.today + datetime.timedelta(days=90))
    return services.grant_research_approval(
        actor=world.steward,
        researcher=kwargs.pop("researcher", world.analyst),
        title="Pathways after return",
        protocol="PRT-1",
        ethics="IRB-7",
        **kwargs,
    )


def _extract(client: Any, world: PathwayWorld, approval: ResearchApproval, **data: Any) -> Job:
    sign_in(client, world.analyst)
    before = set(Job.objects.values_list("pk", flat=True))
    response = client.post(
        "/evidence/exports/research.zip", {"approval": approval.pk, **data, "next": "/"}
    )
    job = Job.objects.exclude(pk__in=before).get(owner=world.analyst, kind=exports.KIND)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.DONE, job.error
    return job


def _rows(client: Any, job: Job) -> tuple[list[list[str]], list[list[str]], bytes]:
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        data = bundle.read("extract.csv")
        dictionary = bundle.read("dictionary.csv").decode()
    rows = list(csv.reader(io.StringIO(data.decode())))
    return rows, list(csv.reader(io.StringIO(dictionary))), data


def test_an_approved_analyst_extracts_only_consented_cases_without_identity(client, world):
    import hashlib
    import re

    approval = _approve(world)
    job = _extract(client, world, approval)
    rows, dictionary, data = _rows(client, job)
    header, body = rows[0], rows[1:]
    assert len(body) == 2  # cases 0 and 1: consented; 2 withdrew; 3 never consented
    assert {"pseudonym", "programme", "district", "age_band", "enrolled_month"} <= set(header)
    # every column is explained in the dictionary shipped in the same file
    assert set(header) <= {row[0] for row in dictionary[1:]}
    text = data.decode()
    cases = world.cases  # type: ignore[attr-defined]
    from bahali.registry.services import open_identity

    for case in cases:
        identity = open_identity(case.participant)
        for secret in (
            case.participant.code,
            identity.name,
            identity.father_name,
            identity.cnic,
            "".join(ch for ch in identity.cnic if ch.isdigit()),
            identity.phone,
            identity.address,
            "1990",
            f"/cases/{case.pk}/",
        ):
            if secret:
                assert secret not in text
        assert str(case.pk) not in {row[header.index("pseudonym")] for row in body}
    assert "Finish the tailoring course" not in text
    assert world.centre.name not in text and world.case_worker.username not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no exact date anywhere
    month = world.today.strftime("%Y-%m")
    assert {row[header.index("enrolled_month")] for row in body} == {month}
    goals = {
        row[header.index("goals_met")] + "/" + row[header.index("goals_total")] for row in body
    }
    assert goals == {"1/1", "0/0"}
    # three cases share programme, district, sex, band and year, fewer than the minimum
    # cell: the district is withheld
    assert {row[header.index("district")] for row in body} == {"*"}
    # the extract is in the audit trail, with its rows and the hash of its data
    event = AuditEvent.objects.get(action="evidence.research_extract")
    assert event.actor_id == world.analyst.pk and event.object_id == str(approval.pk)
    assert event.changes["rows"] == [None, 2]
    assert event.changes["sha256"] == [None, hashlib.sha256(data).hexdigest()]
    assert event.changes["programmes"] == [None, ["centre"]]


def test_pseudonyms_differ_between_two_extracts(client, world):
    approval = _approve(world)
    first, _d, _b = _rows(client, _extract(client, world, approval))
    second, _d, _b = _rows(client, _extract(client, world, approval))
    one = {row[0] for row in first[1:]}
    two = {row[0] for row in second[1:]}
    assert len(one) == 2 and len(two) == 2 and not one & two


def test_the_pseudonym_is_stable_within_an_extract_and_keyed():
    key = b"k" * 32
    assert research.pseudonymiser(key)(7) == research.pseudonymiser(key)(7)
    assert research.pseudonymiser(key)(7) != research.pseudonymiser(b"j" * 32)(7)
    assert research.pseudonymiser(key)(7) != research.pseudonymiser(key)(8)


def test_a_withdrawal_after_the_request_leaves_the_case_out(world):
    approval = _approve(world)
    request = research.request_of(world.analyst, f"approval={approval.pk}")
    cases = world.cases  # type: ignore[attr-defined]
    consent = Consent.objects.get(participant=cases[1].participant, purpose="research")
    from bahali.registry import services as registry

    registry.withdraw_consent(actor=SYSTEM, consent=consent, note="Changed my mind.")
    rows = list(research.rows(request, research.layout_for(request.programmes), lambda *a: None))
    assert len(rows) == 2  # the header and case 0


def _refused(client: Any, user: Any, data: dict[str, Any]) -> Any:
    sign_in(client, user)
    response = client.post("/evidence/exports/research.zip", {**data, "next": "/evidence/"})
    assert not Job.objects.filter(kind=exports.KIND).exists()  # nothing queued
    return response


def test_an_analyst_without_approval_is_refused_and_nothing_is_queued(client, world):
    other = _approve(world, researcher=make_member(world.analyst.memberships.get().role))
    response = _refused(client, world.analyst, {"approval": other.pk})
    assert response.status_code == 302 and response["Location"] == "/evidence/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["You hold no such research approval."]
    with pytest.raises(ValidationError):
        exports.start_export(
            actor=world.analyst, table="research", fmt="zip", query=f"approval={other.pk}"
        )


@pytest.mark.parametrize("state", ["expired", "not_yet", "revoked"])
def test_an_approval_not_in_force_is_refused(client, world, state):
    approval = _approve(world)
    if state == "revoked":
        services.revoke_research_approval(actor=world.steward, approval=approval, reason="Ended")
    else:
        days = -20 if state == "expired" else 10
        with acting_as(SYSTEM):
            ResearchApproval.objects.filter(pk=approval.pk).update(
                valid_from=world.today + datetime.timedelta(days=days),
                valid_until=world.today + datetime.timedelta(days=days + 5),
            )
    response = _refused(client, world.analyst, {"approval": approval.pk})
    assert response.status_code == 302
    assert "not in force" in str(next(iter(response.wsgi_request._messages)))


def test_a_programme_outside_the_approval_is_refused(client, world):
    approval = _approve(world)
    prison = world.programmes["prison"]
    response = _refused(client, world.analyst, {"approval": approval.pk, "programme": prison.pk})
    assert "does not cover" in str(next(iter(response.wsgi_request._messages)))


def test_other_roles_cannot_start_an_extract(client, world):
    approval = _approve(world)
    for user in (world.steward, world.manager, world.monitor, world.case_worker):
        client.logout()
        response = _refused(client, user, {"approval": approval.pk})
        assert response.status_code == 404
        with pytest.raises(PermissionDenied):
            exports.start_export(
                actor=user, table="research", fmt="zip", query=f"approval={approval.pk}"
            )


def test_a_revocation_after_the_request_stops_the_job(world):
    """The worker checks the approval again when it runs: a job queued before a revocation
    writes nothing."""
    from bahali.jobs import services as jobs

    approval = _approve(world)
    from types import SimpleNamespace

    with pytest.MonkeyPatch.context() as patch:  # queued, not run yet
        patch.setattr("bahali.jobs.tasks.run_job", SimpleNamespace(enqueue=lambda *a: None))
        job = exports.start_export(
            actor=world.analyst, table="research", fmt="zip", query=f"approval={approval.pk}"
        )
    services.revoke_research_approval(actor=world.steward, approval=approval, reason="Ended")
    jobs.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "not in force" in job.error
    assert not AuditEvent.objects.filter(action="evidence.research_extract").exists()


# --- approvals -----------------------------------------------------------------------------


def test_approving_and_revoking_are_audited(world):
    approval = _approve(world)
    granted = AuditEvent.objects.get(action="evidence.research_approved")
    assert granted.actor_id == world.steward.pk and granted.object_id == str(approval.pk)
    assert granted.changes["programmes"] == [None, ["centre"]]
    services.revoke_research_approval(actor=world.steward, approval=approval, reason="Done")
    revoked = AuditEvent.objects.get(action="evidence.research_revoked")
    assert revoked.object_id == str(approval.pk)
    approval.refresh_from_db()
    assert approval.revoked_on == world.today and approval.revoked_by == world.steward


def test_only_a_steward_of_the_leading_organisation_approves_an_analyst(world):
    from bahali.accounts.roles import Role

    with pytest.raises(PermissionDenied):
        services.grant_research_approval(
            actor=world.manager,
            researcher=world.analyst,
            title="x",
            protocol="p",
            ethics="e",
            programmes=[world.programmes["centre"]],
            valid_from=world.today,
            valid_until=world.today,
        )
    with pytest.raises(ValidationError) as refused:
        _approve(world, researcher=world.case_worker)
    assert "researcher" in refused.value.error_dict
    other_steward = make_member(Role.DATA_STEWARD)
    with pytest.raises(ValidationError) as refused:
        services.grant_research_approval(
            actor=other_steward,
            researcher=world.analyst,
            title="x",
            protocol="p",
            ethics="e",
            programmes=[world.programmes["centre"]],
            valid_from=world.today,
            valid_until=world.today,
        )
    assert "programmes" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        _approve(world, valid_until=world.today - datetime.timedelta(days=2))
    assert "valid_until" in refused.value.error_dict
    assert not ResearchApproval.objects.exists()


def test_the_research_page_grants_lists_and_revokes(client, world):
    sign_in(client, world.steward)
    page = client.get("/evidence/research/")
    assert page.status_code == 200 and 'data-testid="approval-form"' in page.content.decode()
    response = client.post(
        "/evidence/research/approvals/",
        {
            "researcher": world.analyst.pk,
            "title": "Pathways",
            "protocol": "PRT-9",
            "ethics": "IRB-9",
            "programmes": [world.programmes["centre"].pk],
            "valid_from": world.today.isoformat(),
            "valid_until": (world.today + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    approval = ResearchApproval.objects.get()
    assert 'data-testid="revoke-form-' in client.get("/evidence/research/").content.decode()
    response = client.post(
        f"/evidence/research/approvals/{approval.pk}/revoke/",
        {"revoke_reason": "Study ended", "version": approval.version},
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.revoked_on is not None
    # the analyst sees the approval, no longer in force, and no extract button
    client.logout()
    sign_in(client, world.analyst)
    page = client.get("/evidence/research/").content.decode()
    assert "Pathways" in page and 'data-testid="research-not-approved"' in page
    dictionary = client.get("/evidence/research/dictionary.csv")
    assert dictionary.status_code == 200 and b"pseudonym" in dictionary.content


def test_a_bad_approval_form_is_a_message_not_an_error(client, world):
    sign_in(client, world.steward)
    response = client.post("/evidence/research/approvals/", {"title": "x"}, follow=True)
    assert response.status_code == 200
    assert 'data-testid="approval-form"' in response.content.decode()
    response = client.post("/evidence/research/approvals/999999/revoke/", {"revoke_reason": "x"})
    assert response.status_code == 404


def test_only_analysts_extract_and_only_data_stewards_approve(world):
    """The authorization module's table for the research extract, role by role."""
    from bahali.accounts import policies
    from bahali.accounts.roles import Role

    for role in Role:
        user = world.user_for(role)
        assert policies.can(user, "research_extract.read") is (role is Role.ANALYST), role
        assert policies.can(user, "research_approval.write") is (role is Role.DATA_STEWARD), role
        readers = {Role.ANALYST, Role.DATA_STEWARD, Role.OVERSIGHT_MONITOR}
        assert policies.can(user, "research_approval.read") is (role in readers), role
    approval = _approve(world)
    # the analyst reads their own approval only; the steward of another organisation none
    other = make_member(Role.ANALYST)
    assert list(ResearchApproval.objects.visible_to(world.analyst)) == [approval]
    assert not ResearchApproval.objects.visible_to(other).exists()
    assert not ResearchApproval.objects.visible_to(make_member(Role.DATA_STEWARD)).exists()
    assert ResearchApproval.objects.visible_to(world.monitor).exists()
    assert ResearchApproval.objects.visible_to(world.steward, "write").exists()


def test_an_extract_over_part_of_an_approval_leaves_other_programmes_cases_out(world):
    """The page's figures are read by key range, which holds cases of the programmes not
    asked for too (with phases that are not columns of this extract): they are skipped."""
    from bahali.evidence.models import PhaseStay

    centre, prison = world.programmes["centre"], world.programmes["prison"]
    own = set(prison.phases.values_list("code", flat=True)) - set(
        centre.phases.values_list("code", flat=True)
    )
    assert own, "the prison programme has phases of its own"
    between = world.case("prison", phase=sorted(own)[0])
    _consent(world, between)
    after = world.case()
    _consent(world, after)
    assert PhaseStay.objects.filter(case=between, phase__code__in=own).exists()
    approval = _approve(world, programmes=[centre, prison])
    request = research.request_of(world.analyst, f"approval={approval.pk}&programme={centre.pk}")
    rows = list(research.rows(request, research.layout_for(request.programmes), lambda *a: None))
    header, body = rows[0], rows[1:]
    assert len(body) == 3  # cases 0 and 1 and the one after: the prison case is not asked for
    assert {row[header.index("programme")] for row in body} == {"centre"}


def test_rows_come_in_the_order_of_their_pseudonyms_not_of_the_cases(world):
    """Sorted by pseudonym (a fresh order for every extract): two extracts do not line up
    row by row, and the order does not tell which case was registered first."""
    consented = [world.cases[0].pk, world.cases[1].pk]  # type: ignore[attr-defined]
    for _ in range(6):
        case = world.case()
        _consent(world, case)
        consented.append(case.pk)
    approval = _approve(world)
    request = research.request_of(world.analyst, f"approval={approval.pk}")
    layout = research.layout_for(request.programmes)
    key = b"k" * 32
    names = [row[0] for row in list(research.rows(request, layout, lambda *a: None, key=key))[1:]]
    pseudonym = research.pseudonymiser(key)
    assert names == sorted(pseudonym(pk) for pk in consented)
    assert names != [pseudonym(pk) for pk in sorted(consented)]  # not in the cases' order


def test_a_lone_withheld_district_takes_its_group_next_smallest_with_it(world, monkeypatch):
    """Secondary suppression: a group (programme, sex, age band, year) with one district
    under the minimum withholds the next smallest too, so the withheld one cannot be worked
    out as the district missing from the group; people are counted, not cases."""
    from types import SimpleNamespace

    rows = [
        # programme 1, men, 25-34, 2026: SWT 2 people (small), BNR 6, PEW 9
        {"district_id": 1, "n": 2},
        {"district_id": 2, "n": 6},
        {"district_id": 3, "n": 9},
    ]

    class Grouped:
        def annotate(self, **kwargs: Any) -> Any:
            return self

        def values(self, *names: str) -> Any:
            return self

        def order_by(self) -> Any:
            return self

        def __iter__(self) -> Any:
            base = {
                "programme_id": 1,
                "participant__sex": "m",
                "participant__age_band": "25-34",
                "participant__is_juvenile": False,
                "year": 2026,
            }
            return iter({**base, **row} for row in rows)

    monkeypatch.setattr(research, "_cases", lambda request: Grouped())
    monkeypatch.setattr(research, "_minimum", lambda: 5)
    request = SimpleNamespace(programmes=[])
    withheld = research._small_cells(request)  # type: ignore[arg-type]
    assert {cell[1] for cell in withheld} == {1, 2}  # the small one and the next smallest
    rows[0]["n"] = 7  # nothing small: nothing withheld
    assert research._small_cells(request) == set()  # type: ignore[arg-type]


def test_a_steward_cannot_approve_their_own_research(world):
    from bahali.accounts import services as accounts
    from bahali.accounts.roles import Role
    from bahali.testing import membership_of

    own = membership_of(world.steward).organisation
    accounts.grant_membership(
        actor=SYSTEM, user=world.steward, organisation=own, role=Role.ANALYST, districts=[]
    )
    world.steward.forget_memberships()
    with pytest.raises(ValidationError) as refused:
        _approve(world, researcher=world.steward)
    assert "researcher" in refused.value.message_dict
    assert not ResearchApproval.objects.exists()
