"""Overdue escalations and the daily digest for a creator's moderator places.

Each alert and digest is claimed in storage before it is sent (a row per message), so
several bot processes send it once per period; a failed send releases its claim. Texts hold
case codes, recipients and counts: never a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from core.escalation.tracking import OPEN, EscalationView
from core.ports import CreatorLanguages

#: overdue escalations listed in one alert (the rest are counted, with the CLI to list them)
ALERT_LINES = 15


@dataclass(frozen=True)
class Place:
    """A moderator channel (Discord) or group (Telegram) of one creator."""

    platform: str
    creator: str
    channel_id: str


@dataclass(frozen=True)
class DigestCounts:
    """One day of a creator's escalations."""

    new: int
    sent: int
    overdue: int
    removed: int


@dataclass(frozen=True)
class Due:
    """A message to send to a place, claimed under ``keys`` (release them if it fails)."""

    text: str
    keys: tuple[str, ...]


class Escalations(Protocol):
    """Where escalations are listed (:class:`db.escalation_tracking.SqlEscalationTracker`)."""

    async def list(
        self, creator: str | None = None, *, statuses: Sequence[str] = ()
    ) -> list[EscalationView]:
        """Escalations of ``creator`` in ``statuses``."""
        ...


class SendClaims(Protocol):
    """One row per message sent (:class:`db.periodic_sends.SqlPeriodicSends`)."""

    async def claim(self, keys: Sequence[str]) -> list[str]:
        """Claim ``keys``; those this call got (the others were claimed before)."""
        ...

    async def release(self, keys: Sequence[str]) -> None:
        """Give claims back (the message could not be sent)."""
        ...

    async def digest_counts(self, creator: str, since: datetime, until: datetime) -> DigestCounts:
        """Escalations created, sent and removed in ``[since, until)``, and overdue at ``until``."""
        ...


class AlertWords(Protocol):
    """How alerts and digests are worded in a language (``handlers.alerts`` has them all)."""

    def overdue(
        self, creator: str, views: Sequence[EscalationView], more: int, lang: str | None
    ) -> str:
        """The alert for escalations past their deadline (no links)."""
        ...

    def digest(self, creator: str, day: date, counts: DigestCounts, lang: str | None) -> str:
        """The daily digest (counts only)."""
        ...


class ModeratorAlerts:
    """What a place should get now: overdue alerts (once per escalation and deadline) and the
    digest (once per UTC day)."""

    def __init__(
        self,
        escalations: Escalations,
        claims: SendClaims,
        words: AlertWords,
        *,
        languages: CreatorLanguages | None = None,
    ) -> None:
        """``words`` word the messages in the creator's language (``languages``)."""
        self._escalations = escalations
        self._claims = claims
        self._languages = languages
        self._words = words

    async def _lang(self, creator: str) -> str | None:
        return await self._languages.language(creator) if self._languages else None

    async def due(self, place: Place, now: datetime | None = None) -> list[Due]:
        """Claim and return the messages ``place`` should get now."""
        now = now or datetime.now(UTC)
        where = f"{place.platform}:{place.channel_id}:{place.creator}"
        messages: list[Due] = []
        lang = await self._lang(place.creator)
        open_ = await self._escalations.list(place.creator, statuses=OPEN)
        overdue = [v for v in open_ if v.overdue(now)]
        if overdue:
            keys = {
                f"overdue:{where}:{v.id}:{v.deadline_at.isoformat() if v.deadline_at else ''}": v
                for v in overdue
            }
            got = set(await self._claims.claim(list(keys)))
            fresh = [v for k, v in keys.items() if k in got]
            if fresh:
                shown = fresh[:ALERT_LINES]
                text = self._words.overdue(place.creator, shown, len(fresh) - len(shown), lang)
                messages.append(Due(text, tuple(sorted(got))))
        day = now.strftime("%Y-%m-%d")
        digest_key = f"digest:{where}:{day}"
        if await self._claims.claim([digest_key]):
            counts = await self._claims.digest_counts(place.creator, now - timedelta(days=1), now)
            text = self._words.digest(place.creator, now.date(), counts, lang)
            messages.append(Due(text, (digest_key,)))
        return messages

    async def failed(self, due: Due) -> None:
        """The message could not be sent: let the next check try again."""
        await self._claims.release(due.keys)
