"""Every role by every page and endpoint: allowed or denied, through the real HTTP stack.

Objects outside the user's scope answer 404, the same as missing ones. A meta-test fails
when a URL exists that this table does not cover.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from ninja import NinjaAPI

from bahali.accounts.models import ApiToken, Membership
from bahali.accounts.roles import Role
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.registry import services as registry
from bahali.testing import OrganisationFactory, make_member, token_request

pytestmark = pytest.mark.django_db

STEWARDS = {Role.DATA_STEWARD}
AUDITORS = {Role.OVERSIGHT_MONITOR, Role.DATA_STEWARD}
EVERYONE = set(Role)
TEAM = {Role.CASE_WORKER, Role.RELIGIOUS_SCHOLAR, Role.TRAINER, Role.MENTOR, Role.PSYCHOLOGIST}
# A participant linked to the user's organisation, in their district (Swat):
SUMMARY_READERS = TEAM | {
    Role.PROGRAMME_MANAGER,
    Role.SECURITY_LIAISON,
    Role.OVERSIGHT_MONITOR,
    Role.DATA_STEWARD,
}
IDENTITY_READERS = TEAM | {Role.PROGRAMME_MANAGER, Role.DATA_STEWARD}
RECORD_WRITERS = {Role.CASE_WORKER, Role.PSYCHOLOGIST, Role.PROGRAMME_MANAGER, Role.DATA_STEWARD}
REGISTRARS = {Role.CASE_WORKER, Role.PROGRAMME_MANAGER, Role.DATA_STEWARD}
STATEMENT = "Checking the record against the court file."  # a purpose, for identity on request


@dataclass
class World:
    """The user under test, a colleague in their organisation and a stranger elsewhere."""

    user: Any
    colleague_membership: Membership
    stranger_membership: Membership
    own_token: ApiToken
    stranger_token: ApiToken
    stranger_organisation_id: int
    participant: Any
    stranger_participant: Any
    consent: Any
    merge: Any
    twin: Any  # another record of the participant, in scope: for a merge


def _token_for(user: Any, client: Any) -> tuple[ApiToken, str]:
    response = client.post(
        "/api/v1/auth/token",
        token_request(user),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    return ApiToken.objects.get(pk=body["id"]), body["token"]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[World], str]
    allowed: set[Role]
    ok: int  # status for an allowed role
    denied: int = 404  # status for any other role
    anonymous: int = 302  # pages redirect to sign-in; the API answers 401
    data: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    api: bool = False


_NEW_PASSWORD = "a-long-enough-passphrase-42"


def _identity_edit(participant: Any) -> dict[str, Any]:
    return {
        "name": "Khan Zaman",
        "father_name": "Gul Zaman",
        "birth_year": 1991,
        "version": participant.version,
        "reason": "the year was misread",
    }


PAGES = [
    Endpoint("core:home", "get", lambda w: "/", EVERYONE, 200),
    Endpoint("accounts:profile", "get", lambda w: "/accounts/profile/", EVERYONE, 200),
    Endpoint(
        "accounts:create_token",
        "post",
        lambda w: "/accounts/profile/tokens/",
        EVERYONE,
        200,
        data={"name": "matrix"},
    ),
    Endpoint(
        "accounts:revoke_token",
        "post",
        lambda w: f"/accounts/profile/tokens/{w.own_token.pk}/revoke/",
        EVERYONE,
        200,
    ),
    Endpoint(
        "accounts:revoke_token",
        "post",
        lambda w: f"/accounts/profile/tokens/{w.stranger_token.pk}/revoke/",
        set(),
        200,
    ),
    Endpoint(
        "accounts:switch_organisation",
        "post",
        lambda w: "/accounts/acting-for/",
        EVERYONE,
        302,
        data={"organisation": "0"},
    ),
    Endpoint("accounts:members", "get", lambda w: "/accounts/members/", STEWARDS, 200),
    Endpoint(  # a steward adds a member to their own organisation: there is no other to reach
        "accounts:members",
        "post",
        lambda w: "/accounts/members/",
        STEWARDS,
        302,
        data={"username": "new.analyst", "password": _NEW_PASSWORD, "role": "analyst"},
    ),
    Endpoint(
        "accounts:revoke_member",
        "post",
        lambda w: f"/accounts/members/{w.colleague_membership.pk}/end/",
        STEWARDS,
        302,
    ),
    Endpoint(
        "accounts:revoke_member",
        "post",
        lambda w: f"/accounts/members/{w.stranger_membership.pk}/end/",
        set(),
        302,
    ),
    Endpoint(  # two-factor sign-in: a steward resets a member of their own organisation
        "accounts:reset_second_factor",
        "post",
        lambda w: f"/accounts/members/user/{w.colleague_membership.user_id}/reset-second-factor/",
        STEWARDS,
        302,
        data={"reason": "phone lost, identity checked in person"},
    ),
    Endpoint(
        "accounts:reset_second_factor",
        "post",
        lambda w: f"/accounts/members/user/{w.stranger_membership.user_id}/reset-second-factor/",
        set(),
        302,
        data={"reason": "not one of ours"},
    ),
    Endpoint(  # new recovery codes need an authenticator: refused with a message, otherwise
        "accounts:renew_recovery_codes",
        "post",
        lambda w: "/accounts/profile/recovery-codes/",
        EVERYONE,
        302,
    ),
    Endpoint("organisations:list", "get", lambda w: "/organisations/", EVERYONE, 200),
    Endpoint(
        "organisations:detail",
        "get",
        lambda w: f"/organisations/{w.stranger_organisation_id}/",
        EVERYONE,
        200,
    ),
    Endpoint("audit:list", "get", lambda w: "/audit/", AUDITORS, 200),
    # These two views declare no methods yet, so a POST is answered like a GET:
    Endpoint("audit:list", "post", lambda w: "/audit/", AUDITORS, 200),
    Endpoint("core:home", "post", lambda w: "/", EVERYONE, 200),
    Endpoint("audit:verify", "post", lambda w: "/audit/verify/", AUDITORS, 200),
    Endpoint(
        "registry:list",
        "get",
        lambda w: "/participants/",
        SUMMARY_READERS | {Role.COMMITTEE_MEMBER},
        200,
    ),
    Endpoint("registry:register", "get", lambda w: "/participants/register/", REGISTRARS, 200),
    Endpoint(
        "registry:register",
        "post",
        lambda w: "/participants/register/",
        REGISTRARS,
        302,
        data=lambda w: {
            "name": "Yar Muhammad Afridi",
            "father_name": "Sher Afridi",
            "sex": "m",
            "district": District.objects.get(code="KHY").pk,
            "birth_year": 1985,
            "decision": "new",
        },
    ),
    Endpoint(
        "registry:detail",
        "get",
        lambda w: f"/participants/{w.participant.code}/",
        SUMMARY_READERS,
        200,
    ),
    Endpoint(
        "registry:detail",
        "get",
        lambda w: f"/participants/{w.stranger_participant.code}/",
        {Role.OVERSIGHT_MONITOR},
        200,
    ),
    Endpoint(
        "registry:identity",
        "get",
        lambda w: f"/participants/{w.participant.code}/identity/",
        IDENTITY_READERS,
        200,
    ),
    Endpoint(
        "registry:identity",
        "post",
        lambda w: f"/participants/{w.participant.code}/identity/",
        IDENTITY_READERS,
        200,
        data={"purpose": "verification", "statement": STATEMENT},
    ),
    Endpoint(
        "registry:identity",
        "get",
        lambda w: f"/participants/{w.stranger_participant.code}/identity/",
        set(),
        200,
    ),
    Endpoint(
        "registry:edit",
        "get",
        lambda w: f"/participants/{w.participant.code}/identity/edit/",
        RECORD_WRITERS,
        200,
    ),
    Endpoint(
        "registry:edit",
        "post",
        lambda w: f"/participants/{w.participant.code}/identity/edit/",
        RECORD_WRITERS,
        302,
        data=lambda w: _identity_edit(w.participant),
    ),
    Endpoint(
        "registry:edit",
        "post",
        lambda w: f"/participants/{w.stranger_participant.code}/identity/edit/",
        set(),
        302,
        data=lambda w: _identity_edit(w.stranger_participant),
    ),
    Endpoint(
        "registry:add_consent",
        "post",
        lambda w: f"/participants/{w.participant.code}/consents/",
        RECORD_WRITERS,
        400,
    ),
    Endpoint(
        "registry:withdraw_consent",
        "post",
        lambda w: f"/participants/{w.participant.code}/consents/{w.consent.pk}/withdraw/",
        RECORD_WRITERS,
        302,
    ),
    Endpoint(
        "registry:add_pledge",
        "post",
        lambda w: f"/participants/{w.participant.code}/pledges/",
        RECORD_WRITERS,
        400,
    ),
    Endpoint(
        "registry:merge",
        "get",
        lambda w: f"/participants/{w.participant.code}/merge/",
        STEWARDS,
        200,
    ),
    Endpoint(
        "registry:merge",
        "post",
        lambda w: f"/participants/{w.participant.code}/merge/",
        STEWARDS,
        302,
        data=lambda w: {"other_code": w.twin.code, "reason": "the same person"},
    ),
    Endpoint(
        "registry:merge",
        "post",
        lambda w: f"/participants/{w.stranger_participant.code}/merge/",
        set(),
        302,
        data=lambda w: {"other_code": w.twin.code, "reason": "the same person"},
    ),
    Endpoint(
        "registry:duplicates",
        "get",
        lambda w: f"/participants/{w.participant.code}/duplicates/",
        STEWARDS,
        200,
    ),
    Endpoint(
        "registry:mark_different",
        "post",
        lambda w: f"/participants/{w.participant.code}/different/",
        STEWARDS,
        302,
        data=lambda w: {"other_code": w.merge.merged.code},
    ),
    Endpoint(
        "registry:undo_merge",
        "post",
        lambda w: f"/participants/{w.participant.code}/merges/{w.merge.pk}/undo/",
        STEWARDS,
        302,
        data={"reason": "test"},
    ),
]

API = [
    Endpoint("api:me", "get", lambda w: "/api/v1/me", EVERYONE, 200, anonymous=401, api=True),
    Endpoint(
        "api:list_organisations",
        "get",
        lambda w: "/api/v1/organisations",
        EVERYONE,
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:get_organisation",
        "get",
        lambda w: f"/api/v1/organisations/{w.stranger_organisation_id}",
        EVERYONE,
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:list_tokens",
        "get",
        lambda w: "/api/v1/auth/tokens",
        EVERYONE,
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:revoke_token",
        "delete",
        lambda w: f"/api/v1/auth/tokens/{w.own_token.pk}",
        EVERYONE,
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:revoke_token",
        "delete",
        lambda w: f"/api/v1/auth/tokens/{w.stranger_token.pk}",
        set(),
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:list_participants",
        "get",
        lambda w: "/api/v1/participants",
        EVERYONE,
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:get_participant",
        "get",
        lambda w: f"/api/v1/participants/{w.participant.code}",
        SUMMARY_READERS,
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(  # programme managers hold the identity on request: a purpose is stated (the
        # refusal without one: registry/tests/test_identity_on_request.py)
        "api:get_identity",
        "get",
        lambda w: (
            f"/api/v1/participants/{w.participant.code}/identity"
            f"?{urlencode({'purpose': 'verification', 'statement': STATEMENT})}"
        ),
        IDENTITY_READERS,
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:get_identity",
        "get",
        lambda w: f"/api/v1/participants/{w.stranger_participant.code}/identity",
        set(),
        200,
        anonymous=401,
        api=True,
    ),
    Endpoint(
        "api:update_identity",
        "put",
        lambda w: f"/api/v1/participants/{w.participant.code}/identity",
        RECORD_WRITERS,
        200,
        anonymous=401,
        api=True,
        data={"name": "Gul Zaman", "birth_year": 1990, "version": 1},
    ),
    Endpoint(
        "api:register",
        "post",
        lambda w: "/api/v1/participants",
        REGISTRARS,
        201,
        denied=403,
        anonymous=401,
        api=True,
        data={
            "name": "Yar Muhammad Afridi",
            "father_name": "Sher Afridi",
            "sex": "m",
            "district": "KHY",
            "birth_year": 1985,
            "decision": "new",
        },
    ),
]

# Open to everyone, signed in or not: (URL name, method) → (URL, status).
PUBLIC = {
    ("accounts:login", "get"): ("/accounts/sign-in/", 200),
    ("accounts:login", "post"): ("/accounts/sign-in/", 400),  # no credentials: the form again
    ("accounts:logout", "post"): ("/accounts/sign-out/", 302),
    # the code step and setting up an authenticator: without a right password first, back to
    # the password (signed in, home)
    ("accounts:second_factor", "get"): ("/accounts/sign-in/code/", 302),
    ("accounts:second_factor", "post"): ("/accounts/sign-in/code/", 302),
    ("accounts:enrol", "get"): ("/accounts/sign-in/authenticator/", 302),
    ("accounts:enrol", "post"): ("/accounts/sign-in/authenticator/", 302),
    ("set_language", "post"): ("/i18n/setlang/", 302),
    ("set_language", "get"): ("/i18n/setlang/", 302),  # changes nothing on a GET
    ("api:create_token", "post"): ("/api/v1/auth/token", 400),  # no JSON body: a clear 400
    ("api:openapi-json", "get"): ("/api/v1/openapi.json", 200),
    ("api:openapi-json", "post"): ("/api/v1/openapi.json", 200),
    ("api:api-root", "get"): ("/api/v1/", 404),
    ("api:api-root", "post"): ("/api/v1/", 404),
    ("api:openapi-view", "get"): ("/api/v1/docs", 200),  # the interactive docs of the same
    ("api:openapi-view", "post"): ("/api/v1/docs", 200),
    # Operations (bahali.ops): probes for load balancers; metrics need their own token and
    # do not exist without one (BAHALI_METRICS_TOKEN unset in the tests).
    ("ops:healthz", "get"): ("/healthz", 200),
    ("ops:readyz", "get"): ("/readyz", 503),  # no worker heartbeat in the test database
    ("ops:metrics", "get"): ("/metrics", 404),
}


def _participant(organisation: Any, name: str, district: str) -> Any:
    return registry.register_participant(
        actor=SYSTEM,
        identity=registry.Identity(name=name, father_name="Gul Zaman", birth_year=1990),
        sex="m",
        district=District.objects.get(code=district),
        organisation=organisation,
    )


def _world(client: Any, role: Role) -> World:
    user = make_member(role)
    organisation = Membership.objects.get(user=user).organisation
    colleague = make_member(Role.ANALYST, organisation=organisation)
    stranger_org = OrganisationFactory(kind="lead_agency")
    stranger = make_member(Role.DATA_STEWARD, organisation=stranger_org, districts=["BJR"])
    own_token, _ = _token_for(user, client)
    stranger_token, _ = _token_for(stranger, client)
    participant = _participant(organisation, "Khan Zaman", "SWT")
    duplicate = _participant(organisation, "Khan Zaman Khan", "SWT")
    merge = registry.merge_participants(
        actor=SYSTEM, kept=participant, merged=duplicate, reason="same"
    )
    consent = registry.record_consent(
        actor=SYSTEM,
        participant=participant,
        purpose="participation",
        given_by="self",
        method="signed",
        given_on=timezone.localdate(),
    )
    return World(
        user=user,
        colleague_membership=Membership.objects.get(user=colleague),
        stranger_membership=Membership.objects.get(user=stranger),
        own_token=own_token,
        stranger_token=stranger_token,
        stranger_organisation_id=Membership.objects.get(user=stranger).organisation_id,
        participant=participant,
        stranger_participant=_participant(stranger_org, "Zarin Bibi", "BJR"),
        consent=consent,
        merge=merge,
        twin=_participant(organisation, "Khan Zaman Afridi", "SWT"),
    )


def _call(client: Any, endpoint: Endpoint, world: World, **headers: str) -> Any:
    method = getattr(client, endpoint.method)
    data = endpoint.data(world) if callable(endpoint.data) else endpoint.data or {}
    if endpoint.api:
        return method(endpoint.url(world), data, content_type="application/json", **headers)
    return method(endpoint.url(world), data, **headers)


@dataclass(frozen=True)
class Cast:
    """One ``World`` per role, built once for the module (every test runs in a savepoint
    that is rolled back), each with its user's session cookies and an API token."""

    worlds: dict[Role, World]
    sessions: dict[Role, dict[str, str]]
    secrets: dict[Role, str]


def _cast() -> Cast:
    from tests.authorization import sign_in_once

    client = Client()
    worlds = {role: _world(client, role) for role in Role}
    return Cast(
        worlds=worlds,
        sessions={role: sign_in_once(world.user) for role, world in worlds.items()},
        secrets={role: _token_for(world.user, client)[1] for role, world in worlds.items()},
    )


@pytest.fixture(scope="module")
def cast(django_db_setup: None, django_db_blocker: Any) -> Iterator[Cast]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield _cast()
        transaction.set_rollback(True)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: f"{e.name}-{e.method}")
def test_pages(client, cast, role, endpoint):
    world = cast.worlds[role]
    for name, value in cast.sessions[role].items():
        client.cookies[name] = value
    response = _call(client, endpoint, world)
    expected = endpoint.ok if role in endpoint.allowed else endpoint.denied
    assert response.status_code == expected, (role, endpoint.name, response.status_code)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("endpoint", API, ids=lambda e: f"{e.name}-{e.method}")
def test_api(client, cast, role, endpoint):
    world = cast.worlds[role]
    secret = cast.secrets[role]
    response = _call(client, endpoint, world, HTTP_AUTHORIZATION=f"Bearer {secret}")
    expected = endpoint.ok if role in endpoint.allowed else endpoint.denied
    assert response.status_code == expected, (role, endpoint.name, response.status_code)


@pytest.mark.parametrize("endpoint", PAGES + API, ids=lambda e: f"{e.name}-{e.method}")
def test_anonymous(client, cast, endpoint):
    world = cast.worlds[Role.CASE_WORKER]
    response = _call(client, endpoint, world)
    assert response.status_code == endpoint.anonymous
    if endpoint.anonymous == 302:
        assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize("name_and_method", sorted(PUBLIC), ids="-".join)
def test_public_endpoints(client, name_and_method):
    url, status = PUBLIC[name_and_method]
    _name, method = name_and_method
    assert getattr(client, method)(url).status_code == status


# A view that declares nothing (no ``require_http_methods``) answers every method; of those,
# a browser sends these two, so both need a row until the view declares what it accepts.
UNDECLARED = frozenset({"GET", "POST"})
# Answered by Django or the browser's machinery, never by the view's own code.
IMPLICIT = frozenset({"HEAD", "OPTIONS"})
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"}) | IMPLICIT


def declared_methods(view: Callable[..., Any]) -> frozenset[str] | None:
    """The methods ``require_http_methods`` (or ``require_GET``/``require_POST``) lets
    through to ``view``, read from the decorator's closure along the ``__wrapped__``
    chain; ``None`` when no decorator restricts them.

    Django keeps the list only in that closure; reading it there, rather than calling
    the view with each method, keeps the meta-test free of side effects."""
    seen: set[int] = set()
    function: Any = view
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        for cell in getattr(function, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(item, str) and item in HTTP_METHODS for item in value)
            ):
                return frozenset(value)
        function = getattr(function, "__wrapped__", None)
    return None


def _url_patterns(patterns: list[Any], namespace: str | None = None) -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def _api_operations(api: NinjaAPI) -> dict[tuple[str, str], str]:
    """Every operation of the ninja API: (URL name, method) → path."""
    found = {}
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                name = f"{api.urls_namespace}:{api.get_operation_url_name(operation, router)}"
                for method in operation.methods:
                    found[(name, method.upper())] = path
    return found


def required(patterns: list[Any], api: NinjaAPI) -> set[tuple[str, str]]:
    """Every (URL name, HTTP method) a request can reach: each page's URL with every method
    its view accepts, and every operation (path × method) of the API."""
    operations = _api_operations(api)
    api_names = {name for name, _method in operations}
    needed = set(operations)
    for name, pattern in _url_patterns(patterns):
        if name in api_names:
            continue  # the operations above say which methods each accepts
        methods = declared_methods(pattern.callback)
        needed |= {(name, method) for method in (methods or UNDECLARED) - IMPLICIT}
    return needed


def uncovered(
    patterns: list[Any], api: NinjaAPI, endpoints: list[Endpoint], public: dict[str, Any]
) -> list[tuple[str, str]]:
    """The (URL name, method) pairs no table row and no public entry exercises."""
    covered = {(endpoint.name, endpoint.method.upper()) for endpoint in endpoints}
    covered |= {(name, method.upper()) for name, method in public}
    return sorted(required(patterns, api) - covered)


def _all_endpoints() -> list[Endpoint]:
    """This module's table and those of every ``tests/test_authorization_*.py``."""
    import importlib
    from pathlib import Path

    found = PAGES + API
    for path in sorted(Path(__file__).parent.glob("test_authorization_*.py")):
        if path.stem == "test_authorization_matrix":
            continue
        module = importlib.import_module(f"tests.{path.stem}")
        found += module.PAGES + module.API
    return found


def test_every_url_and_method_is_covered_by_this_matrix():
    from bahali.api.urls import api as bahali_api

    missing = uncovered(get_resolver().url_patterns, bahali_api, _all_endpoints(), PUBLIC)
    assert not missing, f"URL × method without an authorization test: {missing}"


def test_the_coverage_check_counts_methods_not_names():
    """A throwaway page that shows its form on GET and writes on POST, with a row for the
    GET only, and a throwaway API operation without a row: both are reported, method by
    method; a view that declares nothing counts as answering GET and POST."""
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.http import require_http_methods, require_POST
    from ninja import NinjaAPI

    @require_http_methods(["GET", "POST"])
    def edit(request: Any) -> HttpResponse:
        return HttpResponse()

    @require_POST
    def delete(request: Any) -> HttpResponse:
        return HttpResponse()

    def undeclared(request: Any) -> HttpResponse:
        return HttpResponse()

    throwaway = NinjaAPI(urls_namespace="throwaway_api", docs_url=None, openapi_url=None)

    @throwaway.get("/things")
    def list_things(request: Any) -> list[str]:
        return []

    @throwaway.post("/things")
    def create_thing(request: Any) -> str:
        return ""

    patterns = [
        path("edit/", edit, name="edit"),
        path("delete/", delete, name="delete"),
        path("undeclared/", undeclared, name="undeclared"),
        path("api/", throwaway.urls),
    ]
    table = [
        Endpoint("edit", "get", lambda w: "/edit/", STEWARDS, 200),
        Endpoint("delete", "post", lambda w: "/delete/", STEWARDS, 302),
        Endpoint("undeclared", "get", lambda w: "/undeclared/", STEWARDS, 200),
        Endpoint("throwaway_api:list_things", "get", lambda w: "/api/things", STEWARDS, 200),
    ]

    ninja_root = {
        ("throwaway_api:api-root", "get"): ("/api/", 404),
        ("throwaway_api:api-root", "post"): ("/api/", 404),
    }
    assert uncovered(patterns, throwaway, table, ninja_root) == [
        ("edit", "POST"),
        ("throwaway_api:create_thing", "POST"),
        ("undeclared", "POST"),
    ]
    covering = [
        *table,
        Endpoint("edit", "post", lambda w: "/edit/", STEWARDS, 302),
        Endpoint("undeclared", "post", lambda w: "/undeclared/", STEWARDS, 200),
    ]
    public = {**ninja_root, ("throwaway_api:create_thing", "post"): ("/api/things", 200)}
    assert uncovered(patterns, throwaway, covering, public) == []
