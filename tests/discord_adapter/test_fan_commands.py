"""Fans: /report, the "Report leak" menu, DMs, /status and /privacy: private, with a case code."""

from __future__ import annotations

import re

import discord
import pytest
from sqlalchemy import select

from bots.bootstrap import App
from db.tables import Report, Reporter
from tests.discord_adapter.conftest import (
    CREATOR,
    LINK,
    SHOWN_LINK,
    bot_messages,
    case_posts,
    field,
    server,
)

CODE = re.compile(r"LD-[0-9A-Z]{6}")


def code_in(text: str) -> str:
    """The case code a reply carries (fails the test if there is none)."""
    found = CODE.search(text)
    assert found, f"no case code in {text!r}"
    return found.group(0)


async def test_report_command_answers_privately_with_a_case_code(env, app: App) -> None:
    s = await server(env)

    result = await s.fan.slash(s.general, "report", link=LINK, note="found in a Telegram group")

    assert result.ephemeral
    assert result.response is not None and result.response.ephemeral
    text = result.response.content
    code = code_in(text)
    assert LINK not in text and "x.com" not in text
    # nobody else can see anything of it
    assert bot_messages(s.general, env) == []
    for message in s.general.history():  # what everyone in the channel can see
        assert LINK not in message.content and code not in message.content
        assert all(LINK not in str(e.to_dict()) for e in message.embeds)
    case = await app.cases.get_case(code)
    assert case is not None and case.creator == CREATOR and case.reporters == 1
    assert [link.url for link in case.links] == [LINK]
    # the moderators see it once, with the link, in their private channel
    [post] = case_posts(s, env, code)
    assert f"`{SHOWN_LINK}`" in (post.embeds[0].description or "")
    assert field(post.embeds[0], "Reporters") == "1 (1 report(s))"
    assert post.embeds[0].image.url is None and post.embeds[0].thumbnail.url is None


async def test_report_command_refuses_a_bad_link_privately(env, app: App) -> None:
    s = await server(env)

    result = await s.fan.slash(s.general, "report", link="javascript:alert(1)")

    assert result.ephemeral
    assert result.response is not None and "⚠" in result.response.content
    assert await app.cases.count_cases(CREATOR) == {}
    assert s.mod_channel is not None and bot_messages(s.mod_channel, env) == []


async def test_report_leak_menu_reports_every_link_with_the_note(env, app: App) -> None:
    s = await server(env)
    other = "https://www.reddit.com/r/leaks/comments/abc123/title"
    posted = await s.fan.send(s.general, f"look {LINK} and {other}")
    witness = s.guild.add_member(env.create_user("witness"))

    shown = await witness.context_menu(s.general, "Report leak", posted)

    assert shown.modal is not None
    result = await witness.submit_modal(shown, {"note": "posted by a throwaway account"})
    assert result.ephemeral and result.response is not None
    codes = set(CODE.findall(result.response.content))
    assert len(codes) == 2
    assert "reddit" not in result.response.content and LINK not in result.response.content
    reports = Report.__table__
    async with app.engine.connect() as conn:
        query = select(reports.c.note, reports.c.origin).where(reports.c.origin == "context_menu")
        notes = (await conn.execute(query)).all()
    assert sorted(notes) == [("posted by a throwaway account", "context_menu")] * 2
    for code in codes:
        assert len(case_posts(s, env, code)) == 1
    # deletion is off by default: the message stays
    assert any(m.id == posted.id for m in s.general.history())


async def test_report_leak_menu_on_a_message_without_links(env, app: App) -> None:
    s = await server(env)
    posted = await s.fan.send(s.general, "just chatting")

    result = await s.mod.context_menu(s.general, "Report leak", posted)

    assert result.modal is None and result.ephemeral
    assert result.response is not None and "nothing to report" in result.response.content
    assert await app.cases.count_cases(CREATOR) == {}


async def test_report_leak_menu_deletes_the_message_when_enabled(env, app: App) -> None:
    s = await server(env, delete_reported=True)
    posted = await s.fan.send(s.general, f"leak: {LINK}")

    shown = await s.mod.context_menu(s.general, "Report leak", posted)
    result = await s.mod.submit_modal(shown, {})

    assert result.response is not None
    code_in(result.response.content)
    assert all(m.id != posted.id for m in s.general.history())


async def test_missing_manage_messages_is_told_to_the_admin_once(env, app: App) -> None:
    s = await server(
        env,
        delete_reported=True,
        general_overwrite=discord.PermissionOverwrite(manage_messages=False),
    )
    first = await s.fan.send(s.general, f"leak: {LINK}")
    second = await s.fan.send(s.general, "another https://x.com/leaker/status/42")

    for message in (first, second):
        shown = await s.mod.context_menu(s.general, "Report leak", message)
        result = await s.mod.submit_modal(shown, {})
        assert result.response is not None
        code_in(result.response.content)

    assert {m.id for m in s.general.history()} >= {first.id, second.id}
    dms = [m for m in s.admin.user.dm_channel.history() if "Manage Messages" in m.content]
    assert len(dms) == 1


async def test_dm_with_a_link_is_a_report_for_the_default_creator(env, app: App) -> None:
    fan = env.create_user("dm fan")

    await fan.send_dm(f"please take this down {LINK}")

    reply = fan.dm_channel.last_message
    assert reply is not None and reply.author.id == env.bot.user.id
    code = code_in(reply.content)
    assert LINK not in reply.content
    case = await app.cases.get_case(code)
    assert case is not None and case.creator == app.settings.default_creator
    async with app.engine.connect() as conn:
        query = select(Report.__table__.c.case_id).where(Report.__table__.c.origin == "dm")
        case_ids = (await conn.execute(query)).scalars().all()
    assert case_ids == [case.id]


async def test_dm_without_a_link_gets_help(env, app: App) -> None:
    fan = env.create_user("dm fan")

    await fan.send_dm("hello?")

    reply = fan.dm_channel.last_message
    assert reply is not None and "/status" in reply.content
    assert await app.cases.count_cases(app.settings.default_creator) == {}


async def test_status_shows_the_public_state_only(env, app: App) -> None:
    s = await server(env)
    reported = await s.fan.slash(s.general, "report", link=LINK)
    assert reported.response is not None
    code = code_in(reported.response.content)

    result = await s.fan.slash(s.general, "status", code=code.lower())

    assert result.ephemeral and result.response is not None
    assert result.response.content == f"Case {code}: received, waiting for review (1 reporter(s))."
    unknown = await s.fan.slash(s.general, "status", code="LD-000000")
    assert unknown.ephemeral and unknown.response is not None
    assert "no case LD-000000" in unknown.response.content


async def test_status_and_privacy_work_in_dms(env, app: App) -> None:
    fan = env.create_user("dm fan")

    privacy = await fan.slash("privacy")
    status = await fan.slash("status", code="nonsense")

    assert privacy.ephemeral and privacy.response is not None
    assert "What leakdesk keeps" in privacy.response.content
    assert status.ephemeral and status.response is not None
    assert "case codes look like" in status.response.content


async def test_forget_deletes_the_fans_reporter_row(env, app: App) -> None:
    s = await server(env)
    await s.fan.slash(s.general, "report", link=LINK)
    async with app.engine.connect() as conn:
        assert len((await conn.execute(select(Reporter))).all()) == 1

    result = await s.fan.slash(s.general, "forget")

    assert result.ephemeral and result.response is not None
    assert "1 report(s)" in result.response.content
    async with app.engine.connect() as conn:
        platforms = [r.platform for r in await conn.execute(select(Reporter))]
    assert platforms == ["forgotten"]  # the report stays, tied to no one


async def test_privacy_in_a_server_is_private(env, app: App) -> None:
    s = await server(env)

    result = await s.fan.slash(s.general, "privacy")

    assert result.ephemeral and result.response is not None
    assert "Who sees it" in result.response.content
    assert bot_messages(s.general, env) == []


@pytest.mark.leakdesk_settings(report_rate="2/minute")
async def test_too_many_reports_get_a_friendly_slow_down(env, app: App) -> None:
    s = await server(env)
    for n in range(2):
        ok = await s.fan.slash(s.general, "report", link=f"https://x.com/a/status/{n + 1}")
        assert ok.response is not None
        code_in(ok.response.content)

    result = await s.fan.slash(s.general, "report", link="https://x.com/a/status/99")

    assert result.ephemeral and result.response is not None
    assert result.response.content.startswith("Slow down")
    assert not CODE.search(result.response.content)
    assert sum((await app.cases.count_cases(CREATOR)).values()) == 2
