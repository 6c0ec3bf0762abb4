"""The pseudonymised case-level research extract (issue 15, item 6).

One row per case whose participant holds a research consent not withdrawn, in the
programmes of the researcher's approval (``ResearchApproval``) in force. No identity: no
name, CNIC, participant code, case number or id, user or organisation name, free text,
place below the district, or exact date. Each case gets a pseudonym, the HMAC-SHA-256 of
its key under a random key drawn for this extract alone and never stored: stable within
the extract, not linkable to the case or across extracts. Dates become months (YYYY-MM),
ages bands at registration, organisations their kind; where the programme, district, sex,
age band and year of enrolment together match fewer cases than the minimum cell
(``core.suppression``), the district is withheld (``*``). The data dictionary
(:data:`DICTIONARY`) ships inside the same ZIP file.

Memory stays flat: the cases are read in keyset pages (the connection runs without
server-side cursors, ``core.batches``) and each page's figures are a handful of grouped
queries keyed by its cases (phases, sessions, goals, check-ins, returns, ratings), never a
query per case. Only the latest progress assessment's domain ratings are opened (sealed),
one per case.
"""

from __future__ import annotations

import csv
import datetime
import heapq
import hmac
import io
import json
import os
import pickle  # our own rows, in a directory of our own, read back by this job
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.core.services import local_today
from bahali.core.spreadsheets import safe_cell
from bahali.evidence.models import ResearchApproval

PAGE = 5000
DAYS_PER_MONTH = 30.4375
WITHHELD = "*"


def consented(cases: Any) -> Any:
    """The cases whose participant holds a research consent not withdrawn (one subquery)."""
    from bahali.registry.models import Consent, ConsentPurpose

    return cases.filter(
        Exists(
            Consent.objects.filter(
                participant=OuterRef("participant"),
                purpose=ConsentPurpose.RESEARCH,
                withdrawn_on__isnull=True,
            )
        )
    )


@dataclass(frozen=True)
class Request:
    """What an extract covers: the approval it is taken under and its programmes."""

    approval: ResearchApproval
    programmes: list[Any]

    def query(self) -> str:
        data = QueryDict(mutable=True)
        data["approval"] = str(self.approval.pk)
        data.setlist("programme", [str(p.pk) for p in self.programmes])
        return data.urlencode()


def approvals_in_force(user: Any) -> Any:
    """The approvals under which ``user`` may take an extract today."""
    if not policies.can(user, "research_extract.read"):
        return ResearchApproval.objects.none()
    return (
        ResearchApproval.objects.filter(researcher=user.pk)
        .in_force(local_today())
        .prefetch_related("programmes")
    )


def request_of(actor: Any, query: str) -> Request:
    """Read an extract's request (``approval=<id>&programme=<id>…``; no programme: all the
    approval's) and check it: ``actor`` may take extracts, the approval is their own and in
    force, and every programme is one of its. Raises PermissionDenied or ValidationError
    with a message the researcher can act on."""
    if not policies.can(actor, "research_extract.read"):
        raise PermissionDenied
    data = QueryDict(query or "")
    try:
        approval_id = int(data.get("approval", ""))
        wanted = {int(value) for value in data.getlist("programme") if value}
    except ValueError:
        raise ValidationError(_("This extract request cannot be used.")) from None
    approval = (
        ResearchApproval.objects.filter(pk=approval_id, researcher=actor.pk)
        .prefetch_related("programmes")
        .first()
    )
    if approval is None:
        raise ValidationError(_("You hold no such research approval."))
    if not approval.in_force(local_today()):
        raise ValidationError(
            _("This research approval is not in force (expired, not yet valid or revoked).")
        )
    covered = {p.pk: p for p in approval.programmes.all()}
    if wanted - set(covered):
        raise ValidationError(_("Your approval does not cover every programme you asked for."))
    programmes = [covered[pk] for pk in sorted(wanted or covered)]
    return Request(approval, programmes)


# --- the columns and their dictionary ------------------------------------------------------

# the age bands of the registry (``registry.AgeBand``) from 18, and the juveniles apart
ADULT_BANDS = frozenset({"18-24", "25-34", "35-49", "50+"})


def _session_kinds() -> list[str]:
    from bahali.casework.models import SessionKind

    return [str(kind) for kind in SessionKind.values]


def _phase_codes(programmes: list[Any]) -> list[str]:
    from bahali.programmes.models import Phase

    order: dict[str, int] = {}
    for code, number in Phase.objects.filter(programme__in=programmes).values_list("code", "order"):
        order[code] = min(number, order.get(code, number))
    return sorted(order, key=lambda code: (order[code], code))


def _domains() -> list[str]:
    """The rated domains of every progress instrument's versions (a small table)."""
    from bahali.assessments.definition import domains
    from bahali.assessments.models import InstrumentKind, InstrumentVersion

    found: dict[str, None] = {}
    for definition in InstrumentVersion.objects.filter(
        instrument__kind=InstrumentKind.PROGRESS
    ).values_list("definition", flat=True):
        for domain in domains(definition or {}):
            if domain.get("rated") and domain.get("name"):
                found[str(domain["name"])] = None
    return sorted(found)


@dataclass(frozen=True)
class Layout:
    phases: list[str]
    sessions: list[str]
    domains: list[str]

    def header(self) -> list[str]:
        return [
            "pseudonym",
            "programme",
            "district",
            "lead_organisation_kind",
            "sex",
            "age_band",
            "enrolled_month",
            *[f"entered_{code}_month" for code in self.phases],
            "current_phase",
            "closed_month",
            "exit_reason",
            *[f"sessions_{kind}" for kind in self.sessions],
            *[f"rating_{domain}" for domain in self.domains],
            "overall_judgement",
            "goals_met",
            "goals_total",
            "check_ins_on_time",
            "check_ins_due",
            "returned_month",
            "months_to_negative_outcome",
            "negative_outcome_observed",
            "outcome_category",
        ]


def layout_for(programmes: list[Any]) -> Layout:
    return Layout(_phase_codes(programmes), _session_kinds(), _domains())


def dictionary(layout: Layout) -> list[list[str]]:
    """What each column holds and how it was coarsened: the data dictionary."""
    described: dict[str, str] = {
        "pseudonym": _(
            "A random code for the case: the same within this extract, different in every "
            "other extract, and not derived from any number the programme keeps."
        ),
        "programme": _("The programme's code."),
        "district": _(
            "The district's code where the case is worked; * where the programme, district, "
            "sex, age band and year of enrolment together match fewer cases than the minimum "
            "cell (%(minimum)s)."
        )
        % {"minimum": _minimum()},
        "lead_organisation_kind": _("The kind of the lead organisation (never its name)."),
        "sex": _("m, f, or x (other); empty when not recorded."),
        "age_band": _(
            "Age band at registration: juvenile (under 18), 18-24, 25-34, 35-49, 50+, or "
            "unknown. Never the date or year of birth."
        ),
        "enrolled_month": _("The month of enrolment (YYYY-MM)."),
        "current_phase": _("The code of the case's phase now."),
        "closed_month": _("The month the case was closed (YYYY-MM); empty while open."),
        "exit_reason": _("Why the case closed: completed, withdrawn, exited or transferred."),
        "overall_judgement": _(
            "The overall judgement of the latest progress assessment: 1 low, 2 moderate, "
            "3 high concern; empty when none."
        ),
        "goals_met": _("Plan goals achieved."),
        "goals_total": _("Plan goals set (every status)."),
        "check_ins_on_time": _("Aftercare check-ins due by today and held by their due day."),
        "check_ins_due": _("Aftercare check-ins due by today (follow-ups not counted)."),
        "returned_month": _(
            "The month of return to the community (first entry into the aftercare phase); "
            "empty when the case has not returned."
        ),
        "months_to_negative_outcome": _(
            "Whole months (of 30.44 days) from return to the first verified negative outcome "
            "(re-engagement, violence, re-arrest, reconviction) when observed, otherwise to the "
            "latest check-in held (or today when none): censored."
        ),
        "negative_outcome_observed": _("1 when the negative outcome was observed, 0 censored."),
        "outcome_category": _(
            "not_returned; behavioural_negative (a verified re-engagement, violence or "
            "re-arrest after return); reconviction_only; employment_or_education (verified, "
            "no negative outcome); no_verified_outcome."
        ),
    }
    rows = [[_("column"), _("meaning")]]
    for column in layout.header():
        if column.startswith("entered_"):
            text = _("The month the case first entered the phase %(phase)s (YYYY-MM).") % {
                "phase": column.removeprefix("entered_").removesuffix("_month")
            }
        elif column.startswith("sessions_"):
            text = _("Sessions of this type attended (present), all time.")
        elif column.startswith("rating_"):
            text = _(
                "The domain's rating in the latest progress assessment in force: 1 low, "
                "2 moderate, 3 high concern; empty when not rated."
            )
        else:
            text = described[column]
        rows.append([column, text])
    rows.append(
        [
            _("consent"),
            _(
                "Only cases whose participant consented to research and has not withdrawn it. "
                "No names, identity numbers, case numbers, free text, exact dates, user or "
                "organisation names, or places below the district."
            ),
        ]
    )
    return rows


def _minimum() -> int:
    from bahali.core.suppression import minimum

    return minimum()


# --- the rows ------------------------------------------------------------------------------


def pseudonymiser(key: bytes | None = None) -> Any:
    """A function giving each case key its pseudonym under ``key`` (a fresh random key when
    None: one per extract, never stored)."""
    secret = key or os.urandom(32)

    def pseudonym(pk: int) -> str:
        return hmac.digest(secret, str(pk).encode(), "sha256").hex()[:20]

    return pseudonym


def _month(day: datetime.date | None) -> str:
    return f"{day.year:04d}-{day.month:02d}" if day else ""


def _band(is_juvenile: bool, band: str) -> str:
    if is_juvenile or band in ("u15", "15-17"):
        return "juvenile"
    return band if band in ADULT_BANDS else "unknown"


def _cases(request: Request) -> Any:
    from bahali.cases.models import Case

    return consented(Case.objects.filter(programme__in=request.programmes))


def _small_cells(request: Request) -> set[tuple[Any, ...]]:
    """The combinations of programme, district, sex, age band and year of enrolment whose
    district is withheld: those fewer *people* than the minimum cell share (a person with
    several cases counts once), and — so that a withheld district cannot be worked out as
    the one missing from its group (the same programme, sex, age band and year) — the
    group's next smallest until at least two are withheld and they hold the minimum
    together (one grouped query)."""
    minimum = _minimum()
    groups: dict[tuple[Any, ...], dict[Any, int]] = {}
    for row in (
        _cases(request)
        .annotate(year=ExtractYear("opened_on"))
        .values(
            "programme_id",
            "district_id",
            "participant__sex",
            "participant__age_band",
            "participant__is_juvenile",
            "year",
        )
        .annotate(n=Count("participant", distinct=True))
        .order_by()
    ):
        group = (
            row["programme_id"],
            row["participant__sex"],
            _band(row["participant__is_juvenile"], row["participant__age_band"]),
            row["year"],
        )
        # juveniles of several age bands are one group: their people are added up
        districts = groups.setdefault(group, {})
        districts[row["district_id"]] = districts.get(row["district_id"], 0) + row["n"]
    found: set[tuple[Any, ...]] = set()
    for (programme, sex, band, year), districts in groups.items():
        ordered = sorted(districts.items(), key=lambda item: (item[1], item[0] or 0))
        withheld = [item for item in ordered if item[1] < minimum]
        shown = ordered[len(withheld) :]
        while withheld and shown and (len(withheld) < 2 or sum(n for _d, n in withheld) < minimum):
            withheld.append(shown.pop(0))
        found.update((programme, district, sex, band, year) for district, _n in withheld)
    return found


def rows(
    request: Request, layout: Layout, progress: Any, key: bytes | None = None
) -> Iterator[list[Any]]:
    """The header, then one row per consented case of the request's programmes, in the
    order of their pseudonyms: a random order of its own for every extract, so the rows of
    two extracts do not line up by position (nor show the cases' order of registration).
    Sorted a page at a time into temporary files and merged: memory stays flat."""
    yield layout.header()
    with tempfile.TemporaryDirectory(prefix="bahali-research-") as folder:
        runs: list[str] = []

        def spill(batch: list[list[Any]]) -> None:
            path = os.path.join(folder, f"{len(runs)}.run")
            with open(path, "wb") as out:
                for row in sorted(batch, key=lambda r: r[0]):
                    pickle.dump(row, out, protocol=pickle.HIGHEST_PROTOCOL)
            runs.append(path)

        def read(path: str) -> Iterator[list[Any]]:
            with open(path, "rb") as source:
                while True:
                    try:
                        yield pickle.load(source)  # noqa: S301 - written above, by this job
                    except EOFError:
                        return

        batch: list[list[Any]] = []
        for row in _rows_by_key(request, layout, progress, key):
            batch.append(row)
            if len(batch) >= PAGE:
                spill(batch)
                batch = []
        if batch:
            spill(batch)
        yield from heapq.merge(*(read(path) for path in runs), key=lambda r: r[0])


def _rows_by_key(
    request: Request, layout: Layout, progress: Any, key: bytes | None = None
) -> Iterator[list[Any]]:
    """One row per consented case of the request's programmes, in the order of their keys."""
    from bahali.aftercare.models import CheckIn
    from bahali.assessments.models import Assessment
    from bahali.assessments.services import BAND_LEVEL
    from bahali.casework.models import Goal, GoalStatus
    from bahali.core import crypto, sealing
    from bahali.evidence.models import CaseFigures, PhaseStay, RatingStanding, SessionYear

    today = local_today()
    pseudonym = pseudonymiser(key)
    small = _small_cells(request)
    cases = _cases(request)
    total = cases.count()
    no_phases = [""] * len(layout.phases)
    column_of = {code: n for n, code in enumerate(layout.phases)}
    no_sessions = [0] * len(layout.sessions)
    no_ratings = [""] * len(layout.domains)
    months: dict[datetime.date | None, str] = {}

    def month(day: datetime.date | None) -> str:
        # a few thousand distinct days over 200,000 rows × every date column: formatted once
        found = months.get(day)
        if found is None:
            found = months[day] = _month(day)
        return found

    progress(0, total)
    done = 0
    last = 0
    fields = (
        "pk", "programme_id", "programme__code", "district_id", "district__code",
        "lead_organisation__kind", "participant__sex", "participant__age_band",
        "participant__is_juvenile", "opened_on", "phase__code", "closed_on", "closure",
    )  # fmt: skip
    while True:
        page = list(cases.filter(pk__gt=last).order_by("pk").values_list(*fields)[:PAGE])
        if not page:
            break
        last = page[-1][0]
        # each figure's rows are read by the page's key range, not a list of 5,000 keys
        # (binding them cost more than the queries); rows of cases in the range but not in
        # the page (no consent, another programme) are read and never written out
        span = (page[0][0], last)
        keys = {row[0] for row in page}
        entered: dict[int, list[str]] = {}  # each case's phase months, in column order
        for case_id, code, first in (
            PhaseStay.objects.filter(case__gte=span[0], case__lte=span[1])
            .values_list("case_id", "phase__code")
            .annotate(first=Min("entered_on"))
            .order_by()
        ):
            if case_id not in keys:
                continue  # in the key range, not in the extract (another programme's phases)
            places = entered.get(case_id)
            if places is None:
                places = entered[case_id] = list(no_phases)
            places[column_of[code]] = month(first)
        sessions = {
            row["case_id"]: row
            for row in SessionYear.objects.filter(case__gte=span[0], case__lte=span[1])
            .values("case_id")
            .annotate(**{kind: Sum(kind) for kind in layout.sessions})
            .order_by()
        }
        goals = {
            row[0]: row[1:]
            for row in Goal.objects.filter(case__gte=span[0], case__lte=span[1])
            .values_list("case_id")
            .annotate(met=Count("pk", filter=Q(status=GoalStatus.ACHIEVED)), total=Count("pk"))
            .order_by()
        }
        check_ins = {
            row[0]: row[1:]
            for row in CheckIn.objects.filter(
                case__gte=span[0], case__lte=span[1], is_follow_up=False, due_on__lte=today
            )
            .values_list("case_id")
            .annotate(on_time=Count("pk", filter=Q(done_on__lte=F("due_on"))), due=Count("pk"))
            .order_by()
        }
        figures = {
            row[0]: row[1:]
            for row in CaseFigures.objects.filter(case__gte=span[0], case__lte=span[1]).values_list(
                "case_id",
                "returned_on",
                "last_contact_on",
                "behavioural_on",
                "negative_on",
                "employment_after",
                "education_after",
            )
        }
        ratings: dict[int, tuple[dict[str, Any], str]] = {}
        for case_id, row_uuid, token, overall in RatingStanding.objects.filter(
            case__gte=span[0], case__lte=span[1], until__isnull=True
        ).values_list(
            "case_id",
            "assessment__row_uuid",
            "assessment__sealed_domain_ratings",
            "assessment__overall_rating",
        ):
            if case_id not in keys:
                continue  # not in the extract: never opened
            opened: dict[str, Any] = {}
            if token:
                context = sealing.context_for(Assessment, row_uuid, "sealed_domain_ratings")
                opened = json.loads(crypto.unseal(token, context=context) or "{}") or {}
            ratings[case_id] = (opened, overall)
        for (
            pk,
            programme_id,
            programme,
            district_id,
            district,
            kind,
            sex,
            band,
            juvenile,
            opened_on,
            phase,
            closed_on,
            closure,
        ) in page:
            age = _band(juvenile, band)
            cell = (programme_id, district_id, sex, age, opened_on.year if opened_on else None)
            attended = sessions.get(pk)
            domain_ratings, overall = ratings.get(pk, (None, ""))
            met, set_ = goals.get(pk, (0, 0))
            on_time, due = check_ins.get(pk, (0, 0))
            figure = figures.get(pk)
            # the text cells from the database made inert for spreadsheets here (codes and
            # kinds); the rest are numbers and months (``exports.csv_chunks(safe=False)``)
            yield [
                pseudonym(pk),
                safe_cell(programme),
                WITHHELD if cell in small else safe_cell(district),
                safe_cell(kind),
                safe_cell(sex),
                age,
                month(opened_on),
                *(entered.get(pk) or no_phases),
                safe_cell(phase),
                month(closed_on),
                safe_cell(closure),
                *([attended[kind_] or 0 for kind_ in layout.sessions] if attended else no_sessions),
                *(
                    [
                        BAND_LEVEL.get(str((domain_ratings.get(domain) or {}).get("rating")), "")
                        for domain in layout.domains
                    ]
                    if domain_ratings
                    else no_ratings
                ),
                BAND_LEVEL.get(overall, ""),
                met,
                set_,
                on_time,
                due,
                *_after_return(figure, today, month),
            ]
        done += len(page)
        progress(done, total)


def _after_return(
    figure: tuple[Any, ...] | None, today: datetime.date, month: Any = None
) -> list[Any]:
    """returned_month, months_to_negative_outcome, negative_outcome_observed and
    outcome_category from a case's stored figures (``CaseFigures``)."""
    if figure is None:
        return ["", "", "", "not_returned"]
    returned, last_contact, behavioural, negative, employment, education = figure
    end = negative or last_contact or today
    months = max(0, int((end - returned).days / DAYS_PER_MONTH))
    if behavioural:
        category = "behavioural_negative"
    elif negative:
        category = "reconviction_only"
    elif employment is not None or education is not None:
        category = "employment_or_education"
    else:
        category = "no_verified_outcome"
    return [(month or _month)(returned), months, 1 if negative else 0, category]


def csv_text(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()
