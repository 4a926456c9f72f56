"""Abuse contacts as recipients: an email channel per abuse address, or the CDN's channel."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from core.escalation.channels import Channel
from core.escalation.contacts.cdn import builtin_cdns
from core.escalation.contacts.model import AbuseContact
from core.escalation.notices import DSA, GENERIC
from core.escalation.packets import EU
from core.model import CaseView

RDAP_PLATFORM = "rdap"
_ID_CHARS = re.compile(r"[^a-z0-9@._-]+")


def recipient_id(email: str) -> str:
    """The channel id (and packet folder) of an abuse address, at most 64 characters."""
    text = "abuse-" + _ID_CHARS.sub("-", email.lower())
    if len(text) <= 64:
        return text
    return "abuse-" + hashlib.sha256(email.lower().encode()).hexdigest()[:24]


def contact_channel(contact: AbuseContact, channels: Mapping[str, Channel]) -> Channel | None:
    """The recipient of links on ``contact.host``: its CDN's channel, an email channel to its
    abuse address, or None when there is neither."""
    if contact.cdn_channel:
        return channels.get(contact.cdn_channel)
    if not contact.email:
        return None
    in_eu = bool(contact.network_email) and contact.country in EU
    looked_up = datetime.fromtimestamp(contact.looked_up_at or 0, UTC).date()
    via = "network" if contact.network_email else "domain registrar"
    return Channel(
        id=recipient_id(contact.email),
        platform=RDAP_PLATFORM,
        name=f"{contact.holder} (abuse contact)",
        kind="email",
        address=contact.email,
        notices=(DSA, GENERIC) if in_eu else (GENERIC,),
        max_urls=0,
        fields=(),
        checked=looked_up,
        source=f"RDAP {contact.source}".strip(),
        verified=False,
        note=f"Abuse address of the {via} of {contact.host}, from RDAP on {looked_up}.",
    )


def contact_platforms(channels: Sequence[Channel]) -> set[str]:
    """Platforms a looked-up contact may belong to (``--platform`` among them needs lookups)."""
    cdn_channels = {cdn.channel for cdn in builtin_cdns()}
    return {RDAP_PLATFORM} | {c.platform for c in channels if c.id in cdn_channels}


def unknown_hosts(cases: Iterable[CaseView], channels: Sequence[Channel]) -> set[str]:
    """Hosts of the cases' links whose platform has no channel of its own."""
    served = {c.platform for c in channels if c.scope == "platform"}
    return {link.host for case in cases for link in case.links if link.platform not in served}


def recipients_for(
    contacts: Mapping[str, AbuseContact], channels: Sequence[Channel]
) -> tuple[dict[str, Channel], dict[str, str]]:
    """``({host: recipient}, {host: why it has none})`` for looked-up hosts."""
    by_id = {c.id: c for c in channels}
    routed: dict[str, Channel] = {}
    notes: dict[str, str] = {}
    for host, contact in contacts.items():
        channel = contact_channel(contact, by_id)
        if channel is None:
            notes[host] = f"no abuse contact found for host {host}: {contact.describe()}"
        else:
            routed[host] = channel
    return routed, notes
