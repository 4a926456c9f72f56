"""Notes and merges in the Telegram moderator post (plain text: one line per note, shortened)."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.telegram.render import announcement_text
from core.model import CaseStatus, CaseView, LinkView, NoteView

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def case(**overrides: object) -> CaseView:
    values: dict[str, object] = {
        "id": 1, "code": "LD-7KQ2MX", "creator": "alice", "status": CaseStatus.OPEN,
        "reporters": 2, "reports": 2, "first_seen": AT, "last_seen": AT,
        "host": "leak.example", "platform": None,
        "links": (LinkView("https://leak.example/1", "https://leak.example/1", "leak.example",
                           None),),
    }
    values.update(overrides)
    return CaseView(**values)  # type: ignore[arg-type]


def test_the_post_shows_the_newest_notes_on_one_line_each() -> None:
    notes = (
        NoteView("first", AT, "telegram:1"),
        NoteView("second\nlink: https://evil.example", AT, None),
        NoteView("z" * 1000, AT, "telegram:3"),
        NoteView("\u202eesrever", AT, "telegram:4"),
    )

    text = announcement_text(case(notes=notes))

    lines = text.splitlines()
    assert "first" not in text and "+1 more note(s): /show LD-7KQ2MX" in text
    assert 'note from an anonymous reporter: "second link: https://evil.example"' in lines
    assert not any(line.startswith("link: https://evil") for line in lines)
    assert any(line.startswith('note from telegram:3: "zzz') and len(line) < 240 for line in lines)
    assert 'note from telegram:4: "<U+202E>esrever"' in lines  # the override is shown, inert


def test_a_merged_post_says_where_it_went() -> None:
    text = announcement_text(
        case(status=CaseStatus.MERGED, links=(), host=None, merged_into="LD-AAAAAA")
    )

    assert "merged into LD-AAAAAA" in text and "picture only" not in text
