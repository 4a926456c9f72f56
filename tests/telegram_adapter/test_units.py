"""Pieces of the adapter: callback data, wording, link extraction, announcing across processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Message

from bots.bootstrap import build_app
from bots.telegram.callbacks import MAX_CALLBACK_BYTES, case_keyboard, decode, encode
from bots.telegram.deps import deps_of
from bots.telegram.render import announcement_text, chunks, group_notice, prompted_code
from bots.telegram.translate import links_in
from core.events import CaseChanged
from core.intake import Rejected
from core.model import Actor, CaseStatus, CaseView, LinkView, Origin, ReporterRef, ReportOutcome
from handlers import IncomingMessage, Problem, ReportReceived
from tests.telegram_adapter.conftest import MOD, bind_mod_group, running_bot
from tests.telegram_adapter.updates import group_chat, message, text_link, url_entities, user

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def case(status: CaseStatus, links: int = 1) -> CaseView:
    """A case view for rendering tests."""
    return CaseView(
        id=1, code="LD-7KQ2MX", creator="alice", status=status, reporters=3, reports=4,
        first_seen=NOW, last_seen=NOW, host="reddit.com", platform="reddit",
        links=tuple(LinkView(f"https://reddit.com/comments/a{n}", "c", "reddit.com", "reddit")
                    for n in range(links)),
    )


def test_callback_data_round_trips_and_stays_within_64_bytes():
    for action in ("claim", "confirm", "dismiss", "escalate", "reopen"):
        data = encode(action, "LD-7KQ2MX")
        assert data.startswith("ld:") and len(data.encode()) <= MAX_CALLBACK_BYTES
        assert decode(data) is not None and decode(data).action == action
    assert decode("ld:f:ld-7kq2mx").code == "LD-7KQ2MX"
    for junk in (None, "", "other:f:LD-7KQ2MX", "ld:z:LD-7KQ2MX", "ld:f:nonsense", "ld:f"):
        assert decode(junk) is None


def test_keyboard_follows_the_case_state():
    def labels(status: CaseStatus) -> set[str]:
        markup = case_keyboard(case(status))
        return {b.text for row in markup.inline_keyboard for b in row} if markup else set()

    assert labels(CaseStatus.OPEN) == {"Claim", "Confirm", "Dismiss", "Escalate"}
    assert labels(CaseStatus.CLAIMED) == {"Confirm", "Dismiss", "Escalate"}
    assert labels(CaseStatus.DISMISSED) == {"Reopen"}
    assert labels(CaseStatus.MERGED) == set()


def test_announcement_lists_a_few_links_and_points_to_show_for_the_rest():
    text = announcement_text(case(CaseStatus.OPEN, links=7))
    assert text.startswith("🆕 LD-7KQ2MX · open · 3 reporters")
    assert text.count("link: ") == 5 and "+2 more link(s): /show LD-7KQ2MX" in text


def test_group_notice_never_repeats_the_reported_link():
    outcome = ReportOutcome(1, "LD-7KQ2MX", True, 1, link="https://leak.example/x")
    received = group_notice(ReportReceived([outcome]), "https://t.me/b?start=a",
                            ["https://leak.example/x"])
    assert "LD-7KQ2MX" in received and "leak.example" not in received
    refused = group_notice(Problem("link https://leak.example/x refused"),
                           "https://t.me/b?start=a", ["https://leak.example/x"])
    assert "leak.example" not in refused
    rejected = ReportReceived([outcome], [Rejected("https://leak.example/x", "bad")])
    assert "leak.example" not in group_notice(rejected, "https://t.me/b", [])


def test_long_texts_are_split_at_line_ends():
    text = "\n".join(f"line {n:04d} " + "x" * 90 for n in range(200))
    parts = list(chunks(text))
    assert len(parts) > 1 and all(len(p) <= 4000 for p in parts)
    assert "".join(parts) == text
    assert prompted_code("Dismiss LD-7KQ2MX: reply to this message") == "LD-7KQ2MX"
    assert prompted_code("Dismiss this") is None


def test_links_come_from_text_caption_and_entities():
    caption = "see www.leak.example/p and more"
    data = message(group_chat(-1), user(1), caption=caption,
                   caption_entities=[*url_entities(caption, "www.leak.example/p"),
                                     text_link(caption, "more", "https://x.com/a/status/1")])
    assert links_in(Message.de_json(data, None)) == ["www.leak.example/p",
                                                       "https://x.com/a/status/1"]


async def test_two_processes_announce_a_case_only_once(fake, sqlite_app):
    await bind_mod_group(sqlite_app, fake)
    other = await build_app(sqlite_app.settings, migrate=False)
    try:
        async with running_bot(fake, sqlite_app) as first, running_bot(fake, other) as second:
            reply = await sqlite_app.handlers.report(IncomingMessage(
                actor=Actor(ReporterRef("console", "ops")), text="https://leak.example/p/9",
                origin=Origin.CONSOLE,
            ))
            assert isinstance(reply, ReportReceived)
            outcome = reply.outcomes[0]
            view = await sqlite_app.cases.get_case(outcome.case_code)
            event = CaseChanged(view.id, view.code, view.creator, created=True)
            await asyncio.gather(deps_of(first).announcer.on_case_changed(event),
                                 deps_of(second).announcer.on_case_changed(event))
            await sqlite_app.events.drain()
    finally:
        await other.close()
    assert len(fake.calls_to("sendMessage", chat_id=MOD)) == 1
    posts = await sqlite_app.venues.posts(view.id, "telegram")
    assert len(posts) == 1 and posts[0][1] is not None


def test_a_rate_limit_that_names_its_wait_is_not_told_twice():
    from bots.telegram.render import reply_text

    said = Problem("too many reports, slow down: at most 2 a minute (try again in 41 s)",
                   "rate_limited", 40.2)
    assert reply_text(said).count("try again in") == 1
    bare = Problem("too many reports, slow down", "rate_limited", 40.2)
    assert reply_text(bare).endswith("(try again in 41 s)")


def test_the_moderator_post_shows_links_canonical_and_visible():
    link = LinkView("https://X.com/someone/status/7?s=20\u202e", "https://x.com/i/status/7%E2%80%AE",
                    "x.com", "x")
    old = LinkView("https://e.com/\u202egpj.exe", "", "e.com", None)
    case = CaseView(id=1, code="LD-7KQ2MX", creator="c", status=CaseStatus.OPEN, reporters=1,
                    reports=1, first_seen=datetime.now(UTC), last_seen=datetime.now(UTC),
                    host="x.com", platform="x", links=(link, old), reason="a\nb\u202ec")
    text = announcement_text(case)
    assert "link: https://x.com/i/status/7%E2%80%AE" in text.splitlines()
    assert "link: https://e.com/<U+202E>gpj.exe" in text.splitlines()
    assert "reason: a b<U+202E>c" in text.splitlines() and "\u202e" not in text
