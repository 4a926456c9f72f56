"""Sending notice mails through a transactional outbox.

A mail is committed together with its escalation (:meth:`record_drafted`), then a sender
drains the outbox with retries and backoff. A crash never loses a mail; a mail goes out
twice only if the crash falls between the mail server's acceptance and the commit that
records it, and the duplicate keeps the same ``Message-ID``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMail:
    """A notice mail for one request: who it goes to and the whole message."""

    request_key: str
    recipient: str  # the channel id
    to: str
    message: bytes = field(repr=False)


@dataclass(frozen=True)
class QueuedMail:
    """A mail leased from the outbox for sending."""

    id: int
    request_key: str
    to: str
    message: bytes = field(repr=False)
    attempts: int = 1


class PermanentFailure(Exception):
    """The mail server refused the message for good (a 5xx answer)."""


class MailTransport(Protocol):
    """Delivers one message to a mail server; raises on failure."""

    async def send(self, to: str, message: bytes) -> None:
        """Send ``message`` to ``to`` (a :class:`PermanentFailure` when refused for good)."""
        ...

    async def aclose(self) -> None:
        """Close the connection a drain used."""
        ...


class OutboxStore(Protocol):
    """The durable outbox."""

    async def claim_mail(self, limit: int, *, lease_seconds: float) -> list[QueuedMail]:
        """Lease up to ``limit`` due mails."""
        ...

    async def mail_sent(self, mail: QueuedMail) -> None:
        """Record the mail and its escalations as sent (with their deadlines)."""
        ...

    async def mail_failed(self, mail: QueuedMail, error: str, *, retry_in: float | None) -> None:
        """Record an error; due again after ``retry_in`` seconds, or failed for good."""
        ...


@dataclass
class DrainResult:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


class OutboxSender:
    """Sends the outbox's mails, one at a time, with exponential backoff on errors."""

    def __init__(
        self,
        store: OutboxStore,
        transport: MailTransport,
        *,
        max_attempts: int = 5,
        retry_base: float = 60.0,
        lease_seconds: float = 300.0,
    ) -> None:
        self._store = store
        self._transport = transport
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._lease = lease_seconds

    async def drain(self, limit: int = 1000) -> DrainResult:
        """Send every due mail (up to ``limit``) once; returns the counts."""
        result = DrainResult()
        mails = await self._store.claim_mail(limit, lease_seconds=self._lease)
        try:
            await self._send_all(mails, result)
        finally:
            await self._transport.aclose()
        return result

    async def _send_all(self, mails: list[QueuedMail], result: DrainResult) -> None:
        for mail in mails:
            try:
                await self._transport.send(mail.to, mail.message)
            except PermanentFailure as err:
                log.warning("notice %s refused by the mail server: %s", mail.request_key, err)
                await self._store.mail_failed(mail, str(err), retry_in=None)
                result.failed += 1
                continue
            except Exception as err:  # network, timeouts, 4xx: try again later
                retry = (
                    self._retry_base * 2 ** (mail.attempts - 1)
                    if mail.attempts < self._max_attempts
                    else None
                )
                log.warning(
                    "notice %s not sent (%s): %s", mail.request_key, type(err).__name__, err
                )
                await self._store.mail_failed(mail, f"{type(err).__name__}: {err}", retry_in=retry)
                if retry is None:
                    result.failed += 1
                else:
                    result.retrying += 1
                continue
            # the crash window: accepted by the server, not yet recorded (same Message-ID again)
            await self._store.mail_sent(mail)
            result.sent += 1
