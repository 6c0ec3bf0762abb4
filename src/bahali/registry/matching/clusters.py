"""Candidate pairs grouped into clusters: the people a batch or the registry holds twice or more.

Pairs alone contradict each other: A=B and B=C both above review while A and C are plainly
two people (brothers, another CNIC). Linking every connected pair would merge the brothers
through B; :func:`cluster` resolves each connected group instead, strongest pair first
(Kruskal's order), joining two partial clusters only if no pair across them is *kept
apart*:

- scored under the review threshold when compared (the caller's ``score``: a pair never
  compared is scored on demand, groups are small),
- carrying a conflict that keeps a pair out of "match" (another CNIC, a sex conflict, the
  sibling pattern), or
- decided "different" by a data steward (``decisions``); a "same" decision joins first.

The result is consistent by construction: within a cluster no pair is kept apart, and every
pair the input linked but the resolution separated is reported in ``separated``, with the
pair that kept them apart. A cluster's score is its weakest joining pair's: how certain the
whole cluster is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bahali.registry.matching import model

Link = tuple[str, str, float, str]  # record a, record b, score, decision ("match"/"review")
KEPT_APART = frozenset({"cnic_different", "sex_conflict", "sibling_pattern"})


@dataclass
class Cluster:
    """Records believed to be one person, the pairs that joined them and how certain."""

    members: list[str]
    links: list[Link]
    score: float
    decision: str  # "match" when every joining pair is a match, else "review"
    separated: list[tuple[str, str, str]] = field(default_factory=list)  # a, b, why


class _Groups:
    """Union–find over record ids, each group keeping its members."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {record: record for record in ids}
        self.members = {record: [record] for record in self.parent}

    def find(self, record: str) -> str:
        root = record
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[record] != root:
            self.parent[record], record = root, self.parent[record]
        return root

    def join(self, a: str, b: str) -> None:
        a, b = self.find(a), self.find(b)
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a] += self.members.pop(b)


def cluster(
    links: Iterable[Link],
    score: Callable[[str, str], tuple[float, frozenset[str]]] | None = None,
    decisions: Mapping[frozenset[str], bool] | None = None,
) -> list[Cluster]:
    """Resolve candidate pairs into consistent clusters, the most certain first.

    ``score(a, b)`` gives any pair's score and reason codes (to check the pairs the input
    did not link); ``decisions`` maps a pair to a steward's verdict (True: same person).
    Links the input scored are not scored again.
    """
    decisions = decisions or {}
    known: dict[frozenset[str], tuple[float, frozenset[str]]] = {}
    adjacency: defaultdict[str, set[str]] = defaultdict(set)
    listed: list[Link] = []
    for link in links:
        a, b, value, _ = link
        if a == b:
            continue
        listed.append(link)
        adjacency[a].add(b)
        adjacency[b].add(a)
        known[frozenset((a, b))] = (value, frozenset())
    found: list[Cluster] = []
    seen: set[str] = set()
    by_record: defaultdict[str, list[Link]] = defaultdict(list)
    for link in listed:
        by_record[link[0]].append(link)
    for start in sorted(adjacency):
        if start in seen:
            continue
        component = _component(start, adjacency)
        seen.update(component)
        component_links = [link for record in component for link in by_record[record]]
        found.extend(_resolve(component, component_links, score, decisions, known))
    found.sort(key=lambda item: (-item.score, item.members[0]))
    return found


def _component(start: str, adjacency: Mapping[str, set[str]]) -> list[str]:
    stack, reached = [start], {start}
    while stack:
        for other in adjacency[stack.pop()]:
            if other not in reached:
                reached.add(other)
                stack.append(other)
    return sorted(reached)


def _resolve(
    component: list[str],
    links: list[Link],
    score: Callable[[str, str], tuple[float, frozenset[str]]] | None,
    decisions: Mapping[frozenset[str], bool],
    known: dict[frozenset[str], tuple[float, frozenset[str]]],
) -> list[Cluster]:
    def apart(a: str, b: str) -> str | None:
        """Why records a and b must not be one person, or None."""
        pair = frozenset((a, b))
        verdict = decisions.get(pair)
        if verdict is not None:
            return None if verdict else "decided_different"
        if pair not in known:
            if score is None:
                return None
            known[pair] = score(a, b)
        value, codes = known[pair]
        conflict = KEPT_APART & codes
        if conflict:
            return sorted(conflict)[0]
        return "below_review" if value < model.REVIEW_THRESHOLD else None

    groups = _Groups(component)
    joined: defaultdict[str, list[Link]] = defaultdict(list)
    separated: list[tuple[str, str, str]] = []

    def order(link: Link) -> tuple[int, float, str, str]:
        verdict = decisions.get(frozenset(link[:2]))
        return (0 if verdict else 1 if verdict is None else 2, -link[2], link[0], link[1])

    for link in sorted(links, key=order):
        a, b = link[0], link[1]
        root_a, root_b = groups.find(a), groups.find(b)
        if root_a == root_b:
            joined[root_a].append(link)
            continue
        reason = next(
            (
                why
                for x in groups.members[root_a]
                for y in groups.members[root_b]
                if (why := apart(x, y)) is not None
            ),
            None,
        )
        if reason is not None:
            separated.append((a, b, reason))
            continue
        kept = joined.pop(root_a, []) + joined.pop(root_b, []) + [link]
        groups.join(a, b)
        joined[groups.find(a)] = kept
    result = []
    for root, members in groups.members.items():
        if len(members) < 2:
            continue
        inside = set(members)
        cluster_links = joined[root]
        spanning = _spanning(cluster_links, decisions)
        result.append(
            Cluster(
                members=sorted(members),
                links=sorted(cluster_links, key=lambda link: -link[2]),
                score=min(link[2] for link in spanning),
                decision="match" if all(link[3] == "match" for link in spanning) else "review",
                separated=[item for item in separated if item[0] in inside or item[1] in inside],
            )
        )
    return result


def _spanning(links: list[Link], decisions: Mapping[frozenset[str], bool]) -> list[Link]:
    """The strongest links that hold the cluster together (a maximum spanning tree)."""
    ids = {record for link in links for record in link[:2]}
    groups = _Groups(ids)
    tree = []
    for link in sorted(links, key=lambda link: -link[2]):
        if groups.find(link[0]) != groups.find(link[1]):
            groups.join(link[0], link[1])
            tree.append(link)
    return tree


def pairs_of(clusters: Iterable[Cluster]) -> Iterable[tuple[str, str, str]]:
    """Every pair of records a cluster says are one person, with the cluster's decision."""
    for item in clusters:
        members = item.members
        for index, a in enumerate(members):
            for b in members[index + 1 :]:
                yield a, b, item.decision
