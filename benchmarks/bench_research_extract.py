"""The pseudonymised research extract at national scale (issue 15, item 6): time, rows and
memory of one extract over every programme, run as the background job runs it.

Run on a COPY of a ``bahali seed --scale national`` database (never the shared one):

    createdb -T bahali_national bahali_research_nat      # or CREATE DATABASE … TEMPLATE …
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bahali_research_nat PYTHONPATH=src \\
      .venv/bin/python -m django migrate --settings=bahali.settings.test
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bahali_research_nat PYTHONPATH=src \\
      nice -n 19 .venv/bin/python -u benchmarks/bench_research_extract.py [--consent-all]

``--consent-all`` first gives every case's participant without one a research consent (one
``INSERT … SELECT`` on the copy, outside the services and the audit trail: a set-up for the
floor, said so in the output), so the extract has a row for every case (200,000 at national
scale); without it the seed's own share (about 35 %) is measured. A researcher account
(``bench-researcher``, analyst) and an approval over every programme are made once. The
extract runs in a child process (the immediate task backend runs the job in ``start``, as
the worker would): elapsed time, rows, ZIP size, peak RSS and RSS sampled twice a second.
Floor: 200,000 rows in under 30 s, memory flat under 300 MB.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bahali.settings.test")
RESEARCHER = "bench-researcher"
SHARED = "bahali_national"


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench_research_extract needs PostgreSQL: set DATABASE_URL (see the docstring).")
    if connection.settings_dict["NAME"] == SHARED:
        sys.exit(f"Refusing to write to the shared {SHARED}: measure on a copy.")
    if "--child" in sys.argv:
        child(int(sys.argv[sys.argv.index("--child") + 1]))
        return
    if "--consent-all" in sys.argv:
        started = time.perf_counter()
        added = consent_all()
        print(
            f"set-up: research consent given to {added:,} more participants with a case "
            f"(INSERT … SELECT on this copy, {time.perf_counter() - started:.1f} s)"
        )
    approval = researcher_and_approval()
    counts = consented_cases(approval)
    print(f"cases: {counts[0]:,}; with a current research consent: {counts[1]:,}")
    out = subprocess.run(  # noqa: S603 - this very script
        [sys.executable, __file__, "--child", str(approval.pk)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    print(out.stdout.strip() or out.stderr.strip()[-3000:])


def consent_all() -> int:
    from django.db import connection, transaction

    from bahali.cases.models import Case
    from bahali.registry.models import Consent

    consent = Consent._meta.db_table
    case = Case._meta.db_table
    sql = f"""
        INSERT INTO {consent} (participant_id, purpose, share_with, given_by, guardian_name,
                               method, witness, given_on, withdrawal_note, created_at,
                               updated_at)
        SELECT c.participant_id, 'research', '', 'self', '', 'signed', '', MIN(c.opened_on), '',
               now(), now()
        FROM {case} c
        WHERE NOT EXISTS (SELECT 1 FROM {consent} k WHERE k.participant_id = c.participant_id
                          AND k.purpose = 'research' AND k.withdrawn_on IS NULL)
        GROUP BY c.participant_id
    """  # noqa: S608 - the models' own tables
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
        added = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {consent}")
    return int(added)


def researcher_and_approval() -> Any:
    import datetime

    from bahali.accounts.models import Membership, User
    from bahali.accounts.roles import Role
    from bahali.core.context import SYSTEM, acting_as
    from bahali.core.services import local_today
    from bahali.evidence import services
    from bahali.evidence.models import ResearchApproval
    from bahali.organisations.models import Organisation
    from bahali.programmes.models import Programme

    today = local_today()
    with acting_as(SYSTEM, reason="benchmark set-up (bench_research_extract)"):
        user = User.objects.filter(username=RESEARCHER).first()
        if user is None:
            user = User.objects.create(username=RESEARCHER, first_name="Bench", last_name="R")
            Membership.objects.create(
                user=user, organisation=Organisation.objects.order_by("pk")[0], role=Role.ANALYST,
            )  # fmt: skip
        found = (
            ResearchApproval.objects.filter(researcher=user).in_force(today).order_by("-pk").first()
        )
        if found is not None:
            return found
        lead = Programme.objects.order_by("lead_organisation").values_list(
            "lead_organisation", flat=True
        )[0]
        programmes = list(Programme.objects.filter(lead_organisation=lead))
        return services.grant_research_approval(
            actor=SYSTEM,
            researcher=user,
            title="Benchmark study",
            protocol="BENCH-1",
            ethics="BENCH-ETHICS-1",
            programmes=programmes,
            valid_from=today,
            valid_until=today + datetime.timedelta(days=30),
        )


def consented_cases(approval: Any) -> tuple[int, int]:
    from bahali.cases.models import Case
    from bahali.evidence.research import consented

    cases = Case.objects.filter(programme__in=approval.programmes.all())
    return cases.count(), consented(cases).count()


def child(approval_id: int) -> None:
    from bahali.accounts.models import User
    from bahali.audit.models import AuditEvent
    from bahali.evidence import exports
    from bahali.jobs.models import Job

    user = User.objects.get(username=RESEARCHER)
    user.active_organisation = user.memberships.all()[0].organisation
    samples: list[int] = []
    running = True

    def sample() -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while running:
            with open("/proc/self/statm") as statm:
                samples.append(int(statm.read().split()[1]) * page)
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sampler.start()
    started = time.perf_counter()
    job = exports.start_export(
        actor=user, table="research", fmt="zip", query=f"approval={approval_id}"
    )
    elapsed = time.perf_counter() - started
    running = False
    sampler.join()
    job = Job.objects.get(pk=job.pk)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    event = (
        AuditEvent.objects.filter(action="evidence.research_extract", object_id=str(approval_id))
        .order_by("-pk")
        .first()
    )
    rows = event.changes["rows"][1] if event else "-"
    mb = 1024 * 1024
    quarter = samples[len(samples) // 4 :] or samples
    print(
        f"research:zip {job.status} {elapsed:6.1f} s  {rows:,} rows  "
        f"{(job.result_size or 0) / mb:6.1f} MB ZIP  peak RSS {peak / 1024:5.0f} MB "
        f"(before {before / 1024:.0f} MB); RSS after the first quarter "
        f"{min(quarter) / mb:.0f}–{max(quarter) / mb:.0f} MB"
        + (f"; error: {job.error}" if job.error else "")
    )


if __name__ == "__main__":
    main()
