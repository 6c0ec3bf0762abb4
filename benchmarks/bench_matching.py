"""Person matching on 50,000 synthetic people (~100,000 records): speed, memory, accuracy.

Run: .venv/bin/python benchmarks/bench_matching.py [--people N] [--seed S] [--splink] [--repeat R]
     [--generator seed|tribal] [--clusters] [--committed]

Generates the people with :func:`bahali.registry.synthetic.generate`, times
:func:`bahali.registry.matching.find_pairs` on all records (after estimating ``m`` and ``u``
on them, :func:`bahali.registry.matching.training.parameters_for`, unless ``--committed``),
and prints wall time, peak memory and pairwise precision/recall/F1 against the known truth
(match and review together, and match alone). Floors to beat: precision >= 0.97 and
recall >= 0.95 (match+review), precision >= 0.99 (match), under 12 s and 1 GB on a 2-core
machine, and faster than Splink.

``find_pairs`` forks one process, to estimate ``m`` and ``u`` on the derived records while
it gathers the candidates: its time is wall time, its CPU time this process's and the
forked one's, and its memory the parent's peak plus the forked process's (pages they share
are counted in both). Both matchers run one after the
other in the same run, so other load on the machine slows both; compare them within a run.

``--splink`` also runs Splink (DuckDB backend) on the same records, for comparison. It
lives in its own virtualenv so that it never enters the project's lock:

    python3.11 -m venv /tmp/splink-venv
    /tmp/splink-venv/bin/pip install -r benchmarks/requirements-splink.txt

Splink cannot normalise Urdu script or Arabic particles, so it is given this project's
name keys (consonant skeletons) as its name columns. Both matchers start from the same raw
rows with cold caches: Splink's time is the time to derive those name-key columns (printed
apart, as "prep") plus its own run, as ``find_pairs``'s time includes its normalisation. It
blocks on name key and birth year,
on CNIC and on father's key and birth year, compares name, father, CNIC, birth year,
district and sex, estimates u by random sampling and m by EM, and a pair counts as found
at match probability >= 0.5 (match and review) or >= 0.99 (match).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from functools import partial
from pathlib import Path
from typing import Any

SPLINK_COLUMNS = ["unique_id", "name_key", "father_key", "cnic", "birth_year", "district", "sex"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--generator",
        choices=("seed", "tribal"),
        default="seed",
        help="seed: bahali seed's population; tribal: the second, untuned population "
        "(bahali.registry.synthetic_tribal), about 2 records per person",
    )
    parser.add_argument("--splink", action="store_true", help="also run Splink for comparison")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each matcher")
    parser.add_argument(
        "--splink-python",
        default="/tmp/splink-venv/bin/python",  # noqa: S108 (the documented venv, overridable)
    )
    parser.add_argument(
        "--clusters", action="store_true", help="also resolve the pairs into clusters"
    )
    parser.add_argument(
        "--committed",
        action="store_true",
        help="score with the committed m and u (model.py) instead of estimating them on the "
        "records first (training.parameters_for, timed with the matcher)",
    )
    parser.add_argument(
        "--review-share",
        type=float,
        default=None,
        help="also print the figures with the review band narrowed to this share of the "
        "match pairs (batch.within_review_share)",
    )
    parser.add_argument("--splink-worker", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.splink_worker:
        run_splink(*args.splink_worker)
        return

    from bahali.registry import synthetic_tribal
    from bahali.registry.matching import find_pairs, model
    from bahali.registry.matching.training import parameters_for
    from bahali.registry.synthetic import generate

    started = time.perf_counter()
    if args.generator == "tribal":
        seed = synthetic_tribal.REPORT_SEEDS[0] if args.seed is None else args.seed
        records, truth = synthetic_tribal.generate(args.people * 2, seed=seed)
    else:
        seed = 2026 if args.seed is None else args.seed
        records, truth = generate(args.people, seed=seed)
    generated = time.perf_counter() - started
    people = len(set(truth.values()))
    print(
        f"{args.generator}: {len(records):,} records of {people:,} people (seed {seed}), ", end=""
    )
    print(f"generated in {generated:.1f}s; {len(true_pairs(truth)):,} true duplicate pairs")

    rows: list[tuple[str, list[float], str, list[Any]]] = [("bahali", [], "", [])]
    if args.splink:
        rows.append(("splink", [], "", []))
    # The matchers take turns, so that a burst of other load slows both; each is timed
    # --repeat times and its best and median are printed.
    parameters = model.COMMITTED
    for _ in range(args.repeat):
        clear_name_caches()
        started = time.perf_counter()
        spent = cpu_seconds()
        # Estimated (unless --committed) by find_pairs while it derives the records.
        deferred = None if args.committed else model.Deferred(partial(parameters_for, records))
        found = find_pairs(records, parameters=deferred or parameters)
        pairs = [(a, b, decision, value) for a, b, value, decision in found]
        if deferred is not None:
            parameters = deferred.get()
            print(f"parameters {parameters.source} (alongside deriving the records)")
        rows[0][1].append(time.perf_counter() - started)
        print(f"bahali: {cpu_seconds() - spent:.1f}s of CPU (this process and its workers)")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows[0] = ("bahali", rows[0][1], f"{own:.0f} MB (+ {workers:.0f} MB per worker)", pairs)
        if args.splink:
            _, seconds, memory, found = splink_row(records, args.splink_python)
            rows[1][1].append(seconds)
            rows[1] = ("splink", rows[1][1], memory, found)
    print()
    print(
        f"{'':8} {'best':>7} {'median':>7} {'P(m+r)':>7} {'R(m+r)':>7} {'F1(m+r)':>7} {'P(m)':>7} "
        f"{'R(m)':>7} {'match':>7} {'review':>7} {'r/m':>5}  peak memory"
    )
    expected = true_pairs(truth)
    for name, times, memory, found in rows:
        both = metrics({tuple(sorted(p[:2])) for p in found}, expected)
        matched = metrics({tuple(sorted(p[:2])) for p in found if p[2] == "match"}, expected)
        matches = sum(1 for p in found if p[2] == "match")
        reviews = len(found) - matches
        print(
            f"{name:8} {min(times):6.1f}s {statistics.median(times):6.1f}s "
            f"{both[0]:7.4f} {both[1]:7.4f} {both[2]:7.4f} {matched[0]:7.4f} {matched[1]:7.4f} "
            f"{matches:7,} {reviews:7,} {reviews / max(matches, 1):5.2f}  {memory}"
        )
    if args.review_share is not None:
        from bahali.registry.matching.batch import within_review_share

        own = [(a, b, value, decision) for a, b, decision, value in rows[0][3]]
        kept, floor = within_review_share(own, args.review_share)
        both = metrics({tuple(sorted(p[:2])) for p in kept}, expected)
        matches = sum(1 for p in kept if p[3] == "match")
        reviews = len(kept) - matches
        print(
            f"{'band':8} {'':7} {'':7} {both[0]:7.4f} {both[1]:7.4f} {both[2]:7.4f} {'':7} {'':7} "
            f"{matches:7,} {reviews:7,} {reviews / max(matches, 1):5.2f}  "
            f"(review band narrowed to {args.review_share:.0%} of matches: from {floor:.2f})"
        )
    if args.clusters:
        print_clusters(records, rows[0][3], expected, parameters)


def print_clusters(
    records: list[Any], found: list[Any], expected: set[Any], parameters: Any
) -> None:
    """Pairwise figures of the pairs the clusters imply (matching.clusters)."""
    from bahali.registry.matching import NameFrequencies, compare
    from bahali.registry.matching.clusters import cluster, pairs_of
    from bahali.registry.matching.records import features

    by_id = {record.record_id: record for record in records}
    frequencies = NameFrequencies((features(record) for record in records), parameters)

    def score(a: str, b: str) -> tuple[float, frozenset[str]]:
        result = compare(by_id[a], by_id[b], frequencies)
        return result.score, frozenset(reason.code for reason in result.reasons)

    started = time.perf_counter()
    links = [(a, b, value, decision) for a, b, decision, value in found]
    clusters = cluster(links, score)
    seconds = time.perf_counter() - started
    implied = list(pairs_of(clusters))
    both = metrics({tuple(sorted(p[:2])) for p in implied}, expected)
    matched = metrics({tuple(sorted(p[:2])) for p in implied if p[2] == "match"}, expected)
    matches = sum(1 for item in clusters if item.decision == "match")
    print(
        f"clusters {seconds:6.1f}s {'':7} {both[0]:7.4f} {both[1]:7.4f} {both[2]:7.4f} "
        f"{matched[0]:7.4f} {matched[1]:7.4f} {matches:7,} {len(clusters) - matches:7,} "
        f"(clusters: match, review)"
    )


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (workers, Splink's process):
    what a run costs whatever else the machine is doing, unlike its wall time."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def true_pairs(truth: dict[str, str]) -> set[tuple[str, str]]:
    """Every pair of records of one person, each as a sorted tuple."""
    by_person: dict[str, list[str]] = defaultdict(list)
    for record_id, person in truth.items():
        by_person[person].append(record_id)
    return {pair for ids in by_person.values() for pair in itertools.combinations(sorted(ids), 2)}


def metrics(found: set[Any], expected: set[Any]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1."""
    correct = len(found & expected)
    precision = correct / len(found) if found else 0.0
    recall = correct / len(expected) if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def clear_name_caches() -> None:
    """Empty the memoised name normalisation, so that each matcher starts cold."""
    from bahali.registry.matching import normalise, phonetic, records

    for module in (normalise, phonetic, records):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def splink_row(records: list[Any], python: str) -> tuple[str, float, str, list[Any]]:
    """Derive Splink's input columns from the raw rows (timed), run Splink in its own venv."""
    from bahali.registry.matching import name_key
    from bahali.registry.matching.records import cnic_digits

    clear_name_caches()
    started = time.perf_counter()
    spent = cpu_seconds()
    rows = [
        [
            record.record_id,
            name_key(record.name or record.name_native) or None,
            name_key(record.father_name or record.father_name_native) or None,
            cnic_digits(record.cnic) or None,
            record.birth_year or (record.birth_date.year if record.birth_date else None),
            record.district or None,
            record.sex or None,
        ]
        for record in records
    ]
    prepared = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-splink-") as directory:
        source = Path(directory) / "records.csv"
        result = Path(directory) / "result.json"
        with source.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(SPLINK_COLUMNS)
            writer.writerows(rows)
        worker = subprocess.run(  # noqa: S603 (our own script, in the venv the user named)
            [python, __file__, "--splink-worker", str(source), str(result)],
            capture_output=True,
            text=True,
            check=False,
        )
        if worker.returncode:
            sys.exit(f"Splink failed:\n{worker.stderr or worker.stdout}")
        report = json.loads(result.read_text(encoding="utf-8"))
    memory = f"{report['memory_mb']:.0f} MB (Splink process)"
    print(f"splink: {cpu_seconds() - spent:.1f}s of CPU (preparing, and its process)")
    print(f"splink: {prepared:.1f}s preparing its name-key columns + {report['seconds']:.1f}s run")
    return "splink", prepared + report["seconds"], memory, report["pairs"]


def run_splink(source: str, result: str) -> None:
    """Inside the Splink venv: train, predict, write pairs, time and memory as JSON."""
    import duckdb
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    connection = duckdb.connect()
    connection.execute(
        "create table records as select * replace (cast(birth_year as integer) as birth_year)"
        " from read_csv(?, all_varchar = true)",
        [source],
    )
    db_api = DuckDBAPI(connection=connection)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("name_key", "birth_year"),
            block_on("cnic"),
            block_on("father_key", "birth_year"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name_key", [0.95, 0.88]),
            cl.JaroWinklerAtThresholds("father_key", [0.95, 0.88]),
            cl.LevenshteinAtThresholds("cnic", [1, 2]),
            cl.CustomComparison(
                [
                    cll.NullLevel("birth_year"),
                    cll.ExactMatchLevel("birth_year"),
                    cll.AbsoluteDifferenceLevel("birth_year", 1),
                    cll.ElseLevel(),
                ],
                output_column_name="birth_year",
            ),
            cl.ExactMatch("district"),
            cl.ExactMatch("sex"),
        ],
    )
    linker = Linker(db_api.register("records"), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("cnic")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("cnic"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name_key", "birth_year")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    rows = (
        predictions.as_duckdbpyrelation()
        .select("unique_id_l, unique_id_r, match_probability")
        .fetchall()
    )
    seconds = time.perf_counter() - started
    pairs = [(a, b, "match" if probability >= 0.99 else "review") for a, b, probability in rows]
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(result).write_text(
        json.dumps({"seconds": seconds, "memory_mb": memory, "pairs": pairs}), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
