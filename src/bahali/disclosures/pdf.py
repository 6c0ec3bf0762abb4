"""The subject-access bundle as a PDF (fpdf2, shaped with HarfBuzz through uharfbuzz).

Urdu and Pashto names need a font with Arabic script and shaping. The pinned front-end
font (``@fontsource/noto-naskh-arabic``, served to browsers) ships WOFF files only, which
fpdf2 does not read; fontTools (already installed with fpdf2) unwraps WOFF 1.0 (zlib, no
Brotli needed) into a plain TrueType file once, kept under ``BAHALI_VAR_DIR/fonts``. The
Latin subset is the main font and the Arabic subset its fallback, so each run of text gets
glyphs from the font that has them, and HarfBuzz joins the Arabic letters.

The PDF's labels are in English (a page laid out right to left is not attempted); names,
notes and answers are printed as recorded, in whichever script.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF

# fontTools reports every glyph subset at INFO: nothing an operator needs in the logs
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_FILES = {
    ("latin", ""): "noto-naskh-arabic-latin-400-normal.woff",
    ("latin", "B"): "noto-naskh-arabic-latin-700-normal.woff",
    ("naskh", ""): "noto-naskh-arabic-arabic-400-normal.woff",
    ("naskh", "B"): "noto-naskh-arabic-arabic-700-normal.woff",
}


def _font_source(woff_name: str) -> Path:
    """The pinned WOFF file, found where the static files are (``vendor/noto-naskh-arabic``)."""
    found = finders.find(f"vendor/noto-naskh-arabic/files/{woff_name}")
    if not found:
        raise FileNotFoundError(woff_name)
    return Path(found if isinstance(found, str) else found[0])


def font_path(woff_name: str) -> Path:
    """A TrueType copy of the pinned WOFF font ``woff_name``, made once."""
    target = Path(settings.VAR_DIR) / "fonts" / woff_name.replace(".woff", ".ttf")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(_font_source(woff_name))
        font.flavor = None
        partial = target.with_suffix(".part")
        font.save(partial)
        partial.replace(target)  # never a half-written font for a concurrent request
    return target


class _Document(FPDF):
    def __init__(self, code: str) -> None:
        super().__init__(format="A4")
        self.code = code
        for (family, style), name in FONT_FILES.items():
            self.add_font(family, style=style, fname=str(font_path(name)))
        self.set_fallback_fonts(["naskh"], exact_match=False)
        self.set_text_shaping(True)
        self.set_auto_page_break(True, margin=15)
        self.set_title(f"Subject access: {code}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("latin", size=8)
        self.cell(0, 6, f"{self.code} · page {self.page_no()}/{{nb}}", align="C")


def _heading(pdf: _Document, text: str, size: int = 13) -> None:
    pdf.ln(2)
    pdf.set_font("latin", "B", size)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("latin", size=10)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


LABELS = {
    "cnic": "CNIC",
    "name_native": "Name (Urdu/Pashto)",
    "father_name": "Father's name",
    "father_name_native": "Father's name (Urdu/Pashto)",
    "amount_pkr": "Amount (PKR)",
}


def _fields(pdf: _Document, row: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    for key, value in row.items():
        if key in skip:
            continue
        label = LABELS.get(key) or key.replace("_", " ").capitalize()
        pdf.set_font("latin", "B", 10)
        pdf.cell(45, 6, label)
        pdf.set_font("latin", size=10)
        pdf.multi_cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")


def _rows(pdf: _Document, title: str, rows: list[dict[str, Any]]) -> None:
    _heading(pdf, title, 11)
    if not rows:
        pdf.multi_cell(0, 6, "None.", new_x="LMARGIN", new_y="NEXT")
        return
    for index, row in enumerate(rows, 1):
        pdf.set_font("latin", "B", 10)
        pdf.cell(0, 6, f"{index}.", new_x="LMARGIN", new_y="NEXT")
        _fields(pdf, row)


def render(bundle: dict[str, Any]) -> bytes:
    """The bundle (``services.build_bundle``) laid out as an A4 PDF."""
    return bytes(layout(bundle).output())


def layout(bundle: dict[str, Any]) -> FPDF:
    """The bundle laid out, before it is written out."""
    code = bundle["participant"]["code"]
    pdf = _Document(code)
    pdf.add_page()
    _heading(pdf, f"Everything Bahali holds about {code}", 16)
    pdf.multi_cell(
        0,
        6,
        f"Produced {bundle['produced_at']} by {bundle['produced_by']}"
        f" ({bundle['organisation'] or '—'}). Reason: {bundle['reason']}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _heading(pdf, "The record")
    _fields(pdf, bundle["participant"])
    _heading(pdf, "Identity")
    _fields(pdf, bundle["identity"])
    _heading(pdf, "Organisations working with the person")
    pdf.multi_cell(0, 6, _text(", ".join(bundle["organisations"])), new_x="LMARGIN", new_y="NEXT")
    _rows(pdf, "Consent", bundle["consents"])
    _rows(pdf, "Pledge renouncing violence", bundle["pledges"])
    for number, case in enumerate(bundle["cases"], 1):
        pdf.add_page()
        _heading(pdf, f"Case {number}: {case['programme']}", 14)
        _fields(
            pdf,
            case,
            skip=(
                "phase_history",
                "team",
                "plan",
                "sessions",
                "notes",
                "assessments",
                "referrals",
                "support",
                "left_out",
            ),
        )
        for key, title in (
            ("phase_history", "Phase history"),
            ("team", "Team"),
            ("plan", "Plan"),
            ("sessions", "Sessions attended"),
            ("notes", "Notes"),
            ("assessments", "Assessments"),
            ("referrals", "Referrals to services"),
            ("support", "Material support"),
        ):
            _rows(pdf, title, case[key])
        _heading(pdf, "Left out of this bundle", 11)
        left = case["left_out"]
        pdf.multi_cell(
            0,
            6,
            f"Clinical notes: {left['clinical_notes']} (released by the person's psychologist). "
            f"Security notes: {left['security_notes']} (security exemption). "
            f"Draft assessments: {left['draft_assessments']}. "
            f"Relatives recorded: {left['relatives']} (their own data).",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.add_page()
    _rows(pdf, "Who saw the data, and why", bundle["disclosures"])
    return pdf
