"""Languages on Telegram: the user's app language (``language_code``), a ``/language`` choice
kept in the database over it, and the command menu per language."""

from __future__ import annotations

import json
from typing import Any

from core.model import ReporterRef
from tests.telegram_adapter.conftest import FAN, FAN2, codes_in, running_bot
from tests.telegram_adapter.updates import message, private_chat, update_message, url_entities

LINK = "https://leak.example/a/1"


def speaker(user_id: int, language_code: str | None) -> dict[str, Any]:
    """A Telegram user whose app is set to ``language_code``."""
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Fan"}
    if language_code:
        person["language_code"] = language_code
    return person


def dm(user_id: int, language_code: str | None, text: str, **extra: Any) -> dict[str, Any]:
    """An update: the user writes to the bot privately."""
    return update_message(
        message(private_chat(user_id), speaker(user_id, language_code), text, **extra)
    )


async def _replies(fake: Any, chat_id: int, count: int) -> list[str]:
    return [c["text"] for c in await fake.wait_call("sendMessage", count=count, chat_id=chat_id)]


async def test_a_portuguese_user_gets_portuguese_help(fake, bot) -> None:
    await fake.push(dm(FAN, "pt-br", "/help"))

    [help_text] = await _replies(fake, FAN, 1)

    assert help_text.startswith("O leakdesk ajuda a remover imagens íntimas vazadas ou falsas.")
    assert "Em um grupo: responda /report à mensagem com o vazamento" in help_text
    assert "/language: escolha o idioma em que eu te respondo." in help_text
    assert "Send a link" not in help_text


async def test_language_choice_overrides_the_app_and_survives_a_restart(
    fake, sqlite_app
) -> None:
    async with running_bot(fake, sqlite_app):
        await fake.push(dm(FAN, "pt-br", "/language de"))
        [done] = await _replies(fake, FAN, 1)
        assert done == "Alles klar, ab jetzt antworte ich dir auf Deutsch."

    stored = await sqlite_app.user_settings.get(ReporterRef("telegram", str(FAN)), str(fake.bot_id))
    assert stored.language == "de"

    async with running_bot(fake, sqlite_app):  # a restart: the choice is read from the database
        text = f"look {LINK}"
        await fake.push(dm(FAN, "pt-br", text, entities=url_entities(text, LINK)))
        receipt = (await _replies(fake, FAN, 2))[-1]
        [code] = codes_in(receipt)
        assert f"Erhalten: Link als Fall {code} erfasst" in receipt
        assert LINK not in receipt and "leak.example" not in receipt

        await fake.push(dm(FAN, "pt-br", "/language auto"))
        back = (await _replies(fake, FAN, 3))[-1]
        assert back == "Certo, a partir de agora vou te responder em português."

    stored = await sqlite_app.user_settings.get(ReporterRef("telegram", str(FAN)), str(fake.bot_id))
    assert stored.language is None


async def test_an_unknown_language_is_refused_and_english_is_the_fallback(fake, bot) -> None:
    await fake.push(dm(FAN2, "ko", "/language klingon"))
    [refused] = await _replies(fake, FAN2, 1)
    assert refused.startswith("I don't speak that language yet.")
    assert "en, es, pt_BR, de, fr, ja" in refused

    await fake.push(dm(FAN2, "ko", "/status nothing"))
    answer = (await _replies(fake, FAN2, 2))[-1]
    assert answer == "⚠ case codes look like LD-7KQ2MX"


async def test_a_japanese_report_reply_never_carries_the_link(fake, bot) -> None:
    text = f"これ {LINK}"
    await fake.push(dm(FAN, "ja", text, entities=url_entities(text, LINK)))

    [receipt] = await _replies(fake, FAN, 1)

    [code] = codes_in(receipt)
    assert f"受け付けました：リンクをケース {code} として記録しました" in receipt
    assert LINK not in receipt and "leak.example" not in receipt


async def test_the_command_menu_is_set_per_language(fake, bot) -> None:
    await fake.wait_call("setMyCommands", count=12)

    menus = {
        (c.get("language_code"), json.dumps(c["scope"], sort_keys=True) if "scope" in c.params
         else None): c["commands"]
        for c in fake.calls_to("setMyCommands")
    }
    codes = {code for code, _scope in menus}
    assert codes == {None, "es", "pt", "de", "fr", "ja"}

    def described(code: str | None) -> dict[str, str]:
        found: dict[str, str] = {}
        for (lang, _scope), commands in menus.items():
            if lang == code:
                listed = json.loads(commands) if isinstance(commands, str) else commands
                found.update({c["command"]: c["description"] for c in listed})
        return found

    assert described(None)["status"] == "where a case stands"
    assert described("pt")["status"] == "em que pé está um caso"
    assert described("ja")["language"] == "返信の言語を選ぶ"
    assert described("de")["report"] == "auf eine Nachricht antworten, um sie zu melden"
    assert set(described("fr")) == set(described(None))  # command names stay the same


async def test_group_help_speaks_the_creators_language(fake, bot, sqlite_app) -> None:
    from tests.telegram_adapter.conftest import ADMIN, MOD, bind_mod_group
    from tests.telegram_adapter.updates import group_chat

    await sqlite_app.creators.set_language("default", "fr")
    await bind_mod_group(sqlite_app, fake)
    await fake.push(update_message(message(group_chat(MOD), speaker(ADMIN, "ja"), "/help")))

    [help_text] = await _replies(fake, MOD, 1)

    assert help_text.startswith("leakdesk aide à faire retirer des images intimes")
    assert "Administrateurs du groupe : /protect" in help_text


async def test_the_moderator_group_post_is_in_the_creators_language(
    fake, bot, sqlite_app
) -> None:
    from tests.telegram_adapter.conftest import MOD, bind_mod_group

    await sqlite_app.creators.set_language("default", "es")
    await bind_mod_group(sqlite_app, fake)
    text = f"mira {LINK}"
    await fake.push(dm(FAN, "de", text, entities=url_entities(text, LINK)))
    [receipt] = await _replies(fake, FAN, 1)
    [code] = codes_in(receipt)
    assert receipt.startswith("Erhalten:")  # the fan reads their own language

    posts = await fake.wait_for(
        lambda: [c for c in fake.calls_to("sendMessage", chat_id=MOD) if code in c["text"]]
    )
    post = posts[0]["text"]
    assert "1 persona que reporta · 1 reporte" in post
    assert f"enlace: {LINK}" in post  # moderators, and only they, see the link
    assert "dónde: " in post
