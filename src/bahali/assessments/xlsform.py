"""Instruments to and from XLSForm (the ``survey``, ``choices`` and ``settings`` sheets
every ODK/Kobo user knows), so a programme brings its own instrument without code.

Import checks the workbook twice: ``pyxform`` (the XLSForm reference implementation)
validates it as an XLSForm, then our own checks validate it as an instrument. Either way a
refusal names the sheet, the row and the reason, and nothing is saved.

Bahali's additions travel as extra columns and one extra sheet, which other XLSForm tools
ignore: ``bahali_domain`` (which domain an item feeds), ``bahali_goal_domain``,
``bahali_propose_goal`` and ``bahali_goal`` (plan linkage) on ``survey``; a ``domains``
sheet (name, label, ``rated``, ``bahali_goal_domain``); ``bahali_kind`` and
``bahali_overall`` in ``settings``. A rating scale is a ``select_one`` whose appearance is
``likert``; a yes/no/unknown item is ``select_one yes_no_unknown``.
"""

from __future__ import annotations

import io
import multiprocessing
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl  # type: ignore[import-untyped]
from defusedxml import ElementTree  # type: ignore[import-untyped]
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from bahali.assessments import definition as spec
from bahali.core.spreadsheets import safe_row, unescape_cell

LANGUAGE_NAMES = {"en": "English (en)", "ur": "Urdu (ur)", "ps": "Pashto (ps)"}
_BY_NAME = {"english": "en", "urdu": "ur", "pashto": "ps"}
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "simserial",
    "subscriberid",
    "audit",
}
TRUE_WORDS = {"yes", "true", "true()", "1", "y"}
# Limits on an imported workbook, checked before anything parses it in full (pyxform and
# our reading hold the whole form in memory): a form past them is refused in well under a
# second. Documented in docs/development/assessments.md.
MAX_BYTES = 1024 * 1024  # the .xlsx file
MAX_UNPACKED_BYTES = 16 * 1024 * 1024  # its parts, unzipped (no zip bombs)
MAX_PARTS = 64  # files inside the .xlsx
MAX_SHEETS = 8
MAX_QUESTIONS = 400  # non-empty rows of the survey sheet (questions, groups, metadata)
MAX_CHOICES = 2000  # non-empty rows of the choices sheet
MAX_COLUMNS = 120  # columns of any sheet
MAX_OTHER_ROWS = 200  # rows of any other sheet (settings, domains, …)
MAX_NESTING = 1  # groups open at once (Bahali's sections do not nest)
# An uploaded workbook is then read in a child process with a budget of its own: CPU seconds
# and memory beyond what the process already holds (``read_uploaded_xlsform``). A form
# within the limits above reads in well under a second; the budget is the backstop for one
# that is small but costly (an expression or a structure pyxform or openpyxl chokes on).
CPU_SECONDS = 10  # BAHALI_XLSFORM_CPU_SECONDS
MEMORY_MB = 256  # BAHALI_XLSFORM_MEMORY_MB


@dataclass(frozen=True)
class SheetProblem:
    sheet: str
    row: int | None
    reason: str

    def __str__(self) -> str:
        if self.row is None:
            return _("Sheet “%(sheet)s”: %(reason)s") % {"sheet": self.sheet, "reason": self.reason}
        return _("Sheet “%(sheet)s”, row %(row)d: %(reason)s") % {
            "sheet": self.sheet,
            "row": self.row,
            "reason": self.reason,
        }


class XLSFormRefused(ValidationError):
    """The workbook is not an instrument we can use; ``problems`` say where and why."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__([str(problem) for problem in problems])


@dataclass(frozen=True)
class Imported:
    definition: dict[str, Any]
    code: str
    kind: str
    version: str


def _language(column: str) -> tuple[str, str] | None:
    """``label::Urdu (ur)`` → ("label", "ur"); ``label`` → ("label", "en")."""
    base, _sep, language = column.partition("::")
    if not language:
        return base, "en"
    match = re.search(r"\(([a-z]{2})\)\s*$", language)
    code = match.group(1) if match else _BY_NAME.get(language.strip().lower(), language.strip())
    return base, code


def _rows(sheet: Any) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return [], []
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    found = []
    for number, row in enumerate(rows[1:], start=2):
        values = {
            header[i]: (unescape_cell(str(cell).strip()) if cell is not None else "")
            for i, cell in enumerate(row)
            if i < len(header) and header[i]
        }
        if any(values.values()):
            found.append((number, values))
    return header, found


def _translated(values: dict[str, str], base: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for column, value in values.items():
        parsed = _language(column)
        if parsed and parsed[0] == base and value:
            found[parsed[1]] = value
    return found


def _flag(value: str) -> bool:
    return value.strip().lower() in TRUE_WORDS


def _pyxform_problems(data: bytes) -> list[SheetProblem]:
    from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
    from pyxform.xls2xform import convert  # type: ignore[import-untyped]

    try:
        convert(xlsform=io.BytesIO(data), warnings=[], file_type=".xlsx")
    except PyXFormError as error:
        text = str(error)
        match = re.search(r"\[row\s*:\s*(\d+)\]\s*", text)
        row = int(match.group(1)) if match else None
        reason = text[match.end() :] if match else text
        sheet = "choices" if "'choices' sheet" in reason and "survey" not in reason else "survey"
        return [SheetProblem(sheet, row, reason.strip())]
    except Exception as error:
        return [SheetProblem("survey", None, str(error))]
    return []


def _refuse(sheet: str, reason: str) -> XLSFormRefused:
    return XLSFormRefused([SheetProblem(sheet, None, reason)])


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _check_package(data: bytes) -> None:
    """The file's size, its zip directory and each sheet's rows, counted while streaming
    its XML: refused before openpyxl or pyxform reads any sheet whole (openpyxl reads a
    sheet to its end just to size it)."""
    if len(data) > MAX_BYTES:
        raise _refuse("—", _("The file is larger than %(size)d kB.") % {"size": MAX_BYTES // 1024})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            unpacked = sum(part.file_size for part in parts)
            if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES:
                raise _refuse(
                    "—",
                    _("The workbook unpacks to more than %(size)d MB; it cannot be an instrument.")
                    % {"size": MAX_UNPACKED_BYTES // (1024 * 1024)},
                )
            for name, part in _sheet_parts(package):
                _count_rows(package, name, part)
    except (zipfile.BadZipFile, KeyError, ParseError, ValueError, OSError):
        raise _refuse("—", _("This is not an Excel workbook (.xlsx).")) from None


def _sheet_parts(package: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) for each sheet of the workbook."""
    targets = {}
    with package.open("xl/_rels/workbook.xml.rels") as stream:
        for relation in ElementTree.parse(stream).getroot().iter(f"{_PACKAGE_REL}Relationship"):
            target = relation.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[relation.get("Id")] = target
    with package.open("xl/workbook.xml") as stream:
        sheets = list(ElementTree.parse(stream).getroot().iter(f"{_MAIN}sheet"))
    if len(sheets) > MAX_SHEETS:
        raise _refuse(
            "—", _("The workbook has more than %(count)d sheets.") % {"count": MAX_SHEETS}
        )
    return [(sheet.get("name", ""), targets[sheet.get(f"{_REL}id")]) for sheet in sheets]


def _count_rows(package: zipfile.ZipFile, name: str, part: str) -> None:
    limit = {"survey": MAX_QUESTIONS, "choices": MAX_CHOICES}.get(name, MAX_OTHER_ROWS) + 1
    rows = cells = 0
    filled = False
    with package.open(part) as stream:
        for _event, element in ElementTree.iterparse(stream):
            if element.tag == f"{_MAIN}c":
                cells += 1
                filled = filled or any(
                    child.tag in (f"{_MAIN}v", f"{_MAIN}is") for child in element
                )
                element.clear()
            elif element.tag == f"{_MAIN}row":
                rows += filled
                filled = False
                element.clear()
                if rows > limit:  # the header row is one of them
                    raise _refuse(
                        name,
                        _("More than %(count)d rows: Bahali takes at most %(count)d here.")
                        % {"count": limit - 1},
                    )
                if cells > limit * MAX_COLUMNS:
                    raise _refuse(
                        name, _("More than %(count)d columns are used.") % {"count": MAX_COLUMNS}
                    )


def _check_bounds(book: Any) -> None:
    """Count rows, columns and nesting while streaming, stopping at the first limit passed."""
    if len(book.sheetnames) > MAX_SHEETS:
        raise _refuse(
            "—",
            _("The workbook has more than %(count)d sheets.") % {"count": MAX_SHEETS},
        )
    for name in book.sheetnames:
        limit = {"survey": MAX_QUESTIONS, "choices": MAX_CHOICES}.get(name, MAX_OTHER_ROWS)
        rows = 0
        depth = 0
        for number, row in enumerate(book[name].iter_rows(values_only=True), start=1):
            if len(row) > MAX_COLUMNS and any(cell is not None for cell in row[MAX_COLUMNS:]):
                raise _refuse(
                    name, _("More than %(count)d columns are used.") % {"count": MAX_COLUMNS}
                )
            if number == 1 or not any(cell is not None and cell != "" for cell in row):
                continue
            rows += 1
            if rows > limit:
                raise _refuse(
                    name,
                    _("More than %(count)d rows: Bahali takes at most %(count)d here.")
                    % {"count": limit},
                )
            if name == "survey" and row and isinstance(row[0], str):
                kind = row[0].strip().lower().replace(" ", "_")
                if kind.startswith(("begin_group", "begin_repeat")):
                    depth += 1
                    if depth > MAX_NESTING:
                        raise XLSFormRefused(
                            [
                                SheetProblem(
                                    name, number, _("Groups inside groups are not supported.")
                                )
                            ]
                        )
                elif kind.startswith(("end_group", "end_repeat")):
                    depth = max(depth - 1, 0)


def read_uploaded_xlsform(data: bytes) -> Imported:
    """:func:`read_xlsform` for an uploaded workbook, in a child process with a CPU-time and a
    memory budget (``BAHALI_XLSFORM_CPU_SECONDS``, ``BAHALI_XLSFORM_MEMORY_MB``): a workbook
    that would take longer or more is refused like any other, and the web process that
    received it is untouched. Linux and other systems with ``fork``."""
    cpu = int(getattr(settings, "BAHALI_XLSFORM_CPU_SECONDS", CPU_SECONDS))
    memory = int(getattr(settings, "BAHALI_XLSFORM_MEMORY_MB", MEMORY_MB)) * 1024 * 1024
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_read_within_budget,
        args=(data, send, translation.get_language(), cpu, memory),
        daemon=True,
    )
    child.start()
    send.close()
    outcome = None
    try:  # the wall clock as well, for a child that waits instead of working
        if receive.poll(cpu * 3 + 5):
            outcome = receive.recv()
    except (EOFError, OSError):  # killed on its budget before it could answer
        outcome = None
    finally:
        receive.close()
        child.join(timeout=1)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome is None or outcome[0] == "budget":
        raise _refuse(
            "—",
            _(
                "Reading this workbook took more time or memory than an instrument may "
                "(%(seconds)d seconds, %(size)d MB); it cannot be imported."
            )
            % {"seconds": cpu, "size": memory // (1024 * 1024)},
        )
    if outcome[0] == "refused":
        raise XLSFormRefused([SheetProblem(*problem) for problem in outcome[1]])
    return Imported(**outcome[1])


def _read_within_budget(
    data: bytes, send: Any, language: str | None, cpu: int, memory: int
) -> None:
    """In the child: limit CPU time and address space, read, send back plain values."""
    import resource

    try:
        with open("/proc/self/statm") as statm:  # what the forked process already maps
            held = int(statm.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (held + memory, held + memory))
    except (OSError, ValueError):  # no /proc: the CPU budget and the wall clock remain
        pass
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if language:
        translation.activate(language)
    try:
        imported = read_xlsform(data)
        outcome: tuple[str, Any] = (
            "ok",
            {
                "definition": imported.definition,
                "code": imported.code,
                "kind": imported.kind,
                "version": imported.version,
            },
        )
    except XLSFormRefused as refused:
        outcome = (
            "refused",
            [(p.sheet, p.row, str(p.reason)) for p in refused.problems],
        )
    except MemoryError:
        outcome = ("budget", None)
    send.send(outcome)
    send.close()


def read_xlsform(data: bytes) -> Imported:
    """Turn an XLSForm workbook into an instrument definition, or raise XLSFormRefused.

    The limits above are checked first, streaming, so an oversized form costs little."""
    _check_package(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _refuse("—", _("This is not an Excel workbook (.xlsx).")) from None
    if "survey" not in book.sheetnames:
        raise _refuse("survey", _("The workbook has no survey sheet."))
    _check_bounds(book)
    problems = _pyxform_problems(data)
    if problems:
        raise XLSFormRefused(problems)
    settings: dict[str, str] = {}
    if "settings" in book.sheetnames:
        _header, rows = _rows(book["settings"])
        settings = rows[0][1] if rows else {}
    where: dict[str, tuple[str, int | None]] = {}
    choices: dict[str, list[dict[str, Any]]] = {}
    if "choices" in book.sheetnames:
        _header, rows = _rows(book["choices"])
        for number, values in rows:
            list_name = values.get("list_name") or values.get("list name") or ""
            if list_name == spec.YES_NO_UNKNOWN:
                continue
            where.setdefault(f"choices:{list_name}", ("choices", number))
            where[f"choices:{list_name}:{values.get('name', '')}"] = ("choices", number)
            choices.setdefault(list_name, []).append(
                {"name": values.get("name", ""), "label": _translated(values, "label")}
            )
    domains: list[dict[str, Any]] = []
    if "domains" in book.sheetnames:
        _header, rows = _rows(book["domains"])
        for number, values in rows:
            domain: dict[str, Any] = {
                "name": values.get("name", ""),
                "label": _translated(values, "label"),
            }
            if _flag(values.get("rated", "")):
                domain["rated"] = True
            if values.get("bahali_goal_domain"):
                domain["goal_domain"] = values["bahali_goal_domain"]
            hint = _translated(values, "hint")
            if hint:
                domain["hint"] = hint
            where[f"domain:{domain['name']}"] = ("domains", number)
            domains.append(domain)
    sections, survey_problems = _survey(book["survey"], where, settings)
    if survey_problems:
        raise XLSFormRefused(survey_problems)
    title = _translated(settings, "form_title") or {"en": settings.get("form_id", "")}
    title.update(_translated(settings, "bahali_title"))
    definition: dict[str, Any] = {"title": title}
    description = _translated(settings, "bahali_description")
    if description:
        definition["description"] = description
    definition.update(
        {
            "domains": domains,
            "overall": _flag(settings.get("bahali_overall", "")),
            "choices": choices,
            "sections": sections,
        }
    )
    problems = []
    for problem in spec.check_definition(definition):
        sheet, row = where.get(problem.where, ("survey", None))
        problems.append(SheetProblem(sheet, row, problem.message))
    if problems:
        raise XLSFormRefused(problems)
    return Imported(
        definition=definition,
        code=settings.get("form_id", ""),
        kind=settings.get("bahali_kind", ""),
        version=settings.get("version", ""),
    )


def _survey(
    sheet: Any, where: dict[str, tuple[str, int | None]], settings: dict[str, str]
) -> tuple[list[dict[str, Any]], list[SheetProblem]]:
    sections: list[dict[str, Any]] = []
    problems: list[SheetProblem] = []
    current: dict[str, Any] | None = None
    loose: dict[str, Any] | None = None
    _header, rows = _rows(sheet)
    for number, values in rows:
        kind = " ".join(values.get("type", "").split())
        words = kind.replace("begin group", "begin_group").replace("end group", "end_group")
        head, _sep, rest = words.partition(" ")
        name = values.get("name", "")
        if head == "begin_group":
            if current is not None:
                problems.append(
                    SheetProblem("survey", number, _("Groups inside groups are not supported."))
                )
                continue
            current = {"name": name, "label": _translated(values, "label"), "items": []}
            if values.get("relevant"):
                current["relevant"] = values["relevant"]
            where[f"section:{name}"] = ("survey", number)
            sections.append(current)
            continue
        if head == "end_group":
            current = None
            continue
        if head in METADATA_TYPES or (head == "calculate" and name == "instanceID"):
            continue
        item: dict[str, Any] = {"name": name}
        appearance = values.get("appearance", "")
        if head == "select_one" and rest == spec.YES_NO_UNKNOWN:
            item["type"] = spec.YES_NO_UNKNOWN
        elif head in ("select_one", "select_multiple"):
            item["type"] = "rating" if head == "select_one" and "likert" in appearance else head
            item["choices"] = rest
        elif head in ("integer", "int"):
            item["type"] = "integer"
        elif head in ("decimal", "date", "text"):
            item["type"] = head
        else:
            problems.append(
                SheetProblem(
                    "survey",
                    number,
                    _("The question type “%(type)s” is not supported by Bahali.") % {"type": kind},
                )
            )
            continue
        item["label"] = _translated(values, "label")
        for key, column in (("hint", "hint"), ("constraint_message", "constraint_message")):
            text = _translated(values, column)
            if text:
                item[key] = text
        if _flag(values.get("required", "")):
            item["required"] = True
        for key, column in (
            ("relevant", "relevant"),
            ("constraint", "constraint"),
            ("domain", "bahali_domain"),
            ("goal_domain", "bahali_goal_domain"),
            ("propose_goal", "bahali_propose_goal"),
        ):
            if values.get(column):
                item[key] = values[column]
        goal = _translated(values, "bahali_goal")
        if goal:
            item["goal"] = goal
        where[f"item:{name}"] = ("survey", number)
        if current is None:
            if loose is None:
                title = _translated(settings, "form_title") or {"en": _("Questions")}
                loose = {"name": "main", "label": title, "items": []}
                sections.append(loose)
            loose["items"].append(item)
        else:
            current["items"].append(item)
    return sections, problems


# --- export ---------------------------------------------------------------------------


def _columns(base: str) -> list[str]:
    return [f"{base}::{LANGUAGE_NAMES[code]}" for code in spec.LANGUAGES]


def _texts(value: Any) -> list[str]:
    value = value or {}
    return [str(value.get(code, "")) for code in spec.LANGUAGES]


def _append(sheet: Any, row: list[Any]) -> None:
    """One row, its text never a live formula (``bahali.core.spreadsheets``)."""
    sheet.append(safe_row(row))


def write_xlsform(definition: dict[str, Any], *, code: str, kind: str, version: int) -> bytes:
    """The definition as an XLSForm workbook that ``read_xlsform`` reads back unchanged."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    _append(
        survey,
        [
            "type",
            "name",
            *_columns("label"),
            *_columns("hint"),
            "required",
            "relevant",
            "constraint",
            *_columns("constraint_message"),
            "appearance",
            "bahali_domain",
            "bahali_goal_domain",
            "bahali_propose_goal",
            *_columns("bahali_goal"),
        ],
    )
    uses_yes_no = False
    for section in spec.sections(definition):
        _append(
            survey,
            [
                "begin_group",
                section["name"],
                *_texts(section.get("label")),
                "",
                "",
                "",
                "",
                "",
                section.get("relevant", ""),
            ],
        )
        for item in section.get("items") or []:
            kind_name = item["type"]
            appearance = ""
            if kind_name == spec.YES_NO_UNKNOWN:
                xls_type = f"select_one {spec.YES_NO_UNKNOWN}"
                uses_yes_no = True
            elif kind_name == "rating":
                xls_type, appearance = f"select_one {item['choices']}", "likert"
            elif kind_name in ("select_one", "select_multiple"):
                xls_type = f"{kind_name} {item['choices']}"
            else:
                xls_type = kind_name
            _append(
                survey,
                [
                    xls_type,
                    item["name"],
                    *_texts(item.get("label")),
                    *_texts(item.get("hint")),
                    "yes" if item.get("required") else "",
                    item.get("relevant", ""),
                    item.get("constraint", ""),
                    *_texts(item.get("constraint_message")),
                    appearance,
                    item.get("domain", ""),
                    item.get("goal_domain", ""),
                    item.get("propose_goal", ""),
                    *_texts(item.get("goal")),
                ],
            )
        _append(survey, ["end_group"])
    choices = book.create_sheet("choices")
    _append(choices, ["list_name", "name", *_columns("label")])
    lists = dict(definition.get("choices") or {})
    if uses_yes_no:
        lists[spec.YES_NO_UNKNOWN] = spec.YES_NO_UNKNOWN_CHOICES
    for list_name, options in lists.items():
        for option in options:
            _append(choices, [list_name, option["name"], *_texts(option.get("label"))])
    settings = book.create_sheet("settings")
    _append(
        settings,
        [
            "form_title",
            "form_id",
            "version",
            "default_language",
            "bahali_kind",
            "bahali_overall",
            *_columns("bahali_title"),
            *_columns("bahali_description"),
        ],
    )
    _append(
        settings,
        [
            spec.label(definition.get("title"), "en"),
            code,
            str(version),
            LANGUAGE_NAMES["en"],
            kind,
            "yes" if definition.get("overall") else "no",
            *_texts(definition.get("title")),
            *_texts(definition.get("description")),
        ],
    )
    domains = book.create_sheet("domains")
    _append(domains, ["name", *_columns("label"), *_columns("hint"), "rated", "bahali_goal_domain"])
    for domain in spec.domains(definition):
        _append(
            domains,
            [
                domain["name"],
                *_texts(domain.get("label")),
                *_texts(domain.get("hint")),
                "yes" if domain.get("rated") else "no",
                domain.get("goal_domain", ""),
            ],
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
