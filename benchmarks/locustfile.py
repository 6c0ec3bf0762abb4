"""Load test: users of every role replaying the journeys' mix of pages and API calls.

Needs locust and django-otp (``benchmarks/requirements-locust.txt``, a separate virtualenv:
locust is not part of the project's lock). Headless, bounded, and only against 127.0.0.1::

    /tmp/locust-venv/bin/locust -f benchmarks/locustfile.py --headless \\
        --host http://127.0.0.1:8000 -u 100 -r 5 -t 10m --csv /tmp/bahali-load

The server: ``bahali serve`` with ``BAHALI_HTTPS=0`` (plain HTTP on 127.0.0.1) and
``BAHALI_SIGN_IN_RATE``/``BAHALI_TOKEN_RATE`` raised (every simulated user signs in from the
one address). ``benchmarks/soak.py`` runs both and samples the workers' memory.

Accounts: on a benchmark database, ``benchmarks/load_accounts.py`` gives accounts of every role
a password and an authenticator with a known key and prints them as JSON; point
``BAHALI_LOAD_ACCOUNTS`` at that file. Each simulated user takes an account of its role of
its own (cycling when there are more users than accounts) and signs in through both steps:
the password, then the authenticator's current code, computed with ``django_otp.oath.totp``
(what the server checks codes with). Without ``BAHALI_LOAD_ACCOUNTS`` the demo's accounts and
its documented authenticator key are used (``bahali demo``; a handful of accounts, so a code
step that meets an already-used code waits for the next one).

The mix per role follows JOURNEYS.md: home and My work for everyone; team members open case
lists, case pages, sessions, notes, plans (goals) and aftercare (check-ins); psychologists the
clinical notes; managers, committee members and security liaisons the sign-off queue;
managers, monitors and analysts the programme dashboards (aftercare, factors); stewards the
audit trail; integrations the API (case list, a case with its goals, notes and check-ins, My
work, sign-offs). Think time 1–5 s. Reads only: writes are measured by
``benchmarks/durability_kill9.py`` and ``benchmarks/pg_restart.py``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from base64 import b32decode
from typing import Any
from urllib.parse import urlparse

from django_otp.oath import totp  # type: ignore[import-not-found]
from locust import HttpUser, between, events, task  # type: ignore[import-not-found]
from locust.exception import StopUser  # type: ignore[import-not-found]

DEMO_PASSWORD = "bahali-demo-2026"  # noqa: S105 - the documented demo password (core/demo.py)
DEMO_KEY = "BAHALIDEMOKEYFORTHESYNTHETICDEMO"  # the demo's documented authenticator key
DEMO_USERS = {
    "case_worker": "amina",
    "psychologist": "farhan",
    "programme_manager": "saima",
    "data_steward": "omar",
    "analyst": "zainab",
}
# Think time in seconds (``BAHALI_LOAD_THINK=min,max``, default 1,5); ``0,0`` makes a closed
# loop (each user sends its next request at once): the saturation steps of soak.py use it.
THINK = tuple(float(x) for x in os.environ.get("BAHALI_LOAD_THINK", "1,5").split(",", 1))
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
PROGRAMME_LINK = re.compile(r'href="/programmes/([a-z0-9-]+)/"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Accounts:
    """Each simulated user's account: its own where there are enough (no code replayed)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        path = os.environ.get("BAHALI_LOAD_ACCOUNTS", "")
        if path:
            with open(path, encoding="utf-8") as handle:
                data: dict[str, list[dict[str, str]]] = json.load(handle)
            self.password = os.environ.get("BAHALI_LOAD_PASSWORD", "bahali-load-test-2026")
        else:
            demo_key = b32decode(os.environ.get("BAHALI_DEMO_AUTHENTICATOR_KEY", DEMO_KEY)).hex()
            data = {
                role: [{"username": name, "key": demo_key}] for role, name in DEMO_USERS.items()
            }
            self.password = os.environ.get("BAHALI_LOAD_PASSWORD", DEMO_PASSWORD)
        self.cycles = {role: itertools.cycle(users) for role, users in data.items() if users}

    def take(self, *roles: str) -> dict[str, str]:
        with self.lock:
            for role in roles:
                if role in self.cycles:
                    return next(self.cycles[role])
        raise RuntimeError(f"no load-test account for {roles}")


ACCOUNTS: Accounts | None = None


def accounts() -> Accounts:
    global ACCOUNTS
    if ACCOUNTS is None:
        ACCOUNTS = Accounts()
    return ACCOUNTS


USED_STEPS: dict[str, int] = {}
USED_LOCK = threading.Lock()


def fresh_code(key_hex: str) -> str:
    """The code an authenticator app with this key shows now — waiting for the next one when
    another simulated user on the same account used this one (the server refuses a code
    twice, and counts the refusal against the client's address)."""
    while True:
        with USED_LOCK:
            step = int(time.time()) // 30
            if USED_STEPS.get(key_hex, -1) < step:
                USED_STEPS[key_hex] = step
                return str(totp(bytes.fromhex(key_hex), step=30, t0=0, digits=6)).zfill(6)
        time.sleep(30 - time.time() % 30 + 0.2)


@events.test_start.add_listener
def only_local(environment: Any, **kwargs: Any) -> None:
    host = urlparse(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit("This load test runs only against 127.0.0.1.")


# Warm-up (``BAHALI_LOAD_WARMUP`` seconds, default 0: none): the users arrive and sign in
# (each sign-in checks an Argon2 password hash, ~0.1 s of a core), then the figures start
# again from zero, so the run's figures are those of its users all signed in. What the
# warm-up measured is written first, as JSON, to ``BAHALI_LOAD_WARMUP_FILE``.
WARMUP = float(os.environ.get("BAHALI_LOAD_WARMUP", "0"))


@events.test_start.add_listener
def measure_after_warmup(environment: Any, **kwargs: Any) -> None:
    if WARMUP <= 0:
        return
    import gevent  # type: ignore[import-not-found] # locust's own event loop

    def end_of_warmup() -> None:
        gevent.sleep(WARMUP)
        stats = environment.runner.stats
        path = os.environ.get("BAHALI_LOAD_WARMUP_FILE", "")
        if path:
            rows = [*stats.entries.values(), stats.total]
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(
                    [
                        {
                            "name": row.name,
                            "count": row.num_requests,
                            "failures": row.num_failures,
                            "p50": row.get_response_time_percentile(0.5),
                            "p95": row.get_response_time_percentile(0.95),
                            "p99": row.get_response_time_percentile(0.99),
                            "max": row.max_response_time,
                        }
                        for row in rows
                        if row.num_requests or row.num_failures
                    ]
                    + [
                        {
                            "error": f"{error.method} {error.name}: {error.error}",
                            "occurrences": error.occurrences,
                        }
                        for error in stats.errors.values()
                    ],
                    handle,
                )
        stats.reset_all()

    gevent.spawn(end_of_warmup)


class Staff(HttpUser):
    abstract = True
    wait_time = between(THINK[0], THINK[-1])
    roles: tuple[str, ...] = ()

    def on_start(self) -> None:
        self.case_ids: list[str] = []
        self.programmes: list[str] = []
        account = accounts().take(*self.roles)
        self.sign_in(account["username"], account["key"])

    def sign_in(self, username: str, key: str) -> None:
        page = self.client.get("/accounts/sign-in/", name="sign-in page")
        token = CSRF.search(page.text)
        headers = {"Referer": self.host + "/accounts/sign-in/"}
        with self.client.post(
            "/accounts/sign-in/",
            {
                "username": username,
                "password": accounts().password,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers=headers,
            allow_redirects=False,
            name="sign in (password)",
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"password step: {answer.status_code}")
                return
            if answer.headers.get("Location") != "/accounts/sign-in/code/":
                return  # signed in with the password alone (a role without a second factor)
        for attempt in range(3):
            page = self.client.get("/accounts/sign-in/code/", name="code page")
            token = CSRF.search(page.text)
            with self.client.post(
                "/accounts/sign-in/code/",
                {
                    "code": fresh_code(key),
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                },
                headers={"Referer": self.host + "/accounts/sign-in/code/"},
                allow_redirects=False,
                name="sign in (code)",
                catch_response=True,
            ) as answer:
                if answer.status_code == 302:
                    return
                answer.failure(f"code step: {answer.status_code}")
                if answer.status_code == 429 or attempt == 2:
                    return

    def page(self, url: str, name: str) -> Any:
        """GET a page; being sent to the sign-in page (not signed in) is a failure."""
        with self.client.get(url, name=name, catch_response=True) as response:
            if urlparse(response.url or "").path.startswith("/accounts/sign-in"):
                response.failure("not signed in")
            return response

    # --- what everyone does -------------------------------------------------------------

    @task(3)
    def home(self) -> None:
        self.page("/", "home")

    @task(3)
    def my_work(self) -> None:
        self.page("/cases/my-work/", "my work")

    # --- pieces the roles combine -------------------------------------------------------

    def case_list(self) -> None:
        page = random.choice(["", "?page=2"])  # noqa: S311 - a load mix, not a secret
        response = self.page("/cases/" + page, "case list")
        found = sorted(set(CASE_LINK.findall(response.text)))
        if found:
            self.case_ids = found

    def some_case(self) -> str | None:
        if not self.case_ids:
            self.case_list()
        return random.choice(self.case_ids) if self.case_ids else None  # noqa: S311

    def case_page(self, *tabs: str) -> None:
        case = self.some_case()
        if case is None:
            return
        self.page(f"/cases/{case}/", "case page")
        for tab in tabs:
            self.page(f"/cases/{case}/{tab}/", f"case {tab}")

    def sign_off_queue(self) -> None:
        self.page("/cases/sign-offs/", "sign-off queue")

    def dashboard(self) -> None:
        if not self.programmes:
            response = self.page("/programmes/", "programmes")
            self.programmes = sorted(set(PROGRAMME_LINK.findall(response.text)))
        if not self.programmes:
            return
        code = random.choice(self.programmes)  # noqa: S311
        which = random.choice(["aftercare", "factors"])  # noqa: S311
        if which == "aftercare":
            self.page(f"/programmes/{code}/aftercare/", "aftercare dashboard")
        else:
            self.page(f"/assessments/programmes/{code}/factors/", "factors report")


class TeamMember(Staff):
    """Case workers (and religious scholars, trainers, mentors): their own cases."""

    roles = ("case_worker", "religious_scholar", "trainer", "mentor")
    weight = 5

    @task(4)
    def cases(self) -> None:
        self.case_list()

    @task(4)
    def case(self) -> None:
        self.case_page("sessions")

    @task(2)
    def notes(self) -> None:
        self.case_page("notes")

    @task(2)
    def goals(self) -> None:
        self.case_page("plan")

    @task(1)
    def check_ins(self) -> None:
        self.case_page("aftercare")


class Psychologist(Staff):
    roles = ("psychologist",)
    weight = 2

    @task(3)
    def cases(self) -> None:
        self.case_list()

    @task(5)
    def notes(self) -> None:
        self.case_page("notes")

    @task(2)
    def goals(self) -> None:
        self.case_page("plan")


class Manager(Staff):
    roles = ("programme_manager",)
    weight = 2

    @task(3)
    def cases(self) -> None:
        self.case_list()

    @task(3)
    def queue(self) -> None:
        self.sign_off_queue()

    @task(2)
    def case(self) -> None:
        self.case_page()

    @task(2)
    def dashboards(self) -> None:
        self.dashboard()


class Committee(Staff):
    """Committee members and security liaisons: the sign-offs they are asked for."""

    roles = ("committee_member", "security_liaison")
    weight = 1

    @task(4)
    def queue(self) -> None:
        self.sign_off_queue()

    @task(2)
    def case(self) -> None:
        self.case_page()


class Monitor(Staff):
    roles = ("oversight_monitor",)
    weight = 1

    @task(2)
    def cases(self) -> None:
        self.case_list()

    @task(2)
    def dashboards(self) -> None:
        self.dashboard()


class Steward(Staff):
    roles = ("data_steward",)
    weight = 1

    @task(2)
    def audit(self) -> None:
        self.page("/audit/", "audit trail")

    @task(1)
    def cases(self) -> None:
        self.case_list()


class Analyst(Staff):
    roles = ("analyst", "oversight_monitor")
    weight = 1

    @task(3)
    def dashboards(self) -> None:
        self.dashboard()


class Integration(HttpUser):
    """Another agency's system on the API: a token (password and code), then case lists, a
    case with its goals, notes and check-ins, My work and the sign-off queue."""

    weight = 2
    wait_time = between(THINK[0], THINK[-1])

    def on_start(self) -> None:
        self.case_ids: list[int] = []
        account = accounts().take("case_worker", "psychologist")
        body = {
            "username": account["username"],
            "password": accounts().password,
            "name": "load test",
        }
        token = ""
        for _attempt in range(3):
            body["code"] = fresh_code(account["key"])
            with self.client.post(
                "/api/v1/auth/token", json=body, name="api token", catch_response=True
            ) as response:
                if response.ok:
                    token = response.json().get("token", "")
                    break
                response.failure(f"token: {response.status_code}")
                if response.status_code == 429:
                    break
        if not token:
            raise StopUser  # counted above; an API client without a token sends nothing
        self.client.headers["Authorization"] = f"Bearer {token}"

    @task(4)
    def cases(self) -> None:
        response = self.client.get("/api/v1/cases", name="api case list")
        if response.ok:
            body = response.json()
            items = body.get("items", body) if isinstance(body, dict) else body
            self.case_ids = [item["id"] for item in items if isinstance(item, dict)][:50]

    @task(4)
    def case(self) -> None:
        if not self.case_ids:
            self.cases()
        if not self.case_ids:
            return
        case = random.choice(self.case_ids)  # noqa: S311
        self.client.get(f"/api/v1/cases/{case}", name="api case")
        part = random.choice(["goals", "notes", "check-ins", "sessions"])  # noqa: S311
        self.client.get(f"/api/v1/cases/{case}/{part}", name=f"api case {part}")

    @task(2)
    def my_work(self) -> None:
        self.client.get("/api/v1/me/work", name="api my work")

    @task(1)
    def sign_offs(self) -> None:
        self.client.get("/api/v1/sign-offs", name="api sign-offs")
