"""Shared fixtures for every test in the repository."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from bahali.accounts.roles import Role
from bahali.testing import make_member
from bahali.testing import sign_in as sign_in_client


@pytest.fixture
def member(db: Any) -> Callable[..., Any]:
    """``member(Role.CASE_WORKER, organisation=...)`` → a user with that role."""
    return make_member


@pytest.fixture
def signed_in(client: Client) -> Callable[[Any], Client]:
    """``signed_in(user)`` → the test client, signed in through the real sign-in page."""

    def sign_in(user: Any) -> Client:
        response = sign_in_client(client, user)  # the password, then a one-time code
        assert response.status_code == 302, response.content[:500]
        return client

    return sign_in


ALL_ROLES = list(Role)


@pytest.hookimpl(trylast=True)  # after pytest-django has ordered the tests by database use
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``demo_data`` fixture holds the demo in the database until its module's last
    test: within each run of one module's tests, those asking for it go last, so no other
    test of the module sees the demo.

    CI runs the suite on SQLite and on PostgreSQL. A test marked ``any_database`` gives
    the same answer on either (a layout walk over the same pages; a command run against a
    SQLite file of its own): CI runs it in one of the two passes and sets
    ``BAHALI_ANY_DATABASE=skip`` in the other. A plain ``make test`` runs everything."""
    _demo_tests_last(items)
    if os.environ.get("BAHALI_ANY_DATABASE") != "skip":
        return
    for item in items:
        if item.get_closest_marker("any_database"):
            item.add_marker(pytest.mark.skip(reason="runs in the other database's pass (CI)"))


def _demo_tests_last(items: list[pytest.Item]) -> None:
    def module(item: pytest.Item) -> Any:
        return getattr(item, "module", None)

    def wants_demo(item: pytest.Item) -> bool:
        return "demo_data" in getattr(item, "fixturenames", ())

    order: list[pytest.Item] = []
    run: list[pytest.Item] = []
    for item in [*items, None]:
        if run and (item is None or module(item) is not module(run[-1])):
            order += [test for test in run if not wants_demo(test)]
            order += [test for test in run if wants_demo(test)]
            run = []
        if item is not None:
            run.append(item)
    items[:] = order


@pytest.fixture(autouse=True)
def default_language_after_each_test() -> Any:
    """A request in Urdu or Pashto leaves its thread in that language (Django's locale
    middleware activates it and never switches back): each test starts in English, so
    none depends on what the test before it asked for."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def serial_live_server_on_sqlite() -> None:
    """On SQLite the live server shares the test's in-memory connection; two requests at
    once (a page and its HTMX calls) would interleave their savepoints on it ("no such
    savepoint"). There the live server answers one request at a time; on PostgreSQL each
    request thread has a connection of its own and the server stays threaded."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)  # requests run in the server's own thread,
            # which LiveServerThread.run() already gave the overridden connections

    if connection.vendor == "sqlite":
        LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture(scope="module")
def demo_data(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The demo in the database for this module's tests (``bahali.testing_demo``: loaded once
    per session by ``bahali demo``, copied back for every later module), its accounts and
    the first load's output; each test runs in a transaction of its own, rolled back as
    usual. After the module's last test the database is as the module found it."""
    from bahali import testing_demo

    with django_db_blocker.unblock():
        before = testing_demo.take()
        try:
            yield testing_demo.loaded()
        finally:
            testing_demo.restore(before)


@pytest.fixture
def shipped_geography(transactional_db: Any) -> None:
    """Transactional tests flush the database after each test, taking the geography its
    migration shipped with it: put it back (the race tests need committed rows)."""
    from bahali.core.context import SYSTEM
    from bahali.geography.services import load_pakistan_geography

    load_pakistan_geography(actor=SYSTEM)
