"""Reporters' removal notices in Telegram: the inline button on the answer to a report (its
callback data resolved from the database across an Application restart), and the private
message once the case is down — sent once, without the link."""

from __future__ import annotations

from pathlib import Path

from bots.bootstrap import App, build_app
from bots.telegram.application import NOTICES_KEY
from bots.telegram.chats import settings_scope
from bots.telegram.watch import LABEL
from core.escalation.agent import AgentOfRecord
from core.model import Actor, ReporterRef
from tests.conftest import make_settings
from tests.telegram_adapter.conftest import FAN, FAN2, codes_in, running_bot
from tests.telegram_adapter.fake_bot_api import Call, FakeBotApi
from tests.telegram_adapter.updates import callback, message, private_chat, update_message, user

ON_X = "https://x.com/leaker/status/4242"
MODERATOR = Actor(ReporterRef("telegram", "1"), is_moderator=True, creator="default")
FAST = {"chat_notice_seconds": 0.1}


def buttons(call: Call) -> dict[str, str]:
    rows = (call.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


async def take_down(app: App, code: str, tmp_path: Path) -> None:
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Dee Fault", email="dee@example.org", jurisdiction="US")
    )
    await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalation.escalate("default", tmp_path / "out")
    ids = [e.id for e in await app.tracker.list("default") if e.recipient == "x-take-it-down"]
    await app.tracker.mark(ids, "sent", actor="test:mod")
    await app.tracker.mark(ids, "removed", actor="test:mod")


def down_notices(fake: FakeBotApi, chat_id: int) -> list[Call]:
    return [
        c
        for c in fake.calls_to("sendMessage", chat_id=chat_id)
        if c["text"].startswith("Good news")
    ]


async def test_button_works_after_a_restart_and_the_notice_is_sent_once(
    fake: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    first = await build_app(make_settings(database_url))
    try:
        async with running_bot(fake, first, **FAST):
            await fake.push(update_message(message(private_chat(FAN), user(FAN), ON_X)))
            [answer] = await fake.wait_call("sendMessage", chat_id=FAN)
        (code,) = codes_in(answer["text"])
        assert LABEL in buttons(answer) and "hear when it's down" in answer["text"]
    finally:
        await first.close()

    second = await build_app(make_settings(database_url))  # a new process, same database
    try:
        async with running_bot(fake, second, **FAST) as application:
            data = buttons(answer)[LABEL]
            await fake.push(callback(user(FAN2), answer.result, data))  # not their report
            await fake.wait_for(
                lambda: [c for c in fake.calls_to("answerCallbackQuery") if "can't" in c["text"]]
            )
            await fake.push(callback(user(FAN), answer.result, data))
            await fake.wait_for(
                lambda: [c for c in fake.calls_to("sendMessage", chat_id=FAN)
                         if f"when {code} is down" in c["text"]]
            )  # fmt: skip
            await take_down(second, code, tmp_path)
            [notice] = await fake.wait_for(lambda: down_notices(fake, FAN))
            assert code in notice["text"] and ON_X not in notice["text"]
            assert "x.com" not in notice["text"]
            await application.bot_data[NOTICES_KEY].drain_once()  # one more pass: nothing due
        assert len(down_notices(fake, FAN)) == 1  # sent once
        assert down_notices(fake, FAN2) == []
        assert await second.chat_notices.states() == {"sent": 1}
    finally:
        await second.close()


async def test_an_anonymous_report_gets_no_button(fake: FakeBotApi, sqlite_app: App) -> None:
    async with running_bot(fake, sqlite_app, **FAST) as application:
        scope = settings_scope(application.bot)
        await sqlite_app.user_settings.set_anonymous(ReporterRef("telegram", str(FAN)), scope, True)
        await fake.push(update_message(message(private_chat(FAN), user(FAN), ON_X)))
        [answer] = await fake.wait_call("sendMessage", chat_id=FAN)
    assert codes_in(answer["text"]) and buttons(answer) == {}
    assert "when it's down" not in answer["text"]


async def test_the_notice_comes_in_the_language_the_button_was_pressed_in(
    fake: FakeBotApi, sqlite_app: App, tmp_path: Path
) -> None:
    brazilian = {**user(FAN), "language_code": "pt-br"}
    async with running_bot(fake, sqlite_app, **FAST):
        await fake.push(update_message(message(private_chat(FAN), brazilian, ON_X)))
        [answer] = await fake.wait_call("sendMessage", chat_id=FAN)
        (code,) = codes_in(answer["text"])
        [data] = buttons(answer).values()
        await fake.push(callback(brazilian, answer.result, data))
        await fake.wait_for(
            lambda: [c for c in fake.calls_to("sendMessage", chat_id=FAN) if code in c["text"]
                     and c is not answer]
        )  # fmt: skip
        await take_down(sqlite_app, code, tmp_path)
        [notice] = await fake.wait_for(
            lambda: [c for c in fake.calls_to("sendMessage", chat_id=FAN)
                     if c["text"].startswith("Boa notícia")]
        )  # fmt: skip
    assert notice["text"] == (
        f"Boa notícia: o caso {code} que você denunciou caiu — a plataforma o removeu. "
        "Obrigado por denunciar."
    )
    assert down_notices(fake, FAN) == []  # not in English
