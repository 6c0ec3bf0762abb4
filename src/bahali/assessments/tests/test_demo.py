"""The demo shows change: cases with two or three progress assessments months apart, plus
factors and needs assessments."""

from __future__ import annotations

import pytest
from django.db.models import Count

from bahali.assessments import services
from bahali.assessments.models import Assessment
from bahali.cases.models import Case

pytestmark = pytest.mark.django_db


def test_demo_cases_have_successive_progress_assessments(demo_data):
    # the demo, loaded once per session by `bahali demo` (root conftest.py)
    progress = (
        Assessment.objects.filter(instrument_version__instrument__code="progress")
        .values("case")
        .annotate(n=Count("pk"))
    )
    counts = {row["case"]: row["n"] for row in progress}
    assert sum(1 for n in counts.values() if n >= 2) >= 3
    assert any(n == 3 for n in counts.values())
    assert Assessment.objects.filter(instrument_version__instrument__code="factors").count() >= 5
    assert Assessment.objects.filter(instrument_version__instrument__code="needs").count() >= 5
    case = Case.objects.get(pk=max(counts, key=counts.__getitem__))
    series = services.domain_series(case)
    assert len(series.points) >= 2
    first, last = series.points[0], series.points[-1]
    assert first.ratings != last.ratings  # the chart shows change
    assert case.risk_band == last.overall
    spread = (last.assessment.assessed_on - first.assessment.assessed_on).days
    assert spread >= 45  # months apart
    # Journey 2: a progress reassessment falls due and shows in the psychologist's "My work".
    from bahali.accounts.models import User
    from bahali.cases import work

    farah = User.objects.get(username="farah")
    assert services.reassessments_due_for(farah)
    assert any(item.kind == "reassessment" for item in work.items_for(farah))
