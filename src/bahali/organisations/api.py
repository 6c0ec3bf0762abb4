"""API: the directory of organisations."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Router

from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest
from bahali.organisations.models import Organisation

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    district: str | None
    description: str

    @staticmethod
    def resolve_district(obj: Organisation) -> str | None:
        return obj.district.code if obj.district else None


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations taking part")
@paginate(Pagination)
def list_organisations(request: AuthedRequest, kind: str | None = None) -> QuerySet[Organisation]:
    organisations = (
        Organisation.objects.visible_to(request.user).active().select_related("district")
    )
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations


@router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, 404: Error},
    summary="One organisation",
)
def get_organisation(request: AuthedRequest, organisation_id: int) -> Organisation:
    return get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related("district"),
        pk=organisation_id,
    )
