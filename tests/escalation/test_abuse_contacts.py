"""Abuse contacts of unknown hosts: RDAP against a fake server on loopback, CDN ranges,
the address rule, failures, and the cache with its time to live on both databases."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from core.escalation.channels import load_channels
from core.escalation.contacts import (
    AbuseContact,
    AbuseContactFinder,
    RdapClient,
    RdapUnavailable,
    builtin_cdns,
    cdn_for,
    contact_channel,
    contact_platforms,
)
from core.escalation.contacts.cdn import parse_cdns
from core.escalation.contacts.lookup import registered_domain
from db import create_engine, upgrade
from db.abuse_contacts import SqlAbuseContactStore
from tests.escalation.rdap_server import RdapServer, domain_answer, hosts_resolver, ip_answer

HOSTING_IP = "93.184.216.34"
CHANNELS = {c.id: c for c in load_channels()}


def seed(server: RdapServer) -> None:
    """leaks.example: registered with Example Registrar, hosted on Example Hosting (NL)."""
    server.domains["leaks.example"] = domain_answer(
        "leaks.example", "Example Registrar LLC", "abuse@registrar.example", server.base_url
    )
    server.addresses[HOSTING_IP] = ip_answer(
        "93.184.216.0", "93.184.216.255", "EXAMPLE-HOSTING", "Example Hosting B.V.",
        "abuse@hosting.example", "NL",
    )  # fmt: skip


RESOLVE = hosts_resolver(
    {
        "leaks.example": [HOSTING_IP],
        "cdn.leaks.example": ["2001:db8::1", HOSTING_IP],  # documentation v6 skipped
        "proxied.example": ["104.16.12.34"],
        "proxied6.example": ["2606:4700::6810:1"],
        "intranet.example": ["10.1.2.3"],
    }
)


def finder(server: RdapServer, **options: object) -> AbuseContactFinder:
    return AbuseContactFinder(
        RdapClient(server.base_url, timeout=5),
        resolver=RESOLVE,
        **options,  # type: ignore[arg-type]
    )


async def test_an_unknown_host_gets_its_networks_abuse_address_and_its_registrar() -> None:
    async with RdapServer() as server:
        seed(server)
        found = await finder(server).find(["cdn.leaks.example", "leaks.example"])
    contact = found["cdn.leaks.example"]
    assert contact.address == HOSTING_IP and not contact.error
    assert (contact.network, contact.network_email, contact.country) == (
        "EXAMPLE-HOSTING",
        "abuse@hosting.example",
        "NL",
    )
    assert (contact.registrar, contact.registrar_email) == (
        "Example Registrar LLC",
        "abuse@registrar.example",
    )
    assert contact.email == "abuse@hosting.example"  # the host's network first: it can remove
    # the registered domain is asked, never the subdomain
    assert sorted(server.queries) == sorted(["/domain/leaks.example", f"/ip/{HOSTING_IP}"] * 2)
    channel = contact_channel(contact, CHANNELS)
    assert channel is not None
    assert (channel.id, channel.kind, channel.address) == (
        "abuse-abuse@hosting.example",
        "email",
        "abuse@hosting.example",
    )
    assert channel.notices == ("dsa_art16", "generic_abuse")  # an EU host takes DSA notices
    assert "EXAMPLE-HOSTING" in channel.name and not channel.verified


async def test_without_a_network_contact_the_registrars_abuse_address_is_used() -> None:
    async with RdapServer() as server:
        seed(server)
        server.addresses.clear()  # the RIR does not know the address
        contact = (await finder(server).find(["leaks.example"]))["leaks.example"]
    assert contact.email == "abuse@registrar.example" and contact.holder == "Example Registrar LLC"
    channel = contact_channel(contact, CHANNELS)
    assert channel is not None and channel.notices == ("generic_abuse",)


async def test_an_address_behind_cloudflare_goes_to_its_abuse_form_without_rdap() -> None:
    async with RdapServer() as server:
        seed(server)
        found = await finder(server).find(["proxied.example", "proxied6.example"])
    assert server.queries == []  # the CDN hides the host: nothing to ask RDAP
    for contact in found.values():
        assert contact.cdn == "Cloudflare" and not contact.error
        channel = contact_channel(contact, CHANNELS)
        assert channel is not None and channel.id == "cloudflare-abuse"


def test_only_rdap_and_cdn_platforms_need_lookups() -> None:
    assert contact_platforms(list(CHANNELS.values())) == {"rdap", "cloudflare"}


def test_cdn_ranges_match_v4_and_v6_and_nothing_else() -> None:
    (cloudflare,) = builtin_cdns()
    assert cloudflare.source.startswith("https://www.cloudflare.com/ips-v4")
    assert cdn_for(ipaddress.ip_address("172.67.1.1")) is cloudflare
    assert cdn_for(ipaddress.ip_address("2a06:98c7::1")) is cloudflare
    assert cdn_for(ipaddress.ip_address("104.32.0.1")) is None  # just past 104.24.0.0/14
    assert cdn_for(ipaddress.ip_address(HOSTING_IP)) is None
    with pytest.raises(ValueError, match="cdn Bad"):
        parse_cdns(
            '[[cdn]]\nname = "Bad"\nchannel = "x"\nsource = "s"\nchecked = "2026-11-28"\n'
            'ranges = ["10.0.0.1/8"]\n'
        )


async def test_private_addresses_are_never_looked_up_unless_allow_listed() -> None:
    async with RdapServer() as server:
        seed(server)
        contact = await finder(server).lookup("intranet.example")
        literal = await finder(server).lookup("127.0.0.1")
        assert server.queries == []
        allowed = await finder(server, allow_networks=[ipaddress.ip_network("10.0.0.0/8")]).lookup(
            "intranet.example"
        )
        assert "/ip/10.1.2.3" in server.queries
    assert contact.error == "private address (private)" and not contact.email
    assert literal.error == "private address (loopback)"
    assert "private" not in allowed.error


async def test_unreachable_or_failing_rdap_is_a_clear_outcome_never_a_crash() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    offline = AbuseContactFinder(
        RdapClient(f"http://127.0.0.1:{port}/", timeout=2), resolver=RESOLVE
    )
    contact = (await offline.find(["leaks.example"]))["leaks.example"]
    assert not contact.email and "127.0.0.1 unreachable (ConnectError)" in contact.error
    assert contact.describe() == contact.error
    async with RdapServer() as server:
        seed(server)
        server.failing = True
        failing = await finder(server).lookup("leaks.example")
        unknown = await finder(server).lookup("nowhere.example")  # DNS fails too
    assert "answered HTTP 503" in failing.error
    assert unknown.error.startswith("nowhere.example does not resolve")
    assert contact_channel(failing, CHANNELS) is None


async def test_the_iana_bootstrap_can_be_replaced_and_is_fetched_once() -> None:
    async with RdapServer() as server:
        seed(server)
        base = server.base_url
        services = {"version": "1.0", "publication": "2026-11-28T00:00:00Z"}
        server.bootstrap = {
            "dns.json": {**services, "services": [[["example"], [base]]]},
            "ipv4.json": {**services, "services": [[["93.0.0.0/8"], [base]]]},
            "ipv6.json": {**services, "services": [[["2a00::/12"], [base]]]},
            "asn.json": {**services, "services": [[["1-100"], [base]]]},
            "object-tags.json": {**services, "services": [[["a@b"], ["X"], [base]]]},
        }
        urls = {
            name: f"{base}bootstrap/{file}"
            for name, file in {
                "asn": "asn.json",
                "dns": "dns.json",
                "ipv4": "ipv4.json",
                "ipv6": "ipv6.json",
                "object": "object-tags.json",
            }.items()
        }
        client = RdapClient(None, bootstrap_urls=urls, allow_insecure=True, timeout=5)
        found = await AbuseContactFinder(client, resolver=RESOLVE).find(
            ["leaks.example", "cdn.leaks.example"]
        )
        with pytest.raises(RdapUnavailable, match=r"no RDAP service knows leaks\.nosuchtld"):
            await client.domain("leaks.nosuchtld")
        await client.aclose()
    assert found["leaks.example"].network_email == "abuse@hosting.example"
    assert found["cdn.leaks.example"].registrar_email == "abuse@registrar.example"
    assert len(server.queries) == 4  # two hosts, two queries each; the bootstrap once


def test_the_registered_domain_follows_the_public_suffix_list() -> None:
    assert registered_domain("a.b.leaks.example.co.uk") == "example.co.uk"
    assert registered_domain("user.github.io") == "github.io"  # the registry knows github.io
    assert registered_domain("co.uk") is None


async def test_contacts_are_cached_with_a_time_to_live_on_both_databases(
    database_url: str,
) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    now = [1_000_000.0]
    try:
        store = SqlAbuseContactStore(engine)
        async with RdapServer() as server:
            seed(server)
            cached = finder(server, store=store, clock=lambda: now[0], ttl=3600, failure_ttl=60)
            first = await cached.find(["leaks.example", "nowhere.example"])
            asked = len(server.queries)
            assert asked == 3 and first["nowhere.example"].error  # its domain is still asked
            assert await cached.find(["leaks.example", "nowhere.example"]) == first
            assert len(server.queries) == asked  # both answers came from the database
            stored = await store.fresh(["leaks.example"], now[0])
            assert stored["leaks.example"] == first["leaks.example"]
            assert stored["leaks.example"].expires_at == now[0] + 3600
            now[0] += 61  # the failure expired, the answer has not
            resolved = {"nowhere.example": [HOSTING_IP]}
            cached._resolver = hosts_resolver(resolved)  # the host came back
            again = await cached.find(["leaks.example", "nowhere.example"])
            assert again["nowhere.example"].network_email == "abuse@hosting.example"
            assert again["leaks.example"] == first["leaks.example"]
            now[0] += 3600  # everything expired
            cached._resolver = RESOLVE
            await cached.find(["leaks.example"])
            assert server.queries.count("/domain/leaks.example") == 2
        assert await store.purge_expired(now[0] + 10**6) == 2
        assert await store.fresh(["leaks.example", "nowhere.example"], 0) == {}
        # a long answer is cut to the column's size (PostgreSQL enforces it)
        await store.save([AbuseContact("long.example", error="x" * 1000, expires_at=now[0] + 9)])
        assert len((await store.fresh(["long.example"], now[0]))["long.example"].error) == 300
    finally:
        await engine.dispose()
