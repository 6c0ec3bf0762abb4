"""The client's address: the peer's, unless the peer is a trusted proxy."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from bahali.core.http import client_address


def _request(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        # an untrusted peer cannot choose its address by sending the header
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        # through the trusted proxy: the address the proxy saw (the rightmost)
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # trusted hops on the right are skipped
        ("10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1"),
        # a garbled hop stops the walk at the last trusted one
        ("10.0.0.2", "198.51.100.1, nonsense", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.2", "198.51.100.1:5555", "198.51.100.1"),
        ("::ffff:203.0.113.9", None, "203.0.113.9"),
        ("not an address", None, ""),
    ],
)
@override_settings(BAHALI_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_client_address(peer, forwarded, expected):
    assert client_address(_request(peer, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(_request("127.0.0.1", "198.51.100.1")) == "127.0.0.1"


@override_settings(BAHALI_TRUSTED_PROXIES=["127.0.0.1"], BAHALI_CLIENT_ADDRESS_HEADER="X-Real-IP")
def test_the_header_is_configurable():
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.4")
    assert client_address(request) == "198.51.100.4"
