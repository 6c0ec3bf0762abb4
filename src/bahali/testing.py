"""Factories and helpers for tests: data goes through the audited write path like real data."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, cast

import factory
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from bahali.accounts import services as accounts
from bahali.accounts.models import Membership, User
from bahali.accounts.policies import SECOND_FACTOR_ROLES
from bahali.accounts.roles import ROLE_ORGANISATION_KINDS, Role
from bahali.core.context import SYSTEM, acting_as
from bahali.geography.models import District
from bahali.organisations.models import Organisation, OrganisationKind

TEST_PASSWORD = "correct horse battery staple 42"  # noqa: S105


class AuditedFactory(factory.django.DjangoModelFactory):
    """Saves as the system actor, so factories obey the same rule as services."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with acting_as(SYSTEM):
            return super()._create(model_class, *args, **kwargs)


class OrganisationFactory(AuditedFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.CIVIL_SOCIETY


class UserFactory(AuditedFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(TEST_PASSWORD)


def kind_for(role: Role) -> OrganisationKind:
    """An organisation kind the role may be held in (the first, in a stable order)."""
    return sorted(ROLE_ORGANISATION_KINDS[role])[0]


def make_member(
    role: Role,
    *,
    organisation: Organisation | None = None,
    districts: Iterable[str] = ("SWT",),
    username: str | None = None,
) -> User:
    """A user holding ``role`` in ``organisation`` (a fresh one of a fitting kind if omitted)."""
    organisation = organisation or cast(Organisation, OrganisationFactory(kind=kind_for(role)))
    user = cast(User, UserFactory(**({"username": username} if username else {})))
    accounts.grant_membership(
        actor=SYSTEM,
        user=user,
        organisation=organisation,
        role=role,
        districts=District.objects.filter(code__in=list(districts)),
    )
    user.forget_memberships()
    return verified(user) if role in SECOND_FACTOR_ROLES else user


def verified(user: User) -> User:
    """``user``, marked as a session verified by its second factor would carry it
    (``otp_device``, a recovery-code device of the tests): services that ask for the second
    factor (API tokens) serve this user object; a sign-in still asks for a code."""
    user.otp_device = _test_codes_device(user)
    return user


def _test_codes_device(user: User) -> StaticDevice:
    device = StaticDevice.objects.filter(user=user, name="test codes").first()
    return device or StaticDevice.objects.create(user=user, name="test codes", confirmed=True)


def one_time_code(user: User) -> str:
    """A fresh one-time (recovery) code for ``user``: the way tests pass the second step
    of signing in (``sign_in``, the browser tests), through the real check."""
    token = StaticToken.objects.create(
        device=_test_codes_device(user), token=StaticToken.random_token()
    )
    return token.token


def sign_in(client: Any, user: User, password: str = TEST_PASSWORD) -> Any:
    """Sign ``client`` in as ``user`` through the sign-in page, and its code step when asked;
    the last answer (a redirect when signed in)."""
    response = client.post("/accounts/sign-in/", {"username": user.username, "password": password})
    if response.status_code == 302 and response["Location"] == "/accounts/sign-in/code/":
        response = client.post("/accounts/sign-in/code/", {"code": one_time_code(user)})
    return response


def token_request(user: User, password: str = TEST_PASSWORD, **extra: Any) -> dict[str, Any]:
    """The body of ``POST /api/v1/auth/token`` for ``user``: with a one-time code when their
    roles sign in with two factors."""
    body: dict[str, Any] = {"username": user.username, "password": password, **extra}
    if accounts.second_factor_needed(user):
        body.setdefault("code", one_time_code(user))
    return body


def pass_second_step(page: Any, username: str) -> None:
    """In a browser test, after the password was sent: enter a one-time code if the page
    asks for one, then wait for the home page."""
    page.wait_for_selector("[data-testid=home-title], [data-testid=second-factor-form]")
    if page.query_selector("[data-testid=second-factor-form]") is not None:
        page.fill("#id_code", one_time_code(User.objects.get(username=username)))
        page.get_by_test_id("verify").click()
    page.wait_for_selector("[data-testid=home-title]")


def membership_of(user: User) -> Membership:
    return Membership.objects.filter(user=user).select_related("organisation").get()


class PathwayWorld:
    """Organisations of every kind, one user per role, the three programme blueprints and a
    consenting, pledged participant: the cast of the pathway tests (JOURNEYS.md 1–3)."""

    def __init__(self) -> None:
        from bahali.programmes.services import load_blueprint
        from bahali.registry import services as registry

        kinds = OrganisationKind
        self.lead = cast(Organisation, OrganisationFactory(kind=kinds.LEAD_AGENCY))
        self.centre = cast(Organisation, OrganisationFactory(kind=kinds.REHABILITATION_CENTRE))
        self.prison = cast(Organisation, OrganisationFactory(kind=kinds.PRISON_SERVICE))
        self.cso = cast(Organisation, OrganisationFactory(kind=kinds.CIVIL_SOCIETY))
        self.committee = cast(Organisation, OrganisationFactory(kind=kinds.COMMUNITY_COMMITTEE))
        self.security = cast(Organisation, OrganisationFactory(kind=kinds.SECURITY_LIAISON))
        self.oversight = cast(Organisation, OrganisationFactory(kind=kinds.OVERSIGHT_BODY))
        self.manager = make_member(Role.PROGRAMME_MANAGER, organisation=self.lead)
        self.steward = make_member(Role.DATA_STEWARD, organisation=self.lead)
        self.case_worker = make_member(Role.CASE_WORKER, organisation=self.centre)
        self.psychologist = make_member(Role.PSYCHOLOGIST, organisation=self.centre)
        self.scholar = make_member(Role.RELIGIOUS_SCHOLAR, organisation=self.centre)
        self.prison_worker = make_member(Role.CASE_WORKER, organisation=self.prison)
        self.trainer = make_member(Role.TRAINER, organisation=self.cso)
        self.mentor = make_member(Role.MENTOR, organisation=self.cso)
        self.cso_worker = make_member(Role.CASE_WORKER, organisation=self.cso)
        self.committee_member = make_member(Role.COMMITTEE_MEMBER, organisation=self.committee)
        self.liaison = make_member(Role.SECURITY_LIAISON, organisation=self.security)
        self.monitor = make_member(Role.OVERSIGHT_MONITOR, organisation=self.oversight)
        self.analyst = make_member(Role.ANALYST)
        self.outsider = make_member(Role.CASE_WORKER)  # a case worker on no team
        self.swat = District.objects.get(code="SWT")
        self.programmes = {
            key: load_blueprint(
                actor=SYSTEM, blueprint=key, lead_organisation=self.lead, districts=[self.swat]
            )
            for key in ("centre", "prison", "community")
        }
        self._serial = 0
        self.registry = registry
        from django.utils import timezone

        self.today = timezone.localdate()

    def user_for(self, role: Role) -> User:
        """The cast's user holding ``role`` (on the case team where the role sits on teams)."""
        return {
            Role.CASE_WORKER: self.case_worker,
            Role.PSYCHOLOGIST: self.psychologist,
            Role.RELIGIOUS_SCHOLAR: self.scholar,
            Role.TRAINER: self.trainer,
            Role.MENTOR: self.mentor,
            Role.COMMITTEE_MEMBER: self.committee_member,
            Role.PROGRAMME_MANAGER: self.manager,
            Role.SECURITY_LIAISON: self.liaison,
            Role.OVERSIGHT_MONITOR: self.monitor,
            Role.DATA_STEWARD: self.steward,
            Role.ANALYST: self.analyst,
        }[role]

    def stranger_case(self) -> Any:
        """A case out of everyone's scope but oversight's: another lead agency's centre
        programme in Bajaur, worked by a case worker and a mentor of another centre."""
        from bahali.cases import services as cases
        from bahali.programmes.services import load_blueprint

        lead = cast(Organisation, OrganisationFactory(kind=OrganisationKind.LEAD_AGENCY))
        centre = cast(
            Organisation, OrganisationFactory(kind=OrganisationKind.REHABILITATION_CENTRE)
        )
        bajaur = District.objects.get(code="BJR")
        programme = load_blueprint(
            actor=SYSTEM,
            blueprint="centre",
            lead_organisation=lead,
            code="bajaur-centre",
            districts=[bajaur],
        )
        participant = self.registry.register_participant(
            actor=SYSTEM,
            identity=self.registry.Identity(name="Stranger Person", birth_year=1990),
            sex="m",
            district=bajaur,
            organisation=centre,
        )
        self.registry.record_consent(
            actor=SYSTEM,
            participant=participant,
            purpose="participation",
            given_by="self",
            method="signed",
            given_on=self.today,
        )
        case = cases.enrol_participant(
            actor=SYSTEM,
            participant=participant,
            programme=programme,
            referral_source="self",
            lead_organisation=centre,
        )
        for role, case_role in ((Role.CASE_WORKER, "case_worker"), (Role.MENTOR, "mentor")):
            user = make_member(role, organisation=centre, districts=["BJR"])
            cases.add_team_member(
                actor=SYSTEM, case=case, membership=membership_of(user), case_role=case_role
            )
        return case

    def participant(self, *, consent: bool = True, pledge: bool = True, **identity: Any) -> Any:
        """A participant registered by the centre, with consent and pledge unless told not."""
        from bahali.registry.models import Consent, ConsentPurpose

        self._serial += 1
        participant = self.registry.register_participant(
            actor=SYSTEM,
            identity=self.registry.Identity(
                name=identity.pop("name", f"Test Person {self._serial}"),
                father_name=identity.pop("father_name", f"Father {self._serial}"),
                birth_year=identity.pop("birth_year", 1995),
                **identity,
            ),
            sex="m",
            district=self.swat,
            organisation=self.centre,
        )
        if consent:
            self.registry.record_consent(
                actor=SYSTEM,
                participant=participant,
                purpose=ConsentPurpose.PARTICIPATION,
                given_by=Consent.GivenBy.SELF,
                method=Consent.Method.SIGNED,
                given_on=self.today,
            )
        if pledge:
            self.registry.record_pledge(
                actor=SYSTEM, participant=participant, pledged_on=self.today, witnesses="Imam"
            )
        return participant

    def case(self, programme: str = "centre", *, phase: str | None = None, **kwargs: Any) -> Any:
        """An open case with a team from the centre and the CSO, received by the committee."""
        from bahali.cases import services as cases
        from bahali.cases.models import CaseRole

        kwargs.setdefault("participant", self.participant())
        kwargs.setdefault("referral_source", "security_forces")
        kwargs.setdefault("referred_by", self.security)
        kwargs.setdefault("receiving_committee", self.committee)
        programme_obj = self.programmes[programme]
        entry = None
        if phase:
            entry = programme_obj.phases.get(code=phase)
        case = cases.enrol_participant(
            actor=self.case_worker if programme == "centre" else SYSTEM,
            programme=programme_obj,
            entry_phase=entry if entry is not None and entry.is_entry else None,
            lead_organisation=self.centre,
            **kwargs,
        )
        team = [
            (self.psychologist, CaseRole.PSYCHOLOGIST),
            (self.scholar, CaseRole.RELIGIOUS_SCHOLAR),
            (self.trainer, CaseRole.TRAINER),
            (self.mentor, CaseRole.MENTOR),
            (self.cso_worker, CaseRole.CASE_WORKER),
        ]
        if programme != "centre":
            team.append((self.case_worker, CaseRole.LEAD_CASE_WORKER))
        if programme == "prison":
            team.append((self.prison_worker, CaseRole.CASE_WORKER))
        for user, role in team:
            cases.add_team_member(
                actor=SYSTEM, case=case, membership=membership_of(user), case_role=role
            )
        if phase and case.phase.code != phase:
            from bahali.cases.models import Case, PhaseChange

            target = programme_obj.phases.get(code=phase)
            with acting_as(SYSTEM):
                Case.objects.filter(pk=case.pk).update(phase=target)
                PhaseChange(
                    case=case, from_phase=case.phase, to_phase=target, changed_on=self.today
                ).save()
            case.refresh_from_db()
        return case


def race(*contenders: Callable[[], Any]) -> list[Any]:
    """Run the contenders at once; each one's result, or the exception it raised, in order.

    On PostgreSQL each runs in a thread of its own, with its own database connection, and a
    barrier releases them together, so their transactions really overlap. SQLite's test
    database lives in memory and cannot hold two write transactions at once (a file database
    queues writers with IMMEDIATE transactions), so there they run one after the other —
    still each with the objects it was handed, read before any of them wrote. Tests using
    it need ``django_db(transaction=True)``: the threads see only committed rows.
    """
    from django.db import connection, connections

    if connection.vendor == "sqlite":
        return [_outcome(contender) for contender in contenders]
    barrier = threading.Barrier(len(contenders))
    outcomes: list[Any] = [None] * len(contenders)

    def run(index: int, contender: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = _outcome(contender)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, contender))
        for index, contender in enumerate(contenders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _outcome(contender: Callable[[], Any]) -> Any:
    try:
        return contender()
    except Exception as error:  # the race's loser: its refusal is the result
        return error


def winners(outcomes: list[Any]) -> list[Any]:
    """The outcomes that are results, not refusals."""
    return [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
