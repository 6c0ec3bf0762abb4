"""Factories and helpers for tests: data goes through the audited write path like real data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import factory

from bahali.accounts import services as accounts
from bahali.accounts.models import Membership, User
from bahali.accounts.roles import ROLE_ORGANISATION_KINDS, Role
from bahali.core.context import SYSTEM, acting_as
from bahali.geography.models import District
from bahali.organisations.models import Organisation, OrganisationKind

TEST_PASSWORD = "correct horse battery staple 42"  # noqa: S105


class AuditedFactory(factory.django.DjangoModelFactory):
    """Saves as the system actor, so factories obey the same rule as services."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with acting_as(SYSTEM):
            return super()._create(model_class, *args, **kwargs)


class OrganisationFactory(AuditedFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.CIVIL_SOCIETY


class UserFactory(AuditedFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(TEST_PASSWORD)


def kind_for(role: Role) -> OrganisationKind:
    """An organisation kind the role may be held in (the first, in a stable order)."""
    return sorted(ROLE_ORGANISATION_KINDS[role])[0]


def make_member(
    role: Role,
    *,
    organisation: Organisation | None = None,
    districts: Iterable[str] = ("SWT",),
    username: str | None = None,
) -> User:
    """A user holding ``role`` in ``organisation`` (a fresh one of a fitting kind if omitted)."""
    organisation = organisation or cast(Organisation, OrganisationFactory(kind=kind_for(role)))
    user = cast(User, UserFactory(**({"username": username} if username else {})))
    accounts.grant_membership(
        actor=SYSTEM,
        user=user,
        organisation=organisation,
        role=role,
        districts=District.objects.filter(code__in=list(districts)),
    )
    user.forget_memberships()
    return user


def membership_of(user: User) -> Membership:
    return Membership.objects.filter(user=user).select_related("organisation").get()
