"""Request helpers: the signed-in request type and the client's address.

``client_address`` is the one place that decides who is on the other end of a request, for
every limit (sign-in, tokens, public forms). Behind a reverse proxy every request comes from
the proxy; only when the direct peer is one of ``BAHALI_TRUSTED_PROXIES`` is the proxy's
``X-Forwarded-For`` (or ``BAHALI_CLIENT_ADDRESS_HEADER``) believed, read from the right,
skipping the trusted hops, so a client cannot choose its own address by sending the header.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from bahali.accounts.models import User

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthedRequest(HttpRequest):
    """A request behind ``login_required`` or the API's token auth: ``user`` is a ``User``."""

    user: User


@cache
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text ("" when the peer's address is not an address)."""
    peer = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if peer is None:
        return ""
    networks = _trusted(tuple(settings.BAHALI_TRUSTED_PROXIES))
    if not any(peer in network for network in networks):
        return str(peer)
    header = "HTTP_" + settings.BAHALI_CLIENT_ADDRESS_HEADER.upper().replace("-", "_")
    hops = [hop for hop in (request.META.get(header) or "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # a garbled hop: trust nothing further left
        client = address
        if not any(address in network for network in networks):
            break
    return str(client)
