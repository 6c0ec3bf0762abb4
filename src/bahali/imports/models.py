"""Imports of an existing caseload: the column mapping per source, the batch, its row ledger."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bahali.core.models import AuditedModel
from bahali.core.querysets import AuditedQuerySet
from bahali.core.sealing import Sealed, SealedRow


class ColumnMapping(AuditedModel):
    """How one source organisation's sheets name their columns, remembered for next time."""

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="import_mapping"
    )
    columns = models.JSONField(_("columns"), default=dict)  # field → column heading

    objects = AuditedQuerySet.as_manager()


def _organisations_of(user: Any) -> Any:
    """The user's organisations, as a subquery (no join, no DISTINCT over the rows)."""
    from bahali.accounts.models import Membership

    return Membership.objects.filter(user=user).values("organisation_id")


class ImportBatchQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any) -> Any:
        """The imports of the organisations where the user may import."""
        from bahali.accounts import policies

        if not policies.can(user, "import.write"):
            return self.none()
        return self.filter(organisation_id__in=_organisations_of(user))


class ImportBatch(SealedRow, AuditedModel):
    """One uploaded sheet: validated and checked for duplicates before anything is written."""

    sealed_fields: ClassVar[dict[str, str]] = {"sealed_sheet": "imports.importbatch.sheet"}

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, columns to map")
        CHECKED = "checked", _("Checked, not imported")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        UNDONE = "undone", _("Undone")

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="import_batches"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    filename = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.UPLOADED)
    sealed_sheet = models.TextField(_("sheet (sealed)"), blank=True)
    sheet = Sealed("sealed_sheet", json=True)  # headings and rows, until the rows are checked
    only_valid = models.BooleanField(_("only the valid rows"), default=False)
    operation_id = models.CharField(_("operation"), max_length=32, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_refused = models.PositiveIntegerField(_("rows refused"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    clusters = models.JSONField(_("possible duplicates"), default=list)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-pk"]


class ImportRow(SealedRow, AuditedModel):
    """One row of a sheet: its checked values (sealed), its errors, and what became of it.

    The ledger of an import: a row is marked imported in the same transaction that
    registers its person, so a run killed half-way and started again imports each row once.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REFUSED = "refused", _("Refused")
        IMPORTED = "imported", _("Imported")
        UNDONE = "undone", _("Undone")

    sealed_fields: ClassVar[dict[str, str]] = {"sealed_values": "imports.importrow.values"}

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    status = models.CharField(_("status"), max_length=10, choices=Status)
    errors = models.JSONField(_("errors"), default=dict)  # field → message (user's language)
    sealed_values = models.TextField(_("values (sealed)"), blank=True)
    values = Sealed("sealed_values", json=True)
    participant = models.ForeignKey(
        "registry.Participant", null=True, blank=True, on_delete=models.PROTECT
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["batch", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["batch", "number"], name="import_row_once")
        ]


class ReviewClusterQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any) -> Any:
        """Clusters of the imports the user can reach (their organisations')."""
        from bahali.accounts import policies

        if not policies.can(user, "import.write"):
            return self.none()
        return self.filter(batch__organisation_id__in=_organisations_of(user))


class ReviewCluster(AuditedModel):
    """Registered records that may be one person, waiting for a data steward's decision."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        SAME = "same", _("Same person, merged")
        DIFFERENT = "different", _("Different people")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="reviews")
    members = models.JSONField(_("records"), default=list)  # participant ids, lowest first
    score = models.FloatField(_("score"))
    decision = models.CharField(_("matcher's decision"), max_length=8)  # match or review
    pairs = models.JSONField(_("pairs"), default=list)  # [{a, b, score, reasons}]
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    version = models.PositiveIntegerField(default=1)

    objects = ReviewClusterQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-score", "pk"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "-score", "id"], name="review_queue")
        ]


class PairDecision(AuditedModel):
    """A steward's verdict on two records, so that the pair is never asked again."""

    first = models.ForeignKey("registry.Participant", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("registry.Participant", on_delete=models.CASCADE, related_name="+")
    same = models.BooleanField(_("same person"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["first", "second"], name="pair_decided_once")
        ]
