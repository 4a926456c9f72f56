"""Abuse contacts of hosts without a known channel: CDN ranges, RDAP, and a cache."""

from core.escalation.contacts.cdn import Cdn, builtin_cdns, cdn_for
from core.escalation.contacts.lookup import AbuseContactFinder, Resolver, system_resolver
from core.escalation.contacts.model import AbuseContact, AbuseContactStore
from core.escalation.contacts.rdap import RdapAnswer, RdapClient, RdapUnavailable
from core.escalation.contacts.recipients import (
    contact_channel,
    contact_platforms,
    recipients_for,
    unknown_hosts,
)

__all__ = [
    "AbuseContact",
    "AbuseContactFinder",
    "AbuseContactStore",
    "Cdn",
    "RdapAnswer",
    "RdapClient",
    "RdapUnavailable",
    "Resolver",
    "builtin_cdns",
    "cdn_for",
    "contact_channel",
    "contact_platforms",
    "recipients_for",
    "system_resolver",
    "unknown_hosts",
]
