"""Who is acting, for whom and why: the context every write runs in.

Services run inside :func:`acting_as`; audited models refuse to save outside it, so a write
that skips the services layer fails loudly instead of leaving an unaudited change behind.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from django.db import transaction

if TYPE_CHECKING:
    from bahali.accounts.models import Membership, User
    from bahali.organisations.models import Organisation


class WriteOutsideService(RuntimeError):
    """An audited model was saved without a service having set who is acting."""


class Actor(Protocol):
    """Whoever a service acts for and authorization is decided about: a signed-in user, or
    the system itself (:class:`SystemActor`). What both have, and all that authorization
    reads of them; code that needs a person narrows with ``isinstance(actor, SystemActor)``.
    """

    @property
    def pk(self) -> Any: ...

    @property
    def username(self) -> str: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def active_organisation(self) -> Organisation | None: ...

    def active_memberships(self) -> list[Membership]: ...


class SystemActor:
    """The platform itself, for operator commands, migrations of data and scheduled work.

    Not a person with roles: it holds no membership and is not signed in, so it can act in
    no organisation's name (sign-offs, objections); ``policies.require`` lets it pass.
    """

    username = "system"
    pk = None
    active_organisation: Organisation | None = None
    is_authenticated = False

    def active_memberships(self) -> list[Membership]:
        return []

    def __repr__(self) -> str:
        return "<SystemActor>"


SYSTEM = SystemActor()


@dataclass(frozen=True)
class Acting:
    """The acting party of the current write."""

    user: User | None
    reason: str
    source: str
    operation: str = ""

    @property
    def organisation(self) -> Organisation | None:
        """The organisation the user acts for now (set per request or token)."""
        return getattr(self.user, "active_organisation", None)


_acting: ContextVar[Acting | None] = ContextVar("bahali_acting", default=None)
_source: ContextVar[str] = ContextVar("bahali_source", default="system")
_operation: ContextVar[str] = ContextVar("bahali_operation", default="")


def set_source(source: str) -> None:
    """Name where requests come from (web, api, cli) for the audit trail."""
    _source.set(source)


@contextmanager
def source(name: str) -> Iterator[None]:
    token = _source.set(name)
    try:
        yield
    finally:
        _source.reset(token)


def new_operation_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def operation(operation_id: str = "") -> Iterator[str]:
    """Everything written in the block is one operation (a web or API request, a task): its
    audit events carry the same operation id, so the trail can show them as a unit."""
    token = _operation.set(operation_id or new_operation_id())
    try:
        yield _operation.get()
    finally:
        _operation.reset(token)


def current_operation() -> str:
    """The id of the operation running now ("" outside any): what logs carry to match the
    audit events of the same request."""
    return _operation.get()


def start_operation() -> str:
    """Start an operation that lasts as long as the process: one ``bahali`` command."""
    _operation.set(new_operation_id())
    return _operation.get()


@contextmanager
def acting_as(actor: User | SystemActor, *, reason: str = "") -> Iterator[Acting]:
    """Run the block as ``actor``, inside one transaction.

    Outside a request or command (a test, a task calling a service directly) the outermost
    block starts an operation of its own, so its events still share an operation id.
    """
    user = None if isinstance(actor, SystemActor) else actor
    outer = _acting.get()
    if not reason and outer is not None and outer.user == user:
        reason = outer.reason
    with operation(_operation.get()) as operation_id, transaction.atomic():
        acting = Acting(user=user, reason=reason, source=_source.get(), operation=operation_id)
        token = _acting.set(acting)
        try:
            yield acting
        finally:
            _acting.reset(token)


def current() -> Acting:
    acting = _acting.get()
    if acting is None:
        raise WriteOutsideService(
            "Audited models are written only through a service (bahali.core.context.service)."
        )
    return acting


P = ParamSpec("P")
R = TypeVar("R")


def service(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a domain operation: keyword ``actor`` required, atomic, audited.

    A ``reason`` keyword, when the service takes one, is recorded with every audit event
    the operation writes.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        actor: Any = kwargs.get("actor")
        if actor is None:
            raise TypeError(f"{func.__qualname__}() needs the keyword argument actor=")
        reason = kwargs.get("reason") or ""
        with acting_as(actor, reason=str(reason)):
            return func(*args, **kwargs)

    return wrapper
