"""Batch review of possible duplicates by data stewards (writes: one service per operation).

After an import, :func:`queue_clusters` finds the imported people who may be someone already
registered (or each other), groups the pairs into consistent clusters and queues them, most
certain first. A steward decides a cluster: "same" merges its records through the registry's
reversible merge, "different" remembers every pair as different people. Every verdict is a
:class:`PairDecision`; decided pairs are never queued again (a "different" verdict splits a
cluster, a "same" one joins it).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.core.context import operation, service
from bahali.core.versioning import claim_version
from bahali.imports.models import ImportBatch, PairDecision, ReviewCluster
from bahali.registry import services as registry
from bahali.registry.matching import NameFrequencies, compare, find_pairs
from bahali.registry.matching.clusters import cluster
from bahali.registry.matching.records import features
from bahali.registry.matching.training import parameters_for
from bahali.registry.models import DistinctPair, Participant

ACCEPT_AT_ONCE = 500  # clusters accepted by one "accept all above" (the rest on the next)


def decisions_between(ids: set[int]) -> dict[frozenset[str], bool]:
    """The remembered verdicts among these participants, by pair of record ids (``p<pk>``)."""
    found: dict[frozenset[str], bool] = {}
    for first, second, same in PairDecision.objects.filter(
        first__in=ids, second__in=ids
    ).values_list("first", "second", "same"):
        found[frozenset((f"p{first}", f"p{second}"))] = same
    for first, second in DistinctPair.objects.filter(first__in=ids, second__in=ids).values_list(
        "first", "second"
    ):
        found.setdefault(frozenset((f"p{first}", f"p{second}")), False)
    return found


@service
def queue_clusters(*, actor: Any, batch: ImportBatch) -> list[ReviewCluster]:
    """Queue the clusters of the batch's imported people with the registry, for review."""
    policies.require(actor, "import.write")
    imported = set(
        batch.rows.filter(participant__isnull=False).values_list("participant", flat=True)
    )
    people = Participant.objects.active().select_related("district")
    records = {}
    for person in people:
        records[f"p{person.pk}"] = registry.person_record(
            f"p{person.pk}",
            registry.open_identity(person),
            sex=person.sex,
            district=person.district.code,
        )
    mine = [record for key, record in records.items() if int(key[1:]) in imported]
    others = [record for key, record in records.items() if int(key[1:]) not in imported]
    # scored with ``m`` and ``u`` estimated on the registry, as the import's check and
    # ``bahali match-persons`` score (the committed table below a few thousand records)
    parameters = parameters_for(list(records.values()))
    frequencies = NameFrequencies((features(record) for record in records.values()), parameters)
    links = list(find_pairs(mine, others, parameters=parameters))
    ids = {int(record_id[1:]) for a, b, *_ in links for record_id in (a, b)}
    decided = decisions_between(ids)
    reasons: dict[frozenset[str], Any] = {}

    def score(a: str, b: str) -> tuple[float, frozenset[str]]:
        result = compare(records[a], records[b], frequencies)
        reasons[frozenset((a, b))] = result.reasons
        return result.score, frozenset(reason.code for reason in result.reasons)

    queued = []
    for item in cluster(links, score, decided):
        undecided = [
            pair for pair in combinations(item.members, 2) if frozenset(pair) not in decided
        ]
        if not undecided:
            continue  # every pair already decided: never asked twice
        pairs = []
        for a, b, value, _decision in item.links:
            key = frozenset((a, b))
            if key not in reasons:
                score(a, b)
            pairs.append(
                {
                    "a": int(a[1:]),
                    "b": int(b[1:]),
                    "score": value,
                    "reasons": [[reason.code, reason.weight] for reason in reasons[key]],
                }
            )
        review = ReviewCluster(
            batch=batch,
            members=sorted(int(member[1:]) for member in item.members),
            score=item.score,
            decision=item.decision,
            pairs=pairs,
        )
        review.save()
        queued.append(review)
    return queued


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
