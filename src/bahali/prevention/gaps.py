"""The district gap analysis: need against coverage, money, inclusion, coordination,
uncovered receiving communities and drivers against responses, with the reasons each
district is flagged.

Set-based: a fixed handful of grouped queries whatever the number of districts,
initiatives, activities or cases (``benchmarks/bench_gaps.py``). Figures about people —
reach, cases, the factors that drew them in — drawn from fewer than ``minimum`` records are
suppressed (``core.suppression.count_or_none``: ``None``, shown as "<5") and never raise a
flag. Initiatives and grants are the public work of organisations and are counted as they are.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bahali.cases.models import Case
from bahali.core import suppression
from bahali.core.services import local_today
from bahali.geography.models import District
from bahali.prevention import surveys
from bahali.prevention.models import (
    REACH_FIELDS,
    ActivityDay,
    DistrictValue,
    DriverCount,
    Grant,
    Indicator,
    Initiative,
    InitiativeStatus,
    InitiativeType,
    SurveyRound,
)
from bahali.prevention.services import CLIFF_DAYS, FundingStatus, GrantRow, funding_status

REACH_DAYS = 365  # reach counts activities of the last year
POPULATION = "population"
NEED_HIGH = Decimal("0.5")  # normalised need at or above this is high
COVERAGE_LOW = 1.0  # fewer active initiatives than this per 500,000 people is low coverage
PER = 500_000
WOMEN_LOW = 0.2  # under a fifth of the reach women: flagged
YOUTH_LOW = 0.25  # under a quarter youth: flagged
COORDINATION_LOW = 0.5  # under half the initiatives with a state partner or framework
CLIFF_SHARE = 0.5  # half or more of the active initiatives unfunded or at a funding cliff
DRIVER_SHARE = 0.2  # a factor present in a fifth of the assessed cases is a driver

# Which kinds of prevention work answer which factor of the factors instrument.
RESPONSES: dict[str, tuple[str, ...]] = {
    "online_radicalisation": (InitiativeType.DIGITAL_LITERACY, InitiativeType.COUNTER_NARRATIVE),
    "socio_economic": (InitiativeType.LIVELIHOOD,),
    "ideological_manipulation": (
        InitiativeType.RELIGIOUS_EDUCATION,
        InitiativeType.COUNTER_NARRATIVE,
        InitiativeType.CURRICULA,
    ),
    "identity_crisis": (InitiativeType.YOUTH, InitiativeType.SPORTS_ARTS),
    "status_belonging": (InitiativeType.YOUTH, InitiativeType.SPORTS_ARTS),
    "political_marginalisation": (InitiativeType.INTERFAITH, InitiativeType.YOUTH),
    "governance_grievance": (InitiativeType.INTERFAITH,),
    "family_peer_ties": (InitiativeType.FAMILY,),
    "coercion": (InitiativeType.FAMILY, InitiativeType.PSYCHOSOCIAL),
    "trauma": (InitiativeType.PSYCHOSOCIAL,),
}


@dataclass
class Flag:
    key: str
    reason: str | Promise


@dataclass
class Driver:
    factor: str
    label: str
    cases: int | None  # suppressed
    share: float | None
    responses: list[str]  # the kinds of work that would answer it
    answered: bool  # some active initiative of those kinds is present


@dataclass
class DistrictGap:
    district: District
    need: Decimal | None = None  # the chosen indicator's latest value
    need_year: int | None = None
    need_score: Decimal | None = None  # normalised 0–1 (1: most need)
    population: Decimal | None = None
    initiatives: int = 0  # active
    coverage: float | None = None  # active initiatives per 500,000 people
    coordinated: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    unfunded: int = 0
    ending: int = 0
    funding: int = 0  # PKR of grants running today (shared between an initiative's districts)
    funding_per_person: float | None = None
    activities: int = 0
    reach: int | None = None  # suppressed
    women: int | None = None
    youth: int | None = None
    women_share: float | None = None
    youth_share: float | None = None
    receiving_communities: int | None = None  # communities receiving returnees
    uncovered_communities: int | None = None  # ... with no active initiative
    drivers: list[Driver] = field(default_factory=list)
    trust: list[surveys.TrendPoint] = field(default_factory=list)  # by half-year, suppressed
    flags: list[Flag] = field(default_factory=list)

    @property
    def latest_trust(self) -> float | None:
        shown = [p.result.trust for p in self.trust if p.result.trust is not None]
        return shown[-1] if shown else None

    @property
    def score(self) -> tuple[int, Decimal]:
        return (len(self.flags), self.need_score or Decimal(0))

    @property
    def coordination_share(self) -> float | None:
        return self.coordinated / self.initiatives if self.initiatives else None


@dataclass
class GapAnalysis:
    districts: list[DistrictGap]
    indicator: Indicator | None
    minimum: int
    today: datetime.date


def _latest(values: Any) -> dict[int, tuple[int, Decimal]]:
    latest: dict[int, tuple[int, Decimal]] = {}
    for district_id, year, value in values:
        if district_id not in latest or year > latest[district_id][0]:
            latest[district_id] = (year, value)
    return latest


def analyse(
    districts: Any,
    indicator: Indicator | None = None,
    *,
    minimum: int | None = None,
    today: datetime.date | None = None,
) -> GapAnalysis:
    """The gap analysis of ``districts`` (a queryset), need measured by ``indicator``;
    ``minimum``: the smallest group shown (``BAHALI_SMALL_CELL`` when not given)."""
    minimum = surveys.minimum() if minimum is None else minimum
    today = today or local_today()
    rows = {d.pk: DistrictGap(district=d) for d in districts.select_related("province")}
    ids = list(rows)
    if not ids:
        return GapAnalysis([], indicator, minimum, today)

    # need and population: the latest year of each
    codes = [POPULATION] + ([indicator.code] if indicator else [])
    by_code: dict[str, list[tuple[int, int, Decimal]]] = defaultdict(list)
    for code, district_id, year, value in DistrictValue.objects.filter(
        district__in=ids, indicator__code__in=codes
    ).values_list("indicator__code", "district_id", "year", "value"):
        by_code[code].append((district_id, year, value))
    for district_id, (_year, value) in _latest(by_code[POPULATION]).items():
        rows[district_id].population = value
    if indicator is not None:
        needs = _latest(by_code[indicator.code])
        for district_id, (year, value) in needs.items():
            rows[district_id].need, rows[district_id].need_year = value, year
        if needs:
            low = min(v for _y, v in needs.values())
            high = max(v for _y, v in needs.values())
            for district_id, (_year, value) in needs.items():
                score = (value - low) / (high - low) if high > low else Decimal(1)
                if not indicator.higher_is_need:
                    score = 1 - score
                rows[district_id].need_score = score.quantize(Decimal("0.01"))

    # active initiatives by district and kind, and how many are coordinated (grouped in SQL)
    active = Initiative.objects.filter(status=InitiativeStatus.ACTIVE, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    through = Initiative.districts.through
    # the same condition through a link's initiative: a join, not a second scan of it
    linked_active = Q(
        initiative__status=InitiativeStatus.ACTIVE, initiative__starts_on__lte=today
    ) & (Q(initiative__ends_on__isnull=True) | Q(initiative__ends_on__gte=today))
    for row in (
        through.objects.filter(linked_active, district_id__in=ids)
        .values("district_id", "initiative__kind")
        .annotate(
            n=Count("initiative_id"),
            coordinated=Count("pk", filter=Q(initiative__coordinated=True)),
        )
    ):
        gap = rows[row["district_id"]]
        gap.kinds[row["initiative__kind"]] = row["n"]
        gap.initiatives += row["n"]
        gap.coordinated += row["coordinated"]
        gap.unfunded += row["n"]  # until a grant running today or later says otherwise

    # funding: only the active initiatives with a grant running today or later need
    # reckoning (one query for their links, one for their grants; no list of ids sent back)
    live = Grant.objects.filter(initiative=OuterRef("initiative_id"), ends_on__gte=today)
    districts_of: dict[int, list[int]] = defaultdict(list)
    spread: Counter[int] = Counter()
    ends: dict[int, datetime.date | None] = {}
    for initiative_id, district_id, ends_on in (
        through.objects.filter(linked_active)
        .filter(Exists(live))
        .values_list("initiative_id", "district_id", "initiative__ends_on")
    ):
        spread[initiative_id] += 1
        if district_id in rows:
            districts_of[initiative_id].append(district_id)
            ends[initiative_id] = ends_on
    grants: dict[int, list[GrantRow]] = defaultdict(list)
    for g in (
        Grant.objects.filter(linked_active, ends_on__gte=today)
        .annotate(paid=Sum("disbursements__amount"))
        .values_list("initiative_id", "starts_on", "ends_on", "amount", "paid")
    ):
        if g[0] in districts_of:
            grants[g[0]].append(GrantRow(g[1], g[2], g[3], g[4] or 0))
    for initiative_id, district_ids in districts_of.items():
        held = grants[initiative_id]
        status = funding_status(held, ends.get(initiative_id), today)
        running = sum(g.amount for g in held if g.starts_on <= today)
        share = running // max(spread[initiative_id], 1)
        for district_id in district_ids:
            gap = rows[district_id]
            gap.unfunded -= status != FundingStatus.UNFUNDED
            gap.ending += status == FundingStatus.ENDING
            gap.funding += share

    # reach over the last year, by district: the districts' days (one grouped query)
    sums = {f: Sum(f) for f in REACH_FIELDS}
    for row in (
        ActivityDay.objects.filter(
            district_id__in=ids, held_on__gt=today - datetime.timedelta(days=REACH_DAYS)
        )
        .values("district_id")
        .annotate(activities=Sum("activities"), total=Sum("reach"), **sums)
    ):
        gap = rows[row["district_id"]]
        gap.activities = row["activities"]
        total = row["total"] or 0
        women = sum(row[f] or 0 for f in REACH_FIELDS if f.startswith("female"))
        youth = (row["female_youth"] or 0) + (row["male_youth"] or 0)
        gap.reach = suppression.count_or_none(total, k=minimum)
        if gap.reach:  # a breakdown of a suppressed total is suppressed with it
            gap.women = suppression.count_or_none(women, k=minimum)
            gap.youth = suppression.count_or_none(youth, k=minimum)
            gap.women_share = women / total if gap.women is not None else None
            gap.youth_share = youth / total if gap.youth is not None else None

    # communities receiving returnees, and those no active initiative covers
    receiving: dict[int, set[int]] = defaultdict(set)
    cases_with_community: dict[int, int] = defaultdict(int)
    for district_id, community_id, n in (
        Case.objects.filter(district_id__in=ids, receiving_community__isnull=False)
        .values("district_id", "receiving_community_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "receiving_community_id", "n")
    ):
        receiving[district_id].add(community_id)
        cases_with_community[district_id] += n
    # an active initiative naming no community covers its whole district: the districts
    # with more active initiatives than initiatives naming communities (few: a semi-join)
    naming = Initiative.communities.through.objects.values("initiative_id")
    local: Counter[int] = Counter()
    for row in (
        through.objects.filter(district_id__in=ids, initiative__in=active.filter(pk__in=naming))
        .values("district_id")
        .annotate(n=Count("initiative_id"))
    ):
        local[row["district_id"]] = row["n"]
    wide = {d for d, gap in rows.items() if gap.initiatives > local[d]}
    covered = set(
        Initiative.communities.through.objects.filter(
            initiative__in=active, community_id__in={c for s in receiving.values() for c in s}
        ).values_list("community_id", flat=True)
    )
    for district_id, communities in receiving.items():
        gap = rows[district_id]
        if suppression.suppress_count(cases_with_community[district_id], k=minimum).hidden:
            continue  # fewer cases than the minimum: nothing shown
        gap.receiving_communities = len(communities)
        gap.uncovered_communities = 0 if district_id in wide else len(communities - covered)

    # drivers: the aggregated factors of the district's cases
    labels = {k: str(InitiativeType(k).label) for k in InitiativeType.values}
    for district_id, factor, label, count, assessed in (
        DriverCount.objects.filter(district_id__in=ids)
        .order_by("-cases", "factor")
        .values_list("district_id", "factor", "label", "cases", "assessed")
    ):
        gap = rows[district_id]
        kinds = RESPONSES.get(factor, ())
        cases = suppression.count_or_none(count, k=minimum)
        part = (  # a share of fewer assessed cases than the minimum: not shown
            suppression.suppress_ratio(count / assessed, None, assessed, k=minimum).or_none()
            if cases
            else None
        )
        answered = any(gap.kinds.get(k) for k in kinds)
        gap.drivers.append(Driver(factor, label, cases, part, [labels[k] for k in kinds], answered))

    # trust over time: the survey rounds' running sums, combined per district and half-year
    for district_id, points in surveys.trends(
        SurveyRound.objects.filter(district_id__in=ids, respondents__gt=0).values(
            "district_id", "ends_on", "respondents", "tallies"
        ),
        "district_id",
        minimum,
    ).items():
        rows[district_id].trust = points

    for gap in rows.values():
        _flag(gap, minimum)
        if gap.population:
            gap.coverage = round(gap.initiatives * PER / float(gap.population), 2)
            gap.funding_per_person = round(gap.funding / float(gap.population), 2)
    ranked = sorted(rows.values(), key=lambda g: g.score, reverse=True)
    return GapAnalysis(ranked, indicator, minimum, today)


def _flag(gap: DistrictGap, minimum: int) -> None:
    """The reasons the district is flagged, from unsuppressed figures only."""
    flags = gap.flags
    coverage = gap.initiatives * PER / float(gap.population) if gap.population else None
    if gap.need_score is not None and gap.need_score >= NEED_HIGH:
        if gap.initiatives == 0:
            flags.append(Flag("no_initiative", _("High need and no active initiative.")))
        elif coverage is not None and coverage < COVERAGE_LOW:
            flags.append(
                Flag(
                    "low_coverage",
                    _("High need, low coverage: %(n)s active initiatives for its population.")
                    % {"n": gap.initiatives},
                )
            )
    if gap.initiatives and (gap.unfunded + gap.ending) / gap.initiatives >= CLIFF_SHARE:
        flags.append(
            Flag(
                "funding",
                _(
                    "%(unfunded)s of %(n)s active initiatives unfunded, %(ending)s with "
                    "funding ending within %(days)s days."
                )
                % {
                    "unfunded": gap.unfunded,
                    "n": gap.initiatives,
                    "ending": gap.ending,
                    "days": CLIFF_DAYS,
                },
            )
        )
    if gap.reach:
        if gap.women == 0:
            flags.append(Flag("women", _("No activity reached women.")))
        elif gap.women_share is not None and gap.women_share < WOMEN_LOW:
            flags.append(Flag("women", _("Few of the people reached are women.")))
        if gap.youth == 0:
            flags.append(Flag("youth", _("No activity reached youth (15–29).")))
        elif gap.youth_share is not None and gap.youth_share < YOUTH_LOW:
            flags.append(Flag("youth", _("Few of the people reached are youth (15–29).")))
    elif gap.initiatives and gap.activities == 0:
        flags.append(Flag("no_reach", _("No activity recorded in the last year.")))
    share = gap.coordination_share
    if share is not None and share < COORDINATION_LOW:
        flags.append(
            Flag(
                "coordination",
                _(
                    "%(n)s of %(total)s initiatives have a state partner or follow a national "
                    "framework."
                )
                % {"n": gap.coordinated, "total": gap.initiatives},
            )
        )
    if gap.uncovered_communities:
        flags.append(
            Flag(
                "communities",
                ngettext(
                    "%(n)s community receiving returnees has no active initiative.",
                    "%(n)s communities receiving returnees have no active initiative.",
                    gap.uncovered_communities,
                )
                % {"n": gap.uncovered_communities},
            )
        )
    fall = surveys.trust_fall(gap.trust)
    if fall is not None:
        before, after = fall
        flags.append(
            Flag(
                "trust",
                _(
                    "Trust falling: from %(before)s to %(after)s of 100 between %(then)s "
                    "and %(now)s."
                )
                % {
                    "before": before.result.trust,
                    "after": after.result.trust,
                    "then": before.period,
                    "now": after.period,
                },
            )
        )
    for driver in gap.drivers:
        if driver.share is not None and driver.share >= DRIVER_SHARE and not driver.answered:
            flags.append(
                Flag(
                    f"driver:{driver.factor}",
                    _("Drivers against responses: %(factor)s drew cases in, no %(work)s work.")
                    % {"factor": driver.label, "work": ", ".join(driver.responses)},
                )
            )


# --- the chart ------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    flags: int
    need: Decimal | None
    x: int  # where the bar starts, of 100 (mirrored for right-to-left)
    width: int  # of 100


def chart(districts: list[DistrictGap], *, rtl: bool = False, limit: int = 30) -> list[Bar]:
    """One bar per district, as long as its number of flags (the longest: 100), drawn by the
    template as SVG with no script; bars grow from the right in right-to-left languages."""
    shown = districts[:limit]
    most = max((len(g.flags) for g in shown), default=0) or 1
    bars = []
    for gap in shown:
        width = max(round(100 * len(gap.flags) / most), 1)
        bars.append(
            Bar(
                gap.district.local_name,
                len(gap.flags),
                gap.need_score,
                100 - width if rtl else 0,
                width,
            )
        )
    return bars
