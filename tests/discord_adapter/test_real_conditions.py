"""Real conditions: ids scoped by bot, channel and reporter; replies name the creator; a reported
message is deleted only when everything in it was recorded."""

from __future__ import annotations

import re

import discord
import pytest
import simcord
from sqlalchemy import select

from bots.bootstrap import App, build_app
from bots.discord import create_bot
from core.model import CaseStatus
from db.tables import Report
from handlers.render import creator_name, sent_to_line
from tests.conftest import make_settings
from tests.discord_adapter.conftest import CREATOR, LINK, server
from tests.discord_adapter.test_attachments import picture

CODE = re.compile(r"LD-[0-9A-Z]{6}")
REFUSED_LINK = "http://127.0.0.1/private/leak"


async def tokens(app: App) -> list[str]:
    """Every stored report token, oldest first."""
    reports = Report.__table__
    async with app.engine.connect() as conn:
        rows = await conn.execute(select(reports.c.token).order_by(reports.c.id))
        return list(rows.scalars())


async def test_report_ids_carry_the_application_channel_and_reporter(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    result = await s.fan.slash(s.general, "report", link=LINK)
    fan = env.create_user("dm fan")
    await fan.send_dm(f"and this https://x.com/other/status/77 {LINK}")

    assert result.response is not None and CODE.search(result.response.content)
    first, *dm = await tokens(app)
    application = env.bot.application_id
    assert application
    assert first.startswith(f"discord:{application}:{s.general.id}:{s.fan.id}:")
    assert "#" in first  # the submission id, then the digest of who reported what
    assert fan.dm_channel is not None
    assert [t.split("#")[0].rsplit(":", 1)[0] for t in dm] == [
        f"discord:{application}:{fan.dm_channel.id}:{fan.id}"
    ] * 2


async def report_in_a_new_server(env: simcord.Env, creator: str, link: str) -> str:
    """Set up a server for ``creator`` and have a fan report ``link``; the fan's answer."""
    guild = env.create_guild(f"{creator} fans")
    general = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])
    await admin.slash(general, "leakdesk setup", creator=creator)
    fan = guild.add_member(env.create_user("fan"))
    result = await fan.slash(general, "report", link=link)
    assert result.response is not None
    return result.response.content


async def test_two_bots_on_one_database_with_the_same_event_ids_record_two_reports(
    database_url: str,
) -> None:
    """Two applications (processes) on one database; simcord gives both the same snowflakes,
    so the interaction, channel and user ids of the two reports are identical."""
    apps = [await build_app(make_settings(database_url)) for _ in range(2)]
    replies = []
    try:
        for n, (app, creator) in enumerate(zip(apps, ["alice", "bob"], strict=True)):
            env = simcord.Env(create_bot(app.settings, app, shard_count=1))
            env.backend.application_id += n  # a second application
            await env.start()
            try:
                replies.append(
                    await report_in_a_new_server(env, creator, f"https://leak.example/{creator}")
                )
            finally:
                await env.shutdown()
            env.raise_errors()
        [code_a], [code_b] = (CODE.findall(reply) for reply in replies)
        assert code_a != code_b
        for creator, code in (("alice", code_a), ("bob", code_b)):
            cases = await apps[0].cases.list_cases(creator, list(CaseStatus))
            assert [(c.code, [link.url for link in c.links]) for c in cases] == [
                (code, [f"https://leak.example/{creator}"])
            ]
        assert "moderators of alice" in replies[0] and "moderators of bob" in replies[1]
        first, second = await tokens(apps[0])
        same = [t.split("#")[0].split(":", 2)[2] for t in (first, second)]
        assert same[0] == same[1], "same channel, user and event"
    finally:
        for app in apps:
            await app.close()


async def test_every_report_reply_names_the_creator_and_no_link(
    env: simcord.Env, app: App
) -> None:
    s = await server(env)
    fan = env.create_user("dm fan")

    command = await s.fan.slash(s.general, "report", link=LINK)
    await fan.send_dm(f"please {LINK}")
    status = await s.fan.slash(s.general, "status", code="LD-000000")

    assert command.response is not None
    assert f"Sent to the moderators of {CREATOR}." in command.response.content
    assert fan.dm_channel is not None and fan.dm_channel.last_message is not None
    dm_reply = fan.dm_channel.last_message.content
    assert f"Sent to the moderators of {app.settings.default_creator}." in dm_reply
    for text in (command.response.content, dm_reply):
        assert LINK not in text and "x.com" not in text
    assert status.response is not None and "Sent to" not in status.response.content


async def report_with_menu(env: simcord.Env, attachments: list[tuple[str, bytes]], text: str):  # type: ignore[no-untyped-def]
    """A fan posts ``text`` with ``attachments``; a moderator reports it with the menu."""
    s = await server(env, delete_reported=True)
    posted = await s.fan.send(s.general, text, attachments=attachments)
    shown = await s.mod.context_menu(s.general, "Report leak", posted)
    result = await s.mod.submit_modal(shown, {})
    assert result.response is not None
    still_there = any(m.id == posted.id for m in s.general.history())
    return result.response.content, still_there


async def test_menu_deletes_a_message_whose_link_and_picture_were_all_recorded(
    env: simcord.Env, app: App
) -> None:
    reply, still_there = await report_with_menu(env, [("leak.png", picture(3))], f"leak {LINK}")

    assert len(set(CODE.findall(reply))) == 2, reply
    assert not still_there


@pytest.mark.parametrize(
    ("attachments", "text", "said"),
    [
        ([("leak.png", b"\x89PNG not really a picture")], f"leak {LINK}", "not accepted"),
        ([("notes.txt", b"hello")], f"leak {LINK}", "not a picture or video"),
        ([], f"leak {LINK} and {REFUSED_LINK}", "not accepted"),
    ],
    ids=["broken-picture", "non-media-file", "refused-link"],
)
async def test_menu_keeps_a_message_when_something_in_it_was_not_recorded(
    env: simcord.Env, app: App, attachments: list[tuple[str, bytes]], text: str, said: str
) -> None:
    reply, still_there = await report_with_menu(env, attachments, text)

    assert len(CODE.findall(reply)) == 1 and said in reply, reply
    assert still_there, "the message is the only evidence of what was not recorded"
    assert len(await tokens(app)) == 1


@pytest.mark.parametrize(
    ("display", "shown"),
    [
        ("Alice A", "Alice A"),
        ("alice-2", "alice-2"),
        ("https://evil.example/x", "the creator"),
        ("evil.example", "the creator"),
        ("  ", "the creator"),
        ("Alice\nnew line", "Alice new line"),
    ],
)
def test_a_creator_name_never_reaches_fans_as_a_link(display: str, shown: str) -> None:
    assert creator_name(display) == shown
    assert sent_to_line(display) == f"Sent to the moderators of {shown}."
