"""Check that the batch matcher finds exactly what an earlier version of it found.

Run: PYTHONPATH=src .venv/bin/python benchmarks/check_matching_same.py COMMIT
     [--people 1500 12000] [--generator seed tribal]

For each population (``bahali seed``'s generator, seed 2026; the second population,
``synthetic_tribal``, seed REPORT_SEEDS[0]; ``--people`` people, twice as many records
for the second), runs ``find_pairs`` as the benchmark does (``m``/``u`` estimated on the
records, ``model.Deferred``), with the committed table, and one batch against the other
third of the records (below 20,000 records), and compares the pairs (ids, scores,
decisions, order), the progress calls and the estimated weights with those of the
matcher at ``COMMIT`` (extracted with ``git archive`` and run in a child process).
Exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tarfile
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run(generator: str, people: int) -> dict[str, Any]:
    """Everything compared, for one population, with the ``bahali`` first on the path."""
    from bahali.registry import synthetic_tribal
    from bahali.registry.matching import find_pairs, model
    from bahali.registry.matching.training import parameters_for
    from bahali.registry.synthetic import generate

    if generator == "tribal":
        records, _ = synthetic_tribal.generate(people * 2, seed=synthetic_tribal.REPORT_SEEDS[0])
    else:
        records, _ = generate(people, seed=2026)
    result: dict[str, Any] = {"records": len(records)}
    cut = len(records) * 2 // 3
    runs = [("self", records, None)]
    if len(records) < 20_000:
        runs.append(("against", records[:cut], records[cut:]))
    for label, batch, against in runs:
        deferred = model.Deferred(partial(parameters_for, [*batch, *(against or ())]))
        calls: list[tuple[int, int]] = []
        started = time.process_time()
        pairs = list(find_pairs(batch, against=against, parameters=deferred, progress=_into(calls)))
        seconds = time.process_time() - started
        result[label] = (pairs, calls, deferred.get().weights, seconds)
        result[label + " (committed m/u)"] = (list(find_pairs(batch, against=against)),)
    return result


def _into(calls: list[tuple[int, int]]) -> Any:
    return lambda done, total: calls.append((done, total))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("commit")
    parser.add_argument("--people", type=int, nargs="+", default=[1500, 12000])
    parser.add_argument("--generator", nargs="+", default=["seed", "tribal"])
    parser.add_argument("--dump", help=argparse.SUPPRESS)  # child: GENERATOR:PEOPLE:OUT
    args = parser.parse_args()
    if args.dump:
        generator, people, out = args.dump.split(":", 2)
        Path(out).write_bytes(pickle.dumps(run(generator, int(people))))
        return
    differences = 0
    with tempfile.TemporaryDirectory(prefix="matching-then-") as directory:
        archive = Path(directory) / "src.tar"
        subprocess.run(  # noqa: S603 (git, with the commit the user named)
            ["git", "archive", "--format=tar", "-o", str(archive), args.commit, "src"],  # noqa: S607
            cwd=ROOT,
            check=True,
        )
        with tarfile.open(archive) as tar:
            tar.extractall(directory, filter="data")
        for generator in args.generator:
            for people in args.people:
                out = Path(directory) / f"{generator}-{people}.pickle"
                subprocess.run(  # noqa: S603 (this script, with the earlier source first)
                    [
                        sys.executable,
                        __file__,
                        args.commit,
                        "--dump",
                        f"{generator}:{people}:{out}",
                    ],
                    env={"PYTHONPATH": str(Path(directory) / "src"), "PATH": "/usr/bin:/bin"},
                    check=True,
                )
                then = pickle.loads(out.read_bytes())  # noqa: S301 (written just now, by us)
                now = run(generator, people)
                for label, value in now.items():
                    if label == "records":
                        continue
                    same = value[:3] == then[label][:3]
                    differences += not same
                    timing = (
                        f" ({then[label][3]:.1f}s then, {value[3]:.1f}s now: CPU of the process)"
                        if len(value) > 3
                        else ""
                    )
                    verdict = "identical" if same else "DIFFERENT"
                    print(
                        f"{generator} {now['records']:,} records, {label}: "
                        f"{len(value[0]):,} pairs, {verdict}{timing}"
                    )
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
