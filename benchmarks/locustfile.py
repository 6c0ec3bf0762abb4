"""Load test: users of every role replaying the journeys' mix of pages and API calls.

Needs locust (``benchmarks/requirements-locust.txt``, a separate virtualenv: it is not part
of the project's lock). Headless, bounded, and only against 127.0.0.1::

    /tmp/locust-venv/bin/locust -f benchmarks/locustfile.py --headless \\
        --host http://127.0.0.1:8000 -u 100 -r 5 -t 10m --csv /tmp/bahali-load

Users sign in as the demo accounts (``bahali demo``; the password in ``BAHALI_LOAD_PASSWORD``,
default the demo's) or, on the benchmark database, as ``BAHALI_LOAD_USERS``
(``role=username,…``). Think time 1–5 s. The mix per role follows JOURNEYS.md: the home page
and My work for everyone; case lists, case pages and notes for case workers and
psychologists; the sign-off queue for managers; aggregate reports for analysts and
oversight; the API's case list and My work for integrations.
"""

from __future__ import annotations

import os
import random
import re
from urllib.parse import urlparse

from locust import HttpUser, between, events, task  # type: ignore[import-not-found]

PASSWORD = os.environ.get("BAHALI_LOAD_PASSWORD", "bahali-demo-2026")
DEFAULT_USERS = {
    "case_worker": "amina",
    "psychologist": "farhan",
    "manager": "saima",
    "steward": "omar",
    "analyst": "zainab",
}


def _users() -> dict[str, str]:
    raw = os.environ.get("BAHALI_LOAD_USERS", "")
    if not raw:
        return DEFAULT_USERS
    return dict(item.split("=", 1) for item in raw.split(",") if "=" in item)


@events.test_start.add_listener
def only_local(environment, **kwargs):  # type: ignore[no-untyped-def]
    host = urlparse(environment.host or "").hostname
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit("This load test runs only against 127.0.0.1.")


class Staff(HttpUser):
    abstract = True
    wait_time = between(1, 5)
    role = ""

    def on_start(self) -> None:
        username = _users().get(self.role, "")
        page = self.client.get("/accounts/sign-in/", name="sign-in page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/accounts/sign-in/",
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/accounts/sign-in/"},
            name="sign in",
        )
        self.case_urls: list[str] = []

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(3)
    def my_work(self) -> None:
        self.client.get("/cases/my-work/", name="my work")

    def _cases(self) -> None:
        response = self.client.get("/cases/", name="case list")
        self.case_urls = sorted(set(re.findall(r'href="(/cases/[A-Z0-9-]+/)"', response.text)))

    def _case(self) -> None:
        if not self.case_urls:
            self._cases()
        if self.case_urls:
            url = random.choice(self.case_urls)  # noqa: S311 - a load mix, not a secret
            self.client.get(url, name="case page")
            self.client.get(url + "notes/", name="case notes")


class CaseWorker(Staff):
    role = "case_worker"
    weight = 5

    @task(4)
    def cases(self) -> None:
        self._cases()

    @task(6)
    def case(self) -> None:
        self._case()

    @task(2)
    def participants(self) -> None:
        self.client.get("/participants/", name="participant list")


class Psychologist(Staff):
    role = "psychologist"
    weight = 2

    @task(5)
    def case(self) -> None:
        self._case()


class Manager(Staff):
    role = "manager"
    weight = 2

    @task(3)
    def cases(self) -> None:
        self._cases()

    @task(2)
    def programmes(self) -> None:
        self.client.get("/programmes/", name="programmes")


class Steward(Staff):
    role = "steward"
    weight = 1

    @task(2)
    def audit(self) -> None:
        self.client.get("/audit/", name="audit trail")


class Analyst(Staff):
    role = "analyst"
    weight = 1

    @task(2)
    def programmes(self) -> None:
        self.client.get("/programmes/", name="programmes")


class Integration(HttpUser):
    """An API client (another agency's system): token, then case lists and My work."""

    weight = 2
    wait_time = between(1, 5)

    def on_start(self) -> None:
        username = _users().get("case_worker", "amina")
        response = self.client.post(
            "/api/v1/auth/token",
            json={"username": username, "password": PASSWORD, "name": "load test"},
            name="api token",
        )
        token = response.json().get("token", "") if response.ok else ""
        self.client.headers["Authorization"] = f"Bearer {token}"

    @task(4)
    def cases(self) -> None:
        self.client.get("/api/v1/cases", name="api case list")

    @task(2)
    def my_work(self) -> None:
        self.client.get("/api/v1/me/work", name="api my work")
