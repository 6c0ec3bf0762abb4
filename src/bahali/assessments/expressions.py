"""A small, safe evaluator for the XLSForm expressions instruments use: skip logic
(``relevant``) and answer checks (``constraint``).

It understands the common cases and nothing else, and never calls ``eval``:
``${name}`` references, ``.`` (the answer being checked), quoted strings, numbers,
``=  !=  >  <  >=  <=``, ``and``, ``or``, ``not(...)``, ``selected(${name}, 'value')``,
``count-selected(${name})``, ``string-length(.)`` and parentheses. Anything else is refused
when the definition is checked, so a form never meets an expression it cannot evaluate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


class ExpressionError(ValueError):
    """The expression is not one this evaluator understands."""


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.-]*\})
    |(?P<string>'[^']*'|"[^"]*")
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<op>!=|>=|<=|=|>|<)
    |(?P<punct>[(),])
    |(?P<word>[A-Za-z][A-Za-z0-9_-]*)
    |(?P<dot>\.)
    )""",
    re.VERBOSE,
)
FUNCTIONS = {"not", "selected", "count-selected", "string-length"}


@dataclass(frozen=True)
class Token:
    kind: str
    value: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(
                _("Cannot read the expression from “%(rest)s”.") % {"rest": text[position:]}
            )
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


# The parsed tree: tuples, so it is hashable and easy to walk.
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str | None = None, value: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kind and token.kind != kind) or (value and token.value != value):
            wanted = value or kind or ""
            raise ExpressionError(
                _("Expected “%(wanted)s” in the expression.") % {"wanted": wanted}
            )
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek() is not None:
            raise ExpressionError(
                _("Unexpected “%(token)s” in the expression.") % {"token": self.peek().value}  # type: ignore[union-attr]
            )
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while (token := self.peek()) is not None and token.kind == "word" and token.value == "or":
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.comparison()
        while (token := self.peek()) is not None and token.kind == "word" and token.value == "and":
            self.take()
            node = ("and", node, self.comparison())
        return node

    def comparison(self) -> Node:
        node = self.operand()
        token = self.peek()
        if token is not None and token.kind == "op":
            self.take()
            node = ("cmp", token.value, node, self.operand())
        return node

    def operand(self) -> Node:
        token = self.take()
        if token.kind == "ref":
            return ("ref", token.value[2:-1])
        if token.kind == "dot":
            return ("self",)
        if token.kind == "string":
            return ("const", token.value[1:-1])
        if token.kind == "number":
            return ("const", float(token.value))
        if token.kind == "punct" and token.value == "(":
            node = self.disjunction()
            self.take("punct", ")")
            return node
        if token.kind == "word" and token.value in FUNCTIONS:
            self.take("punct", "(")
            arguments = [self.disjunction()]
            while (nxt := self.peek()) is not None and nxt.value == ",":
                self.take()
                arguments.append(self.disjunction())
            self.take("punct", ")")
            expected = 2 if token.value == "selected" else 1
            if len(arguments) != expected:
                raise ExpressionError(
                    _("%(function)s() takes %(count)d argument(s).")
                    % {"function": token.value, "count": expected}
                )
            return ("call", token.value, *arguments)
        if token.kind == "word" and token.value in {"true", "false"}:
            self.take("punct", "(")
            self.take("punct", ")")
            return ("const", token.value == "true")
        raise ExpressionError(
            _("“%(token)s” is not supported in expressions.") % {"token": token.value}
        )


def parse(text: str) -> Node:
    """Parse ``text`` or raise ExpressionError saying what is wrong."""
    return _Parser(tokenize(text)).parse()


def references(node: Node) -> set[str]:
    """The item names an expression reads."""
    if node[0] == "ref":
        return {node[1]}
    found: set[str] = set()
    for part in node[1:]:
        if isinstance(part, tuple):
            found |= references(part)
    return found


def uses_self(node: Node) -> bool:
    return node[0] == "self" or any(isinstance(p, tuple) and uses_self(p) for p in node[1:])


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        pair: tuple[Any, Any] = (a, b)
    elif op in {"=", "!="}:
        pair = (_text(left), _text(right))
    else:  # ordering of texts: dates in ISO form order correctly as strings
        if left in (None, "") or right in (None, ""):
            return False
        pair = (_text(left), _text(right))
    x, y = pair
    return {
        "=": x == y,
        "!=": x != y,
        ">": x > y,
        "<": x < y,
        ">=": x >= y,
        "<=": x <= y,
    }[op]


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "" or value == []:
        return False
    number = _number(value)
    return number != 0 if number is not None else True


def evaluate(node: Node, answers: dict[str, Any], current: Any = None) -> Any:
    """Evaluate a parsed expression over ``answers`` (``current`` is ``.``)."""
    kind = node[0]
    if kind == "const":
        return node[1]
    if kind == "ref":
        return answers.get(node[1])
    if kind == "self":
        return current
    if kind == "and":
        return _truthy(evaluate(node[1], answers, current)) and _truthy(
            evaluate(node[2], answers, current)
        )
    if kind == "or":
        return _truthy(evaluate(node[1], answers, current)) or _truthy(
            evaluate(node[2], answers, current)
        )
    if kind == "cmp":
        return _compare(
            node[1], evaluate(node[2], answers, current), evaluate(node[3], answers, current)
        )
    if kind == "call":
        name = node[1]
        first = evaluate(node[2], answers, current)
        if name == "not":
            return not _truthy(first)
        if name == "selected":
            wanted = _text(evaluate(node[3], answers, current))
            chosen = first if isinstance(first, list) else _text(first).split()
            return wanted in chosen
        if name == "count-selected":
            return float(len(first) if isinstance(first, list) else len(_text(first).split()))
        if name == "string-length":
            return float(len(_text(first)))
    raise ExpressionError(kind)  # unreachable for trees made by parse()


def holds(text: str, answers: dict[str, Any], current: Any = None) -> bool:
    """Does the expression hold? An empty expression always does."""
    if not text or not text.strip():
        return True
    return _truthy(evaluate(parse(text), answers, current))
