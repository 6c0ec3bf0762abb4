"""Field submissions: one submission through the whole stack (HTTP Digest, multipart POST,
parse, store, apply through the aftercare service, OpenRosa response) — p50/p95; and a
queue of stored submissions (a month of a district's field work) applied — time, with
duplicates recognised and stale ones in the conflict queue.

Run: .venv/bin/python benchmarks/bench_field.py [--http 200] [--queued 10000] [--cases 100]
(DATABASE_URL picks the engine; SQLite in a temp dir otherwise). Seeds the test cast
(``bahali.testing.PathwayWorld``), ``--cases`` cases in aftercare, and as many planned
check-ins as submissions, spread evenly over them (a case with thousands of check-ins would
measure that case's due-date recomputation, not a submission); 5% of the queue are second
copies of an instance and 2% are based on a stale version (they must end in the conflict
queue, none lost). The queue is applied as ``bahali field apply`` does
(``services.apply_received``: due dates recomputed once per case per batch).

At scale (issue 18's floor: a submission applied in under 200 ms p95 through the whole
stack on PostgreSQL with 200,000 cases; 10,000 queued submissions applied in under 5
minutes on 2 cores, no conflicts lost, duplicates recognised):

    BENCH_CASES_DB=test_bahali_bench_field DATABASE_URL=postgres://... \
    .venv/bin/python benchmarks/bench_field.py --large 200000 [--items 1000000] [--reuse]

seeds (or, with ``--reuse``, takes again) the case-list benchmark's database
(``bench_cases.seed``, that is ``bahali.evidence.national``: PostgreSQL ``COPY``; ``--items``
sessions and notes on the cases' timelines), migrates it, then for the measured case worker
(a few hundred cases on their teams) and the Swat programme manager (dialogues of twenty
Swat communities) sends
``--per-kind`` submissions of each kind — check-in, assessment, session, dialogue — over
HTTP as ODK Collect does (an authenticated ``HEAD`` then the multipart ``POST``, Digest
each), and prints p50/p95/max of HEAD+POST and of the POST alone. Then ``--queued``
submissions of the four kinds are stored as received in bulk (5% sent twice, 2% based on a
stale state: a check-in's old version, a case's old phase, a same-day dialogue recorded
since) and applied as ``bahali field apply`` does; the run fails unless every stale one is
in the conflict queue, every second copy recognised and nothing refused. The database is
kept (drop it with ``dropdb``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import tempfile
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")
if not os.environ.get("DATABASE_URL"):
    os.environ["BAHALI_VAR_DIR"] = tempfile.mkdtemp(prefix="bahali-bench-")


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _xml(case, check_in_pk: int, version: int, instance: str) -> bytes:
    from bahali.field import xforms

    return (
        f'<data id="{xforms.CHECK_IN_FORM}" version="{xforms.CHECK_IN_REVISION}">'
        f"<case>{case.participant.code}</case><checkin>{check_in_pk}</checkin>"
        f"<checkin_version>{version}</checkin_version><done_on>{case.opened_on}</done_on>"
        "<method>home_visit</method><wellbeing>good</wellbeing><warnings/><notes>Fine</notes>"
        f"<follow_up/><meta><instanceID>{instance}</instanceID></meta></data>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=200)
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--large", type=int, default=0, help="cases in the large database")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--per-kind", type=int, default=50)
    parser.add_argument(
        "--workers", type=int, default=2, help="processes applying the queue (bahali field apply)"
    )
    args = parser.parse_args()
    if args.large:
        large(args)
        return
    import django

    django.setup()
    import logging

    logging.getLogger("bahali.requests").setLevel(logging.WARNING)  # one line per request
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the Digest 401s
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_databases, teardown_databases

    from bahali.aftercare.models import CheckIn
    from bahali.core.context import SYSTEM, acting_as
    from bahali.field import services
    from bahali.field.models import Submission, SubmissionStatus
    from bahali.testing import PathwayWorld

    config = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("migrate", verbosity=0)
        world = PathwayWorld()
        seeding = time.perf_counter()
        cases = [world.case(phase="aftercare") for _ in range(args.cases)]
        total = args.http + args.queued
        with acting_as(SYSTEM):
            CheckIn.objects.bulk_create(
                [CheckIn(case=cases[n % len(cases)], due_on=world.today) for n in range(total)],
                batch_size=2000,
            )
        by_case = {case.pk: case for case in cases}
        planned = [
            (by_case[case_id], pk)
            for pk, case_id in CheckIn.objects.order_by("pk").values_list("pk", "case_id")
        ]
        print(
            f"seeded {len(cases)} cases, {total} planned check-ins "
            f"({total // len(cases)} a case) in {time.perf_counter() - seeding:.1f}s"
        )
        credential, secret = services.create_device_credential(actor=world.mentor, label="B")
        client = Client()
        uri = "/openrosa/submission"
        timings = []
        for n in range(args.http):
            challenge = client.post(uri)["WWW-Authenticate"]
            nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)
            ha1 = _md5(f"{credential.login}:{services.REALM}:{secret}")
            response = _md5(f"{ha1}:{nonce}:00000001:abc:auth:{_md5(f'POST:{uri}')}")
            auth = (
                f'Digest username="{credential.login}", realm="{services.REALM}", '
                f'nonce="{nonce}", uri="{uri}", qop=auth, nc=00000001, cnonce="abc", '
                f'response="{response}"'
            )
            xml = _xml(*planned[n], 1, f"uuid:{uuid.uuid4()}")
            upload = SimpleUploadedFile("i.xml", xml, content_type="text/xml")
            start = time.perf_counter()
            answer = client.post(
                uri, {"xml_submission_file": upload}, headers={"Authorization": auth}
            )
            timings.append((time.perf_counter() - start) * 1000)
            if answer.status_code != 201:
                raise SystemExit(f"submission refused: {answer.content!r}")
        applied = Submission.objects.filter(status=SubmissionStatus.APPLIED).count()
        if applied != args.http:
            raise SystemExit(f"only {applied} of {args.http} applied")
        if timings:
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"engine: {django.db.connection.vendor}")
            print(
                f"submission through HTTP: n={len(timings)} p50 {statistics.median(timings):.1f}"
                f" ms, p95 {p95:.1f} ms"
            )
        # the queue: stored first (as received offline in bulk), then applied one by one
        duplicates = stale = 0
        start = time.perf_counter()
        for n in range(args.queued):
            instance = f"uuid:{uuid.uuid4()}"
            version = 1
            if n % 50 == 49:
                version, stale = 7, stale + 1  # based on a version that has moved
            xml = _xml(*planned[args.http + n], version, instance)
            _submission, created = services.receive_submission(
                actor=world.mentor, xml=xml, apply=False
            )
            if n % 20 == 19:  # the phone sent it twice
                _again, created = services.receive_submission(
                    actor=world.mentor, xml=xml, apply=False
                )
                duplicates += not created
        stored = time.perf_counter() - start
        start = time.perf_counter()
        services.apply_received()
        applying = time.perf_counter() - start
        counts = {
            status: Submission.objects.filter(status=status).count()
            for status in SubmissionStatus.values
        }
        print(
            f"queue: {args.queued} stored in {stored:.1f}s, applied in {applying:.1f}s "
            f"({args.queued / applying:,.0f}/s); second copies recognised: {duplicates}"
        )
        print(f"statuses: {counts}; stale sent: {stale}")
        if counts[SubmissionStatus.CONFLICT] != stale:
            raise SystemExit("a stale submission was not put in the conflict queue")
        if Submission.objects.count() != args.http + args.queued:
            raise SystemExit("a second copy was stored twice")
    finally:
        teardown_databases(config, verbosity=0)


# --- at scale -------------------------------------------------------------------------


KINDS = ("check_in", "assessment", "session", "dialogue")
QUEUE_SHARE = {"check_in": 50, "session": 25, "dialogue": 15, "assessment": 10}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


class Collect:
    """ODK Collect's conversation: a Digest challenge, then HEAD and POST answered."""

    def __init__(self, credential, secret: str) -> None:
        from django.test import Client

        self.client = Client()
        self.login = credential.login
        self.secret = secret
        self.nc = 0

    def _auth(self, method: str, uri: str, nonce: str) -> str:
        from bahali.field import services

        self.nc += 1
        nc = f"{self.nc:08x}"
        ha1 = _md5(f"{self.login}:{services.REALM}:{self.secret}")
        answer = _md5(f"{ha1}:{nonce}:{nc}:bench:auth:{_md5(f'{method}:{uri}')}")
        return (
            f'Digest username="{self.login}", realm="{services.REALM}", nonce="{nonce}", '
            f'uri="{uri}", qop=auth, nc={nc}, cnonce="bench", response="{answer}"'
        )

    def send(self, xml: bytes) -> tuple[float, float, int]:
        """(HEAD ms, POST ms, POST status): the challenge is not timed."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        uri = "/openrosa/submission"
        challenge = self.client.head(uri)["WWW-Authenticate"]
        nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)
        start = time.perf_counter()
        head = self.client.head(uri, headers={"Authorization": self._auth("HEAD", uri, nonce)})
        middle = time.perf_counter()
        if head.status_code != 204:
            raise SystemExit(f"HEAD answered {head.status_code}")
        upload = SimpleUploadedFile("instance.xml", xml, content_type="text/xml")
        post = self.client.post(
            uri,
            {"xml_submission_file": upload},
            headers={"Authorization": self._auth("POST", uri, nonce)},
        )
        end = time.perf_counter()
        return (middle - start) * 1000, (end - middle) * 1000, post.status_code


def _instance(form_id: str, version: str, values: dict[str, str]) -> tuple[bytes, str]:
    instance = f"uuid:{uuid.uuid4()}"
    body = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    xml = (
        f'<data id="{form_id}" version="{version}">{body}'
        f"<meta><instanceID>{instance}</instanceID></meta></data>"
    )
    return xml.encode(), instance


def _answers(definition: dict) -> dict[str, str]:
    """A complete, valid answer to every item of an instrument."""
    from bahali.assessments import definition as spec

    values = {}
    for item in spec.items(definition):
        kind = item["type"]
        if kind in ("select_one", "rating", spec.YES_NO_UNKNOWN, "select_multiple"):
            values[item["name"]] = spec.choices_for(definition, item)[0]["name"]
        elif kind in ("integer", "decimal"):
            values[item["name"]] = "1"
        elif kind == "date":
            values[item["name"]] = "2026-01-01"
        else:
            values[item["name"]] = "Seen at home"
    for domain in spec.rated_domains(definition):
        values[f"rating_{domain['name']}"] = "moderate"
        values[f"rationale_{domain['name']}"] = "Seen at home"
    if definition.get("overall"):
        values["overall_rating"] = "low"
        values["overall_rationale"] = "Settled"
    return values


class Forms:
    """Filled forms of each kind, as the phones of the measured users would send them."""

    def __init__(self, worker, manager, need: dict[str, int]) -> None:
        import datetime

        from django.utils import timezone

        from bahali.aftercare.models import CheckIn
        from bahali.assessments.models import Instrument
        from bahali.cases.models import Case
        from bahali.communities import services as communities
        from bahali.communities.lookups import communities_visible_to
        from bahali.communities.models import Dialogue
        from bahali.core.context import SYSTEM, acting_as
        from bahali.field import openrosa, xforms
        from bahali.geography import services as geography
        from bahali.geography.models import District
        from bahali.organisations.models import OrganisationKind
        from bahali.organisations.services import register_organisation

        self.today = timezone.localdate()
        self.cases = list(
            Case.objects.visible_to(worker, "plan", "write")
            .open()
            .filter(pk__in=openrosa.assessment_cases(worker).values("pk"))
            .select_related("participant")
            .order_by("pk")
        )
        if len(self.cases) < 20:
            raise SystemExit(f"the measured case worker has {len(self.cases)} open cases")
        # planned check-ins, spread evenly over the cases (as the small benchmark)
        with acting_as(SYSTEM):
            made = CheckIn.objects.bulk_create(
                [
                    CheckIn(case=self.cases[n % len(self.cases)], due_on=self.today)
                    for n in range(need["check_in"])
                ],
                batch_size=2000,
            )
        self.check_ins = [(self.cases[n % len(self.cases)], c.pk) for n, c in enumerate(made)]
        instrument = Instrument.objects.get(code="needs")
        self.assessment = xforms.instrument_form(instrument.current_version())
        self.answers = _answers(instrument.current_version().definition)
        # twenty Swat communities with committees; one dialogue each on the "stale day"
        swat = District.objects.get(code="SWT")
        tehsil = geography.add_tehsil(
            actor=SYSTEM, district=swat, name=f"Bench tehsil {uuid.uuid4().hex[:6]}"
        )
        self.communities = []
        for n in range(20):
            community = geography.add_community(actor=SYSTEM, tehsil=tehsil, name=f"Village {n}")
            committee = register_organisation(
                actor=SYSTEM,
                name=f"Bench committee {uuid.uuid4().hex[:8]}",
                kind=OrganisationKind.COMMUNITY_COMMITTEE,
                district=swat,
            )
            communities.form_committee(actor=SYSTEM, community=community, organisation=committee)
            self.communities.append(community)
        reach = set(communities_visible_to(manager, "write").values_list("pk", flat=True))
        if not all(c.pk in reach for c in self.communities):
            raise SystemExit("the programme manager may not record these communities' dialogues")
        self.stale_day = self.today - datetime.timedelta(days=900)
        for community in self.communities:
            communities.record_dialogue(
                actor=manager,
                community=community,
                kind="jirga",
                held_on=self.stale_day,
                topic="Recorded on the page",
                facilitator="Sana",
                men=10,
            )
        self.base = dict(
            Dialogue.objects.filter(community__in=self.communities)
            .order_by("pk")
            .values_list("community", "pk")
        )
        self.counter = dict.fromkeys(KINDS, 0)

    def make(self, kind: str, *, stale: bool = False) -> tuple[bytes, str]:
        import datetime

        from bahali.field import xforms

        n = self.counter[kind]
        self.counter[kind] += 1
        case = self.cases[n % len(self.cases)]
        code = case.participant.code
        if kind == "check_in":
            owner, pk = self.check_ins[n]
            return _xml(owner, pk, 7 if stale else 1, f"uuid:{uuid.uuid4()}"), ""
        if kind == "assessment":
            values = {
                "bahali_case": code,
                "bahali_phase": str(case.phase_id + (1000 if stale else 0)),
                "bahali_assessed_on": str(self.today),
                **self.answers,
            }
            return _instance(self.assessment.form_id, self.assessment.version, values)
        if kind == "session":
            values = {
                "kind": "counselling",
                "format": "individual",
                "held_on": str(self.today),
                "duration_minutes": "45",
                "topic": "Patience",
                "present": code,
                "absent": "",
                "excused": "",
                "relatives": "",
                "based_on": f"{code}:{case.phase_id + (1000 if stale else 0)}",
            }
            return _instance(xforms.SESSION_FORM, xforms.SESSION_REVISION, values)
        community = self.communities[n % len(self.communities)]
        held_on = (
            self.stale_day
            if stale
            else self.today - datetime.timedelta(days=n // len(self.communities) + 1)
        )
        values = {
            "community": str(community.pk),
            "last_dialogue": "0" if stale else str(self.base[community.pk]),
            "kind": "jirga",
            "held_on": str(held_on),
            "topic": "Returnees and the market",
            "facilitator": "Maulana Rahim",
            "men": "20",
            "women": "4",
            "young_men": "7",
            "young_women": "2",
            "decisions": "",
            "follow_ups": "",
            "follow_up_by": "",
        }
        return _instance(xforms.DIALOGUE_FORM, xforms.DIALOGUE_REVISION, values)


def large(args: argparse.Namespace) -> None:
    import logging
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("BENCH_CASES_DB", "test_bahali_bench_field")
    import django

    django.setup()
    logging.getLogger("bahali.requests").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    import bench_cases  # type: ignore[import-not-found]
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_databases

    if connection.vendor != "postgresql":
        raise SystemExit("--large needs PostgreSQL: set DATABASE_URL")
    if args.reuse:
        connection.close()
        connection.settings_dict["NAME"] = bench_cases.TEST_DB
        call_command("migrate", verbosity=0)
        if not bench_cases.STATE.exists():
            recover_state(bench_cases.STATE)
        seeded = bench_cases.load()
    else:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = bench_cases.TEST_DB
        setup_databases(verbosity=0, interactive=False)
        start = time.perf_counter()
        seeded = bench_cases.seed(args.large, args.items)
        bench_cases.save(seeded)
        print(f"seeding: {time.perf_counter() - start:.0f}s; kept {bench_cases.TEST_DB}")
    measure_large(seeded, args)


def recover_state(path) -> None:
    """The state file ``bench_cases.save`` writes, read back from a database seeded by
    ``bahali seed --scale national`` (or a seeding whose state file is gone): the seeder
    makes the measured programme manager, case worker and oversight monitor last."""
    import json

    from bahali.accounts.models import Membership, User
    from bahali.accounts.roles import Role
    from bahali.geography.models import District
    from bahali.programmes.models import Programme

    last = list(User.objects.filter(username__startswith="staff").order_by("-pk")[:3])
    if len(last) != 3:
        raise SystemExit("no seeded staff in this database: seed it first")
    monitor, case_worker, manager = last
    roles = {
        m.user_id: m.role for m in Membership.objects.filter(user__in=last).only("user_id", "role")
    }
    expected = {
        manager.pk: Role.PROGRAMME_MANAGER,
        case_worker.pk: Role.CASE_WORKER,
        monitor.pk: Role.OVERSIGHT_MONITOR,
    }
    if roles != expected:
        raise SystemExit(f"the last seeded users are not the measured three: {roles}")
    path.write_text(
        json.dumps(
            {
                "users": [manager.pk, case_worker.pk, monitor.pk],
                "probes": {"small": [], "large": []},  # not used here
                "programmes": {p.code: p.pk for p in Programme.objects.all()},
                "swat": District.objects.get(code="SWT").pk,
            }
        )
    )
    print(f"state read back from the data: {manager}, {case_worker}, {monitor}")


def vacuum_chain_head() -> None:
    """Autovacuum is off on the benchmark machine's PostgreSQL: every audited write leaves
    a dead version of the chain head's one row, and reading it slows with each. Vacuumed
    before each timed part, as autovacuum would keep it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        setting = cursor.fetchone()[0]
        cursor.execute("VACUUM audit_auditchainhead")
    print(f"VACUUM audit_auditchainhead (autovacuum {setting})")


def measure_large(seeded, args: argparse.Namespace) -> None:
    from django.db import connection

    from bahali.assessments.services import load_builtin_instruments
    from bahali.cases.models import Case
    from bahali.core.context import SYSTEM
    from bahali.field import services
    from bahali.field.models import Submission, SubmissionStatus

    load_builtin_instruments(actor=SYSTEM)
    print(f"engine: {connection.vendor}; database {connection.settings_dict['NAME']}")
    print(f"cases: {Case.objects.count():,} ({Case.objects.open().count():,} open)")
    print(f"load average before: {os.getloadavg()}")
    need = dict.fromkeys(KINDS, args.per_kind)
    share = {kind: args.queued * QUEUE_SHARE[kind] // 100 for kind in KINDS}
    share["check_in"] += args.queued - sum(share.values())
    need["check_in"] += share["check_in"]
    forms = Forms(seeded.case_worker, seeded.manager, need)
    print(f"measured case worker: {len(forms.cases)} open cases; 20 communities for dialogues")
    phones = {}
    for user in (seeded.case_worker, seeded.manager):
        credential, secret = services.create_device_credential(actor=user, label="Bench")
        phones[user.pk] = Collect(credential, secret)
    first = Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    vacuum_chain_head()
    print(f"\nHTTP: {args.per_kind} submissions of each kind, HEAD then POST (Digest)")
    print(f"{'kind':<12}{'p50':>9}{'p95':>9}{'max':>9}   POST alone p50/p95/max (ms)")
    overall: list[float] = []
    for kind in KINDS:
        phone = phones[(seeded.manager if kind == "dialogue" else seeded.case_worker).pk]
        both, posts = [], []
        for _n in range(args.per_kind):
            xml, _instance_id = forms.make(kind)
            head_ms, post_ms, status = phone.send(xml)
            if status != 201:
                raise SystemExit(f"{kind}: POST answered {status}")
            both.append(head_ms + post_ms)
            posts.append(post_ms)
        overall += both
        print(
            f"{kind:<12}{statistics.median(both):9.1f}{_percentile(both, 0.95):9.1f}"
            f"{max(both):9.1f}   {statistics.median(posts):.1f} / "
            f"{_percentile(posts, 0.95):.1f} / {max(posts):.1f}"
        )
    print(
        f"{'all':<12}{statistics.median(overall):9.1f}{_percentile(overall, 0.95):9.1f}"
        f"{max(overall):9.1f}   floor: p95 under 200 ms -> "
        f"{'met' if _percentile(overall, 0.95) < 200 else 'NOT met'}"
    )
    sent = Submission.objects.filter(pk__gt=first)
    statuses = dict(sent.values_list("status").annotate(n=models_count()))
    if statuses != {SubmissionStatus.APPLIED: len(KINDS) * args.per_kind}:
        reasons = set(
            sent.exclude(status=SubmissionStatus.APPLIED).values_list("reason", flat=True)
        )
        raise SystemExit(f"not every HTTP submission applied: {statuses} {reasons}")
    print(f"load average after HTTP: {os.getloadavg()}")

    # the queue: a month of a district's field work, stored as received, then applied
    users = {kind: seeded.manager if kind == "dialogue" else seeded.case_worker for kind in KINDS}
    order = [kind for kind in KINDS for _n in range(share[kind])]
    import random

    random.Random(18).shuffle(order)  # noqa: S311 (synthetic order, reproducible)
    before = Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    stale = duplicates = sent_twice = 0
    stale_by_kind = dict.fromkeys(KINDS, 0)
    start = time.perf_counter()
    from django.db import transaction

    from bahali.audit.services import appended_at_end

    for first_n in range(0, len(order), 500):
        # stored 500 to a transaction (not timed: the apply is what is measured); a second
        # copy's refused insert is undone to its savepoint, its audit event with it
        with transaction.atomic(), appended_at_end():
            for n in range(first_n, min(first_n + 500, len(order))):
                kind = order[n]
                is_stale = n % 50 == 49
                xml, _instance_id = forms.make(kind, stale=is_stale)
                stale += is_stale
                stale_by_kind[kind] += is_stale
                services.receive_submission(actor=users[kind], xml=xml, apply=False)
                if n % 20 == 19:  # the phone sent it twice
                    sent_twice += 1
                    _again, created = services.receive_submission(
                        actor=users[kind], xml=xml, apply=False
                    )
                    duplicates += not created
    stored = time.perf_counter() - start
    vacuum_chain_head()
    print(f"load average before the queue: {os.getloadavg()}")
    start = time.perf_counter()
    services.apply_received(workers=args.workers)
    applying = time.perf_counter() - start
    queued = Submission.objects.filter(pk__gt=before)
    counts = dict(queued.values_list("status").annotate(n=models_count()))
    conflicts = dict(
        queued.filter(status=SubmissionStatus.CONFLICT)
        .values_list("kind")
        .annotate(n=models_count())
    )
    projected = applying * 10_000 / len(order)
    print(
        f"\nqueue: {len(order):,} ({', '.join(f'{k} {share[k]}' for k in KINDS)}) stored in "
        f"{stored:.1f}s, applied by {args.workers} worker(s) in {applying:.1f}s "
        f"({len(order) / applying:,.1f}/s); "
        f"floor: 10,000 under 300 s -> {'met' if projected < 300 else 'NOT met'}"
    )
    print(f"second copies sent {sent_twice}, recognised {duplicates}; rows stored {queued.count()}")
    print(f"statuses: {counts}; stale sent {stale} {stale_by_kind}; in conflict {conflicts}")
    print(f"load average after the queue: {os.getloadavg()}")
    if counts.get(SubmissionStatus.CONFLICT, 0) != stale or conflicts != {
        k: v for k, v in stale_by_kind.items() if v
    }:
        raise SystemExit("a stale submission was not put in the conflict queue")
    if counts.get(SubmissionStatus.APPLIED, 0) != len(order) - stale:
        reasons = set(queued.exclude(status__in=["applied", "conflict"]).values_list("reason"))
        raise SystemExit(f"not every fresh submission applied: {reasons}")
    if duplicates != sent_twice or queued.count() != len(order):
        raise SystemExit("a second copy was stored twice")


def models_count():
    from django.db.models import Count

    return Count("pk")


if __name__ == "__main__":
    main()
