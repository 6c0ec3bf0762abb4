"""How an assessment reads on a page: its sections and items in the active language, with
answers, errors and skip logic applied, and the case's domain ratings as an inline SVG
chart (drawn on the server: no chart library, nothing from a CDN)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from bahali.assessments import definition as spec
from bahali.assessments.models import Assessment, Band
from bahali.assessments.services import BAND_LEVEL, DomainSeries
from bahali.core.dates import format_day


@dataclass
class ItemView:
    name: str
    type: str
    label: str
    hint: str
    required: bool
    shown: bool
    choices: list[tuple[str, str]]
    value: Any
    text: str  # the answer as read
    error: str = ""
    domain: str = ""

    @property
    def values(self) -> list[str]:
        if isinstance(self.value, list):
            return [str(v) for v in self.value]
        return [] if self.value in (None, "") else [str(self.value)]


@dataclass
class SectionView:
    name: str
    label: str
    shown: bool
    items: list[ItemView] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for item in self.items if item.error)


@dataclass
class DomainView:
    name: str
    label: str
    hint: str
    rating: str
    rationale: str
    error: str = ""

    @property
    def rating_label(self) -> str:
        return str(dict(Band.choices).get(self.rating, ""))


def sections_view(
    definition: dict[str, Any], answers: dict[str, Any], errors: dict[str, str] | None = None
) -> list[SectionView]:
    """Every section and item, marked shown or hidden by skip logic over ``answers``."""
    errors = errors or {}
    shown = spec.relevant_items(definition, answers)
    found = []
    for section in spec.sections(definition):
        items = []
        for item in section.get("items") or []:
            value = answers.get(item["name"])
            items.append(
                ItemView(
                    name=item["name"],
                    type=item["type"],
                    label=spec.label(item.get("label")),
                    hint=spec.label(item.get("hint")),
                    required=bool(item.get("required")),
                    shown=item["name"] in shown,
                    choices=[
                        (c["name"], spec.label(c.get("label")))
                        for c in spec.choices_for(definition, item)
                    ],
                    value=value,
                    text=spec.answer_text(definition, item, value),
                    error=errors.get(item["name"], ""),
                    domain=item.get("domain") or "",
                )
            )
        found.append(
            SectionView(
                name=section["name"],
                label=spec.label(section.get("label")),
                shown=any(item.shown for item in items),
                items=items,
            )
        )
    return found


def domains_view(
    definition: dict[str, Any],
    ratings: dict[str, dict[str, str]],
    errors: dict[str, str] | None = None,
) -> list[DomainView]:
    errors = errors or {}
    return [
        DomainView(
            name=domain["name"],
            label=spec.label(domain.get("label")),
            hint=spec.label(domain.get("hint")),
            rating=(ratings.get(domain["name"]) or {}).get("rating", ""),
            rationale=(ratings.get(domain["name"]) or {}).get("rationale", ""),
            error=errors.get(f"domain:{domain['name']}", ""),
        )
        for domain in spec.rated_domains(definition)
    ]


# --- comparison -----------------------------------------------------------------------


@dataclass(frozen=True)
class CompareRow:
    label: str
    left: str
    right: str
    heading: bool = False

    @property
    def changed(self) -> bool:
        return not self.heading and self.left != self.right


def compare_rows(left: Assessment, right: Assessment) -> list[CompareRow]:
    """Two assessments side by side: the domain ratings and overall judgement first, then
    every item of either, in the newer definition's order."""
    rows: list[CompareRow] = []
    newer, older = (right, left) if right.assessed_on >= left.assessed_on else (left, right)
    domain_labels: dict[str, str] = {}
    for source in (older, newer):
        for domain in spec.rated_domains(source.definition):
            domain_labels[domain["name"]] = spec.label(domain.get("label"))
    bands = dict(Band.choices)

    def rating(a: Assessment, name: str) -> str:
        return str(bands.get((a.domain_ratings.get(name) or {}).get("rating", ""), "—"))

    if domain_labels or left.overall_rating or right.overall_rating:
        rows.append(CompareRow(_("Judgement"), "", "", heading=True))
        for name, text in domain_labels.items():
            rows.append(CompareRow(text, rating(left, name), rating(right, name)))
        rows.append(
            CompareRow(
                _("Overall judgement"),
                str(bands.get(left.overall_rating, "—")),
                str(bands.get(right.overall_rating, "—")),
            )
        )
    left_items = spec.item_map(left.definition)
    right_items = spec.item_map(right.definition)
    for section in spec.sections(newer.definition):
        rows.append(CompareRow(spec.label(section.get("label")), "", "", heading=True))
        for item in section.get("items") or []:
            name = item["name"]
            rows.append(
                CompareRow(
                    spec.label(item.get("label")),
                    _answer(left, left_items.get(name), name),
                    _answer(right, right_items.get(name), name),
                )
            )
    return rows


def _answer(assessment: Assessment, item: dict[str, Any] | None, name: str) -> str:
    if item is None:
        return _("(not in this version)")
    return spec.answer_text(assessment.definition, item, assessment.answers.get(name)) or "—"


# --- the chart ------------------------------------------------------------------------

PALETTE = ["#0f5c5a", "#c9a227", "#6f42c1", "#d63384", "#0d6efd", "#fd7e14", "#198754"]
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 100, 44, 16, 40


# Colour alone does not tell lines apart (colour blindness, a grey printout): each line
# also has its own dash pattern and marker shape, and lines sharing a rating are drawn a
# few pixels apart, so none hides another.
DASHES = ["", "9 4", "2 4", "12 4 2 4", "5 5", "1 3"]
MARKERS = ["circle", "square", "triangle", "triangle-down", "diamond"]
OFFSET_STEP = 5


@dataclass(frozen=True)
class ChartLine:
    label: str
    colour: str
    points: str  # "x,y x,y" for <polyline>
    dots: list[tuple[float, float, str]]  # x, y, title
    dash: str = ""  # stroke-dasharray, "" for a solid line
    marker: str = "circle"
    overall: bool = False

    @property
    def markers(self) -> list[tuple[str, float, float, str]]:
        """Each point as (shape, x, y, title) with the polygon's points for the shapes
        that need them, so the template only writes them out."""
        return [(_shape(self.marker, x, y), x, y, title) for x, y, title in self.dots]

    @property
    def legend_marker(self) -> str:
        """The marker in the legend's 34×12 sample ("" for a circle)."""
        return _shape(self.marker, 17, 6, r=4)


def _shape(marker: str, x: float, y: float, r: float = 4.5) -> str:
    """The polygon points of a marker centred on (x, y); "" for a circle."""
    corners = {
        "square": [(-r, -r), (r, -r), (r, r), (-r, r)],
        "triangle": [(0, -r - 1), (r + 1, r), (-r - 1, r)],
        "triangle-down": [(0, r + 1), (r + 1, -r), (-r - 1, -r)],
        "diamond": [(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
    }.get(marker)
    if corners is None:
        return ""
    return " ".join(f"{round(x + dx, 1)},{round(y + dy, 1)}" for dx, dy in corners)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[ChartLine]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    left: int
    right: int
    top: int
    bottom: int
    description: str


def _short(day: datetime.date) -> str:
    return format_day(day)


def chart(series: DomainSeries) -> Chart | None:
    """Domain ratings over time as lines (low, moderate, high on the vertical axis, dates
    along the bottom), the overall judgement dashed; None with fewer than one point."""
    points = series.points
    if not points:
        return None
    dates = [p.assessment.assessed_on for p in points]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(day: datetime.date) -> float:
        if len(points) == 1:
            return LEFT + plot_w / 2
        return round(LEFT + plot_w * (day - first).days / span, 1)

    def y(level: int, offset: int = 0) -> float:
        return round(TOP + plot_h * (3 - level) / 2 + offset, 1)

    bands = dict(Band.choices)
    lines = []
    count = len(series.domains)
    for index, (name, text) in enumerate(series.domains):
        # lines that share a rating sit side by side, centred on the rating's line
        offset = round((index - (count - 1) / 2) * OFFSET_STEP) if count > 1 else 0
        coords = [
            (x(p.assessment.assessed_on), y(BAND_LEVEL[p.ratings[name]], offset), p)
            for p in points
            if name in p.ratings
        ]
        if not coords:
            continue
        lines.append(
            ChartLine(
                label=text,
                colour=PALETTE[index % len(PALETTE)],
                dash=DASHES[index % len(DASHES)],
                marker=MARKERS[index % len(MARKERS)],
                points=" ".join(f"{cx},{cy}" for cx, cy, _p in coords),
                dots=[
                    (
                        cx,
                        cy,
                        f"{text}: {bands[p.ratings[name]]} · {_short(p.assessment.assessed_on)}",
                    )
                    for cx, cy, p in coords
                ],
            )
        )
    overall = [
        (x(p.assessment.assessed_on), y(BAND_LEVEL[p.overall]), p)
        for p in points
        if p.overall in BAND_LEVEL
    ]
    if overall:
        overall_label = _("Overall judgement")
        lines.append(
            ChartLine(
                label=overall_label,
                colour="#212529",
                points=" ".join(f"{cx},{cy}" for cx, cy, _p in overall),
                dots=[
                    (
                        cx,
                        cy,
                        f"{overall_label}: {bands[p.overall]} · {_short(p.assessment.assessed_on)}",
                    )
                    for cx, cy, p in overall
                ],
                dash="7 4",
                marker="circle",
                overall=True,
            )
        )
    y_ticks = [(y(level), str(bands[band])) for band, level in BAND_LEVEL.items()]
    x_ticks = [(x(day), format_day(day)) for day in sorted(set(dates))]
    description = _(
        "Domain ratings of %(count)d progress assessments, from %(first)s to %(last)s."
    ) % {
        "count": len(points),
        "first": format_day(first),
        "last": format_day(last),
    }
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        lines=lines,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=HEIGHT - BOTTOM,
        description=description,
    )
