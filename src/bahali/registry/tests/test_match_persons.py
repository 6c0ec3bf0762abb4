"""``bahali match-persons``: validate the whole file, then write the pairs atomically."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HEADER = ",".join(
    [
        "record_id",
        "name",
        "name_native",
        "father_name",
        "father_name_native",
        "sex",
        "birth_year",
        "birth_date",
        "cnic",
        "district",
    ]
)
ROWS = [
    "r1,Haji Mohd Rehmatullah Khan,,Gul Khan,,m,1990,,15602-1234567-1,SWT",
    "r2,,محمد رحمت اللہ خان,,گل خان,m,1990,,1560212345671,SWT",
    "r3,Zainab Bibi,,Sher Ali,,f,2001,2001-03-04,,PEW",
    "r4,ZAINAB d/o Sher Aly,,,,f,2001,2001-03-04,,PEW",
    "r5,Abdul Ghafoor,,Taj Muhammad,,m,1975,,,KHY",
]


def run(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    source = tmp_path / "input.csv"
    source.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    out = tmp_path / "pairs.csv"
    call_command("match_persons", str(source), "--out", str(out))
    return out


def test_writes_the_expected_pairs(tmp_path):
    out = run(tmp_path, [HEADER, *ROWS])
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(row["record_id_a"], row["record_id_b"]) for row in rows} == {
        ("r1", "r2"),
        ("r3", "r4"),
    }
    assert all(row["decision"] in ("match", "review") for row in rows)
    assert all(float(row["score"]) > 0 for row in rows)
    assert list(rows[0]) == ["record_id_a", "record_id_b", "score", "decision"]
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".pairs.csv")]


def test_tolerates_a_byte_order_mark_and_blank_lines(tmp_path):
    out = run(tmp_path, ["\ufeff" + HEADER, *ROWS[:2], ""])
    assert "r1,r2," in out.read_text(encoding="utf-8")


def test_an_empty_batch_writes_only_the_header(tmp_path):
    out = run(tmp_path, [HEADER])
    assert out.read_text(encoding="utf-8").strip() == "record_id_a,record_id_b,score,decision"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["record_id,name", *ROWS], "line 1: expected the header"),
        ([], "line 1: the file is empty"),
        ([HEADER, ROWS[0], "r9,Ali,,,,m,1990,,,"[:-1]], "line 3: expected 10 columns, found 9"),
        ([HEADER, ROWS[0], ROWS[1], ROWS[0]], "line 4: duplicate record_id 'r1'"),
        ([HEADER, ",Ali,,,,m,1990,,,SWT"], "line 2: record_id is empty"),
        ([HEADER, ROWS[0], "r9,Ali,,,,m,nineteen,,,SWT"], "line 3: birth_year 'nineteen'"),
        ([HEADER, ROWS[0], "r9,Ali,,,,m,,1990-13-01,,SWT"], "line 3: birth_date '1990-13-01'"),
    ],
)
def test_malformed_input_names_the_line_and_writes_nothing(tmp_path, lines, message):
    with pytest.raises(CommandError, match=message):
        run(tmp_path, lines)
    assert not (tmp_path / "pairs.csv").exists()
    assert [path.name for path in tmp_path.iterdir()] == ["input.csv"]


def test_invalid_utf8_names_the_line_and_writes_nothing(tmp_path):
    source = tmp_path / "input.csv"
    source.write_bytes((HEADER + "\n" + ROWS[0] + "\n").encode() + b"r9,Al\xe9,,,,m,1990,,,SWT\n")
    with pytest.raises(CommandError, match="line 3: not valid UTF-8"):
        call_command("match_persons", str(source), "--out", str(tmp_path / "pairs.csv"))
    assert not (tmp_path / "pairs.csv").exists()


def test_a_missing_input_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.csv"):
        call_command(
            "match_persons", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv")
        )
    assert not (tmp_path / "o.csv").exists()


def test_an_existing_output_is_replaced_whole(tmp_path):
    (tmp_path / "pairs.csv").write_text("old contents\n", encoding="utf-8")
    out = run(tmp_path, [HEADER, *ROWS])
    assert "old contents" not in out.read_text(encoding="utf-8")


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, capsys):
    run(tmp_path, [HEADER, *ROWS])
    captured = capsys.readouterr()
    assert "[" not in captured.err
    assert "5 records checked, 2 pairs written." in captured.out


def test_record_ids_that_look_like_formulas_are_written_inert(tmp_path):
    evil = '=HYPERLINK("http://evil.example","x")'
    rows = [f'"{evil.replace(chr(34), chr(34) * 2)}"' + ROWS[0][2:], ROWS[1]]
    out = run(tmp_path, [HEADER, *rows])
    with out.open(encoding="utf-8", newline="") as handle:
        [pair] = list(csv.DictReader(handle))
    assert {pair["record_id_a"], pair["record_id_b"]} == {"'" + evil, "r2"}


def test_a_large_file_is_scored_with_weights_estimated_on_it(tmp_path):
    from bahali.registry import synthetic_tribal

    records, _ = synthetic_tribal.generate(6000, seed=17)
    source = tmp_path / "input.csv"
    with source.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER.split(","))
        for r in records:
            names = [r.name, r.name_native, r.father_name, r.father_name_native]
            rest = [r.sex, r.birth_year or "", r.birth_date or "", r.cnic, r.district]
            writer.writerow([r.record_id, *names, *rest])
    estimated, committed = tmp_path / "estimated.csv", tmp_path / "committed.csv"
    call_command("match_persons", str(source), "--out", str(estimated))
    call_command("match_persons", str(source), "--out", str(committed), "--committed-weights")
    with estimated.open(encoding="utf-8") as one, committed.open(encoding="utf-8") as other:
        scores = {tuple(row[:2]): row[2] for row in csv.reader(one)}
        shipped = {tuple(row[:2]): row[2] for row in csv.reader(other)}
    shared = scores.keys() & shipped.keys() - {("record_id_a", "record_id_b")}
    assert shared
    # the same pairs found both ways score differently: other weights were used
    assert sum(scores[pair] != shipped[pair] for pair in shared) > len(shared) / 2
