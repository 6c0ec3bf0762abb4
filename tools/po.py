"""Translation catalogue chores, without extra dependencies.

    python tools/po.py missing ur > missing-ur.json   # untranslated and fuzzy entries
    python tools/po.py fill ur filled-ur.json         # write translations back

``missing`` prints a JSON list of ``{"context", "id", "plural", "fuzzy_guess"}``; ``fill``
reads the same list with ``"str"`` (a string, or a list of plural forms) added and writes
those entries into ``src/bahali/locale/<lang>/LC_MESSAGES/django.po``, clearing their fuzzy
flags. Run ``make messages`` before (to collect) and after (to compile).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "src" / "bahali" / "locale"


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    context: str | None = None
    id: str = ""
    plural: str | None = None
    strs: dict[int, str] = field(default_factory=dict)

    @property
    def fuzzy(self) -> bool:
        return any(line.startswith("#,") and "fuzzy" in line for line in self.comments)

    @property
    def missing(self) -> bool:
        return bool(self.id) and (self.fuzzy or not all(self.strs.values()) or not self.strs)


def _unquote(text: str) -> str:
    return json.loads(text)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            if current.comments or current.id or current.strs:
                entries.append(current)
            current, target = Entry(), None
            continue
        if line.startswith("#"):
            current.comments.append(line)
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = _unquote(line)
            if target is None:
                raise ValueError(f"a continued string follows no keyword: {raw}")
            name, index = target
            if name == "msgctxt":
                current.context = (current.context or "") + value
            elif name == "msgid":
                current.id += value
            elif name == "msgid_plural":
                current.plural = (current.plural or "") + value
            else:
                current.strs[index] = current.strs.get(index, "") + value
            continue
        found = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgctxt":
            target, current.context = ("msgctxt", 0), _unquote(rest)
        elif keyword == "msgid":
            target, current.id = ("msgid", 0), _unquote(rest)
        elif keyword == "msgid_plural":
            target, current.plural = ("msgid_plural", 0), _unquote(rest)
        elif keyword == "msgstr":
            target, current.strs[0] = ("msgstr", 0), _unquote(rest)
        elif found:
            index = int(found.group(1))
            target, current.strs[index] = ("msgstr", index), _unquote(rest)
        else:
            raise ValueError(f"cannot read: {raw}")
    if current.comments or current.id or current.strs:
        entries.append(current)
    return entries


def render(entries: list[Entry]) -> str:
    blocks = []
    for entry in entries:
        lines = list(entry.comments)
        if entry.context is not None:
            lines.append(f"msgctxt {_quote(entry.context)}")
        if entry.id or entry.strs:
            lines.append(f"msgid {_quote(entry.id)}" if entry.id else 'msgid ""')
            if entry.plural is not None:
                lines.append(f"msgid_plural {_quote(entry.plural)}")
                for index in sorted(entry.strs):
                    lines.append(f"msgstr[{index}] {_quote(entry.strs[index])}")
            elif not entry.id:  # the header keeps its one-line-per-field layout
                lines.append('msgstr ""')
                lines += [_quote(part) for part in entry.strs[0].splitlines(keepends=True)]
            else:
                lines.append(f"msgstr {_quote(entry.strs.get(0, ''))}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def catalogue(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def missing(lang: str) -> list[dict[str, object]]:
    return [
        {
            "context": entry.context,
            "id": entry.id,
            "plural": entry.plural,
            "fuzzy_guess": entry.strs if entry.fuzzy else None,
        }
        for entry in parse(catalogue(lang))
        if entry.missing
    ]


def fill(lang: str, filled: list[dict[str, object]]) -> int:
    path = catalogue(lang)
    entries = parse(path)
    wanted = {(item["context"], item["id"]): item["str"] for item in filled if item.get("str")}
    done = 0
    for entry in entries:
        value = wanted.get((entry.context, entry.id))
        if value is None:
            continue
        forms = value if isinstance(value, list) else [value]
        if entry.plural is not None:
            count = max(len(entry.strs), 2)
            forms = (forms * count)[:count] if len(forms) < count else forms
            entry.strs = {index: str(form) for index, form in enumerate(forms)}
        else:
            entry.strs = {0: str(forms[0])}
        entry.comments = [
            line
            for line in entry.comments
            if not line.startswith("#|")
            and not (line.startswith("#,") and line.replace("fuzzy", "").strip(" ,#") == "")
        ]
        entry.comments = [
            line.replace(", fuzzy", "").replace("fuzzy, ", "") if line.startswith("#,") else line
            for line in entry.comments
        ]
        done += 1
    path.write_text(render(entries), encoding="utf-8")
    return done


def main() -> None:
    command, lang, *rest = sys.argv[1:]
    if command == "missing":
        json.dump(missing(lang), sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif command == "fill":
        filled = json.loads(Path(rest[0]).read_text(encoding="utf-8"))
        print(f"{fill(lang, filled)} entries written to {catalogue(lang)}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
