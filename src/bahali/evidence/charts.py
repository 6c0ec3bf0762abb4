"""Charts drawn by the app itself, as SVG on the server: no script, no library, no CDN.

A survival chart: one step line per group with its 95% band, months along the bottom,
the share without the event up the side. The chart keeps left-to-right time in every
language (its container is marked ``dir="ltr"``); its words are translated, and its data is
always printed beside it as a table (``templates/evidence/_curve_table.html``).

Privacy: a curve is drawn only while at least the minimum cell of people is still at risk
(each later step would be one or two identifiable people); groups smaller than the minimum
are not drawn at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from bahali.evidence.recidivism import Group
from bahali.evidence.survival import Step

COLOURS = ("#1b6b5f", "#b3541e", "#3d5a98", "#7a4f9a", "#8a7a1c", "#a23b5a")
WIDTH, HEIGHT = 640, 340
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 44


def visible_steps(steps: Sequence[Step], k: int) -> list[Step]:
    """The steps shown: those with at least ``k`` people at risk."""
    return [step for step in steps if step.at_risk >= k]


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
        steps = visible_steps(group.curve.steps, k)
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
