"""Sending notice mails through a transactional outbox.

A mail is committed together with its escalation (:meth:`record_drafted`), then a sender
drains the outbox with retries and backoff, over one or several connections. A crash
never loses a mail; a mail goes out twice only if the crash falls between the mail
server's acceptance and the commit that records it, and the duplicate keeps the same
``Message-ID``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
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

    async def claim_mail(
        self, limit: int, *, lease_seconds: float, due_by: float | None = None
    ) -> list[QueuedMail]:
        """Lease up to ``limit`` mails due by ``due_by`` (a ``time.time()``; None: now)."""
        ...

    async def mails_sent(self, mails: Sequence[QueuedMail]) -> None:
        """Record the mails and their escalations as sent (with their deadlines), at once."""
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


class _SentRecorder:
    """Group commit of sent mails: mails accepted while one commit runs share the next."""

    def __init__(self, store: OutboxStore) -> None:
        self._store = store
        self._waiting: list[tuple[QueuedMail, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    def record(self, mail: QueuedMail) -> asyncio.Future[None]:
        """A future done once ``mail`` is recorded as sent (a failed commit's error)."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((mail, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commit())
        return done

    async def _commit(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._store.mails_sent([mail for mail, _ in batch])
            except Exception as err:  # left leased: sent again later, same Message-ID
                for _, done in batch:
                    if not done.done():
                        done.set_exception(err)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


class OutboxSender:
    """Sends the outbox's mails with exponential backoff on errors.

    Each transport is one connection to the mail server; with several, as many mails go
    out at once (each claimed mail goes to exactly one of them). Mails are claimed in
    batches of ``claim_batch`` (each batch leased for ``lease_seconds``) and recorded as
    sent by group commit (:class:`_SentRecorder`): mails accepted on every connection while
    one commit runs share the next. A connection sends on while at most ``unrecorded`` of
    its accepted mails wait for their commit, so a crash repeats at most
    ``connections * unrecorded`` mails, each with its ``Message-ID`` (1 and 1: at most one).
    """

    def __init__(
        self,
        store: OutboxStore,
        transport: MailTransport | Sequence[MailTransport],
        *,
        max_attempts: int = 5,
        retry_base: float = 60.0,
        lease_seconds: float = 300.0,
        claim_batch: int = 200,
        unrecorded: int = 1,
    ) -> None:
        self._store = store
        self._transports = list(transport) if isinstance(transport, Sequence) else [transport]
        if not self._transports:
            raise ValueError("an outbox sender needs at least one transport")
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._lease = lease_seconds
        self._claim_batch = max(1, claim_batch)
        self._unrecorded = max(1, unrecorded)

    async def drain(self, limit: int = 1000) -> DrainResult:
        """Send every due mail (up to ``limit``) once; returns the counts."""
        result = DrainResult()
        recorder = _SentRecorder(self._store)
        started = time.time()  # a mail failing during this drain waits for the next one
        try:
            left = limit
            while left > 0:
                mails = await self._store.claim_mail(
                    min(left, self._claim_batch), lease_seconds=self._lease, due_by=started
                )
                if not mails:
                    break
                left -= len(mails)
                queue = deque(mails)
                async with asyncio.TaskGroup() as group:  # one failing stops the others
                    for transport in self._transports:
                        group.create_task(self._send_from(queue, transport, result, recorder))
        finally:
            for transport in self._transports:
                await transport.aclose()
        return result

    async def _send_from(
        self,
        queue: deque[QueuedMail],
        transport: MailTransport,
        result: DrainResult,
        recorder: _SentRecorder,
    ) -> None:
        unrecorded: deque[asyncio.Future[None]] = deque()
        try:
            while queue:
                mail = queue.popleft()
                if await self._send_one(mail, transport, result):
                    # the crash window: accepted, not yet recorded (same Message-ID again)
                    unrecorded.append(recorder.record(mail))
                    result.sent += 1
                while len(unrecorded) >= self._unrecorded:
                    await unrecorded.popleft()
        finally:
            while unrecorded:
                await unrecorded.popleft()

    async def _send_one(
        self, mail: QueuedMail, transport: MailTransport, result: DrainResult
    ) -> bool:
        """Send ``mail``; False (with the failure recorded) when it did not go out."""
        try:
            await transport.send(mail.to, mail.message)
        except PermanentFailure as err:
            log.warning("notice %s refused by the mail server: %s", mail.request_key, err)
            await self._store.mail_failed(mail, str(err), retry_in=None)
            result.failed += 1
            return False
        except Exception as err:  # network, timeouts, 4xx: try again later
            retry = (
                self._retry_base * 2 ** (mail.attempts - 1)
                if mail.attempts < self._max_attempts
                else None
            )
            log.warning("notice %s not sent (%s): %s", mail.request_key, type(err).__name__, err)
            await self._store.mail_failed(mail, f"{type(err).__name__}: {err}", retry_in=retry)
            if retry is None:
                result.failed += 1
            else:
                result.retrying += 1
            return False
        return True
