"""The oversight report as a printable PDF, drawn with fpdf2 in the reader's language.

Urdu and Pashto need an Arabic-script font with its shaping (joined letters, right-to-left):
the app serves Noto Naskh Arabic (``@fontsource/noto-naskh-arabic``, WOFF files fpdf2 reads
through fontTools) and shapes text with HarfBuzz (``uharfbuzz``). In a right-to-left
language the tables run from the right. Should the font files be missing from a deployment,
the report is printed in English with the PDF's built-in font rather than as unreadable
boxes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from bahali.evidence.oversight import Report

# fontTools reports every table it subsets at INFO: hundreds of log lines a report
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = "vendor/noto-naskh-arabic/files/"
FONTS = {
    # family, style → (Arabic-script file, Latin file)
    "": ("noto-naskh-arabic-arabic-400-normal.woff", "noto-naskh-arabic-latin-400-normal.woff"),
    "B": ("noto-naskh-arabic-arabic-700-normal.woff", "noto-naskh-arabic-latin-700-normal.woff"),
}


def _font_files() -> dict[str, tuple[Path, Path]] | None:
    found: dict[str, tuple[Path, Path]] = {}
    for style, names in FONTS.items():
        paths = [finders.find(FONT_DIR + name) for name in names]
        if not all(isinstance(p, str) and Path(p).is_file() for p in paths):
            return None
        found[style] = (Path(str(paths[0])), Path(str(paths[1])))
    return found


class _Document:
    """A thin layer over FPDF: headings, paragraphs and tables that mirror in RTL."""

    def __init__(self, rtl: bool, fonts: dict[str, tuple[Path, Path]] | None) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_margins(14, 14, 14)
        self.rtl = rtl
        if fonts:
            for style, (arabic, latin) in fonts.items():
                self.pdf.add_font("naskh", style=style, fname=str(arabic))
                self.pdf.add_font("naskh-latin", style=style, fname=str(latin))
            self.family = "naskh-latin"
            self.pdf.set_fallback_fonts(["naskh"])
            self.pdf.set_text_shaping(True)
        else:
            self.family = "helvetica"
        self.align = "R" if rtl else "L"
        self.pdf.add_page()
        self.font(10)

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, style="B" if bold else "", size=size)

    def text(self, value: Any, size: float = 10, bold: bool = False, gap: float = 1) -> None:
        self.font(size, bold)
        self.pdf.multi_cell(0, size * 0.5, str(value), align=self.align, new_x="LMARGIN")
        self.pdf.ln(gap)

    def heading(self, value: Any) -> None:
        self.pdf.ln(3)
        self.text(value, size=13, bold=True, gap=2)

    def table(
        self,
        header: Sequence[Any],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float],
        numeric: Sequence[int] = (),
    ) -> None:
        """A table; ``numeric`` columns are right-aligned (left in RTL, as the text runs)."""
        from fpdf.fonts import FontFace

        order = list(range(len(header)))
        if self.rtl:
            order.reverse()
        aligns = [
            ("L" if self.rtl else "R") if i in numeric else self.align for i in range(len(header))
        ]
        self.font(9)
        with self.pdf.table(
            col_widths=[widths[i] for i in order],
            text_align=tuple(aligns[i] for i in order),
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 240, 238)),
            line_height=4.6,
            padding=1,
        ) as table:
            line = table.row()
            for i in order:
                line.cell(str(header[i]))
            for values in rows:
                line = table.row()
                for i in order:
                    line.cell(str(values[i]))
        self.pdf.ln(2)

    def pairs(self, rows: Sequence[tuple[Any, Any]]) -> None:
        self.table([_("Figure"), _("Value")], [(a, b) for a, b in rows], (130, 50), numeric=(1,))

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _day(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _moment(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


def _value(value: Any) -> str:
    return "—" if value is None else str(value)


def oversight_pdf(report: Report, printed_by: str) -> bytes:
    fonts = _font_files()
    if fonts is None:
        with translation.override("en"):
            return _draw(report, printed_by, rtl=False, fonts=None)
    return _draw(report, printed_by, rtl=translation.get_language_bidi(), fonts=fonts)


def _draw(
    report: Report, printed_by: str, rtl: bool, fonts: dict[str, tuple[Path, Path]] | None
) -> bytes:
    doc = _Document(rtl, fonts)
    doc.text(_("Oversight report"), size=18, bold=True, gap=2)
    doc.text(
        _("Period: %(start)s to %(end)s. Printed on %(today)s by %(user)s.")
        % {
            "start": _day(report.start),
            "end": _day(report.end),
            "today": _day(report.today),
            "user": printed_by,
        }
    )
    doc.text(
        _(
            "For the oversight body. Counts are not suppressed and cases are named by their "
            "pseudonymous code: keep this report as you keep case records; publish figures "
            "through a release."
        ),
        size=9,
    )

    g = report.gates
    doc.heading(_("Gate decisions and overrides"))
    doc.pairs(
        [
            (_("Gate decisions"), g["decisions"]),
            (_("With civilian approval"), g["civilian"]),
            (_("Receiving community approved"), g["community"]),
            (_("With an objection"), g["objected"]),
            (_("Overridden"), g["overridden"]),
        ]
    )
    if report.overrides.rows:
        doc.table(
            [
                _("Decided"),
                _("Case"),
                _("Gate"),
                _("Overridden by"),
                _("Override document"),
                _("Reason"),
            ],
            [
                (
                    _day(timezone.localtime(r.decided_at).date() if r.decided_at else None),
                    r.case.participant.code,
                    f"{r.transition.from_phase.label} – {r.transition.to_phase.label}",
                    r.overridden_by.get_full_name() or r.overridden_by.username,
                    r.override_reference or "—",
                    r.override_reason or "—",
                )
                for r in report.overrides.rows
            ],
            (20, 28, 30, 28, 32, 44),
        )
    _left_out(doc, report.overrides.left_out)

    e = report.emergency
    doc.heading(_("Emergency (break-the-glass) accesses"))
    doc.pairs(
        [
            (_("Accesses opened"), e["opened"]),
            (_("Cases opened so"), e["cases"]),
            (_("Reviewed"), e["reviewed"]),
            (_("Not yet reviewed"), e["unreviewed"]),
            (_("Still running"), e["running"]),
            (_("To a juvenile's case"), e["juvenile"]),
        ]
    )
    if report.accesses.rows:
        doc.table(
            [_("Opened"), _("Case"), _("Opened by"), _("Reason"), _("Review")],
            [
                (
                    _moment(a.opened_at),
                    a.case.participant.code,
                    f"{a.membership.user.get_full_name() or a.membership.user.username} "
                    f"({a.membership.organisation.name})",
                    a.reason,
                    (_moment(a.reviewed_at) + (f": {a.review_note}" if a.review_note else ""))
                    if a.reviewed_at
                    else _("not reviewed"),
                )
                for a in report.accesses.rows
            ],
            (26, 28, 40, 48, 40),
        )
    _left_out(doc, report.accesses.left_out)

    r = report.grievances
    doc.heading(_("Grievances"))
    doc.pairs(
        [
            (_("Received"), r["received"]),
            (_("Acknowledged in time"), r["acknowledged_in_time"]),
            (_("Resolved"), r["resolved"]),
            (_("Resolved in time"), r["resolved_in_time"]),
            (_("Open"), r["open"]),
            (_("Overdue (not resolved, past the resolution date)"), r["overdue"]),
            (_("Median days to resolution"), _value(r["median_days"])),
            (_("Longest days to resolution"), _value(r["longest_days"])),
            (_("Days open, the oldest unresolved"), _value(r["oldest_open_days"])),
        ]
    )
    if report.grievance_categories:
        doc.table([_("Category"), _("Received")], report.grievance_categories, (130, 50), (1,))
    if report.grievance_findings:
        doc.table([_("Finding"), _("Grievances")], report.grievance_findings, (130, 50), (1,))

    w = report.withdrawals
    doc.heading(_("Consent withdrawals"))
    doc.pairs(
        [
            (_("Consents withdrawn"), w["withdrawn"]),
            (_("People"), w["people"]),
            (_("Given by a guardian"), w["by_guardian"]),
            (_("Of a juvenile"), w["juvenile"]),
        ]
    )
    if report.withdrawal_purposes:
        doc.table([_("Purpose"), _("Withdrawn")], report.withdrawal_purposes, (130, 50), (1,))
    if report.withdrawn.rows:
        doc.table(
            [_("Withdrawn on"), _("Participant"), _("Purpose"), _("Given by")],
            [
                (
                    _day(c.withdrawn_on),
                    c.participant.code,
                    c.get_purpose_display()
                    + (f" ({c.get_share_with_display()})" if c.share_with else ""),
                    c.get_given_by_display(),
                )
                for c in report.withdrawn.rows
            ],
            (30, 40, 70, 42),
        )
    _left_out(doc, report.withdrawn.left_out)

    doc.heading(_("Longer than expected in a residential phase (today)"))
    if report.long_stays.rows:
        doc.table(
            [_("Case"), _("Phase"), _("Since"), _("Days"), _("Expected"), _("Juvenile")],
            [
                (
                    c.participant.code,
                    f"{c.programme.code} · {c.phase.label}",
                    _day(c.phase_entered_on),
                    c.stay_days,
                    c.phase.expected_days,
                    _("yes") if c.participant.is_juvenile else _("no"),
                )
                for c in report.long_stays.rows
            ],
            (32, 58, 26, 20, 24, 22),
            numeric=(3, 4),
        )
    else:
        doc.text(_("Nobody is in a residential phase longer than expected."))
    _left_out(doc, report.long_stays.left_out)

    j = report.juveniles
    doc.heading(_("Juveniles"))
    doc.pairs(
        [
            (_("Open cases of juveniles (today)"), j["open"]),
            (_("In a residential phase (today)"), j["residential"]),
            (_("Longer than expected in a residential phase"), j["long_stays"]),
            (_("Enrolled in the period"), j["enrolled"]),
            (_("Closed in the period"), j["closed"]),
        ]
    )
    if report.juvenile_phases:
        doc.table([_("Phase"), _("Open cases")], report.juvenile_phases, (130, 50), (1,))

    a = report.audit
    doc.heading(_("The audit chain"))
    rows: list[tuple[Any, Any]] = [(_("Events in the chain"), a.head_seq)]
    if a.verified is not None:
        rows += [
            (_("Last verified"), _moment(a.verified.occurred_at)),
            (_("Verified by"), a.verified.actor_label),
            (_("Result"), _("intact") if a.verified_ok else _("broken")),
            (_("Events checked"), _value(a.checked)),
            (_("Events since"), _value(a.events_since_verification)),
        ]
        if a.first_bad:
            rows.append((_("First bad event"), a.first_bad))
    else:
        rows.append((_("Last verified"), _("never")))
    if a.checkpoint is not None:
        rows += [
            (_("Latest signed checkpoint"), _moment(a.checkpoint.occurred_at)),
            (_("Checkpoint event"), f"#{_value(a.checkpoint_seq)}"),
            (_("Checkpoint hash"), a.checkpoint_hash[:16] + "…"),
            (
                _("The chain still holds the checkpoint"),
                _("yes") if a.checkpoint_holds else _("NO"),
            ),
            (
                _("The last verification reached the checkpoint"),
                _("yes") if a.verification_covers_checkpoint else _("no"),
            ),
        ]
    else:
        rows.append((_("Latest signed checkpoint"), _("none taken")))
    doc.pairs(rows)

    doc.heading(_("Definitions"))
    for line in report.definitions:
        doc.text(f"• {line}", size=8.5)
    return doc.output()


def _left_out(doc: _Document, n: int) -> None:
    if n:
        doc.text(
            _("%(n)s more not listed here; narrow the period to see them.") % {"n": n}, size=8.5
        )
