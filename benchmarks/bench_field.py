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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
