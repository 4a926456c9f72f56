"""Deleting the moderators' cards of purged cases, by the adapter that posted them.

A purge moves each card's (channel, message) to a queue (``purged_posts``); every running
adapter takes its platform's cards on its periodic pass and deletes them.  A card already
gone counts as deleted; any other failure leaves it queued for the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


class CardGone(Exception):
    """The card no longer exists (or can never be deleted): drop it from the queue."""


@dataclass(frozen=True)
class QueuedCard:
    """One card to delete."""

    id: int
    channel_id: str
    message_id: str


class PurgedCardStore(Protocol):
    """Where purged cases' cards wait for their adapter."""

    async def pending(self, platform: str, limit: int) -> list[QueuedCard]:
        """Up to ``limit`` cards of ``platform``, oldest first."""
        ...

    async def done(self, card_id: int) -> None:
        """The card is deleted (or gone): forget it."""
        ...


async def delete_purged_cards(
    store: PurgedCardStore,
    platform: str,
    delete: Callable[[str, str], Awaitable[None]],
    *,
    limit: int = 100,
) -> int:
    """Delete up to ``limit`` queued cards of ``platform`` with ``delete(channel, message)``;
    returns how many left the queue."""
    removed = 0
    for card in await store.pending(platform, limit):
        try:
            await delete(card.channel_id, card.message_id)
        except CardGone:
            pass
        except Exception as err:  # the next pass tries again
            log.warning(
                "could not delete a purged case's card (%s): %s", platform, type(err).__name__
            )
            continue
        await store.done(card.id)
        removed += 1
    return removed
