"""The creators' allow-list: their own accounts and sites, which can never be reported.

A fan who reports one of them (a creator's OnlyFans page, their Twitch channel, their own
site) is told kindly that it is the creator's own official page; no case is opened and
nothing of the report is kept, only a counter on the entry.

How a reported link matches an entry (decided here, see the README):

* **the same link**: the canonical link key (:mod:`core.urls`) is the entry's, whatever the
  disguise (``www.``, ``m.``, tracking parameters, a mirror host of the registry);
* **a page under it**: same canonical host, and the link's path is the entry's path or
  lies below it, segment by segment, ignoring case (``/alice`` covers ``/Alice/posts/1``
  but not ``/alice2``); the query and fragment do not matter.

An entry on a platform shared by many people (a host of the platform registry) must name
an account path: ``https://twitch.tv`` alone would turn away every Twitch link.  A site of
the creator's own (a host the registry does not know) may be allowed whole.

Entries live in the database; each process keeps them in memory and reloads them every
``refresh_every`` seconds (30), so an operator's change reaches running bots within that.
The counters of turned-away reports are kept in memory and written at the same rhythm:
a flood of official links costs no write per report.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from core.errors import InvalidLink, LeakdeskError
from core.urls import CanonicalLink, Registry, canonicalize, default_registry

log = logging.getLogger(__name__)

REFRESH_EVERY = 30.0
_SPEAKABLE = re.compile(r"[\w '\-]{1,64}")


class OfficialPage(LeakdeskError):
    """Every link of a report is one of the creator's own official pages: nothing recorded."""

    def __init__(self, message: str, creator_name: str = "") -> None:
        super().__init__(message)
        self.creator_name = creator_name


@dataclass(frozen=True)
class AllowedPage:
    """One allow-list entry of a creator (``path_prefix``: lower-case, no trailing slash)."""

    creator: str
    canonical: str
    key: str
    host: str
    path_prefix: str
    hits: int = 0
    #: the creator's display name (for the fan's reply)
    creator_name: str = ""


class AllowListStore(Protocol):
    """Where the entries live (``db.allowlist.SqlAllowListStore``)."""

    async def load(self) -> list[AllowedPage]:
        """Every entry of every creator."""
        ...

    async def add(self, page: AllowedPage) -> bool:
        """Store ``page`` for its creator (the creator is created if missing: operator only);
        False when it was already there."""
        ...

    async def remove(self, creator: str, key: str) -> bool:
        """Drop ``creator``'s entry with ``key``; False when there was none."""
        ...

    async def add_hits(self, hits: dict[tuple[str, str], int]) -> None:
        """Add turned-away report counts per (creator, key)."""
        ...


def _path(canonical: str) -> str:
    return urlsplit(canonical).path.rstrip("/").lower()


def allowed_page(creator: str, raw: str, registry: Registry | None = None) -> AllowedPage:
    """The entry for ``raw`` (a link to one of ``creator``'s own pages); raises
    :class:`InvalidLink` for a bad link or a whole shared platform."""
    link = canonicalize(raw, registry or default_registry())
    path = _path(link.canonical)
    if not path and link.platform is not None:
        raise InvalidLink(
            f"{link.host} is shared by many people: give the creator's own page there, "
            f"e.g. https://{link.host}/name"
        )
    return AllowedPage(creator, link.canonical, link.key, link.host, path)


def speakable(name: str, fallback: str = "the creator") -> str:
    """A creator's name as a fan may read it in a reply: short, plain, never link-like."""
    name = " ".join(name.split())
    return name if _SPEAKABLE.fullmatch(name) else fallback


def official_reason(page: AllowedPage) -> str:
    """What a fan is told about a link the allow-list turned away."""
    return (
        f"that is one of {speakable(page.creator_name or page.creator)}'s own official pages, "
        "not a leak, so nothing was recorded; thank you for looking out for them"
    )


class AllowList:
    """The allow-list as intake checks it: entries in memory, reloaded every ``refresh_every``."""

    def __init__(self, store: AllowListStore, *, refresh_every: float = REFRESH_EVERY) -> None:
        self._store = store
        self._refresh_every = refresh_every
        self._by_key: dict[tuple[str, str], AllowedPage] = {}
        self._by_host: dict[tuple[str, str], list[AllowedPage]] = {}
        self._loaded_at = float("-inf")
        self._hits: Counter[tuple[str, str]] = Counter()
        self._lock = asyncio.Lock()

    async def refresh(self, *, force: bool = False) -> None:
        """Write the pending counters and reload the entries (when stale, or ``force``)."""
        if not force and time.monotonic() - self._loaded_at < self._refresh_every:
            return
        async with self._lock:
            if not force and time.monotonic() - self._loaded_at < self._refresh_every:
                return
            self._loaded_at = time.monotonic()
            hits, self._hits = dict(self._hits), Counter()
            if hits:
                try:
                    await self._store.add_hits(hits)
                except Exception:  # counted again with the next reload
                    log.exception("could not write the allow-list's counters")
                    self._hits.update(hits)
            try:
                pages = await self._store.load()
            except Exception:  # keep the entries we have; reports must go on
                log.exception("could not reload the allow-list")
                return
            by_key: dict[tuple[str, str], AllowedPage] = {}
            by_host: dict[tuple[str, str], list[AllowedPage]] = {}
            for page in pages:
                by_key[(page.creator, page.key)] = page
                by_host.setdefault((page.creator, page.host), []).append(page)
            self._by_key, self._by_host = by_key, by_host

    def match(self, creator: str, link: CanonicalLink) -> AllowedPage | None:
        """The entry of ``creator`` that ``link`` is (or lies under), if any."""
        page = self._by_key.get((creator, link.key))
        if page is not None:
            return page
        candidates = self._by_host.get((creator, link.host))
        if not candidates:
            return None
        path = _path(link.canonical)
        for page in candidates:
            prefix = page.path_prefix
            if not prefix or path == prefix or path.startswith(prefix + "/"):
                return page
        return None

    async def turn_away(
        self, creator: str, links: list[CanonicalLink]
    ) -> tuple[list[CanonicalLink], list[tuple[CanonicalLink, AllowedPage]]]:
        """Split ``links`` into those to record and those that are ``creator``'s own pages
        (each counted on its entry)."""
        await self.refresh()
        if not self._by_key:
            return links, []
        kept, official = [], []
        for link in links:
            page = self.match(creator, link)
            if page is None:
                kept.append(link)
            else:
                official.append((link, page))
                self._hits[(page.creator, page.key)] += 1
        return kept, official

    async def flush(self) -> None:
        """Write the pending counters now (at shutdown, and by tests)."""
        await self.refresh(force=True)


__all__ = [
    "AllowList",
    "AllowListStore",
    "AllowedPage",
    "OfficialPage",
    "allowed_page",
    "official_reason",
    "speakable",
]
