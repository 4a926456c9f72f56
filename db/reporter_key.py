"""Sealed reporter ids: ``reporters.platform_user_id`` holds a keyed hash, never the account.

A reporter's stored id is ``HMAC-SHA256(k1, "platform:user_id")`` (hex), and after each
rotation the stored value is hashed again with the next secret: ``HMAC(k2, HMAC(k1, …))``.
The secrets ("the key chain", oldest first) come from ``LEAKDESK_REPORTER_KEY`` (secrets
separated by commas) or, when that is unset, from a key file generated once: next to the
SQLite database (``<database>.reporter-key``), or ``leakdesk-reporter.key`` in the working
directory for PostgreSQL (set ``LEAKDESK_REPORTER_KEY_FILE`` or the key itself when bot
processes run on several machines).  Without the secrets the database cannot be mapped back
to accounts; with them lost, old reporters are new reporters again (the operator backs the
file up with the database, but stores it apart from the database's backups).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from core.errors import LeakdeskError

#: environment variable and key file name when nothing else is configured
KEY_ENV = "LEAKDESK_REPORTER_KEY"
KEY_FILE_ENV = "LEAKDESK_REPORTER_KEY_FILE"
POSTGRES_KEY_FILE = "leakdesk-reporter.key"


class ReporterKeyError(ValueError):
    """The key chain is missing, empty or does not match what the operator gave."""


class KeyFileUnavailable(LeakdeskError):
    """The key file can be neither read nor created (``str(err)`` is one line)."""


@dataclass(frozen=True)
class ReporterKey:
    """The chain of secrets sealing reporter ids, oldest first."""

    chain: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if not self.chain or any(not k for k in self.chain):
            raise ReporterKeyError("the reporter key is empty")

    @classmethod
    def parse(cls, text: str) -> ReporterKey:
        """A chain from ``"k1,k2,…"`` (oldest first; blanks around commas are ignored)."""
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            raise ReporterKeyError("the reporter key is empty")
        return cls(tuple(p.encode() for p in parts))

    def text(self) -> str:
        """The chain as written in the key file or ``LEAKDESK_REPORTER_KEY``."""
        return ",".join(k.decode() for k in self.chain)

    @property
    def current(self) -> str:
        """The newest secret (what ``reporter-key rotate`` asks for as the old one)."""
        return self.chain[-1].decode()

    def seal(self, platform: str, user_id: str) -> str:
        """The stored id of ``platform``'s account ``user_id``."""
        value = f"{platform}:{user_id}".encode()
        for key in self.chain:
            value = hmac.new(key, value, hashlib.sha256).hexdigest().encode()
        return value.decode()

    def rotated(self, new_secret: str) -> ReporterKey:
        """This chain with ``new_secret`` appended."""
        return ReporterKey((*self.chain, new_secret.encode()))


def reseal(stored: str, new_secret: str) -> str:
    """A stored id re-keyed with ``new_secret`` (what rotation writes into each row)."""
    return hmac.new(new_secret.encode(), stored.encode(), hashlib.sha256).hexdigest()


def new_secret() -> str:
    """A fresh random secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def default_key_file(database_url: str) -> Path:
    """Where the generated key chain of ``database_url`` lives.

    Raises :class:`db.engine.DatabaseUnavailable` for a URL that cannot work (checked here
    first, so a bad URL is reported as such rather than as a key file that cannot be made).
    """
    from db.engine import parse_database_url

    url = parse_database_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".reporter-key")
    return Path(POSTGRES_KEY_FILE)


def read_or_create_key_file(path: Path) -> ReporterKey:
    """The chain in ``path``, generated (mode 0600) when the file does not exist yet.

    Raises :class:`KeyFileUnavailable` when it can be neither read nor created.
    """
    try:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return ReporterKey.parse(path.read_text(encoding="utf-8"))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_secret() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return ReporterKey.parse(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise KeyFileUnavailable(
            f"cannot read or create the reporter key file {path}: {err.strerror or err}"
            f" (set {KEY_FILE_ENV} or {KEY_ENV})"
        ) from None


def write_key_file(path: Path, key: ReporterKey) -> None:
    """Replace ``path`` with ``key``'s chain atomically (mode 0600)."""
    temp = path.with_name(path.name + ".new")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key.text() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def key_source(
    database_url: str, key: str | None = None, key_file: str | None = None
) -> tuple[ReporterKey | None, Path]:
    """(the configured chain or None, the key file used when it is None)."""
    key = key if key is not None else os.environ.get(KEY_ENV)
    key_file = key_file or os.environ.get(KEY_FILE_ENV)
    path = Path(key_file) if key_file else default_key_file(database_url)
    return (ReporterKey.parse(key) if key else None), path


def load_reporter_key(
    database_url: str, key: str | None = None, key_file: str | None = None
) -> ReporterKey:
    """The chain for ``database_url``: ``key`` (else ``LEAKDESK_REPORTER_KEY``), else the
    key file (``key_file``, else ``LEAKDESK_REPORTER_KEY_FILE``, else the default place),
    generated on first use."""
    key = key if key is not None else os.environ.get(KEY_ENV)
    if key:  # (the URL is not even parsed: a bad one gets the database's own error)
        return ReporterKey.parse(key)
    configured, path = key_source(database_url, key, key_file)
    return configured if configured is not None else read_or_create_key_file(path)
