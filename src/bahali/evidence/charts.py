"""Charts drawn by the app itself, as SVG on the server: no script, no library, no CDN.

A survival chart: one step line per group with its 95% band, months along the bottom,
the share without the event up the side. The chart keeps left-to-right time in every
language (its container is marked ``dir="ltr"``); its words are translated, and its data is
always printed beside it as a table (``templates/evidence/_curve_table.html``).

Privacy: a curve is drawn by whole month (``monthly_steps``), and only while at least the
minimum cell of people is still at risk (each later step would be one or two identifiable
people); groups smaller than the minimum are not drawn at all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from bahali.evidence.recidivism import Group
from bahali.evidence.survival import Step

COLOURS = ("#1b6b5f", "#b3541e", "#3d5a98", "#7a4f9a", "#8a7a1c", "#a23b5a")
WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 44


def visible_steps(steps: Sequence[Step], k: int) -> list[Step]:
    """The steps with at least ``k`` people at risk."""
    return [step for step in steps if step.at_risk >= k]


def monthly_steps(steps: Sequence[Step], k: int) -> list[Step]:
    """What a chart or the API shows of a curve: its value at each whole month where it
    changed (the steps up to and including that month), while at least ``k`` are at risk.
    Never a step's exact time: with the number at risk, each would be one person's event
    and the day it happened."""
    shown: list[Step] = []
    for step in visible_steps(steps, k):
        month = float(math.ceil(step.time))
        if shown and shown[-1].time == month:
            shown[-1] = dataclasses.replace(step, time=month)
        else:
            shown.append(dataclasses.replace(step, time=month))
    return shown


def survival_svg(groups: Sequence[Group], k: int, months: int = 48, title: str = "") -> str:
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(month: float) -> float:
        return LEFT + plot_w * min(month, months) / months

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="km-title" class="bahali-chart" '
        f'font-family="inherit" font-size="12">',
        f'<title id="km-title">{escape(title)}</title>',
    ]
    # grid and axes
    for tick in range(0, 11, 2):
        share = tick / 10
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(share):.1f}" y2="{y(share):.1f}" '
            f'stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y(share) + 4:.1f}" text-anchor="end">{tick * 10}%</text>'
        )
    for month in range(0, months + 1, 6):
        parts.append(
            f'<line x1="{x(month):.1f}" x2="{x(month):.1f}" y1="{TOP + plot_h}" '
            f'y2="{TOP + plot_h + 4}" stroke="#666"/>'
            f'<text x="{x(month):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{month}</text>'
        )
    axis = escape(_("Months since return"))
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{axis}</text>'
    )
    for n, group in enumerate(groups):
        if group.curve.subjects < k:
            continue
        colour = COLOURS[n % len(COLOURS)]
        steps = monthly_steps(group.curve.steps, k)
        if not steps:
            continue
        end = min(steps[-1].time, months)
        line = [(0.0, 1.0)]
        upper = [(0.0, 1.0)]
        lower = [(0.0, 1.0)]
        for step in steps:
            if step.time > months:
                break
            line += [(step.time, line[-1][1]), (step.time, step.survival)]
            upper += [(step.time, upper[-1][1]), (step.time, step.upper)]
            lower += [(step.time, lower[-1][1]), (step.time, step.lower)]
        line.append((end, line[-1][1]))
        upper.append((end, upper[-1][1]))
        lower.append((end, lower[-1][1]))
        band = upper + list(reversed(lower))
        parts.append(
            f'<polygon fill="{colour}" fill-opacity="0.15" stroke="none" points="'
            + " ".join(f"{x(t):.1f},{y(s):.1f}" for t, s in band)
            + '"/>'
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
            + " ".join(f"{x(t):.1f},{y(s):.1f}" for t, s in line)
            + f'"><title>{escape(group.label)}</title></polyline>'
        )
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#666"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def legend(groups: Sequence[Group], k: int) -> list[dict[str, object]]:
    return [
        {"label": g.label, "colour": COLOURS[n % len(COLOURS)], "drawn": g.curve.subjects >= k}
        for n, g in enumerate(groups)
    ]


# --- the manager's dashboard: a funnel of horizontal bars, and trends by quarter ----------

BAR = "#1b6b5f"


def _svg_open(
    width: int, height: int, chart_id: str, title: str, rtl: bool = False, font_size: int = 12
) -> list[str]:
    direction = ' direction="rtl"' if rtl else ""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title" class="bahali-chart" '
        f'font-family="inherit" font-size="{font_size}"{direction}>',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]


def bars_svg(
    rows: Sequence[tuple[str, int]], *, chart_id: str, title: str, rtl: bool = False
) -> str:
    """Horizontal bars, one a row, the count printed at the bar's end. In a right-to-left
    language the labels stand on the right and the bars grow leftwards, as the page reads."""
    # narrow, so that on a phone the words stay legible: the chart scales to its box
    width, row_h, label_w, pad = 480, 28, 200, 6
    height = max(len(rows), 1) * row_h + 2 * pad
    top = max((n for _label, n in rows), default=0) or 1
    plot_w = width - label_w - 3 * pad - 30
    parts = _svg_open(width, height, chart_id, title, rtl, font_size=14)
    for i, (label, n) in enumerate(rows):
        y = pad + i * row_h
        length = plot_w * n / top
        if rtl:
            label_x, label_anchor = width - pad, "start"  # "start" is the right in rtl
            bar_x = width - label_w - 2 * pad - length
            value_x, value_anchor = bar_x - 4, "start"
        else:
            label_x, label_anchor = pad, "start"
            bar_x = label_w + 2 * pad
            value_x, value_anchor = bar_x + length + 4, "start"
        parts.append(
            f'<text x="{label_x}" y="{y + 19}" text-anchor="{label_anchor}">{escape(label)}</text>'
            f'<rect x="{bar_x:.1f}" y="{y + 5}" width="{length:.1f}" height="{row_h - 10}" '
            f'fill="{BAR}"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{value_x:.1f}" y="{y + 19}" text-anchor="{value_anchor}">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def nice_top(value: float) -> float:
    """The axis's top: the value rounded up to 4 ticks of 1, 2, 2.5 or 5 times a power of
    ten (so ticks read 0, 5, 10, 15, 20 rather than 0, 2, 4, 7, 9)."""
    if value <= 0:
        return 4.0
    step = value / 4
    power = 10 ** math.floor(math.log10(step))
    for factor in (1, 2, 2.5, 5, 10):
        if step <= factor * power:
            return max(4 * factor * power, 4.0)
    return 4 * 10 * power


def trend_svg(
    points: Sequence[tuple[str, float | None]],
    *,
    chart_id: str,
    title: str,
    share: bool = False,
    ticks: Sequence[tuple[str, str]] = (),
) -> str:
    """Columns by quarter, oldest on the left (time runs left to right in every language,
    as in the survival chart; the page marks the box ``dir="ltr"``). A share is drawn on a
    0–100% scale; a quarter without a figure has no column and reads "—"."""
    width, height = 480, 210
    left, right, top, bottom = 44, 8, 14, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _label, v in points if v is not None]
    peak = 1.0 if share else nice_top(max(values, default=0))
    parts = _svg_open(width, height, chart_id, title, font_size=13)
    for tick in range(0, 5):
        level = peak * tick / 4
        y = top + plot_h * (1 - tick / 4)
        text = (
            f"{level * 100:.0f}%"
            if share
            else f"{level:,.0f}"
            if level == int(level)
            else f"{level:,.1f}"
        )
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
        )
    slot = plot_w / max(len(points), 1)
    for i, (label, value) in enumerate(points):
        x = left + i * slot
        # under each column its short name (the quarter's number), and the year under the
        # first of each year
        short, year = ticks[i] if i < len(ticks) else (label, "")
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - 22}" text-anchor="middle" '
            f'font-size="12">{escape(short)}</text>'
        )
        if year:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                f'font-size="12" fill="#555">{escape(year)}</text>'
            )
        if value is None:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{top + plot_h - 4}" text-anchor="middle">—</text>'
            )
            continue
        h = plot_h * (value / peak if peak else 0)
        shown = f"{value * 100:.0f}%" if share else f"{value:,.0f}"
        # the figure above its column; a column too tall for that (a share of 100%) has it
        # inside, in white (over the bar's top in black it was hard to read)
        inside = top + plot_h - h - 4 < top + 10
        label_y = top + plot_h - h + 14 if inside else top + plot_h - h - 4
        colour = ' fill="#fff"' if inside else ""
        parts.append(
            f'<rect x="{x + slot * 0.2:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {shown}</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{label_y:.1f}" '
            f'text-anchor="middle" font-size="12"{colour}>{shown}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="#666"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
