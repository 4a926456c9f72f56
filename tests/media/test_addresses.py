"""The address guard, table-driven: pure functions, nothing connects."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from core.errors import InvalidLink, RefusedAddress
from core.media.addresses import (
    check_public,
    is_public,
    parse_host,
    parse_inet_aton,
    parse_networks,
    refusal_reason,
)

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "shared (CGNAT)"),
    ("100.127.255.254", "shared (CGNAT)"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "this-network"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("192.0.0.9", "IETF protocol assignments"),
    ("192.88.99.1", "6to4 relay anycast"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fe80::1%2", "link-local"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("fec0::1", "site-local (deprecated)"),
    ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:10.1.2.3", "IPv4-mapped private"),
    ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
    ("::127.0.0.1", "IPv4-compatible (deprecated)"),
    ("2002:7f00:1::1", "6to4 loopback"),
    ("2002:a00:1::", "6to4 private"),
    ("2002::1", "6to4 unspecified"),
    ("64:ff9b::10.0.0.1", "NAT64 private"),
    ("64:ff9b::127.0.0.1", "NAT64 loopback"),
    ("64:ff9b:1::1", "local-use NAT64"),
    ("2001::1", "Teredo"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ("2001:2::1", "IETF protocol assignments"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("100::1", "discard-only"),
    ("5f00::1", "SRv6 SIDs"),
    ("4000::1", "reserved"),
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",  # just below CGNAT
    "100.128.0.0",  # just above CGNAT
    "172.32.0.1",  # just above 172.16/12
    "2606:4700::1111",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "2002:808:808::1",  # 6to4 of a public address
    "64:ff9b::8.8.8.8",  # NAT64 of a public address
]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_refused_addresses(address: str, reason: str) -> None:
    ip = ip_address(address)
    assert refusal_reason(ip) == reason
    assert not is_public(ip)
    with pytest.raises(RefusedAddress):
        check_public(ip)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    ip = ip_address(address)
    assert refusal_reason(ip) is None
    assert is_public(ip)
    check_public(ip)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("10.0x10.0.1", "10.16.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("3232235777", "192.168.1.1"),
        ("8.8.8.8", "8.8.8.8"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
    ],
)
def test_odd_spellings_parse_like_inet_aton(host: str, expected: str) -> None:
    assert parse_host(host) == ip_address(expected)


@pytest.mark.parametrize(
    "host", ["0x7f000001", "2130706433", "127.1", "0177.0.0.1", "[::ffff:127.0.0.1]"]
)
def test_odd_spellings_of_loopback_are_refused(host: str) -> None:
    ip = parse_host(host)
    assert ip is not None
    assert not is_public(ip)


@pytest.mark.parametrize(
    "host", ["example.com", "cdn.example.co.uk", "xn--bcher-kva.de", "a_b.example"]
)
def test_names_are_not_addresses(host: str) -> None:
    assert parse_host(host) is None


@pytest.mark.parametrize(
    "host",
    [
        "1.2.3.256",
        "08.0.0.1",
        "1.2.3.4.5",
        "0x1.0x100.1.1",
        "4294967296",
        "a b.com",
        "-x.com",
        "x..com",
        "",
    ],
)
def test_malformed_hosts_are_invalid_links(host: str) -> None:
    with pytest.raises(InvalidLink):
        parse_host(host)


def test_inet_aton_rejects_out_of_range_parts() -> None:
    assert parse_inet_aton("256.1") is None
    assert parse_inet_aton("1.16777216") is None
    assert parse_inet_aton("1.16777215") == ip_address("1.255.255.255")


def test_allow_networks_exempt_only_their_range() -> None:
    allow = parse_networks("127.0.0.1/32, ::1/128")
    assert allow == (ip_network("127.0.0.1/32"), ip_network("::1/128"))
    assert is_public(ip_address("127.0.0.1"), allow)
    assert is_public(ip_address("::1"), allow)
    assert is_public(ip_address("::ffff:127.0.0.1"), allow)
    assert not is_public(ip_address("127.0.0.2"), allow)
    assert not is_public(ip_address("10.0.0.1"), allow)


def test_parse_networks_accepts_iterables_and_rejects_garbage() -> None:
    assert parse_networks(["10.0.0.0/8"]) == (ip_network("10.0.0.0/8"),)
    assert parse_networks("") == ()
    with pytest.raises(ValueError):
        parse_networks("not-a-network")
