"""Messages to chat users through a durable outbox, drained by the running adapter.

A message is committed with its cause (e.g. the case marked removed); each adapter process
leases its platform's due messages, delivers them and records the delivery. A crash
between delivery and that record is the only way a message goes out twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedNotice:
    """A leased message to one chat user."""

    id: int
    platform: str
    user_id: str
    text: str
    attempts: int = 1


class Undeliverable(Exception):
    """The user cannot be reached for good (blocked the bot, account gone)."""


class ChatNoticeStore(Protocol):
    """The durable outbox of chat messages."""

    async def claim(
        self, platform: str, limit: int, *, lease_seconds: float, user_id: str | None = None
    ) -> list[QueuedNotice]:
        """Lease up to ``limit`` due messages of ``platform`` (only ``user_id``'s, if given)."""
        ...

    async def delivered(self, notice: QueuedNotice) -> None:
        """Record the message as sent and drop the user's id."""
        ...

    async def undelivered(
        self, notice: QueuedNotice, error: str, *, retry_in: float | None
    ) -> None:
        """Due again after ``retry_in`` seconds, or failed for good (None)."""
        ...


#: delivers one text to one platform user id; raises :class:`Undeliverable` or anything else
Deliver = Callable[[str, str], Awaitable[None]]


@dataclass
class NoticeDrain:
    """What one pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


class ChatNoticeSender:
    """Drains one platform's messages through its adapter, with backoff on errors."""

    def __init__(
        self,
        store: ChatNoticeStore,
        platform: str,
        deliver: Deliver,
        *,
        max_attempts: int = 6,
        retry_base: float = 30.0,
        lease_seconds: float = 120.0,
        only_user: str | None = None,
    ) -> None:
        self._store = store
        self.platform = platform
        self._deliver = deliver
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._lease = lease_seconds
        self._only_user = only_user

    async def drain(self, limit: int = 100) -> NoticeDrain:
        """Deliver every due message (up to ``limit``) once."""
        result = NoticeDrain()
        claimed = await self._store.claim(
            self.platform, limit, lease_seconds=self._lease, user_id=self._only_user
        )
        for notice in claimed:
            try:
                await self._deliver(notice.user_id, notice.text)
            except Undeliverable as err:
                log.info("notice %s undeliverable: %s", notice.id, err)
                await self._store.undelivered(notice, str(err), retry_in=None)
                result.failed += 1
                continue
            except Exception as err:
                retry = (
                    self._retry_base * 2 ** (notice.attempts - 1)
                    if notice.attempts < self._max_attempts
                    else None
                )
                log.warning("notice %s not delivered: %s", notice.id, type(err).__name__)
                await self._store.undelivered(
                    notice, f"{type(err).__name__}: {err}", retry_in=retry
                )
                if retry is None:
                    result.failed += 1
                else:
                    result.retrying += 1
                continue
            # the only duplicate window: delivered, not yet recorded
            await self._store.delivered(notice)
            result.sent += 1
        return result
