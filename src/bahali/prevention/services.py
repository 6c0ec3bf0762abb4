"""Prevention operations: initiatives (an organisation edits its own, coordinators all),
grants and disbursements with the funding status they imply, activities with their reach by
sex and age band, the family advice line, district indicator values and their import.

Every write validates before touching anything (a refusal changes nothing) and runs in one
transaction with its audit events (``@service``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.assessments import definition as spec
from bahali.assessments.models import InstrumentKind, InstrumentVersion
from bahali.core import sealing
from bahali.core.context import SystemActor, service
from bahali.core.services import local_today, user_of
from bahali.core.versioning import claim_version
from bahali.geography.models import Community, District
from bahali.organisations.models import Organisation
from bahali.prevention import surveys
from bahali.prevention.models import (
    REACH_FIELDS,
    STATE_KINDS,
    Activity,
    ActivityDay,
    ActivityKind,
    AdviceContact,
    CallerKind,
    Channel,
    Concern,
    Disbursement,
    DistrictValue,
    Framework,
    FunderKind,
    Grant,
    Indicator,
    Initiative,
    InitiativeStatus,
    InitiativeType,
    ReferralKind,
    RespondentGroup,
    SurveyResponse,
    SurveyRound,
    TargetGroup,
)

Actor = User | SystemActor
CLIFF_DAYS = 90  # funding that ends within this many days is a cliff
MAX_AMOUNT = 10**12  # PKR


# --- initiatives ----------------------------------------------------------------------


def _choices(values: Iterable[str], allowed: list[str], field: str, errors: dict) -> list[str]:
    chosen = list(dict.fromkeys(values or []))
    if any(value not in allowed for value in chosen):
        errors[field] = _("Choose one of the listed options.")
    return chosen


def _text(value: str, field: str, errors: dict, *, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("This is too long.")
    return value


def _may_lead(actor: Actor, organisation: Organisation) -> bool:
    """An initiative is led by an organisation in whose name the actor may write initiatives
    (its own), or by any organisation when the actor coordinates (scope all)."""
    if isinstance(actor, SystemActor):
        return True
    if policies.acting_memberships(actor, "prevention_initiative.write", policies.Scope.ALL):
        return True
    return organisation.pk in policies.acting_organisations(
        actor, "prevention_initiative.write", policies.Scope.OWN_ORGANISATION
    )


@dataclass
class InitiativeData:
    name: str
    lead_organisation: Organisation
    kind: str
    districts: list[District]
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    status: str = InitiativeStatus.ACTIVE
    partners: list[Organisation] | None = None
    communities: list[Community] | None = None
    target_groups: list[str] | None = None
    frameworks: list[str] | None = None
    description: str = ""
    messages: str = ""
    channels: list[str] | None = None


def _validated(data: InitiativeData) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = _text(data.name, "name", errors, limit=200, required=True)
    if data.kind not in InitiativeType.values:
        errors["kind"] = _("Choose one of the listed options.")
    if data.status not in InitiativeStatus.values:
        errors["status"] = _("Choose one of the listed options.")
    if not data.districts:
        errors["districts"] = _("Choose at least one district.")
    communities = list(data.communities or [])
    district_ids = {d.pk for d in data.districts}
    if communities and any(
        c.tehsil.district_id not in district_ids
        for c in Community.objects.filter(pk__in=[c.pk for c in communities]).select_related(
            "tehsil"
        )
    ):
        errors["communities"] = _("Each community must lie in one of the chosen districts.")
    if data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = _("The end cannot come before the start.")
    if not data.lead_organisation.is_active:
        errors["lead_organisation"] = _("Choose an active organisation.")
    partners = [p for p in (data.partners or []) if p.pk != data.lead_organisation.pk]
    target_groups = _choices(data.target_groups or [], TargetGroup.values, "target_groups", errors)
    frameworks = _choices(data.frameworks or [], Framework.values, "frameworks", errors)
    channels = _choices(data.channels or [], Channel.values, "channels", errors)
    description = _text(data.description, "description", errors, limit=5000)
    messages = _text(data.messages, "messages", errors, limit=5000)
    if data.kind != InitiativeType.COUNTER_NARRATIVE and (messages or channels):
        errors["messages"] = _("Messages and channels are recorded for counter-narrative work.")
    if errors:
        raise ValidationError(errors)
    state_partner = any(p.kind in STATE_KINDS for p in partners)
    return {
        "fields": {
            "name": name,
            "lead_organisation": data.lead_organisation,
            "kind": data.kind,
            "starts_on": data.starts_on,
            "ends_on": data.ends_on,
            "status": data.status,
            "target_groups": target_groups,
            "frameworks": frameworks,
            "description": description,
            "messages": messages,
            "channels": channels,
            "has_state_partner": state_partner,
            "coordinated": state_partner or bool(frameworks),
        },
        "partners": partners,
        "districts": list(data.districts),
        "communities": communities,
    }


@service
def create_initiative(*, actor: Actor, data: InitiativeData) -> Initiative:
    """Register an initiative led by the actor's organisation (a coordinator: any)."""
    policies.require(actor, "prevention_initiative.write")
    if not _may_lead(actor, data.lead_organisation):
        raise PermissionDenied(_("You may register initiatives of your own organisation only."))
    valid = _validated(data)
    initiative = Initiative(**valid["fields"])
    initiative.save()
    initiative.partners.set(valid["partners"])
    initiative.districts.set(valid["districts"])
    initiative.communities.set(valid["communities"])
    return initiative


@service
def update_initiative(
    *,
    actor: Actor,
    initiative: Initiative,
    data: InitiativeData,
    expected_version: int | None = None,
) -> Initiative:
    """Edit an initiative: its organisation's staff or a coordinator, from the version read."""
    policies.require(actor, "prevention_initiative.write", initiative)
    if data.lead_organisation.pk != initiative.lead_organisation_id and not _may_lead(
        actor, data.lead_organisation
    ):
        raise PermissionDenied(_("You may register initiatives of your own organisation only."))
    valid = _validated(data)
    claim_version(initiative, expected_version)
    for field, value in valid["fields"].items():
        setattr(initiative, field, value)
    initiative.save()
    initiative.partners.set(valid["partners"])
    initiative.districts.set(valid["districts"])
    initiative.communities.set(valid["communities"])
    return initiative


# --- funding ---------------------------------------------------------------------------


@service
def add_grant(
    *,
    actor: Actor,
    initiative: Initiative,
    funder_kind: str,
    amount: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
    funder_name: str = "",
) -> Grant:
    policies.require(actor, "prevention_initiative.write", initiative)
    errors: dict[str, str] = {}
    if funder_kind not in FunderKind.values:
        errors["funder_kind"] = _("Choose one of the listed options.")
    if not 0 < amount <= MAX_AMOUNT:
        errors["amount"] = _("Give an amount in rupees, more than zero.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The end cannot come before the start.")
    funder_name = _text(funder_name, "funder_name", errors, limit=200)
    if errors:
        raise ValidationError(errors)
    grant = Grant(
        initiative=initiative,
        funder_kind=funder_kind,
        funder_name=funder_name,
        amount=amount,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    grant.save()
    return grant


@service
def add_disbursement(
    *, actor: Actor, grant: Grant, amount: int, paid_on: datetime.date
) -> Disbursement:
    policies.require(actor, "prevention_initiative.write", grant.initiative)
    paid = grant.disbursements.aggregate(total=Sum("amount"))["total"] or 0
    if amount <= 0:
        raise ValidationError({"amount": _("Give an amount in rupees, more than zero.")})
    if paid + amount > grant.amount:
        raise ValidationError({"amount": _("More than the grant has left to pay.")})
    if paid_on > local_today():
        raise ValidationError({"paid_on": _("The date cannot be in the future.")})
    disbursement = Disbursement(grant=grant, amount=amount, paid_on=paid_on)
    disbursement.save()
    return disbursement


class FundingStatus:
    FUNDED = "funded"
    PARTLY = "partly"
    UNFUNDED = "unfunded"
    ENDING = "ending"

    LABELS = {
        FUNDED: gettext_lazy("Funded"),
        PARTLY: gettext_lazy("Partly funded"),
        UNFUNDED: gettext_lazy("Unfunded"),
        ENDING: gettext_lazy("Funding ends within 90 days"),
    }


@dataclass(frozen=True)
class GrantRow:
    starts_on: datetime.date
    ends_on: datetime.date
    amount: int
    paid: int


def funding_status(
    grants: Iterable[GrantRow], initiative_ends_on: datetime.date | None, today: datetime.date
) -> str:
    """What an initiative's grants and disbursements say about its money today.

    * unfunded: no grant covers today;
    * ending: the grants covering today (joined end to end with those that follow) run out
      within 90 days, before the initiative ends;
    * partly: covered beyond 90 days, but the grants stop before the initiative ends, or
      less than half of what the running grants should have paid by now has been paid;
    * funded: otherwise.
    """
    rows = sorted(grants, key=lambda g: g.starts_on)
    if not any(g.starts_on <= today <= g.ends_on for g in rows):
        return FundingStatus.UNFUNDED
    covered_until = today
    for g in rows:  # extend the covered stretch through grants that join on to it
        if g.starts_on <= covered_until + datetime.timedelta(days=1) and g.ends_on > covered_until:
            covered_until = g.ends_on
    runs_beyond = initiative_ends_on is None or initiative_ends_on > covered_until
    if runs_beyond and covered_until < today + datetime.timedelta(days=CLIFF_DAYS):
        return FundingStatus.ENDING
    if initiative_ends_on is not None and initiative_ends_on > covered_until:
        return FundingStatus.PARTLY
    for g in rows:
        if g.starts_on <= today <= g.ends_on:
            days = (g.ends_on - g.starts_on).days + 1
            due = g.amount * ((today - g.starts_on).days + 1) / days
            if g.paid < due / 2:
                return FundingStatus.PARTLY
    return FundingStatus.FUNDED


def funding_statuses(initiatives: Any, today: datetime.date | None = None) -> dict[int, str]:
    """The funding status of each initiative in ``initiatives`` (two queries)."""
    today = today or local_today()
    ends = dict(initiatives.values_list("pk", "ends_on"))
    by_initiative: dict[int, list[GrantRow]] = {pk: [] for pk in ends}
    for row in (
        Grant.objects.filter(initiative__in=list(ends))
        .annotate(paid=Sum("disbursements__amount"))
        .values("initiative_id", "starts_on", "ends_on", "amount", "paid")
    ):
        by_initiative[row["initiative_id"]].append(
            GrantRow(row["starts_on"], row["ends_on"], row["amount"], row["paid"] or 0)
        )
    return {pk: funding_status(rows, ends[pk], today) for pk, rows in by_initiative.items()}


# --- activities ------------------------------------------------------------------------


@service
def record_activity(
    *,
    actor: Actor,
    initiative: Initiative,
    held_on: datetime.date,
    kind: str,
    channel: str,
    district: District | None = None,
    community: Community | None = None,
    reach: dict[str, int],
) -> Activity:
    """Record an activity and whom it reached, by sex and age band (youth = 15–29)."""
    policies.require(actor, "prevention_initiative.write", initiative)
    errors: dict[str, str] = {}
    if kind not in ActivityKind.values:
        errors["kind"] = _("Choose one of the listed options.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose one of the listed options.")
    if held_on > local_today():
        errors["held_on"] = _("The date cannot be in the future.")
    if community is not None:
        district = community.tehsil.district
    covered = set(initiative.districts.values_list("pk", flat=True))
    if district is None or district.pk not in covered:
        errors["district"] = _("Choose one of the initiative's districts.")
    counts = {}
    for field in REACH_FIELDS:
        value = reach.get(field) or 0
        if not isinstance(value, int) or value < 0 or value > 1_000_000:
            errors[field] = _("Give a whole number, zero or more.")
            value = 0
        counts[field] = value
    if not errors and not any(counts.values()):
        errors["female_youth"] = _("Count at least one person reached.")
    if errors:
        raise ValidationError(errors)
    activity = Activity(
        initiative=initiative,
        held_on=held_on,
        kind=kind,
        channel=channel,
        district=district,
        community=community,
        reach=sum(counts.values()),
        **counts,
    )
    activity.save()
    _add_to_day(activity)
    return activity


def _add_to_day(activity: Activity) -> None:
    """Add the activity to its district's day (``ActivityDay``), the row locked so
    activities recorded at once are all counted."""
    day, _created = ActivityDay.objects.select_for_update().get_or_create(
        district_id=activity.district_id, held_on=activity.held_on
    )
    day.activities += 1
    day.reach += activity.reach
    for field in REACH_FIELDS:
        setattr(day, field, getattr(day, field) + getattr(activity, field))
    day.save(update_fields=["activities", "reach", *REACH_FIELDS, "updated_at"])


# --- the family advice line ------------------------------------------------------------


@service
def log_advice_contact(
    *,
    actor: Actor,
    organisation: Organisation,
    caller_kind: str,
    concern: str,
    advice: str,
    district: District | None = None,
    contacted_on: datetime.date | None = None,
    caller: str = "",
    referral: str = ReferralKind.NONE,
    referred_to: str = "",
) -> AdviceContact:
    """Log a contact with the advice line. Anonymous unless the caller agreed to give a
    name or contact (``caller``), which is sealed. A contact is never a case."""
    if not isinstance(actor, SystemActor) and organisation.pk not in policies.acting_organisations(
        actor, "advice_contact.write"
    ):
        raise PermissionDenied(_("You are not allowed to do this."))
    errors: dict[str, str] = {}
    if caller_kind not in CallerKind.values:
        errors["caller_kind"] = _("Choose one of the listed options.")
    if concern not in Concern.values:
        errors["concern"] = _("Choose one of the listed options.")
    if referral not in ReferralKind.values:
        errors["referral"] = _("Choose one of the listed options.")
    advice = _text(advice, "advice", errors, limit=5000, required=True)
    caller = _text(caller, "caller", errors, limit=200)
    referred_to = _text(referred_to, "referred_to", errors, limit=200)
    if referral != ReferralKind.NONE and not referred_to:
        errors["referred_to"] = _("Say to which service or programme.")
    contacted_on = contacted_on or local_today()
    if contacted_on > local_today():
        errors["contacted_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    contact = AdviceContact(
        organisation=organisation,
        counsellor=user_of(actor),
        contacted_on=contacted_on,
        district=district,
        caller_kind=caller_kind,
        concern=concern,
        anonymous=not caller,
        advice=advice,
        referral=referral,
        referred_to=referred_to if referral != ReferralKind.NONE else "",
    )
    sealing.seal_field(contact, "sealed_caller", caller)
    contact.save()
    return contact


# --- district profiles -----------------------------------------------------------------


@service
def define_indicator(*, actor: Actor, code: str, name: str, higher_is_need: bool) -> Indicator:
    policies.require(actor, "district_profile.write")
    errors: dict[str, str] = {}
    code = (code or "").strip().lower()
    if not code or not code.replace("_", "").isalnum() or len(code) > 40:
        errors["code"] = _("Use letters, digits and underscores.")
    elif Indicator.objects.filter(code=code).exists():
        errors["code"] = _("This code is in use.")
    name = _text(name, "name", errors, limit=120, required=True)
    if errors:
        raise ValidationError(errors)
    indicator = Indicator(code=code, name=name, higher_is_need=higher_is_need)
    indicator.save()
    return indicator


def _set_value(district: District, indicator: Indicator, year: int, value: Decimal) -> None:
    row = DistrictValue.objects.filter(district=district, indicator=indicator, year=year).first()
    if row is None:
        DistrictValue(district=district, indicator=indicator, year=year, value=value).save()
    elif row.value != value:
        row.value = value
        row.save()


@service
def set_district_value(
    *, actor: Actor, district: District, indicator: Indicator, year: int, value: Decimal
) -> None:
    policies.require(actor, "district_profile.write")
    problem = _value_problem(year, value)
    if problem:
        raise ValidationError({problem[0]: problem[1]})
    _set_value(district, indicator, year, value)


def _value_problem(year: int, value: Decimal) -> tuple[str, str] | None:
    if not 1950 <= year <= local_today().year + 1:
        return "year", _("Give a year between 1950 and next year.")
    if value < 0 or value >= Decimal("1e12"):
        return "value", _("Give a number, zero or more.")
    return None


@dataclass
class ImportRow:
    line: int
    district: str
    indicator: str
    year: str
    value: str
    problems: list[str]
    parsed: tuple[District, Indicator, int, Decimal] | None = None

    @property
    def valid(self) -> bool:
        return not self.problems


def read_table(name: str, content: bytes) -> list[list[str]]:
    """The rows of an uploaded CSV or XLSX file, as text (header first)."""
    import csv
    import io

    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise ValidationError({"file": _("This is not a readable XLSX file.")}) from error
        sheet = book.worksheets[0]
        return [
            ["" if cell is None else str(cell).strip() for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({"file": _("Save the file as CSV in UTF-8.")}) from error
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


IMPORT_COLUMNS = ("district", "indicator", "year", "value")


def check_import(rows: list[list[str]]) -> list[ImportRow]:
    """Each data row of a district-values table with its problems (a validation report).
    Columns: district (code or English name), indicator (code), year, value."""
    if not rows:
        raise ValidationError({"file": _("The file is empty.")})
    header = [cell.lower() for cell in rows[0]]
    if any(column not in header for column in IMPORT_COLUMNS):
        raise ValidationError(
            {"file": _("The first row must name the columns: district, indicator, year, value.")}
        )
    at = {column: header.index(column) for column in IMPORT_COLUMNS}
    districts = {d.code.upper(): d for d in District.objects.all()}
    districts.update({d.name.lower(): d for d in districts.values()})
    indicators = {i.code: i for i in Indicator.objects.all()}
    report: list[ImportRow] = []
    seen: set[tuple[int, int, int]] = set()
    for number, raw in enumerate(rows[1:], start=2):
        if not any(raw):
            continue
        cells = {c: (raw[i] if i < len(raw) else "") for c, i in at.items()}
        row = ImportRow(
            number, cells["district"], cells["indicator"], cells["year"], cells["value"], []
        )
        district = districts.get(row.district.upper()) or districts.get(row.district.lower())
        if district is None:
            row.problems.append(_("Unknown district."))
        indicator = indicators.get(row.indicator.lower())
        if indicator is None:
            row.problems.append(_("Unknown indicator."))
        try:
            year = int(row.year)
        except ValueError:
            year = 0
        try:
            value = Decimal(row.value.replace(",", ""))
            if not value.is_finite():
                raise ArithmeticError
        except (ArithmeticError, ValueError):
            value = Decimal(-1)
            row.problems.append(_("The value is not a number."))
        problem = _value_problem(year, value if value >= 0 else Decimal(0))
        if problem:
            row.problems.append(problem[1])
        elif value < 0 and _("The value is not a number.") not in row.problems:
            row.problems.append(_("Give a number, zero or more."))
        if district and indicator and not row.problems:
            key = (district.pk, indicator.pk, year)
            if key in seen:
                row.problems.append(_("The same district, indicator and year came earlier."))
            else:
                seen.add(key)
                row.parsed = (district, indicator, year, value)
        report.append(row)
    return report


@service
def import_district_values(
    *, actor: Actor, report: list[ImportRow], valid_only: bool = False
) -> int:
    """Import a checked table: all rows, or nothing if any was refused; with ``valid_only``
    the valid rows alone. Returns how many rows were written."""
    policies.require(actor, "district_profile.write")
    if not valid_only and any(not row.valid for row in report):
        raise ValidationError(
            {
                "file": _(
                    "Nothing was imported: some rows were refused. Correct them, or import "
                    "only the valid rows."
                )
            }
        )
    written = 0
    for row in report:
        if row.parsed is not None:
            _set_value(*row.parsed)
            written += 1
    return written


# --- drivers: the factors behind a district's cases, aggregated ------------------------


@service
def refresh_driver_counts(*, actor: Actor, districts: Any = None) -> int:
    """Count, per district, the cases whose latest factors assessment judged each factor
    primary or secondary, and keep only those counts (``DriverCount``): the gap analysis
    reads aggregates and never opens a sealed answer. Returns the number of cases read."""
    from collections import Counter

    from bahali.assessments import definition as spec
    from bahali.assessments.models import Assessment, InstrumentKind
    from bahali.assessments.services import effective

    policies.require(actor, "district_profile.write")
    assessments = effective(Assessment.objects.filter(case__isnull=False)).filter(
        instrument_version__instrument__kind=InstrumentKind.FACTORS
    )
    if districts is not None:
        assessments = assessments.filter(case__district__in=districts)
    latest: dict[int, Any] = {}
    for assessment in assessments.select_related("instrument_version", "case").order_by(
        "case", "-assessed_on", "-pk"
    ):
        latest.setdefault(assessment.case_id, assessment)
    counts: Counter[tuple[int, str]] = Counter()
    assessed: Counter[int] = Counter()
    labels: dict[str, str] = {}
    for assessment in latest.values():
        district_id = assessment.case.district_id
        assessed[district_id] += 1
        for item in spec.items(assessment.definition):
            if not item.get("propose_goal") or item.get("type") != "select_one":
                continue
            if assessment.answers.get(item["name"]) in ("primary", "secondary"):
                labels.setdefault(item["name"], str(spec.label(item.get("label")))[:200])
                counts[(district_id, item["name"])] += 1
    from bahali.prevention.models import DriverCount

    stale = DriverCount.objects.all()
    if districts is not None:
        stale = stale.filter(district__in=districts)
    for row in stale:
        if (row.district_id, row.factor) not in counts:
            row.delete()
    for (district_id, factor), n in counts.items():
        row = DriverCount.objects.filter(district_id=district_id, factor=factor).first()
        if row is None:
            DriverCount(
                district_id=district_id,
                factor=factor,
                label=labels[factor],
                cases=n,
                assessed=assessed[district_id],
            ).save()
        elif (row.cases, row.assessed, row.label) != (n, assessed[district_id], labels[factor]):
            row.cases, row.assessed, row.label = n, assessed[district_id], labels[factor]
            row.save()
    return len(latest)


# --- anonymous trust and stigma surveys -------------------------------------------------------


def _may_run_surveys(actor: Actor, organisation: Organisation) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if policies.acting_memberships(actor, "prevention_survey.write", policies.Scope.ALL):
        return True
    return organisation.pk in policies.acting_organisations(
        actor, "prevention_survey.write", policies.Scope.OWN_ORGANISATION
    )


def survey_versions() -> Any:
    """Questionnaires a round may use: the newest published version of each survey
    instrument in use."""
    return (
        InstrumentVersion.objects.filter(
            instrument__kind=InstrumentKind.SURVEY,
            instrument__is_active=True,
            published_at__isnull=False,
        )
        .select_related("instrument")
        .order_by("instrument__code", "-number")
    )


@service
def plan_survey_round(
    *,
    actor: Actor,
    organisation: Organisation,
    community: Community,
    instrument_version: InstrumentVersion,
    starts_on: datetime.date,
    ends_on: datetime.date,
    planned_sample: int | None = None,
) -> SurveyRound:
    """Plan an anonymous survey round of one community with a published survey
    questionnaire that asks nothing identifying and scores at least one measure."""
    policies.require(actor, "prevention_survey.write")
    if not _may_run_surveys(actor, organisation):
        raise PermissionDenied(_("You may plan rounds of your own organisation only."))
    errors: dict[str, str] = {}
    definition = instrument_version.definition
    if (
        instrument_version.instrument.kind != InstrumentKind.SURVEY
        or not instrument_version.is_published
    ):
        errors["instrument_version"] = _("Choose a published anonymous survey questionnaire.")
    elif spec.survey_problems(definition):
        errors["instrument_version"] = _(
            "This questionnaire asks free-text or date questions; an anonymous survey may not."
        )
    elif not surveys.scored_items(definition):
        errors["instrument_version"] = _(
            "This questionnaire has no rating question of trust or stigma to score."
        )
    if ends_on < starts_on:
        errors["ends_on"] = _("The end cannot be before the start.")
    if planned_sample is not None and not 0 < planned_sample <= 100_000:
        errors["planned_sample"] = _("Give a number between 1 and 100,000.")
    if errors:
        raise ValidationError(errors)
    survey_round = SurveyRound(
        organisation=organisation,
        community=community,
        district_id=community.tehsil.district_id,
        instrument_version=instrument_version,
        starts_on=starts_on,
        ends_on=ends_on,
        planned_sample=planned_sample,
    )
    survey_round.save()
    return survey_round


@service
def record_survey_response(
    *, actor: Actor, survey_round: SurveyRound, answers: dict[str, Any], group: str
) -> SurveyResponse:
    """Record one respondent's answers: typed and checked against the questionnaire, with
    no identity kept (no person, no free text, no date); the round's running sums move in
    the same transaction, the round's row locked so simultaneous entries all count."""
    policies.require(actor, "prevention_survey.write", survey_round)
    locked = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    if not locked.is_open:
        raise ValidationError(_("This round is closed; it takes no more responses."))
    if group not in RespondentGroup.values:
        raise ValidationError({"group": _("Choose one of the listed options.")})
    definition = locked.instrument_version.definition
    clean, errors = spec.check_answers(definition, answers, complete=True)
    if errors:
        raise ValidationError(errors)
    kinds = {item["name"]: item["type"] for item in spec.items(definition)}
    clean = {k: v for k, v in clean.items() if kinds.get(k) not in spec.IDENTIFYING_TYPES}
    scores = surveys.score(definition, clean)
    response = SurveyResponse(round=locked, group=group, answers=clean, scores=scores)
    response.save()
    tallies = dict(locked.tallies)
    surveys.add_to_tallies(tallies, scores)
    locked.tallies = tallies
    locked.respondents += 1
    locked.save(update_fields=["tallies", "respondents", "updated_at"])
    survey_round.respondents, survey_round.tallies = locked.respondents, locked.tallies
    return response


@service
def close_survey_round(
    *, actor: Actor, survey_round: SurveyRound, expected_version: int | None = None
) -> SurveyRound:
    """Close a round: it takes no more responses (from the version read)."""
    policies.require(actor, "prevention_survey.write", survey_round)
    claim_version(survey_round, expected_version)
    if not survey_round.is_open:
        raise ValidationError(_("This round is already closed."))
    survey_round.is_open = False
    survey_round.save(update_fields=["is_open", "version", "updated_at"])
    return survey_round
