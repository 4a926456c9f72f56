"""Find links in free text (a chat message, a note, a forwarded post), in linear time.

A link is never longer than the run of text it sits in (links hold no spaces, quotes or angle
brackets), and a link runs to the end of its run. So each run holds at most one link, which
starts at the earliest of:

- ``http://``, ``https://`` or ``www.`` (any case);
- a bare host name followed by ``/`` (``example.org/p``): dot-separated labels of
  ``[a-z0-9-]``, the last all letters (two or more), not glued to a word, ``@`` or ``.`` before.

Every step scans each character a bounded number of times: a hostile 4,000-character run costs
as much as an ordinary one of that length (the old backtracking pattern was quadratic).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

#: a run of text a link may span (links stop at whitespace, quotes, backticks and <>)
_RUN = re.compile(r"""[^\s<>"'`]+""")
_SCHEME_OR_WWW = re.compile(r"https?://|www\.", re.IGNORECASE)
#: characters of a bare host name, with its dots
_HOST_CHARS = re.compile(r"[a-z0-9.-]+", re.IGNORECASE)
_TLD = re.compile(r"[a-z]{2,}", re.IGNORECASE)
#: a bare host may not be glued to these (``me@example.org/``, ``a_b.org/``)
_GLUED = re.compile(r"[@\w.]")
_TRAILING = ".,;:!?)]}>'\""


def _bare_host_start(run: str, limit: int) -> int | None:
    """Where the first bare ``host.tld/`` link of ``run`` starts (before ``limit``), if any."""
    for host in _HOST_CHARS.finditer(run):
        if host.start() >= limit:
            return None
        end = host.end()
        if end >= len(run) or run[end] != "/":
            continue  # a host name must be followed by "/" to count as a link
        start, text = host.start(), host.group(0)
        last_dot = text.rfind(".")
        if last_dot <= 0 or not _TLD.fullmatch(text, last_dot + 1):
            continue
        after_empty_label = text.rfind("..", 0, last_dot + 1) + 1  # labels are never empty
        # a link may start where the host run starts, or right after any "-" in it
        starts = [0] if start == 0 or not _GLUED.match(run, start - 1) else []
        for offset in itertools.chain(starts, _after_hyphens(text, last_dot)):
            if offset >= after_empty_label and offset < last_dot and text[offset] != ".":
                return start + offset if start + offset < limit else None
    return None


def _after_hyphens(text: str, stop: int) -> Iterator[int]:
    """Offsets just after each ``-`` of ``text`` before ``stop``, in order."""
    at = text.find("-", 0, stop)
    while at != -1:
        yield at + 1
        at = text.find("-", at + 1, stop)


def _trim(link: str) -> str:
    """Drop trailing punctuation, keeping a ``)`` that closes a ``(`` of the link."""
    opened, closed = link.count("("), link.count(")")
    end = len(link)
    while end and link[end - 1] in _TRAILING:
        if link[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return link[:end]


def _link_in(run: str) -> str | None:
    if "." not in run and "://" not in run:
        return None  # every link has a scheme, "www." or a dotted host: most words have none
    scheme = _SCHEME_OR_WWW.search(run)
    if scheme and scheme.end() == len(run):
        scheme = None  # a scheme (or "www.") with nothing after it is no link
    limit = scheme.start() if scheme else len(run)
    bare = _bare_host_start(run, limit)
    start = bare if bare is not None else (scheme.start() if scheme else None)
    if start is None:
        return None
    return _trim(run[start:]) or None


def extract_links(text: str) -> list[str]:
    """Return the links in ``text`` in order of appearance, without duplicates."""
    seen: dict[str, None] = {}
    for run in _RUN.finditer(text or ""):
        link = _link_in(run.group(0))
        if link:
            seen.setdefault(link, None)
    return list(seen)
