"""Batch review: clusters queued after an import, decided once, merged through the registry."""

from __future__ import annotations

import pytest

from bahali.accounts.roles import Role
from bahali.core.versioning import Stale
from bahali.imports import review, services
from bahali.imports.models import PairDecision, ReviewCluster
from bahali.imports.tests.test_imports import GOOD, check
from bahali.registry.models import Merge, Participant

pytestmark = pytest.mark.django_db

BROTHERS = [
    "Gul Nawaz Afridi,Sher Rehman,M,1996-05-01,,SWT",  # brother of rows 1-2: not queued with them
]


@pytest.fixture
def steward(member):
    return member(Role.DATA_STEWARD)


def imported(steward, *rows):
    return services.run_import(actor=steward, batch=check(steward, *rows))


def test_an_import_queues_its_duplicates_and_siblings_stay_apart(steward):
    batch = imported(steward, *GOOD, *BROTHERS)
    queued = list(ReviewCluster.objects.filter(batch=batch))
    assert len(queued) == 1
    names = {person.pk for person in Participant.objects.all()}
    assert len(queued[0].members) == 2 and set(queued[0].members) < names
    brother = batch.rows.get(number=4).participant
    assert brother.pk not in queued[0].members


def test_same_merges_through_the_registry_and_is_never_asked_again(steward):
    batch = imported(steward, *GOOD)
    cluster = ReviewCluster.objects.get(batch=batch)
    review.decide_cluster(actor=steward, review=cluster, same=True, version=cluster.version)
    assert Merge.objects.count() == 1
    assert PairDecision.objects.get().same
    with pytest.raises(Stale):
        review.decide_cluster(actor=steward, review=cluster, same=False, version=cluster.version)
    # the same pair found again (another run over the batch) is not queued again
    assert review.queue_clusters(actor=steward, batch=batch) == []


def test_different_is_remembered_and_not_asked_again(steward):
    batch = imported(steward, *GOOD)
    cluster = ReviewCluster.objects.get(batch=batch)
    review.decide_cluster(actor=steward, review=cluster, same=False, version=cluster.version)
    assert not PairDecision.objects.get().same
    assert review.queue_clusters(actor=steward, batch=batch) == []
    assert Merge.objects.count() == 0


def test_accept_above_a_score_merges_only_the_certain_clusters(steward):
    batch = imported(steward, *GOOD)
    cluster = ReviewCluster.objects.get(batch=batch)
    assert review.accept_above(steward, cluster.score + 1) == 0
    if cluster.decision == "match":
        assert review.accept_above(steward, cluster.score) == 1
        assert Merge.objects.count() == 1


def test_pages_walk_through_upload_mapping_report_and_review(steward, signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bahali.imports.tests.test_imports import HEADINGS

    client = signed_in(steward)
    upload = SimpleUploadedFile("agency.csv", "\n".join([HEADINGS, *GOOD]).encode())
    response = client.post("/imports/", {"sheet": upload})
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    assert page.status_code == 200 and b"Gul Zaman Afridi" in page.content
    response = client.post(
        mapping_url,
        {
            "name": "Full Name",
            "father_name": "Father Name",
            "sex": "Gender",
            "birth_date": "DOB",
            "district": "District",
        },
    )
    assert response.status_code == 302
    report = client.get(response["Location"])
    assert report.status_code == 200 and b'data-testid="cluster"' in report.content
    batch_pk = int(response["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/imports/{batch_pk}/run/", {}).status_code == 302
    assert Participant.objects.count() == 3
    queue = client.get("/imports/review/")
    assert queue.status_code == 200
    cluster = ReviewCluster.objects.get()
    page = client.get(f"/imports/review/{cluster.pk}/")
    assert page.status_code == 200 and b"imports/review.js" in page.content
    assert b'data-testid="differs"' in page.content
    response = client.post(
        f"/imports/review/{cluster.pk}/decide/", {"verdict": "same", "version": cluster.version}
    )
    assert response.status_code == 302 and Merge.objects.count() == 1


def test_the_queue_holds_the_clusters_the_check_reported_with_their_reasons(steward):
    batch = check(steward, *GOOD)
    reported = batch.clusters[0]["pairs"][0]
    batch = services.run_import(actor=steward, batch=batch)
    queued = ReviewCluster.objects.get(batch=batch)
    rows = dict(batch.rows.values_list("number", "participant"))
    assert queued.members == sorted([rows[1], rows[2]])
    pair = queued.pairs[0]
    assert {pair["a"], pair["b"]} == {rows[1], rows[2]}
    assert pair["score"] == reported["score"] and pair["reasons"] == reported["reasons"]


def test_a_pair_decided_different_splits_a_reported_cluster(steward):
    first = imported(steward, GOOD[0])
    registered = first.rows.get().participant
    again = imported(steward, GOOD[0])
    other = again.rows.get().participant
    review.decide_cluster(
        actor=steward,
        review=ReviewCluster.objects.get(batch=again),
        same=False,
        version=ReviewCluster.objects.get(batch=again).version,
    )
    # a third sheet joins both: its row may be either, but the two stay apart
    third = imported(steward, GOOD[1])
    for queued in ReviewCluster.objects.filter(batch=third):
        assert not {registered.pk, other.pk} <= set(queued.members)


def test_a_cluster_page_asks_the_same_few_queries_whatever_the_cluster_size(steward, signed_in):
    """Every record's identity is opened and audited in a fixed number of queries (one
    policy query per membership, one audit append), not a dozen per record."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bahali.audit.models import AuditEvent
    from bahali.core.context import SYSTEM, acting_as

    rows = [f"Gul Zaman{'' if n % 2 else 'Khan'} Afridi {n},Sher Rehman,M,,,SWT" for n in range(6)]
    batch = imported(steward, *rows)
    members = sorted(batch.rows.values_list("participant", flat=True))
    assert len(members) == 6
    with acting_as(SYSTEM):
        small, large = (
            ReviewCluster.objects.create(
                batch=batch,
                members=chosen,
                score=20.0,
                decision="review",
                pairs=[{"a": chosen[0], "b": chosen[1], "score": 20.0, "reasons": []}],
            )
            for chosen in (members[:2], members)
        )
    client = signed_in(steward)
    counts = {}
    for cluster in (small, large):
        client.get(f"/imports/review/{cluster.pk}/")  # warm: the session's first touches
        before = AuditEvent.objects.filter(action="identity.read").count()
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/imports/review/{cluster.pk}/")
        assert page.status_code == 200
        counts[len(cluster.members)] = len(captured.captured_queries)
        # each record shown is still audited as read, with the stated purpose
        reads = AuditEvent.objects.filter(action="identity.read").order_by("-seq")
        assert reads.count() - before == len(cluster.members)
        assert {event.object_id for event in reads[: len(cluster.members)]} == {
            str(pk) for pk in cluster.members
        }
        assert all("stated_purpose" in e.changes for e in reads[: len(cluster.members)])
        for pk in cluster.members:
            assert Participant.objects.get(pk=pk).code.encode() in page.content
    assert counts[2] == counts[6], counts
    assert counts[6] <= 22, counts
