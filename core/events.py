"""In-process notifications about cases, for adapters that post to moderator channels."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseChanged:
    """A case was created, gained reporters or changed state."""

    case_id: int
    code: str
    creator: str
    created: bool = False


Subscriber = Callable[[CaseChanged], Awaitable[None]]


class EventBus:
    """Fan-out of :class:`CaseChanged` to subscribers; a failing subscriber never hurts intake."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call ``subscriber`` for every future event."""
        self._subscribers.append(subscriber)

    def publish(self, event: CaseChanged) -> None:
        """Deliver ``event`` to every subscriber in the background."""
        for subscriber in self._subscribers:
            task = asyncio.ensure_future(self._deliver(subscriber, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, subscriber: Subscriber, event: CaseChanged) -> None:
        try:
            await subscriber(event)
        except Exception:
            log.exception("case event subscriber failed for case %s", event.code)

    async def drain(self) -> None:
        """Wait until every delivery in flight has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
