"""Bind every sealed value of assessments to its row (bahali.core.sealed_rows); reversible."""

from django.db import migrations

from bahali.core.sealed_rows import bind_to_rows


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_seal_answers")]

    operations = [
        *bind_to_rows(
            "assessments",
            "assessment",
            {
                "sealed_answers": (
                    "assessments.assessment.answers",
                    "assessments.assessment.answers",
                ),
                "sealed_domain_ratings": (
                    "assessments.assessment.domain_ratings",
                    "assessments.assessment.domain_ratings",
                ),
                "sealed_overall_rationale": (
                    "assessments.assessment.overall_rationale",
                    "assessments.assessment.overall_rationale",
                ),
            },
        ),
    ]
