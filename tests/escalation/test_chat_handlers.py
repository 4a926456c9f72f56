"""The neutral escalation handlers the chat adapters use, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import handlers.escalation as escalation_module
from bots.bootstrap import App
from core.escalation.agent import AgentOfRecord
from core.model import Actor, IncomingReport, ReporterRef
from handlers import Problem, Reply, render_text
from handlers.agent import AgentHandlers, parse_pairs
from handlers.escalation import (
    EscalationBlocked,
    EscalationDone,
    EscalationHandlers,
    EscalationPreview,
    MarkedSent,
    chunks,
    packets_folder,
)

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
OTHER_MODERATOR = Actor(ReporterRef("test", "bob-mod"), is_moderator=True, creator="bob")
FAN = Actor(ReporterRef("test", "fan"), creator="default")
LINK = "https://x.com/leaker/status/1"


def handlers_for(app: App, tmp_path: Path) -> EscalationHandlers:
    return EscalationHandlers(
        app.escalation,
        app.escalations,
        app.tracker,
        {"x", "google", "reddit", "telegram"},
        packets_dir=tmp_path / "packets",
    )


async def confirm(app: App, url: str) -> str:
    result = await app.intake.submit(IncomingReport(ReporterRef("test", "fan"), [url]))
    code = result.outcomes[0].case_code
    await app.moderation.act(MODERATOR, "confirm", code)
    return code


async def test_preview_escalate_and_mark_sent_stay_within_the_creator(
    app: App, tmp_path: Path
) -> None:
    handlers = handlers_for(app, tmp_path)
    code = await confirm(app, LINK)

    blocked = await handlers.preview(MODERATOR)
    assert isinstance(blocked, EscalationBlocked) and "agent of record" in blocked.missing[0]
    assert isinstance(await handlers.escalate(FAN), Problem)
    unknown = await handlers.preview(MODERATOR, "nowhere")
    assert isinstance(unknown, Problem) and "no recipient known for nowhere" in unknown.text

    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    preview = await handlers.preview(MODERATOR, "X")
    assert isinstance(preview, EscalationPreview)
    assert [(r.id, r.urls, r.requests) for r in preview.recipients] == [("x-take-it-down", 1, 1)]
    assert LINK not in render_text(preview)
    assert await app.tracker.list("default") == []

    done = await handlers.escalate(MODERATOR, "x")
    assert isinstance(done, EscalationDone) and done.requests == 1 and done.sent is None
    [form] = done.forms
    assert Path(done.folder).parent == tmp_path / "packets" / "default"
    assert dict(form.values)["URLs"] == LINK and form.case_codes == (code,)
    again = await handlers.escalate(MODERATOR, "x")
    assert isinstance(again, Reply) and "no new confirmed cases" in again.text

    other = await handlers.mark_sent(OTHER_MODERATOR, form.request_key)
    assert isinstance(other, Reply) and "already marked" in other.text
    assert isinstance(await handlers.mark_sent(FAN, form.request_key), Problem)
    [still] = await app.tracker.list("default")
    assert still.status == "drafted"

    marked = await handlers.mark_sent(MODERATOR, form.request_key)
    assert isinstance(marked, MarkedSent) and marked.case_codes == (code,)
    [sent] = await app.tracker.list("default")
    assert sent.status == "sent" and sent.deadline_at is not None
    twice = await handlers.mark_sent(MODERATOR, form.request_key)
    assert isinstance(twice, Reply) and "already marked" in twice.text


def test_packets_folder_is_per_creator_and_safe() -> None:
    at = datetime(2026, 11, 28, 18, 0, 1, 5, tzinfo=UTC)
    assert packets_folder("out", "alice", at) == Path("out/alice/20261128T180001000005Z")
    assert packets_folder("out", "../etc", at).parent == Path("out/.._etc")


def test_chunks_cut_at_line_ends_and_keep_everything() -> None:
    text = "\n".join(f"line {n} " + "x" * 30 for n in range(50))
    pieces = chunks(text, 200)
    assert all(len(p) <= 200 for p in pieces)
    assert "\n".join(pieces) == text
    assert chunks("y" * 450, 200) == ["y" * 200, "y" * 200, "y" * 50]


async def test_agent_is_set_field_by_field_with_the_clis_checks(app: App) -> None:
    agents = AgentHandlers(app.escalations)

    assert isinstance(await agents.set(FAN, {"signer": "M", "email": "m@x.org"}), Problem)
    assert isinstance(await agents.set(MODERATOR, {"signer": "Ava"}), Problem)  # no email yet
    unknown = await agents.set(MODERATOR, {"signer": "Ava", "email": "a@x.org", "ssn": "1"})
    assert isinstance(unknown, Problem) and "ssn" in unknown.text
    first = await agents.set(MODERATOR, {"signer": "Ava", "email": "a@x.org", "jurisdiction": "de"})
    assert isinstance(first, Reply) and first.text.startswith("Saved.")
    await agents.set(MODERATOR, {"phone": "+49 30 1234", "owns_content": "yes"})
    no_authority = await agents.set(MODERATOR, {"agent_of": "Bea"})
    assert isinstance(no_authority, Problem) and "authority" in no_authority.text

    agent = await app.escalations.agent("default")
    assert agent == AgentOfRecord(
        "default", signer="Ava", email="a@x.org", phone="+49 30 1234", jurisdiction="DE",
        owns_content=True,
    )  # fmt: skip
    assert await app.escalations.agent("bob") is None
    shown = await agents.show(MODERATOR)
    assert isinstance(shown, Reply) and "• phone: +49 30 1234" in shown.text
    assert parse_pairs(["signer=Ann Lee", "Agent-Of=Bea"]) == {
        "signer": "Ann Lee",
        "agent_of": "Bea",
    }
    assert parse_pairs(["signer"]) is None


async def test_a_large_escalation_hands_out_only_so_many_forms_in_the_chat(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(escalation_module, "FORMS_IN_CHAT", 2)
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    for n in range(3):
        await confirm(app, f"https://x.com/leaker/status/{n + 10}")

    done = await handlers_for(app, tmp_path).escalate(MODERATOR)

    assert isinstance(done, EscalationDone)
    assert done.requests == 4  # one X form per URL, one Google form for all three
    assert len(done.forms) == 2 and done.more_forms == 2
    assert "2 more form(s) are only in the packets" in render_text(done)
