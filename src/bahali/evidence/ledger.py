"""The civilian-participation ledger: who decided each gate.

For every gate decision (a transition request applied in the period): which kinds of
organisation signed, whether a civilian organisation (civil society or the community
committee) and the receiving community (its committee) approved, the objections raised and
how they ended, and whether the gate was overridden. As shares per programme, district or
quarter (one grouped query), and, for those who may read the cases' sign-off records, the
list behind the shares.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext_lazy as _

from bahali.cases.models import SignOff, TransitionRequest
from bahali.core import suppression
from bahali.evidence.indicators import Filters
from bahali.organisations.models import OrganisationKind

CIVILIAN_KINDS = (OrganisationKind.CIVIL_SOCIETY, OrganisationKind.COMMUNITY_COMMITTEE)

GROUPS = [
    ("programme", _("Programme")),
    ("district", _("District")),
    ("quarter", _("Quarter")),
]
_GROUP_FIELDS = {
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


def shares(filters: Filters, group: str = "programme") -> list[dict[str, Any]]:
    """Per group: decisions, and the share with civilian approval, community approval, an
    objection, and an override (raw counts; see :func:`shown`)."""
    by = _GROUP_FIELDS.get(group, _GROUP_FIELDS["programme"])
    rows = (
        decisions(filters)
        .values(by)
        .annotate(
            n=Count("pk"),
            civilian_n=Count("pk", filter=Q(civilian=True)),
            community_n=Count("pk", filter=Q(community=True)),
            objected_n=Count("pk", filter=Q(objected=True)),
            overridden_n=Count("pk", filter=Q(overridden_by__isnull=False)),
        )
        .order_by(by)
    )
    found = []
    for row in rows:
        key = row[by]
        if group == "quarter" and key is not None:
            key = f"{key.year} Q{(key.month - 1) // 3 + 1}"
        found.append({"group": str(key), **{k: row[k] for k in row if k != by}})
    return found


def objection_outcomes(filters: Filters) -> dict[str, int]:
    """Objections raised on the period's gate decisions, by how they ended."""
    rows = (
        SignOff.objects.filter(request__in=decisions(filters).values("pk"), decision="object")
        .values("objection")
        .annotate(n=Count("pk"))
    )
    return {row["objection"] or "open": row["n"] for row in rows}


def kinds_signed(filters: Filters) -> dict[str, int]:
    """How many of the period's gate decisions each kind of organisation approved."""
    rows = (
        SignOff.objects.filter(request__in=decisions(filters).values("pk"), decision="approve")
        .values("organisation_kind")
        .annotate(n=Count("request", distinct=True))
    )
    return {row["organisation_kind"]: row["n"] for row in rows}


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
