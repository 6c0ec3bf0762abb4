"""Organisations: registering and describing the bodies that work cases together."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bahali.core.context import SystemActor, service
from bahali.geography.models import District
from bahali.organisations.models import Organisation, OrganisationKind


@service
def register_organisation(
    *,
    actor: SystemActor,
    name: str,
    kind: str,
    short_name: str = "",
    district: District | None = None,
    description: str = "",
) -> Organisation:
    """Register an organisation. Operators do this (``bahali``); stewards then add members."""
    if kind not in OrganisationKind.values:
        raise ValidationError({"kind": _("Choose a valid kind of organisation.")})
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        short_name=short_name.strip(),
        district=district,
        description=description.strip(),
    )
    organisation.full_clean()
    organisation.save()
    return organisation
