"""Demo service directory and referrals in every state (sent, accepted, declined, completed,
withdrawn), through the real services. The counselling service is offered by the centre,
with which the demo participants did not consent to share: their referrals to it are refused.
All invented."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from bahali.accounts.models import User
from bahali.cases.models import Case, CaseRole
from bahali.core.context import SYSTEM
from bahali.geography.models import District
from bahali.organisations import services as organisations
from bahali.organisations.models import Organisation, OrganisationKind
from bahali.referrals import services
from bahali.referrals.models import Referral, Service

PROVIDERS = [
    # key, name, kind, description
    ("legal", "Khpal Kor Legal Aid Society", OrganisationKind.CIVIL_SOCIETY,
     "Free legal aid and help with CNICs and documents (fictional)."),
    ("finance", "Swat Microfinance Trust", OrganisationKind.CIVIL_SOCIETY,
     "Small loans and business training (fictional)."),
    ("employer", "Mingora Electric Works", OrganisationKind.CIVIL_SOCIETY,
     "A private electrical contractor, registered as an employment partner (fictional)."),
]  # fmt: skip
SERVICES = [
    # provider key, name, category, districts, eligibility, contact, description
    ("aman", "Electrician course (six months)", "vocational", ["SWT"],
     "Men and women 16–35; basic literacy.", "Aman office, Saidu Sharif · 0946-000000 (invented)",
     "Wiring, safety and a toolkit on completion."),
    ("aman", "Adult literacy classes", "education", ["SWT"], "Anyone over 16.",
     "Aman office, Saidu Sharif", "Evening classes in Pashto and Urdu."),
    ("sahar", "Tailoring and embroidery for women", "vocational", ["BJR", "SWT"],
     "Women and girls over 15.", "Sahar centre, Khar · 0942-000000 (invented)", ""),
    ("centre", "Outpatient counselling", "mental_health", ["SWT"],
     "Returnees and their families.", "Roshan Centre, Mingora",
     "Weekly sessions with a psychologist."),
    ("legal", "CNIC and documents desk", "legal", ["SWT", "BJR"],
     "Anyone without papers.", "District courts, Saidu Sharif · 0946-111111 (invented)",
     "Applications to NADRA, birth certificates, court papers."),
    ("finance", "Start-up loans", "livelihood", ["SWT"],
     "Completed a vocational course; a guarantor.", "Swat Microfinance Trust, Mingora", ""),
    ("employer", "Apprentice electricians", "employment", ["SWT"],
     "Completed the electrician course.", "Mingora Electric Works, G.T. Road", ""),
]  # fmt: skip


def _lead(case: Case) -> User | None:
    member = (
        case.team.filter(case_role=CaseRole.LEAD_CASE_WORKER, left_on__isnull=True)
        .select_related("membership__user")
        .first()
    )
    return member.membership.user if member else None


def load_demo_referrals(orgs: dict[str, Organisation], cases: list[Case]) -> None:
    today = timezone.localdate()
    providers = dict(orgs)
    for key, name, kind, description in PROVIDERS:
        providers[key] = Organisation.objects.filter(name=name).first() or (
            organisations.register_organisation(
                actor=SYSTEM,
                name=name,
                kind=kind,
                district=District.objects.get(code="SWT"),
                description=description,
            )
        )
    catalogue: dict[str, Service] = {}
    for key, name, category, codes, eligibility, contact, description in SERVICES:
        catalogue[name] = Service.objects.filter(
            provider=providers[key], name=name
        ).first() or services.register_service(
            actor=SYSTEM,
            provider=providers[key],
            name=name,
            category=category,
            districts=District.objects.filter(code__in=codes),
            contact=contact,
            eligibility=eligibility,
            description=description,
        )
    returning = [
        c
        for c in cases
        if c.is_open
        and (c.phase.is_aftercare or c.phase.code in {"transition", "reintegration", "halfway"})
    ]
    bilal = User.objects.filter(username="bilal").first()
    plan = [
        # service, need, the provider's steps: (accept?, note), then completion feedback
        ("Electrician course (six months)", "Wants a trade; good with his hands.", None, None),
        ("CNIC and documents desk", "Has no CNIC: needs one to open a bank account.",
         (True, "Appointment at NADRA on the 12th."), "CNIC issued; bank account opened."),
        ("Start-up loans", "Wants to open a small repair shop.",
         (False, "Needs a guarantor first; refer again when one is found."), None),
        ("Apprentice electricians", "Finished the electrician course with good marks.",
         (True, "Starts as an apprentice on Monday."), None),
        ("Adult literacy classes", "Reads little Urdu; wants to follow the course notes.",
         (True, "Joins the evening class."), "Reads and writes simple Urdu now."),
        ("Electrician course (six months)", "Interested in the course.", "withdraw", None),
    ]  # fmt: skip
    for number, (service_name, need, answer, feedback) in enumerate(plan):
        if not returning:
            return
        case = returning[number % len(returning)]
        lead = _lead(case) or SYSTEM
        service_item = catalogue[service_name]
        if Referral.objects.filter(case=case, service=service_item).exists():
            continue
        try:
            referral = services.refer(
                actor=lead,
                case=case,
                service_item=service_item,
                need=need,
                sent_on=max(case.opened_on, today - datetime.timedelta(days=30 - 4 * number)),
            )
        except ValidationError:
            continue
        responder = (
            bilal if bilal is not None and service_item.provider == orgs.get("aman") else SYSTEM
        )
        if answer == "withdraw":
            services.cancel_referral(
                actor=lead, referral=referral, reason="He found work with a relative instead."
            )
        elif isinstance(answer, tuple):
            accept, note = answer
            services.respond_to_referral(
                actor=responder, referral=referral, accept=accept, note=note
            )
            if feedback:
                services.complete_referral(actor=responder, referral=referral, feedback=feedback)
