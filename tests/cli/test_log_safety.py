"""Logs never carry a reported link's path or query, nor database parameters."""

from __future__ import annotations

import io
import logging

import discord
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, StatementError

from bots.discord import LeakdeskBot
from bots.discord import run as run_discord
from bots.logsafe import HTTP_LOGGERS, LinkRedactingFilter, configure_logging, redact_links
from bots.telegram import run as run_telegram
from db.engine import create_engine
from tests.conftest import make_settings

SECRET = "https://leaks.example/album/8841?key=s3cr3t"


@pytest.fixture
def loud_http_loggers() -> None:
    """HTTP loggers as a fresh process has them (level NOTSET: INFO passes)."""
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _http_quiet() -> bool:
    return all(logging.getLogger(n).level >= logging.WARNING for n in HTTP_LOGGERS)


def test_redaction_keeps_scheme_and_host_only() -> None:
    line = f"fetch {SECRET} failed; see http://host.example and ftp://x.example/a?b"
    assert redact_links(line) == (
        "fetch https://leaks.example/… failed; see http://host.example and ftp://x.example/…"
    )


def test_a_record_with_a_link_is_cut_by_the_filter() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(LinkRedactingFilter())
    logger = logging.getLogger("leakdesk.test.redact")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("GET %s -> %d", SECRET, 200)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "GET https://leaks.example/… -> 200\n"


def test_configured_logging_quiets_http_and_redacts(loud_http_loggers: None) -> None:
    root = logging.getLogger()
    saved = root.handlers[:]
    stream = io.StringIO()
    root.handlers = [logging.StreamHandler(stream)]
    try:
        configure_logging()
        logging.getLogger("httpx").info('HTTP Request: GET %s "HTTP/1.1 200 OK"', SECRET)
        logging.getLogger("leakdesk.test").warning("could not fetch %s", SECRET)
    finally:
        root.handlers = saved
    assert _http_quiet()
    assert "s3cr3t" not in stream.getvalue() and "album" not in stream.getvalue()
    assert "could not fetch https://leaks.example/…" in stream.getvalue()


def test_the_discord_entrypoint_quiets_http_logs(
    loud_http_loggers: None, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: LeakdeskBot, token: str, *, reconnect: bool = True) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(LeakdeskBot, "start", refuse)
    assert run_discord(make_settings(sqlite_url, discord_token="x")) == 2
    assert _http_quiet()


def test_the_telegram_entrypoint_quiets_http_logs(loud_http_loggers: None, sqlite_url: str) -> None:
    assert run_telegram(make_settings(sqlite_url, telegram_token=None)) == 2
    assert _http_quiet()


async def test_database_errors_do_not_log_their_parameters(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t_hidden (url TEXT NOT NULL UNIQUE)"))
            await conn.execute(text("INSERT INTO t_hidden (url) VALUES (:u)"), {"u": SECRET})
        with pytest.raises((DBAPIError, StatementError)) as caught:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t_hidden (url) VALUES (:u)"), {"u": SECRET})
    finally:
        await engine.dispose()
    assert "s3cr3t" not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)
