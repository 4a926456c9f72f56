"""Property tests on hostile input (hypothesis): canonicalization and message parsing.

On any string, canonicalization either refuses with :class:`~core.errors.InvalidLink` (the
project's error) or gives a canonical form that is its own canonical form; nothing else is
ever raised.  Parsing a chat message (links in it, each canonicalized; a typed case code; a
whole message routed by the handlers, as a fan and as a moderator, on a real SQLite database)
likewise never raises and never ends in the "something went wrong" apology.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bots.bootstrap import App, build_app
from core.codes import ALPHABET, normalize_case_code
from core.errors import InvalidLink
from core.model import Actor, ReporterRef
from core.urls import canonicalize, extract_links
from handlers import IncomingMessage, Problem
from tests.conftest import make_settings

#: any code point, lone surrogates, bidi controls and zero-width characters included
ANY_TEXT = st.text(
    st.characters(codec=None, exclude_categories=()), max_size=120
) | st.text(alphabet="htps:/w.exampl-com?#%@[]\u202e\u200d\u200b\ud800 \n", max_size=80)
MESSAGE_PIECES = st.sampled_from(
    [
        "https://example.com/a", "www.example.org/b?x=1#f", "t.me/s/chan/5", "/", "@", "LD-",
        "7KQ2MX", " ", "\n", "\u202e", "\u200d", "<@&1>", "@everyone", "||", "**", "`",
        '"', "'", "/status", "/report", "/dismiss", "/queue", "/merge", "/show", "/start",
        "/forget", "/privacy", "é", "\ud800", "%", "[", "]", "127.0.0.1/x", "javascript:x",
    ]
)
MESSAGES = st.lists(MESSAGE_PIECES, max_size=12).map("".join) | st.text(max_size=80)


def _canonical_or_refused(raw: str) -> None:
    try:
        first = canonicalize(raw)
    except InvalidLink:
        return
    again = canonicalize(first.canonical)
    assert again.canonical == first.canonical
    assert again.key == first.key


@settings(max_examples=1500, deadline=None, database=None)
@given(ANY_TEXT)
@example("https://ex\u202eample.com/")
@example("https://example.com/a\u202egpj.exe")
@example("example.com/\ud800")
@example("https://example.com:99999999999999999999/")
def test_canonicalization_is_idempotent_and_raises_only_invalid_link(raw: str) -> None:
    _canonical_or_refused(raw)


@settings(max_examples=800, deadline=None, database=None)
@given(MESSAGES)
def test_every_link_found_in_a_message_canonicalizes_or_is_refused(text: str) -> None:
    for link in extract_links(text):
        assert link in text
        _canonical_or_refused(link)


@settings(max_examples=500, deadline=None, database=None)
@given(ANY_TEXT)
def test_a_typed_case_code_is_a_code_or_none(text: str) -> None:
    code = normalize_case_code(text)
    assert code is None or (
        code.startswith("LD-") and len(code) == 9 and all(c in ALPHABET for c in code[3:])
    )


@pytest.fixture(scope="module")
def wired(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[asyncio.AbstractEventLoop, App]]:
    """One app on a real SQLite file, driven from synchronous hypothesis tests."""
    loop = asyncio.new_event_loop()
    path: Path = tmp_path_factory.mktemp("props") / "leakdesk.db"
    app = loop.run_until_complete(build_app(make_settings(f"sqlite+aiosqlite:///{path}")))
    yield loop, app
    loop.run_until_complete(app.close())
    loop.close()


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=MESSAGES, moderator=st.booleans())
@example(text="/dismiss LD-7KQ2MX \u202ereason", moderator=True)
@example(text='/status "', moderator=False)
@example(text="/", moderator=False)
@example(text="https://imgur.com/a\udc80b", moderator=False)  # a lone surrogate in a link
def test_routing_any_message_never_fails(
    wired: tuple[asyncio.AbstractEventLoop, App], text: str, moderator: bool
) -> None:
    loop, app = wired
    actor = Actor(ReporterRef("console", "prop-fan"), creator="default", is_moderator=moderator)
    reply = loop.run_until_complete(app.handlers.dispatch(IncomingMessage(actor, text)))
    assert not (isinstance(reply, Problem) and reply.kind == "internal"), reply
