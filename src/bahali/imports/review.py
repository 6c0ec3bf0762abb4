"""Batch review of possible duplicates by data stewards (writes: one service per operation).

After an import, :func:`queue_clusters` queues the clusters the check found (the imported
people who may be someone already registered, or each other), most certain first. A
steward decides a cluster: "same" merges its records through the registry's reversible
merge, "different" remembers every pair as different people. Every verdict is a
:class:`PairDecision`; decided pairs are never queued again (a "different" verdict splits a
cluster, a "same" one joins it).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.core.context import operation, service
from bahali.core.versioning import claim_version
from bahali.imports.models import ImportBatch, PairDecision, ReviewCluster
from bahali.registry import services as registry
from bahali.registry.matching.clusters import cluster
from bahali.registry.models import DistinctPair, Participant

ACCEPT_AT_ONCE = 500  # clusters accepted by one "accept all above" (the rest on the next)


def decisions_between(ids: set[int]) -> dict[frozenset[str], bool]:
    """The remembered verdicts among these participants, by pair of record ids (``p<pk>``)."""
    found: dict[frozenset[str], bool] = {}
    among = _among(ids)
    for first, second, same in PairDecision.objects.filter(
        first__in=among, second__in=among
    ).values_list("first", "second", "same"):
        found[frozenset((f"p{first}", f"p{second}"))] = same
    for first, second in DistinctPair.objects.filter(first__in=among, second__in=among).values_list(
        "first", "second"
    ):
        found.setdefault(frozenset((f"p{first}", f"p{second}")), False)
    return found


def _among(ids: set[int]) -> Any:
    """``ids`` for an ``__in`` lookup: on PostgreSQL one array parameter (an import's tens
    of thousands of ids, sent and planned once rather than as as many parameters)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [sorted(ids)])
    return ids


@service
def queue_clusters(*, actor: Any, batch: ImportBatch) -> list[ReviewCluster]:
    """Queue the clusters of the batch's imported people with the registry, for review.

    The clusters are those the check found and the report showed (``ImportBatch.clusters``:
    the sheet's rows against the whole registry, scored with weights estimated on both),
    their rows now the people registered from them; they are not searched for again, which
    would open and compare the whole registry a second time. What changed since the check
    is applied: rows not imported and records merged away since drop out, and the
    stewards' remembered verdicts are re-applied (a "different" pair splits its cluster, a
    cluster whose every pair is decided is not queued).
    """
    policies.require(actor, "import.write")
    by_row = {
        f"row:{number}": participant
        for number, participant in batch.rows.filter(participant__isnull=False).values_list(
            "number", "participant"
        )
    }
    codes = {
        member
        for item in batch.clusters
        for member in item["members"]
        if not member.startswith("row:")
    }
    by_code = dict(Participant.objects.active().filter(code__in=codes).values_list("code", "pk"))
    known = {**by_row, **by_code}
    links = []
    reasons: dict[frozenset[str], list[Any]] = {}
    for item in batch.clusters:
        for pair in item["pairs"]:
            a, b = known.get(pair["a"]), known.get(pair["b"])
            if a is None or b is None or a == b:
                continue
            links.append((f"p{a}", f"p{b}", pair["score"], pair["decision"]))
            reasons[frozenset((f"p{a}", f"p{b}"))] = pair["reasons"]
    ids = {int(record_id[1:]) for a, b, *_ in links for record_id in (a, b)}
    decided = decisions_between(ids)
    queued = []
    # every pair within one of the check's clusters was compared there and found not kept
    # apart (``matching.clusters``): only the verdicts can split them now, so no score
    for item in cluster(links, None, decided):
        undecided = [
            pair for pair in combinations(item.members, 2) if frozenset(pair) not in decided
        ]
        if not undecided:
            continue  # every pair already decided: never asked twice
        review = ReviewCluster(
            batch=batch,
            members=sorted(int(member[1:]) for member in item.members),
            score=item.score,
            decision=item.decision,
            pairs=[
                {
                    "a": int(a[1:]),
                    "b": int(b[1:]),
                    "score": value,
                    "reasons": reasons[frozenset((a, b))],
                }
                for a, b, value, _decision in item.links
            ],
        )
        queued.append(review)
    # one COPY and one audit append for thousands of clusters (a row recorded each)
    return ReviewCluster.objects.copy_create(queued)


def _pairs(review: ReviewCluster) -> list[tuple[Participant, Participant]]:
    people = {person.pk: person for person in Participant.objects.filter(pk__in=review.members)}
    ordered = [people[pk] for pk in review.members if pk in people]
    return list(combinations(ordered, 2))


def _remember(actor: Any, first: Participant, second: Participant, same: bool) -> None:
    first, second = sorted((first, second), key=lambda person: person.pk)
    decision = PairDecision.objects.filter(first=first, second=second).first()
    if decision is None:
        PairDecision(first=first, second=second, same=same, decided_by=actor).save()
    elif decision.same != same:
        decision.same = same
        decision.decided_by = actor
        decision.save()


@service
def decide_cluster(*, actor: Any, review: ReviewCluster, same: bool, version: int) -> ReviewCluster:
    """One verdict on a whole cluster: merge its records, or remember them all as different."""
    policies.require(actor, "import.write")
    review = ReviewCluster.objects.select_for_update().get(pk=review.pk)
    claim_version(review, version)
    if review.status != ReviewCluster.Status.OPEN:
        raise ValidationError(_("This cluster has already been decided."))
    pairs = _pairs(review)
    for first, second in pairs:
        _remember(actor, first, second, same)
    if same:
        people = sorted({person for pair in pairs for person in pair}, key=lambda p: p.pk)
        kept = people[0]
        for merged in people[1:]:
            merged.refresh_from_db()
            if merged.merged_into_id is None:
                registry.merge_participants(
                    actor=actor,
                    kept=kept,
                    merged=merged,
                    reason=_("Batch review of an import: the same person (score %(score)s)")
                    % {"score": f"{review.score:.1f}"},
                )
    else:
        for first, second in pairs:
            registry.mark_different(actor=actor, first=first, second=second)
    review.status = ReviewCluster.Status.SAME if same else ReviewCluster.Status.DIFFERENT
    review.decided_by = actor
    review.save(update_fields=["status", "decided_by", "updated_at"])
    return review


def accept_above(actor: Any, threshold: float) -> int:
    """Decide "same" for every waiting "match" cluster scoring at least ``threshold``.

    Each cluster is its own operation (one failure does not undo the others); returns how
    many were merged. At most :data:`ACCEPT_AT_ONCE` per call.
    """
    policies.require(actor, "import.write")
    waiting = (
        ReviewCluster.objects.visible_to(actor)
        .select_related("batch")
        .filter(status=ReviewCluster.Status.OPEN, decision="match", score__gte=threshold)
    )
    done = 0
    for review in list(waiting[:ACCEPT_AT_ONCE]):
        with operation(review.batch.operation_id):
            try:
                decide_cluster(actor=actor, review=review, same=True, version=review.version)
            except (ValidationError, PermissionDenied):
                continue  # decided meanwhile, or records this steward may not merge
        done += 1
    return done
