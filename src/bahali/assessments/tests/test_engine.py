"""The instrument engine: expressions, definitions, answers and XLSForm import/export."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from bahali.assessments import definition as spec
from bahali.assessments import expressions, xlsform
from bahali.assessments.builtin import BUILTINS, builtin_definition


def L(text: str) -> dict[str, str]:
    return {"en": text}


def _definition(**overrides: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "title": L("Test"),
        "domains": [{"name": "beliefs", "label": L("Beliefs"), "rated": True}],
        "overall": True,
        "choices": {"yn": [{"name": "yes", "label": L("Yes")}, {"name": "no", "label": L("No")}]},
        "sections": [
            {
                "name": "one",
                "label": L("One"),
                "items": [
                    {
                        "name": "armed",
                        "type": "select_one",
                        "choices": "yn",
                        "label": L("Armed?"),
                        "required": True,
                    },
                    {
                        "name": "weapons",
                        "type": "integer",
                        "label": L("How many?"),
                        "required": True,
                        "relevant": "${armed} = 'yes'",
                        "constraint": ". > 0 and . < 50",
                    },
                    {"name": "notes", "type": "text", "label": L("Notes")},
                ],
            }
        ],
    }
    definition.update(overrides)
    return definition


@pytest.mark.parametrize(
    ("expression", "answers", "current", "expected"),
    [
        ("${a} = 'yes'", {"a": "yes"}, None, True),
        ("${a} != 'yes'", {"a": "no"}, None, True),
        ("${a} != 'yes'", {}, None, True),
        ("${n} > 3", {"n": 4}, None, True),
        ("${n} < 3", {"n": 4}, None, False),
        ("${n} >= 4 and ${n} <= 4", {"n": 4}, None, True),
        ("${a} = 'x' or ${b} = 'y'", {"b": "y"}, None, True),
        ("not(${a} = 'x')", {"a": "x"}, None, False),
        ("selected(${m}, 'v')", {"m": ["u", "v"]}, None, True),
        ("selected(${m}, 'w')", {"m": ["u", "v"]}, None, False),
        (". > 0", {}, 3, True),
        ("count-selected(.) > 1", {}, ["a", "b"], True),
        ("(${a} = 'x' or ${a} = 'y') and ${n} > 1", {"a": "y", "n": 2}, None, True),
        ("${d} > '2025-01-01'", {"d": "2025-06-01"}, None, True),
        ("${n} > 3", {}, None, False),  # unanswered numbers do not compare
    ],
)
def test_expressions(expression, answers, current, expected):
    assert expressions.holds(expression, answers, current) is expected


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "${a} = ", "${a} === 'x'", "concat(${a}, 'x')", "${a} = 'x')"],
)
def test_unsupported_expressions_are_refused(expression):
    with pytest.raises(expressions.ExpressionError):
        expressions.parse(expression)


def test_builtin_instruments_are_valid_and_trilingual():
    for code in BUILTINS:
        definition = builtin_definition(code)
        assert spec.check_definition(definition) == []
        for item in spec.items(definition):
            assert set(item["label"]) == {"en", "ur", "ps"}, item["name"]


def test_definition_problems_point_at_the_item():
    broken = _definition()
    broken["sections"][0]["items"][1]["relevant"] = "${armd} = 'yes'"
    broken["sections"][0]["items"][2]["type"] = "essay"
    problems = {p.where: p.message for p in spec.check_definition(broken)}
    assert "armd" in problems["item:weapons"]
    assert "essay" in problems["item:notes"]


def test_skip_logic_hides_and_drops_answers():
    definition = _definition()
    clean, errors = spec.check_answers(definition, {"armed": "no", "weapons": "3"}, complete=True)
    assert clean == {"armed": "no"}  # the hidden answer is not kept
    assert errors == {}
    assert spec.relevant_items(definition, {"armed": "yes"}) == {"armed", "weapons", "notes"}
    assert "weapons" not in spec.relevant_items(definition, {"armed": "no"})


def test_required_items_are_checked_on_completion_only():
    definition = _definition()
    clean, errors = spec.check_answers(definition, {"armed": "yes"}, complete=False)
    assert errors == {} and clean == {"armed": "yes"}
    _clean, errors = spec.check_answers(definition, {"armed": "yes"}, complete=True)
    assert errors == {"weapons": "This question needs an answer."}


def test_types_and_constraints_point_at_the_item():
    definition = _definition()
    _clean, errors = spec.check_answers(definition, {"armed": "maybe"}, complete=False)
    assert errors == {"armed": "Choose one of the listed options."}
    _clean, errors = spec.check_answers(
        definition, {"armed": "yes", "weapons": "7.5"}, complete=False
    )
    assert errors == {"weapons": "Give a whole number."}
    _clean, errors = spec.check_answers(
        definition, {"armed": "yes", "weapons": "80"}, complete=False
    )
    assert set(errors) == {"weapons"}


# --- XLSForm --------------------------------------------------------------------------


def _workbook(survey: list[list[str]], choices: list[list[str]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    chosen = book.create_sheet("choices")
    for row in choices or [
        ["list_name", "name", "label"],
        ["yn", "yes", "Yes"],
        ["yn", "no", "No"],
    ]:
        chosen.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "bahali_kind"])
    settings.append(["Ours", "ours", "needs"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["type", "name", "label", "required", "relevant", "constraint", "bahali_domain"]


@pytest.mark.parametrize("code", sorted(BUILTINS))
def test_xlsform_round_trip(code):
    definition = builtin_definition(code)
    data = xlsform.write_xlsform(definition, code=code, kind=BUILTINS[code], version=3)
    imported = xlsform.read_xlsform(data)
    assert imported.definition == definition
    assert (imported.code, imported.kind, imported.version) == (code, BUILTINS[code], "3")


def test_xlsform_import_of_a_plain_form():
    data = _workbook(
        [
            HEADER,
            ["select_one yn", "armed", "Armed?", "yes", "", "", ""],
            ["integer", "count", "How many?", "yes", "${armed} = 'yes'", ". > 0", ""],
        ]
    )
    imported = xlsform.read_xlsform(data)
    items = list(spec.items(imported.definition))
    assert [i["name"] for i in items] == ["armed", "count"]
    assert items[1] == {
        "name": "count",
        "type": "integer",
        "label": {"en": "How many?"},
        "required": True,
        "relevant": "${armed} = 'yes'",
        "constraint": ". > 0",
    }


def test_invalid_xlsform_names_the_row_pyxform_refuses():
    data = _workbook(
        [
            HEADER,
            ["select_one yn", "armed", "Armed?", "yes", "", "", ""],
            ["integer", "count", "How many?", "", "${armd} = 'yes'", "", ""],
        ]
    )
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(data)
    problem = refused.value.problems[0]
    assert (problem.sheet, problem.row) == ("survey", 3)
    assert "armd" in problem.reason
    assert str(problem).startswith("Sheet “survey”, row 3:")


def test_invalid_xlsform_names_the_row_our_checks_refuse():
    data = _workbook(
        [
            HEADER,
            ["select_one yn", "armed", "Armed?", "yes", "", "", ""],
            ["text", "why", "Why?", "", "", "", "no_such_domain"],
        ]
    )
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(data)
    [problem] = refused.value.problems
    assert (problem.sheet, problem.row) == ("survey", 3)
    assert "no_such_domain" in problem.reason


def test_unsupported_question_types_and_bad_files_are_refused():
    data = _workbook([HEADER, ["geopoint", "where", "Where?", "", "", "", ""]])
    with pytest.raises(xlsform.XLSFormRefused) as refused:
        xlsform.read_xlsform(data)
    assert refused.value.problems[0].row == 2
    with pytest.raises(xlsform.XLSFormRefused):
        xlsform.read_xlsform(b"not a workbook")
