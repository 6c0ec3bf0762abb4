"""Every string is translated into Urdu and Pashto, and the compiled catalogues are current."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def read_po(path: Path) -> list[dict[str, object]]:
    """A small reader for the .po files we write: msgid, msgid_plural, msgstr[n]."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if current:
                entries.append(current)
                current, key = {}, ""
            continue
        if line.startswith('"'):
            current[key] = str(current[key]) + _unquote(line)
            continue
        key, _, value = line.partition(" ")
        current[key] = _unquote(value)
    if current:
        entries.append(current)
    return [entry for entry in entries if entry.get("msgid")]


@pytest.mark.parametrize("language", ["ur", "ps"])
def test_every_message_is_translated_with_its_placeholders(language):
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 200
    for entry in entries:
        msgid = str(entry["msgid"])
        translations = [v for k, v in entry.items() if k.startswith("msgstr")]
        assert translations and all(translations), f"untranslated in {language}: {msgid!r}"
        if "msgid_plural" in entry:
            # Plural forms: each may leave out the count its English singular leaves out, but
            # together they carry every placeholder and none that English lacks.
            allowed = set(PLACEHOLDER.findall(msgid + str(entry["msgid_plural"])))
            found = [set(PLACEHOLDER.findall(str(text))) for text in translations]
            assert all(each <= allowed for each in found), (language, msgid)
            assert set().union(*found) == allowed, (language, msgid)
            continue
        wanted = sorted(PLACEHOLDER.findall(msgid))
        for text in translations:
            assert sorted(PLACEHOLDER.findall(str(text))) == wanted, (language, msgid)


@pytest.mark.parametrize("language", ["ur", "ps"])
def test_compiled_catalogue_matches_the_source(language):
    entries = read_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    with translation.override(language):
        for entry in entries:
            if "msgid_plural" in entry or "msgctxt" in entry:
                continue
            assert translation.gettext(str(entry["msgid"])) == entry["msgstr"], (
                "stale .mo: run `make messages`"
            )


def test_pashto_and_urdu_are_right_to_left():
    assert translation.get_language_info("ur")["bidi"]
    assert translation.get_language_info("ps")["bidi"]
    assert not translation.get_language_info("en")["bidi"]
    for language, bidi in [("ur", True), ("ps", True), ("en", False)]:
        with translation.override(language):
            assert translation.get_language_bidi() is bidi, language


@pytest.mark.parametrize("language", ["ur", "ps"])
def test_pages_in_urdu_and_pashto_are_laid_out_right_to_left(client, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/accounts/sign-in/"})
    page = client.get("/accounts/sign-in/").content.decode()
    assert f'<html lang="{language}" dir="rtl">' in page
    assert "bootstrap.rtl.min" in page
