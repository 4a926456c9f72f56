"""Domain errors raised by the core.

Every error the core raises on bad input or a refused action is a
:class:`LeakdeskError`.  Adapters turn them into user-facing words in one
place (the console loop, discord.py's ``tree.on_error``, PTB's error
handler); they are never shown as tracebacks.

Hierarchy::

    LeakdeskError
    ├── InvalidLink          a reported link is malformed, too long or of a refused scheme
    │   └── UnknownReporter  no reporter by that pseudonym (among those a moderator may see)
    ├── MediaError           media could not be fetched or hashed (reason is short, user-safe)
    │   ├── RefusedAddress   the link resolves to a non-public address (SSRF guard)
    │   ├── MediaTooLarge    byte or pixel cap exceeded (includes decompression bombs)
    │   ├── FetchTimeout     the host did not answer in time
    │   └── NotAnImage       the bytes are not a decodable image
    ├── RateLimited          too many reports too fast (``scope``: reporter, place, creator, global)
    ├── NotPermitted         the actor may not do this (e.g. not a moderator)
    ├── CaseNotFound         no case with that code
    ├── UnknownCreator       no creator of that name (only the operator creates creators)
    └── InvalidTransition    the case is not in a state that allows the action
"""

from __future__ import annotations


class LeakdeskError(Exception):
    """Base of every domain error; ``str(err)`` is a short, user-safe reason."""


class InvalidLink(LeakdeskError):
    """A reported link is malformed, too long, empty or of a refused scheme."""


class UnknownReporter(InvalidLink):
    """No reporter answers to that pseudonym, or none a moderator of this creator may act on
    (the same answer either way: it never tells whether the reporter exists elsewhere)."""

    def __init__(self, pseudonym: str) -> None:
        super().__init__(f"no reporter {pseudonym}")
        self.pseudonym = pseudonym


class MediaError(LeakdeskError):
    """Media behind a link or in an attachment could not be used."""


class RefusedAddress(MediaError):
    """The link points at a loopback, private or otherwise non-public address."""


class MediaTooLarge(MediaError):
    """The media is over the byte cap or the pixel cap."""


class FetchTimeout(MediaError):
    """The remote host did not answer within the time limit."""


class HostUnreachable(MediaError):
    """The host's name does not resolve, or no address of it accepts a connection."""


class NotAnImage(MediaError):
    """The bytes are not an image that can be decoded."""


class RateLimited(LeakdeskError):
    """Too many reports in a short time: from one reporter, or in one place, for one creator,
    or overall.

    ``scope`` names the limit that refused: ``"reporter"``, ``"place"`` (a Discord server or
    Telegram group), ``"creator"`` or ``"global"``; ``retry_after`` is the true wait in seconds
    until that window takes a report again.
    """

    SCOPES = ("reporter", "place", "creator", "global")

    def __init__(
        self,
        message: str = "too many reports, slow down",
        retry_after: float = 0.0,
        scope: str = "reporter",
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.scope = scope


class NotPermitted(LeakdeskError):
    """The actor is not allowed to perform this action."""


class CaseNotFound(LeakdeskError):
    """No case exists with the given code (``code``: the code as given, shortened)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"no case {code}")


class UnknownCreator(LeakdeskError):
    """No creator of that name: creators are created by the operator (the CLI) or by an
    approved venue, never by a fan or a server's own setup."""

    def __init__(self, slug: str) -> None:
        super().__init__(f"no creator called {slug} here")
        self.slug = slug


class InvalidTransition(LeakdeskError):
    """The case's state does not allow the requested action."""


class MissingFields(LeakdeskError):
    """Something a notice needs is not set (the agent of record, or some of its fields)."""

    def __init__(self, fields: list[str], fix: str = "") -> None:
        super().__init__("missing: " + ", ".join(fields) + (f"; {fix}" if fix else ""))
        self.fields = fields
        self.fix = fix
