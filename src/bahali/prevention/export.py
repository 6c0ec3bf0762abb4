"""The 4W matrix (who, what, where, when) as rows, and as CSV or XLSX.

A cell a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) is written with a leading quote, so an exported name cannot run in the reader's
spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from bahali.core.spreadsheets import safe_cell
from bahali.prevention.services import FundingStatus, funding_statuses


def header() -> list[str]:
    return [
        _("Who (organisation)"),
        _("Partners"),
        _("What (type)"),
        _("Initiative"),
        _("Where (districts)"),
        _("Communities"),
        _("From"),
        _("Until"),
        _("Status"),
        _("Funding"),
    ]


def rows(initiatives: Any) -> Iterator[list[Any]]:
    """One row per initiative (a fixed number of queries)."""
    initiatives = initiatives.select_related("lead_organisation").prefetch_related(
        "partners", "districts", "communities"
    )
    statuses = funding_statuses(initiatives)
    for i in initiatives:
        yield [
            i.lead_organisation.name,
            "; ".join(p.name for p in i.partners.all()),
            str(i.get_kind_display()),
            i.name,
            "; ".join(d.name for d in i.districts.all()),
            "; ".join(c.name for c in i.communities.all()),
            i.starts_on.isoformat(),
            i.ends_on.isoformat() if i.ends_on else "",
            str(i.get_status_display()),
            str(FundingStatus.LABELS[statuses[i.pk]]),
        ]


def as_csv(initiatives: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header())
    for row in rows(initiatives):
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(initiatives: Any) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("4W matrix")[:31])
    sheet.append(header())
    for row in rows(initiatives):
        sheet.append([safe_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
