"""Running the bot: token problems, webhook mode, flood limits and the error handler."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx

from bots.telegram import run, serve
from bots.telegram.application import file_url_for, webhook_secret
from tests.conftest import make_settings
from tests.telegram_adapter.conftest import FAN, codes_in, report_rows
from tests.telegram_adapter.fake_bot_api import BOT_ID
from tests.telegram_adapter.updates import message, private_chat, update_message, user


def dm(user_id: int, text: str) -> dict[str, object]:
    """``user_id`` writes ``text`` to the bot privately."""
    return update_message(message(private_chat(user_id), user(user_id), text))


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_without_a_token_prints_one_line_and_returns_2(sqlite_url, capsys):
    assert run(make_settings(sqlite_url, telegram_token=None)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "LEAKDESK_TELEGRAM_TOKEN" in err


async def test_run_with_a_rejected_token_prints_one_line_and_returns_2(fake, sqlite_url, capsys):
    settings = make_settings(sqlite_url, telegram_token="999:wrong", telegram_api_url=fake.api_url)
    assert await asyncio.to_thread(run, settings) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rejected" in err and "999:wrong" not in err
    assert [c.method for c in fake.calls] == []  # the fake only answers its own token


def test_file_url_is_derived_from_the_api_url():
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_url_for("http://h/bot{token}") == "http://h/file/bot{token}"


async def test_webhook_mode_records_a_redelivered_update_once(fake, sqlite_app, monkeypatch):
    # PTB calls setWebhook *before* its webhook server listens, so "setWebhook was called"
    # does not mean "updates can be posted": this test once posted in between (on a loaded
    # machine) and got a refused connection.  A slow answer makes that window wide every
    # time; the test waits for the command menu, which is set only once the server listens.
    async def slow_set_webhook(params: dict[str, object]) -> bool:
        await asyncio.sleep(0.3)
        return True

    monkeypatch.setattr(fake, "_api_setWebhook", slow_set_webhook, raising=False)
    port = free_port()
    settings = sqlite_app.settings.model_copy(update={
        "telegram_token": fake.token, "telegram_api_url": fake.api_url,
        "telegram_webhook_url": f"http://127.0.0.1:{port}/tg/hook",
        "telegram_webhook_listen": "127.0.0.1", "telegram_webhook_port": port,
    })
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, sqlite_app, stop=stop))
    try:
        hook = (await fake.wait_call("setWebhook"))[0]
        await fake.wait_call("setMyCommands", count=2)  # listening: start_webhook returned
        assert hook["url"] == settings.telegram_webhook_url
        assert hook["secret_token"] == webhook_secret(fake.token)
        update = {"update_id": 777, **dm(FAN, "https://leak.example/w/1")}
        async with httpx.AsyncClient() as client:
            url = settings.telegram_webhook_url
            wrong = await client.post(url, json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            for _ in range(2):  # Telegram redelivers when it saw no answer in time
                ok = await client.post(url, json=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token":
                                                hook["secret_token"]})
                assert ok.status_code == 200
        replies = await fake.wait_call("sendMessage", count=2, chat_id=FAN)
    finally:
        stop.set()
        assert await task == 0
    assert wrong.status_code == 403
    assert codes_in(replies[0]["text"]) == codes_in(replies[1]["text"]) != []
    rows = await report_rows(sqlite_app)
    assert [r.token for r in rows] == [f"telegram:{BOT_ID}:{FAN}:{FAN}:777:0"]


async def test_flood_limit_is_waited_out_not_crashed_on(fake, bot):
    fake.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await fake.push(dm(FAN, "/help"))
    sent = await fake.wait_call("sendMessage", count=2, chat_id=FAN, timeout=8)
    assert sent[0].result is None and "/status" in sent[1].result["text"]


async def test_unexpected_errors_are_logged_without_contents_and_the_bot_goes_on(
    fake, bot, sqlite_app, caplog, monkeypatch
):
    async def broken(*args: object) -> None:
        raise RuntimeError("boom while handling https://leak.example/secret for Alice")

    monkeypatch.setattr(sqlite_app.handlers, "status", broken)
    caplog.set_level(logging.INFO)
    await fake.push(dm(FAN, "/status LD-AAAAAA"))
    apology = (await fake.wait_call("sendMessage", chat_id=FAN))[0]["text"]
    await fake.push(dm(FAN, "/privacy"))
    await fake.wait_call("sendMessage", count=2, chat_id=FAN)

    assert "went wrong" in apology and "boom" not in apology
    failures = [r for r in caplog.records if r.name == "bots.telegram.errors"]
    assert failures and "RuntimeError" in failures[0].getMessage()
    assert "leak.example" not in caplog.text and "Alice" not in caplog.text


async def test_webhook_port_in_use_is_one_line_not_a_traceback(fake, sqlite_app, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        settings = sqlite_app.settings.model_copy(update={
            "telegram_token": fake.token, "telegram_api_url": fake.api_url,
            "telegram_webhook_url": f"http://127.0.0.1:{port}/hook",
            "telegram_webhook_listen": "127.0.0.1", "telegram_webhook_port": port,
        })
        assert await serve(settings, sqlite_app) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"127.0.0.1:{port}" in err
