"""The demo has the research extract ready to try: Zainab the analyst approved by Omar, the
lead organisation's data steward, and about a third of the participants with a case
consenting to research; her extract has rows and no identity."""

from __future__ import annotations

import pytest

from bahali.accounts.models import User
from bahali.cases.models import Case
from bahali.core.services import local_today
from bahali.evidence import research
from bahali.evidence.models import ResearchApproval
from bahali.registry.models import Consent, ConsentPurpose

pytestmark = pytest.mark.django_db


def test_zainab_is_an_approved_researcher_in_the_demo(demo_data):
    zainab = User.objects.get(username="zainab")
    approval = ResearchApproval.objects.get(researcher=zainab)
    assert approval.in_force(local_today())
    assert approval.approved_by is not None and approval.approved_by.username == "omar"
    consenting = Consent.objects.filter(
        purpose=ConsentPurpose.RESEARCH, withdrawn_on__isnull=True
    ).values("participant")
    with_cases = Case.objects.values("participant").distinct().count()
    share = Case.objects.filter(participant__in=consenting).values("participant").distinct()
    assert 0.2 * with_cases <= share.count() <= 0.5 * with_cases
    request = research.request_of(zainab, f"approval={approval.pk}")
    rows = list(research.rows(request, research.layout_for(request.programmes), _quiet))
    assert len(rows) > 1
    codes = set(Case.objects.values_list("participant__code", flat=True))
    text = "\n".join(",".join(str(cell) for cell in row) for row in rows)
    assert not any(code in text for code in codes)


def _quiet(*args: object, **kwargs: object) -> None:
    """Progress, not needed here."""
