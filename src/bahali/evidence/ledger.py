"""The civilian-participation ledger: who decided each gate.

For every gate decision (a transition request applied in the period): which kinds of
organisation signed, whether a civilian organisation (civil society or the community
committee) and the receiving community (its committee) approved, the objections raised and
how they ended, and whether the gate was overridden. As shares per programme, district or
quarter (one grouped query over the stored decisions, ``GateDecision``, kept current by
``evidence.figures``), and, for those who may read the cases' sign-off records, the list
behind the shares (read from the requests and sign-offs themselves).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext_lazy as _

from bahali.cases.models import SignOff, TransitionRequest
from bahali.core import suppression
from bahali.evidence.indicators import Filters
from bahali.evidence.models import GateDecision
from bahali.organisations.models import OrganisationKind

CIVILIAN_KINDS = (OrganisationKind.CIVIL_SOCIETY, OrganisationKind.COMMUNITY_COMMITTEE)

GROUPS = [
    ("programme", _("Programme")),
    ("district", _("District")),
    ("quarter", _("Quarter")),
]
_STORED_GROUP_FIELDS = {
    "programme": "case__programme__code",
    "district": "case__district__code",
    "quarter": "quarter",
}

DEFINITIONS = [
    _("A gate decision: a request to move a case to another phase, applied in the period."),
    _(
        "Civilian approval: a civil-society organisation or a community committee approved "
        "the request."
    ),
    _("Receiving community: the community committee approved the request."),
    _(
        "Objection: an organisation objected; it ends answered by the requester, withdrawn by "
        "the objector, or is still open when the gate was overridden."
    ),
    _("Overridden: the gate was applied by a documented override, without all sign-offs."),
]


def decisions(filters: Filters) -> QuerySet[TransitionRequest]:
    """The applied gate decisions the filters keep, each with its participation facts."""
    start, end = filters.period()

    def signed(**condition: Any) -> Exists:
        return Exists(SignOff.objects.filter(request=OuterRef("pk"), **condition))

    return (
        TransitionRequest.objects.filter(
            case__in=filters.cases(),
            status=TransitionRequest.Status.APPLIED,
            decided_at__date__range=(start, end),
        )
        .annotate(
            civilian=signed(decision="approve", organisation_kind__in=CIVILIAN_KINDS),
            community=signed(
                decision="approve", organisation_kind=OrganisationKind.COMMUNITY_COMMITTEE
            ),
            objected=signed(decision="object"),
            quarter=TruncQuarter("decided_at"),
        )
        .order_by()
    )


def stored(filters: Filters) -> QuerySet[GateDecision]:
    """The stored facts of the applied gate decisions the filters keep (``GateDecision``,
    kept current with the requests and their sign-offs)."""
    start, end = filters.period()
    return GateDecision.objects.filter(
        case__in=filters.cases(), decided_on__range=(start, end)
    ).order_by()


def tally(
    filters: Filters, group: str = "programme"
) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, int]]:
    """The shares per group (:func:`shares`), the decisions each kind of organisation
    approved (:func:`kinds_signed`) and the objections by how they ended
    (:func:`objection_outcomes`), from one grouped query over the stored decisions."""
    by = _STORED_GROUP_FIELDS.get(group, _STORED_GROUP_FIELDS["programme"])
    decided = stored(filters)
    if group == "quarter":
        decided = decided.annotate(quarter=TruncQuarter("decided_on"))
    rows = (
        decided.values(by, "approved_by")
        .annotate(
            n=Count("pk"),
            civilian_n=Count("pk", filter=Q(civilian=True)),
            community_n=Count("pk", filter=Q(community=True)),
            objected_n=Count("pk", filter=Q(objected=True)),
            overridden_n=Count("pk", filter=Q(overridden=True)),
            answered=Sum("objections_answered"),
            withdrawn=Sum("objections_withdrawn"),
            still_open=Sum("objections_open"),
        )
        .order_by(by, "approved_by")
    )
    counted = ("n", "civilian_n", "community_n", "objected_n", "overridden_n")
    groups: dict[Any, dict[str, int]] = {}
    kinds: dict[str, int] = {}
    outcomes = {"answered": 0, "withdrawn": 0, "open": 0}
    for row in rows:
        line = groups.setdefault(row[by], dict.fromkeys(counted, 0))
        for name in counted:
            line[name] += row[name]
        for kind in filter(None, row["approved_by"].split(",")):
            kinds[kind] = kinds.get(kind, 0) + row["n"]
        outcomes["answered"] += row["answered"] or 0
        outcomes["withdrawn"] += row["withdrawn"] or 0
        outcomes["open"] += row["still_open"] or 0
    found = []
    for key, line in groups.items():
        if group == "quarter" and key is not None:
            key = f"{key.year} Q{(key.month - 1) // 3 + 1}"
        found.append({"group": str(key), **line})
    return found, kinds, {ending: n for ending, n in outcomes.items() if n}


def shares(filters: Filters, group: str = "programme") -> list[dict[str, Any]]:
    """Per group: decisions, and the share with civilian approval, community approval, an
    objection, and an override (raw counts; see :func:`shown`)."""
    return tally(filters, group)[0]


def objection_outcomes(filters: Filters) -> dict[str, int]:
    """Objections raised on the period's gate decisions, by how they ended."""
    return tally(filters)[2]


def kinds_signed(filters: Filters) -> dict[str, int]:
    """How many of the period's gate decisions each kind of organisation approved."""
    return tally(filters)[1]


def shown(rows: list[dict[str, Any]], k: int | None = None) -> list[dict[str, Any]]:
    """The shares as fit to show without case access (rates over small groups hidden)."""
    k = k or suppression.minimum()
    result = []
    for row in rows:
        n = row["n"]
        line: dict[str, Any] = {"group": row["group"], "n": suppression.suppress_count(n, k=k)}
        for name in ("civilian", "community", "objected", "overridden"):
            count = row[f"{name}_n"]
            line[name] = suppression.suppress_ratio(count / n if n else None, count, n, k=k)
        result.append(line)
    return result
