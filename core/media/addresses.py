"""The address guard the fetcher uses: the one rule in :mod:`core.urls.addresses`.

Intake (link canonicalization) and the fetcher share that rule; it lives beside the
link code so that validating a link never loads the picture libraries.
"""

from core.urls.addresses import (
    IPAddress,
    Network,
    check_link_host,
    check_public,
    embedded_ipv4,
    is_public,
    parse_host,
    parse_inet_aton,
    parse_networks,
    refusal_reason,
)

__all__ = [
    "IPAddress",
    "Network",
    "check_link_host",
    "check_public",
    "embedded_ipv4",
    "is_public",
    "parse_host",
    "parse_inet_aton",
    "parse_networks",
    "refusal_reason",
]
