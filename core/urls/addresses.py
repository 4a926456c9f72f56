"""Address rule: is a link's host a public destination?  Shared by intake and the fetcher.

Pure functions, no I/O.  :func:`refusal_reason` is the single decision; everything
else is parsing.  Intake checks a link's host with :func:`check_link_host` (an
address literal in any spelling, or a valid DNS name); the fetcher checks every
resolved address with :func:`check_public`.  Host spellings are read the way libc's
``inet_aton`` and the WHATWG URL standard read them (``0x7f000001``, ``2130706433``,
``127.1``, ``0177.0.0.1``), so an odd spelling of a loopback address is still a
loopback address.  Addresses that embed an IPv4 address (IPv4-mapped, 6to4, NAT64
``64:ff9b::/96``) are judged by the embedded address; IPv4-compatible ``::a.b.c.d``
and Teredo are refused outright.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import idna

from core.errors import InvalidLink, RefusedAddress

IPAddress = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

_V4_DENY: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), why)
    for net, why in (
        ("0.0.0.0/32", "unspecified"),
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "this-network"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)

_V6_DENY: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), why)
    for net, why in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible (deprecated)"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/32", "Teredo"),
        ("2001::/23", "IETF protocol assignments"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "SRv6 SIDs"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    )
)
_V6_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64_WKP = IPv6Network("64:ff9b::/96")

_NUMERIC_LABEL = re.compile(r"^(?:[0-9]+|0[xX][0-9a-fA-F]*)$")
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """Parse CIDRs (a comma/space separated string or an iterable), e.g. ``"127.0.0.1/32"``.

    This is the format of ``LEAKDESK_FETCH_ALLOW_NETWORKS``.  Raises ``ValueError``.
    """
    items = re.split(r"[,\s]+", spec) if isinstance(spec, str) else list(spec)
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, 6to4 or NAT64 (64:ff9b::/96) address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64_WKP:
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal_reason(ip: IPAddress, allow_networks: Iterable[Network] = ()) -> str | None:
    """Why the fetcher must not connect to ``ip`` (a short category), or ``None`` if public.

    ``allow_networks`` exempts networks (tests allow ``127.0.0.1/32``); it is matched
    against the address and against the IPv4 address embedded in it.
    """
    allow = tuple(allow_networks)
    inner = embedded_ipv4(ip) if isinstance(ip, IPv6Address) else None
    if _allowed(ip, allow) or (inner is not None and _allowed(inner, allow)):
        return None
    if isinstance(ip, IPv4Address):
        return _v4_reason(ip)
    if inner is not None:
        why = _v4_reason(inner)
        if why is None:
            return None
        if ip.ipv4_mapped is not None:
            return f"IPv4-mapped {why}"
        return f"6to4 {why}" if ip.sixtofour is not None else f"NAT64 {why}"
    for net, why in _V6_DENY:
        if ip in net:
            return why
    if ip not in _V6_GLOBAL_UNICAST:
        return "reserved"
    if not ip.is_global:  # backstop: whatever this Python's registry knows beyond our table
        return "not globally reachable"
    return None


def is_public(ip: IPAddress, allow_networks: Iterable[Network] = ()) -> bool:
    """True if the fetcher may connect to ``ip``."""
    return refusal_reason(ip, allow_networks) is None


def check_public(ip: IPAddress, allow_networks: Iterable[Network] = ()) -> None:
    """Raise :class:`RefusedAddress` unless ``ip`` is public (or allowed)."""
    if refusal_reason(ip, allow_networks) is not None:
        raise RefusedAddress("the link points to a private or local address")


def parse_host(host: str) -> IPAddress | None:
    """Parse a URL host: an IP literal in any libc/WHATWG spelling, or ``None`` for a name.

    Accepts ``[v6]`` brackets and zone ids.  Raises :class:`InvalidLink` for hosts that
    look numeric but are not valid addresses (``1.2.3.256``, ``08.1``) and for hosts
    that are not valid DNS names.
    """
    text = host.lower()
    if not text or any(c.isspace() for c in text):
        raise InvalidLink("the link has no valid host")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return IPv6Address(text)
        except ValueError:
            raise InvalidLink("the link has no valid host") from None
    name = text.removesuffix(".")
    labels = name.split(".")
    if labels and _NUMERIC_LABEL.match(labels[-1]):
        v4 = parse_inet_aton(name)
        if v4 is None:
            raise InvalidLink("the link has no valid host")
        return v4
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise InvalidLink("the link has no valid host")
    if "xn--" in name and not all(_valid_a_label(label) for label in labels):
        raise InvalidLink("the link has an invalid international domain name")
    return None


def check_link_host(host: str, allow_networks: Iterable[Network] = ()) -> IPAddress | None:
    """Raise :class:`InvalidLink` unless a link's ``host`` may be reported; return its address.

    The intake side of the address rule: a malformed host, a single-label or
    ``localhost`` name, and an address literal (in any spelling :func:`parse_host`
    reads) that :func:`refusal_reason` refuses are all refused with a short reason.
    ``allow_networks`` exempt their addresses (``localhost`` counts as ``127.0.0.1``
    and ``::1``).  Returns the address for a literal, ``None`` for a name.
    """
    allow = tuple(allow_networks)
    ip = parse_host(host)
    if ip is None:
        name = host.lower().removesuffix(".")
        if name == "localhost" or name.endswith(".localhost"):
            if _allowed(IPv4Address("127.0.0.1"), allow) or _allowed(IPv6Address("::1"), allow):
                return None
            raise InvalidLink("the link points at a private address (loopback)")
        if "." not in name:
            raise InvalidLink("not a public web address")
        return None
    why = refusal_reason(ip, allow)
    if why is not None:
        raise InvalidLink(f"the link points at a private address ({why})")
    return ip


@lru_cache(maxsize=4096)
def _valid_a_label(label: str) -> bool:
    """An ``xn--`` label must be valid punycode of a valid IDNA 2008 label."""
    if not label.startswith("xn--"):
        return True
    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError):
        return False
    return True


def parse_inet_aton(text: str) -> IPv4Address | None:
    """Parse ``text`` like ``inet_aton(3)``: 1–4 parts, each decimal, ``0x`` hex or ``0`` octal.

    The last part fills the remaining bytes (``127.1`` is ``127.0.0.1``).  Returns
    ``None`` if it is not such a number.
    """
    parts = text.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    values = [_parse_part(part) for part in parts]
    if any(value is None for value in values):
        return None
    numbers = [value for value in values if value is not None]
    *head, last = numbers
    if any(value > 0xFF for value in head) or last >= 1 << (8 * (5 - len(numbers))):
        return None
    total = last
    for position, value in enumerate(head):
        total |= value << (24 - 8 * position)
    return IPv4Address(total)


def _parse_part(part: str) -> int | None:
    if part[:2] in ("0x", "0X"):
        digits = part[2:]
        if not digits:
            return 0
        return int(digits, 16) if re.fullmatch(r"[0-9a-fA-F]+", digits) else None
    if not part.isascii() or not part.isdigit():
        return None
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8) if re.fullmatch(r"[0-7]+", part) else None
    return int(part)


def _allowed(ip: IPAddress, allow: tuple[Network, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in allow)


def _v4_reason(ip: IPv4Address) -> str | None:
    for net, why in _V4_DENY:
        if ip in net:
            return why
    if not ip.is_global:  # backstop, see above
        return "not globally reachable"
    return None
