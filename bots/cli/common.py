"""What every command shares: the error line, settings, and running work on a wired app.

Nothing here imports the database, chat or image libraries at module level: ``leakdesk --help``
and ``leakdesk url`` must start fast.  They are imported inside the functions that need them.
"""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from bots.bootstrap import App
    from core.settings import Settings

T = TypeVar("T")

#: Exit code for bad input, a refused action or an unusable database.
EXIT_BAD_INPUT = 2
#: The one prefix of every error line the CLI prints.
PREFIX = "leakdesk: "


def say_error(message: str) -> None:
    """Print one error line to stderr with the CLI's prefix."""
    typer.echo(f"{PREFIX}{message}", err=True)


def fail(message: str) -> typer.Exit:
    """Print one error line and return the exit for bad input (``raise fail(...)``)."""
    say_error(message)
    return typer.Exit(EXIT_BAD_INPUT)


def settings(**overrides: Any) -> Settings:
    """The settings from the environment and ``leakdesk.toml``, with ``overrides`` on top."""
    from pydantic import ValidationError

    from core.settings import Settings

    try:
        return Settings(**overrides)
    except ValidationError as err:
        first = err.errors()[0]
        name = "LEAKDESK_" + "_".join(str(part) for part in first["loc"]).upper()
        raise fail(f"setting {name}: {first['msg']}") from None


def whoami() -> str:
    """The operator's user name, the default reporter and moderator id of the CLI."""
    return getpass.getuser()


def with_app(
    work: Callable[[App], Awaitable[T]],
    *,
    rate_limited: bool = False,
    config: Settings | None = None,
) -> T:
    """Build the app, run ``work`` on it, close it; domain and database errors exit 2 (the
    CLI's entry point prints a :class:`~core.errors.LeakdeskError` as one line)."""

    async def main() -> T:
        from bots.bootstrap import build_app

        application = await build_app(config or settings(), rate_limited=rate_limited)
        try:
            return await work(application)
        finally:
            await application.close()

    return run_database_work(main)


def run_database_work(main: Callable[[], Awaitable[T]]) -> T:
    """``asyncio.run(main())``; a database that cannot be reached becomes one clear line (the
    driver's errors here; ``DatabaseUnavailable``, a ``LeakdeskError``, at the entry point)."""
    import asyncio

    from core.errors import LeakdeskError
    from db.engine import describe_database_error

    try:
        return asyncio.run(main())
    except LeakdeskError:
        raise
    except Exception as err:  # the driver's own errors, raised after the first connection
        message = describe_database_error(err)
        if message is None:
            raise
        raise fail(message) from None
