"""Notice shapes: notices filled from a shape are exactly the full Jinja2 renderings."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from importlib import resources
from pathlib import Path

from core.escalation.agent import AgentOfRecord
from core.escalation.channels import load_channels
from core.escalation.notice_shapes import NoticeShapes
from core.escalation.notices import NOTICE_KINDS, NoticeItem, NoticeWriter

CHANNELS = {c.id: c for c in load_channels()}
AGENTS = (
    AgentOfRecord(
        "ava",
        signer="Sam Rivera",
        email="legal@ava-team.example",
        address="1 Example Street",
        phone="+1 555 0100",
        jurisdiction="US",
        agent_of="Ava Example",
        authority="Appointed in writing.",
        owns_content=True,
    ),
    AgentOfRecord(
        "bea", signer="Bea", email="bea@example.org", address="2 St", phone="1", jurisdiction="DE"
    ),
)
URLS = (
    "https://leaks.example/v/1",
    "https://x.com/i/status/1790000000000000001",
    "https://mega.nz/file/abc#key-with-{{-braces}}",
    "https://t.me/chan/5?single&x=%20y",
    "https://example.org/ü/ñ",
    "https://odd.example/\x000u\x00/\x001c\x00",  # looks like a placeholder: put in as is
)


def _shipped_copy(tmp_path: Path) -> Path:
    """The shipped templates as an operator directory: always rendered in full."""
    folder = tmp_path / "templates"
    source = resources.files("core.escalation").joinpath("templates")
    folder.mkdir()
    for entry in source.iterdir():
        with resources.as_file(entry) as path:
            shutil.copy(path, folder / entry.name)
    return folder


def test_every_kind_filled_from_shapes_matches_the_full_rendering(tmp_path: Path) -> None:
    fast, full = NoticeWriter(), NoticeWriter(_shipped_copy(tmp_path))
    channel = CHANNELS["telegram-abuse"]
    compared = 0
    for kind in NOTICE_KINDS:
        for synthetic in (False, True):
            for agent in AGENTS:
                for others in ((), ("https://mirror.example/p/9", "https://b.example/2")):
                    for count in (1, 2, 3):
                        for start in range(len(URLS)):  # same shape, other items
                            items = [
                                NoticeItem(URLS[(start + n) % len(URLS)], f"LD-{start}{n}AAAA")
                                for n in range(count)
                            ]
                            args = {
                                "agent": agent,
                                "channel": channel,
                                "items": items,
                                "other_copies": others,
                                "synthetic": synthetic,
                                "today": date(2026, 11, 28),
                            }
                            assert fast.render(kind, **args) == full.render(kind, **args)
                            compared += 1
    assert compared == len(NOTICE_KINDS) * 2 * 2 * 2 * 3 * len(URLS)


def test_a_shape_that_does_not_hold_falls_back_to_full_renderings() -> None:
    calls = []

    def render(items: Sequence[NoticeItem]) -> str:  # branches on the URL: no shape fits
        calls.append(len(items))
        return "".join(f"[{i.url.upper()}|{i.case_code}]" for i in items)

    shapes = NoticeShapes()
    first = [NoticeItem("https://a.example/x", "LD-1")]
    second = [NoticeItem("https://b.example/y", "LD-2")]
    assert shapes.render("k", first, render) == "[HTTPS://A.EXAMPLE/X|LD-1]"
    assert shapes.render("k", second, render) == "[HTTPS://B.EXAMPLE/Y|LD-2]"


def test_a_shape_renders_once_then_fills_without_jinja() -> None:
    calls = []

    def render(items: Sequence[NoticeItem]) -> str:
        calls.append(len(items))
        return "Remove:\n" + "".join(f"- {i.url} ({i.case_code})\n" for i in items)

    shapes = NoticeShapes()
    for n in range(50):
        item = NoticeItem(f"https://a.example/{n}", f"LD-{n}")
        assert shapes.render("k", [item], render) == f"Remove:\n- {item.url} (LD-{n})\n"
    assert len(calls) == 2  # the shape, and the check of its first notice
