"""Languages on Discord: replies follow the user's Discord language (else the server's), and
the slash commands and the "Report leak" menu carry their localisations.

simcord sends every interaction with ``locale`` and ``guild_locale`` "en-US"; real Discord
sends the user's client language and the server's preferred locale. ``discord_locales``
makes the simulated payloads carry them, as Discord would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import discord
import pytest
import simcord
import simcord.actors

from bots.bootstrap import App
from tests.discord_adapter.conftest import CREATOR, LINK, server

CODE = re.compile(r"LD-[0-9A-Z]{6}")


@pytest.fixture
def discord_locales(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[int, str]]:
    """user id → the Discord locale their interactions carry; the server's preferred locale
    becomes ``guild_locale``."""
    chosen: dict[int, str] = {}
    original = simcord.actors._interactions.base_payload

    def base_payload(backend: Any, **kwargs: Any) -> Any:
        record, payload = original(backend, **kwargs)
        payload["locale"] = chosen.get(kwargs["user_id"], "en-US")
        if kwargs.get("guild_id") is not None:
            payload["guild_locale"] = backend.get_guild(kwargs["guild_id"]).preferred_locale
        return record, payload

    monkeypatch.setattr(simcord.actors._interactions, "base_payload", base_payload)
    yield chosen


async def test_a_spanish_discord_user_gets_the_spanish_receipt_with_its_case_code(
    env: simcord.Env, app: App, discord_locales: dict[int, str]
) -> None:
    s = await server(env)
    discord_locales[s.fan.id] = "es-ES"

    result = await s.fan.slash(s.general, "report", link=LINK)

    assert result.response is not None and result.ephemeral
    text = result.response.content
    code = CODE.search(text)
    assert code is not None, text
    assert f"Recibido: enlace registrado como caso {code.group(0)}" in text
    assert "Gracias. Por favor, no compartas más el enlace." in text
    assert LINK not in text and "x.com" not in text
    case = await app.cases.get_case(code.group(0))
    assert case is not None and case.creator == CREATOR


async def test_an_english_user_still_gets_english(
    env: simcord.Env, app: App, discord_locales: dict[int, str]
) -> None:
    s = await server(env)

    result = await s.fan.slash(s.general, "report", link=LINK)

    assert result.response is not None
    assert "Received: link recorded as case LD-" in result.response.content


async def test_an_unknown_user_language_falls_back_to_the_servers_then_english(
    env: simcord.Env, app: App, discord_locales: dict[int, str]
) -> None:
    s = await server(env)
    env.backend.get_guild(s.guild.id).preferred_locale = "pt-BR"
    discord_locales[s.fan.id] = "ko"
    discord_locales[s.helper.id] = "ko"

    status = await s.fan.slash(s.general, "status", code="LD-AAAAAA")
    assert status.response is not None
    assert status.response.content == "⚠ não existe o caso LD-AAAAAA"

    env.backend.get_guild(s.guild.id).preferred_locale = "zh-CN"
    other = await s.helper.slash(s.general, "status", code="LD-AAAAAA")
    assert other.response is not None and other.response.content == "⚠ no case LD-AAAAAA"


async def test_privacy_in_japanese(
    env: simcord.Env, app: App, discord_locales: dict[int, str]
) -> None:
    s = await server(env)
    discord_locales[s.fan.id] = "ja"

    result = await s.fan.slash(s.general, "privacy")

    assert result.response is not None
    assert result.response.content.startswith("leakdesk が保存するもの")


def _registered(env: simcord.Env) -> dict[str, dict[str, Any]]:
    return {command["name"]: command for command in env.backend.commands[None].values()}


async def test_slash_commands_and_the_report_menu_carry_localisations(
    env: simcord.Env, app: App
) -> None:
    commands = _registered(env)

    report = commands["report"]
    assert report["name_localizations"]["es-ES"] == "reportar"
    assert report["name_localizations"]["pt-BR"] == "denunciar"
    assert report["name_localizations"]["ja"] == "報告"
    assert report["description_localizations"]["de"] == (
        "Ein geleaktes oder gefälschtes intimes Bild melden; nur du siehst die Antwort"
    )
    assert report["description_localizations"]["fr"].startswith("Signaler une image intime")
    options = {option["name"]: option for option in report["options"]}
    assert options["link"]["name_localizations"]["es-ES"] == "enlace"
    assert options["anonymous"]["description_localizations"]["pt-BR"] == (
        "Esconda sua conta também dos moderadores"
    )
    assert commands["status"]["name_localizations"]["fr"] == "statut"
    menu = commands["Report leak"]
    assert menu["name_localizations"]["es-419"] == "Reportar filtración"
    assert menu["name_localizations"]["de"] == "Leak melden"
    # every command and option name Discord accepts: lowercase, no spaces (menus excepted)
    for command in commands.values():
        if command.get("type", 1) != 1:
            continue
        for localized in (command.get("name_localizations") or {}).values():
            assert re.fullmatch(r"[-_\w]{1,32}", localized) and localized == localized.lower()


async def test_the_localised_command_runs_the_same_handler(
    env: simcord.Env, app: App, discord_locales: dict[int, str]
) -> None:
    s = await server(env)
    discord_locales[s.fan.id] = "de"

    result = await s.fan.slash(s.general, "status", code="not-a-code")

    assert result.response is not None
    assert result.response.content == "⚠ Fallnummern sehen so aus: LD-7KQ2MX"


async def test_the_admins_setup_command_is_localised_and_answers_in_their_language(
    env: simcord.Env, app: App, discord_locales: dict[int, str]
) -> None:
    group = _registered(env)["leakdesk"]
    assert group["description_localizations"]["es-ES"] == "ajustes de leakdesk del servidor"
    [setup] = group["options"]
    assert setup["name_localizations"]["de"] == "einrichten"
    options = {option["name"]: option for option in setup["options"]}
    assert options["mod_channel"]["name_localizations"]["fr"] == "salon_mod"
    assert options["creator"]["description_localizations"]["pt-BR"].startswith("Nome curto")
    for item in (setup, *setup["options"]):  # names Discord accepts: lowercase, no spaces
        for localized in (item.get("name_localizations") or {}).values():
            assert re.fullmatch(r"[-_\w]{1,32}", localized) and localized == localized.lower()

    guild = env.create_guild("Servidor de fans")
    general = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])
    discord_locales[admin.id] = "es-ES"
    bad = await admin.slash(general, "leakdesk setup", creator="Mal Nombre!")
    assert bad.response is not None
    assert bad.response.content == (
        "El nombre de la creadora o el creador solo puede usar a-z, 0-9, '-' y '_'."
    )
    done = await admin.slash(general, "leakdesk setup", creator=CREATOR)
    assert done.response is not None
    text = done.response.content
    assert text.startswith(f"leakdesk está configurado: este servidor protege a **{CREATOR}**.")
    assert "Rol de moderación: ninguno (solo Gestionar servidor)" in text
    assert "Borrar mensajes reportados: no" in text
