"""An import as a user may reach it: 404 alike for missing and out of reach."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404

from bahali.imports.models import ImportBatch, ReviewCluster


def get_import_for_user(user: Any, pk: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.visible_to(user).select_related("organisation"), pk=pk
    )


def get_review_for_user(user: Any, pk: int) -> ReviewCluster:
    return get_object_or_404(ReviewCluster.objects.visible_to(user), pk=pk)
