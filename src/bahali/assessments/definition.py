"""An instrument's definition: sections of items, choice lists, domains, skip logic and
help text in English, Urdu and Pashto, held as data (JSON) so a programme can bring its own
instrument without code changes.

The shape (every label a ``{"en": ..., "ur": ..., "ps": ...}`` mapping)::

    {"title": {...}, "description": {...},
     "domains": [{"name", "label", "rated": bool, "goal_domain": "vocational" | ""}],
     "overall": bool,          # structured professional judgement: an overall rating
     "choices": {"list_name": [{"name", "label"}]},
     "sections": [{"name", "label", "relevant", "items": [
         {"name", "type", "label", "hint", "required", "relevant", "constraint",
          "constraint_message", "choices", "domain", "goal_domain", "propose_goal", "goal"}]}]}

``check_definition`` lists every problem, each pointing at the section, item or list it
concerns; ``check_answers`` applies skip logic, types, constraints and required items to a
set of answers.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from bahali.assessments import expressions
from bahali.casework.models import Domain as GoalDomain

LANGUAGES = ("en", "ur", "ps")
ITEM_TYPES = {
    "select_one": gettext_lazy("Single choice"),
    "select_multiple": gettext_lazy("Multiple choice"),
    "rating": gettext_lazy("Rating scale"),
    "integer": gettext_lazy("Whole number"),
    "decimal": gettext_lazy("Number"),
    "date": gettext_lazy("Date"),
    "text": gettext_lazy("Text"),
    "yes_no_unknown": gettext_lazy("Yes / no / unknown"),
}
CHOICE_TYPES = {"select_one", "select_multiple", "rating"}
YES_NO_UNKNOWN = "yes_no_unknown"
# The fixed answers of a yes/no/unknown item, labelled in the three languages.
YES_NO_UNKNOWN_CHOICES = [
    {"name": "yes", "label": {"en": "Yes", "ur": "ہاں", "ps": "هو"}},
    {"name": "no", "label": {"en": "No", "ur": "نہیں", "ps": "نه"}},
    {"name": "unknown", "label": {"en": "Unknown", "ur": "معلوم نہیں", "ps": "نامعلوم"}},
]
BANDS = ("low", "moderate", "high")
# An anonymous survey asks no question whose answer could name the respondent: no free text
# and no dates (a birth date, the day of an event). Numbers stay (a household size).
SURVEY_KIND = "survey"
IDENTIFYING_TYPES = frozenset({"text", "date"})
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_TEXT = 5000


def label(value: Any, language: str | None = None) -> str:
    """The text for the active language (or ``language``), falling back to English."""
    if not isinstance(value, dict):
        return str(value or "")
    language = (language or get_language() or "en")[:2]
    return str(value.get(language) or value.get("en") or "")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where (section, item, list or setting) and why."""

    where: str  # "item:q1", "section:s1", "choices:yn", "domain:beliefs", "definition"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def sections(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return list(definition.get("sections") or [])


def items(definition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in sections(definition):
        yield from section.get("items") or []


def item_map(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items(definition)}


def choices_for(definition: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    if item.get("type") == YES_NO_UNKNOWN:
        return YES_NO_UNKNOWN_CHOICES
    return list((definition.get("choices") or {}).get(item.get("choices") or "", []))


def domains(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return list(definition.get("domains") or [])


def rated_domains(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [domain for domain in domains(definition) if domain.get("rated")]


def _check_label(problems: list[Problem], where: str, value: Any, *, required: bool) -> None:
    if value in (None, "", {}) and not required:
        return
    if not isinstance(value, dict) or not str(value.get("en") or "").strip():
        problems.append(Problem(where, _("An English label is required.")))
        return
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        problems.append(
            Problem(
                where, _("Unknown language: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
            )
        )


def _check_expression(
    problems: list[Problem], where: str, text: str, names: set[str], *, allow_self: bool
) -> None:
    if not text:
        return
    try:
        tree = expressions.parse(text)
    except expressions.ExpressionError as error:
        problems.append(Problem(where, str(error)))
        return
    missing = expressions.references(tree) - names
    if missing:
        problems.append(
            Problem(
                where,
                _("The expression refers to unknown items: %(names)s.")
                % {"names": ", ".join(sorted(missing))},
            )
        )
    if not allow_self and expressions.uses_self(tree):
        problems.append(Problem(where, _("Skip logic cannot use “.”; name the item instead.")))


def check_definition(definition: Any, *, kind: str = "") -> list[Problem]:
    """Every problem with the definition; an empty list means it can be published. An
    instrument of the anonymous survey kind also refuses identifying item types."""
    problems: list[Problem] = []
    if not isinstance(definition, dict):
        return [Problem("definition", _("The definition must be an object."))]
    if kind == SURVEY_KIND:
        problems.extend(survey_problems(definition))
    _check_label(problems, "definition", definition.get("title"), required=True)
    choice_lists = definition.get("choices") or {}
    if not isinstance(choice_lists, dict):
        problems.append(Problem("definition", _("Choices must be lists by name.")))
        choice_lists = {}
    for list_name, options in choice_lists.items():
        where = f"choices:{list_name}"
        if not NAME.match(str(list_name)):
            problems.append(Problem(where, _("A list name is letters, digits and underscores.")))
        if not isinstance(options, list) or not options:
            problems.append(Problem(where, _("A choice list needs at least one choice.")))
            continue
        seen: set[str] = set()
        for option in options:
            name = str(option.get("name") or "") if isinstance(option, dict) else ""
            if not name or " " in name:
                problems.append(Problem(where, _("Each choice needs a name without spaces.")))
                continue
            if name in seen:
                problems.append(
                    Problem(where, _("The choice “%(name)s” appears twice.") % {"name": name})
                )
            seen.add(name)
            _check_label(problems, f"{where}:{name}", option.get("label"), required=True)
    domain_names: set[str] = set()
    for domain in domains(definition):
        name = str(domain.get("name") or "")
        where = f"domain:{name}"
        if not NAME.match(name):
            problems.append(Problem(where, _("A domain name is letters, digits and underscores.")))
        elif name in domain_names:
            problems.append(
                Problem(where, _("The domain “%(name)s” appears twice.") % {"name": name})
            )
        domain_names.add(name)
        _check_label(problems, where, domain.get("label"), required=True)
        goal_domain = domain.get("goal_domain") or ""
        if goal_domain and goal_domain not in GoalDomain.values:
            problems.append(
                Problem(where, _("Unknown plan domain “%(name)s”.") % {"name": goal_domain})
            )
    if not sections(definition) or not any(True for _item in items(definition)):
        problems.append(Problem("definition", _("An instrument needs at least one item.")))
    names: list[str] = [str(item.get("name") or "") for item in items(definition)]
    known = set(names)
    seen_names: set[str] = set()
    section_names: set[str] = set()
    for section in sections(definition):
        section_name = str(section.get("name") or "")
        where = f"section:{section_name}"
        if not NAME.match(section_name):
            problems.append(Problem(where, _("A section name is letters, digits and underscores.")))
        elif section_name in section_names or section_name in known:
            problems.append(
                Problem(where, _("The name “%(name)s” is used twice.") % {"name": section_name})
            )
        section_names.add(section_name)
        _check_label(problems, where, section.get("label"), required=True)
        _check_expression(problems, where, section.get("relevant") or "", known, allow_self=False)
        for item in section.get("items") or []:
            _check_item(problems, item, known, seen_names, choice_lists, domain_names)
    return problems


def survey_problems(definition: dict[str, Any]) -> list[Problem]:
    """The items an anonymous survey may not ask: free text and dates could identify."""
    return [
        Problem(
            f"item:{item.get('name')}",
            _(
                "An anonymous survey asks no free-text or date question: an answer could "
                "identify the respondent."
            ),
        )
        for item in items(definition)
        if isinstance(item, dict) and item.get("type") in IDENTIFYING_TYPES
    ]


def _check_item(
    problems: list[Problem],
    item: Any,
    known: set[str],
    seen: set[str],
    choice_lists: dict[str, Any],
    domain_names: set[str],
) -> None:
    if not isinstance(item, dict):
        problems.append(Problem("definition", _("Each item must be an object.")))
        return
    name = str(item.get("name") or "")
    where = f"item:{name}"
    if not NAME.match(name):
        problems.append(
            Problem(
                where, _("An item name is letters, digits and underscores, starting with a letter.")
            )
        )
    elif name in seen:
        problems.append(Problem(where, _("The item “%(name)s” appears twice.") % {"name": name}))
    seen.add(name)
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        problems.append(Problem(where, _("Unknown item type “%(type)s”.") % {"type": kind}))
    _check_label(problems, where, item.get("label"), required=True)
    _check_label(problems, where, item.get("hint"), required=False)
    if kind in CHOICE_TYPES and item.get("choices") not in choice_lists:
        problems.append(
            Problem(
                where,
                _("The choice list “%(name)s” is not defined.")
                % {"name": item.get("choices") or ""},
            )
        )
    domain = item.get("domain") or ""
    if domain and domain not in domain_names:
        problems.append(
            Problem(where, _("The domain “%(name)s” is not defined.") % {"name": domain})
        )
    goal_domain = item.get("goal_domain") or ""
    if goal_domain and goal_domain not in GoalDomain.values:
        problems.append(
            Problem(where, _("Unknown plan domain “%(name)s”.") % {"name": goal_domain})
        )
    if item.get("propose_goal") and not goal_domain:
        problems.append(Problem(where, _("An item that proposes a goal names its plan domain.")))
    _check_expression(problems, where, item.get("relevant") or "", known, allow_self=False)
    _check_expression(problems, where, item.get("constraint") or "", known, allow_self=True)
    _check_expression(problems, where, item.get("propose_goal") or "", known, allow_self=True)
    if not isinstance(item.get("required", False), bool):
        problems.append(Problem(where, _("“required” is yes or no.")))


# --- answers ------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _coerce(definition: dict[str, Any], item: dict[str, Any], raw: Any) -> tuple[Any, str]:
    """The answer in its stored form, or an error message."""
    kind = item["type"]
    if _empty(raw):
        return None, ""
    if kind in ("select_one", "rating", YES_NO_UNKNOWN):
        allowed = {c["name"] for c in choices_for(definition, item)}
        value = str(raw)
        return (value, "") if value in allowed else (None, _("Choose one of the listed options."))
    if kind == "select_multiple":
        allowed = {c["name"] for c in choices_for(definition, item)}
        values = raw if isinstance(raw, list) else str(raw).split()
        values = [str(v) for v in values]
        if not set(values) <= allowed:
            return None, _("Choose among the listed options.")
        order = [c["name"] for c in choices_for(definition, item)]
        return sorted(set(values), key=order.index), ""
    if kind == "integer":
        try:
            number = float(str(raw).strip())
        except ValueError:
            return None, _("Give a whole number.")
        if not number.is_integer() or abs(number) > 10**9:
            return None, _("Give a whole number.")
        return int(number), ""
    if kind == "decimal":
        try:
            number = float(str(raw).strip())
        except ValueError:
            return None, _("Give a number.")
        if number != number or abs(number) > 10**12:  # NaN or absurd
            return None, _("Give a number.")
        return number, ""
    if kind == "date":
        try:
            day = datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            return None, _("Give a date (year-month-day).")
        return day.isoformat(), ""
    text = str(raw).strip()
    if len(text) > MAX_TEXT:
        return None, _("This is too long.")
    return text or None, ""


def relevant_items(definition: dict[str, Any], answers: dict[str, Any]) -> set[str]:
    """Names of the items skip logic shows, given these answers (in document order, so an
    item hidden earlier counts as unanswered for the items after it)."""
    shown: set[str] = set()
    seen = dict(answers)
    for section in sections(definition):
        section_on = expressions.holds(section.get("relevant") or "", seen)
        for item in section.get("items") or []:
            if section_on and expressions.holds(item.get("relevant") or "", seen):
                shown.add(item["name"])
            else:
                seen.pop(item["name"], None)
    return shown


def check_answers(
    definition: dict[str, Any], answers: dict[str, Any], *, complete: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean ``answers``: drop unknown and hidden items, type each answer, check constraints
    and (when ``complete``) required items. Returns the clean answers and, per item name,
    what is wrong."""
    by_name = item_map(definition)
    typed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in answers.items():
        item = by_name.get(name)
        if item is None:
            continue
        value, error = _coerce(definition, item, raw)
        if error:
            errors[name] = error
        elif value is not None:
            typed[name] = value
    shown = relevant_items(definition, typed)
    clean = {name: value for name, value in typed.items() if name in shown}
    errors = {name: message for name, message in errors.items() if name in shown}
    for name in shown:
        item = by_name[name]
        if name in errors:
            continue
        value = clean.get(name)
        if value is None:
            if complete and item.get("required"):
                errors[name] = _("This question needs an answer.")
            continue
        constraint = item.get("constraint") or ""
        if constraint and not expressions.holds(constraint, clean, value):
            errors[name] = label(item.get("constraint_message")) or _(
                "This answer is outside what the question allows."
            )
    return clean, errors


def answer_text(definition: dict[str, Any], item: dict[str, Any], value: Any) -> str:
    """An answer as the reader sees it: choice labels instead of names."""
    if _empty(value):
        return ""
    if item.get("type") in CHOICE_TYPES | {YES_NO_UNKNOWN}:
        labels = {c["name"]: label(c.get("label")) for c in choices_for(definition, item)}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def proposes_goal(item: dict[str, Any], value: Any) -> bool:
    """Does this answer mark a factor or need as present, proposing a plan goal?"""
    rule = item.get("propose_goal") or ""
    if not rule or _empty(value):
        return False
    return expressions.holds(rule, {}, value)
