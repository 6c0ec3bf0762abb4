"""Clusters of candidate pairs: consistent on constructed cases (issue 20, item 2)."""

from bahali.registry.matching import PersonRecord, compare
from bahali.registry.matching.clusters import cluster, pairs_of


def scorer(records: dict[str, PersonRecord]):
    def score(a: str, b: str):
        result = compare(records[a], records[b])
        return result.score, frozenset(reason.code for reason in result.reasons)

    return score


def test_a_chain_through_brothers_is_split_not_merged():
    # A=B and B=C are linked, but A and C are brothers (same father, other given name).
    records = {
        "A": PersonRecord("A", name="Gul Zaman", father_name="Sher Khan", birth_year=1990),
        "B": PersonRecord("B", name="Gul", father_name="Sher Khan", birth_year=1991),
        "C": PersonRecord("C", name="Gul Nawaz", father_name="Sher Khan", birth_year=1992),
    }
    links = [("A", "B", 20.0, "match"), ("B", "C", 17.0, "review")]
    found = cluster(links, scorer(records))
    assert [item.members for item in found] == [["A", "B"]]
    assert found[0].separated == [("B", "C", "sibling_pattern")]


def test_every_cluster_is_consistent_no_pair_inside_kept_apart():
    links = [
        ("a", "b", 25.0, "match"),
        ("b", "c", 24.0, "match"),
        ("c", "d", 16.0, "review"),
        ("x", "y", 19.0, "match"),
    ]
    below = {frozenset(("a", "d")): (3.0, frozenset())}

    def score(a: str, b: str):
        return below.get(frozenset((a, b)), (20.0, frozenset()))

    found = cluster(links, score)
    assert [item.members for item in found] == [["a", "b", "c"], ["x", "y"]]
    assert found[0].score == 24.0 and found[0].decision == "match"
    assert ("c", "d", "below_review") in found[0].separated
    for item in found:
        for a, b, _ in pairs_of([item]):
            assert score(a, b)[0] >= 15


def test_steward_decisions_split_and_join():
    links = [("a", "b", 30.0, "match"), ("b", "c", 16.0, "review")]
    never = cluster(links, decisions={frozenset(("a", "b")): False})
    assert [item.members for item in never] == [["b", "c"]]
    joined = cluster(links, decisions={frozenset(("b", "c")): True})
    assert [item.members for item in joined] == [["a", "b", "c"]]
    assert joined[0].decision == "review"  # its weakest joining pair is a review
