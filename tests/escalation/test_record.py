"""Recording drafted escalations in one statement: the same rows as one insert per row."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bots.bootstrap import App
from core.escalation.agent import AgentOfRecord
from core.escalation.channels import load_channels
from core.escalation.notices import NoticeItem
from core.escalation.outbox import OutgoingMail
from core.escalation.packets import Request
from core.model import Actor, IncomingReport, ReporterRef
from db.tables import escalations_t

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
CHANNELS = {c.id: c for c in load_channels()}


async def _cases(app: App, count: int) -> list[str]:
    codes = []
    for n in range(count):
        url = f"https://t.me/leakchan/{n}"
        result = await app.intake.submit(IncomingReport(ReporterRef("test", f"fan{n}"), [url]))
        codes.append(result.outcomes[0].case_code)
    return codes


async def _rows(app: App) -> dict[tuple[str, str], tuple[str, str, str, str]]:
    query = text(
        "SELECT c.code, e.recipient, e.notice_kind, e.status, e.request_key, e.urls "
        "FROM escalations AS e JOIN cases AS c ON c.id = e.case_id"
    )
    async with app.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {(r[0], r[1]): (r[2], r[3], r[4], r[5]) for r in rows}


async def test_drafted_rows_are_recorded_at_once_with_their_urls_and_time(app: App) -> None:
    codes = await _cases(app, 3)
    telegram, google = CHANNELS["telegram-abuse"], CHANNELS["google-ncii"]
    # the first case's URLs are split over two requests to one recipient: the first wins
    first = Request(
        telegram,
        "take_it_down",
        (NoticeItem("https://t.me/a/1", codes[0]), NoticeItem("https://t.me/b/2", codes[1])),
        False,
    )
    twin = Request(telegram, "take_it_down", (NoticeItem("https://t.me/a/3", codes[0]),), False)
    listing = Request(
        google,
        "google_ncii",
        tuple(NoticeItem(f"https://t.me/{c}/{n}", c) for n, c in enumerate(codes * 2)),
        False,
    )
    mail = OutgoingMail(first.key, telegram.id, "abuse@telegram.org", b"Subject: x\n\nbody\n")
    before = datetime.now(UTC)
    count = await app.escalations.record_drafted([first, twin, listing], [mail], batch="b1")
    assert count == 6  # (case, recipient) pairs over the requests, twins included
    rows = await _rows(app)
    assert rows[(codes[0], telegram.id)] == (
        "take_it_down",
        "drafted",
        first.key,
        "https://t.me/a/1",
    )
    assert rows[(codes[1], telegram.id)][2:] == (first.key, "https://t.me/b/2")
    assert (codes[2], telegram.id) not in rows
    for n, code in enumerate(codes):
        urls = f"https://t.me/{code}/{n}\nhttps://t.me/{code}/{n + 3}"
        assert rows[(code, google.id)] == ("google_ncii", "drafted", listing.key, urls)
    async with app.engine.connect() as conn:
        stamps = (await conn.execute(select(escalations_t.c.created_at))).scalars().all()
        # stored exactly as the outbox row written through SQLAlchemy in the same commit
        raw = {
            row[0]
            for row in await conn.execute(
                text("SELECT created_at FROM escalations UNION SELECT created_at FROM outbox")
            )
        }
    assert len(raw) == 1
    for stamp in stamps:
        aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        assert before - timedelta(seconds=1) <= aware <= datetime.now(UTC)


async def test_asking_again_redrafts_existing_pairs_and_adds_new_ones(app: App) -> None:
    codes = await _cases(app, 2)
    telegram = CHANNELS["telegram-abuse"]
    old = Request(telegram, "take_it_down", (NoticeItem("https://t.me/x/1", codes[0]),), False)
    await app.escalations.record_drafted([old])
    async with app.engine.begin() as conn:
        await conn.execute(escalations_t.update().values(status="sent"))
    again = Request(
        telegram,
        "dsa_art16",
        (NoticeItem("https://t.me/x/1", codes[0]), NoticeItem("https://t.me/y/2", codes[1])),
        False,
        round="2026-11-28T21:00:00+00:00",
    )
    assert await app.escalations.record_drafted([again]) == 2
    rows = await _rows(app)
    assert rows[(codes[0], telegram.id)] == ("dsa_art16", "drafted", again.key, "https://t.me/x/1")
    assert rows[(codes[1], telegram.id)] == ("dsa_art16", "drafted", again.key, "https://t.me/y/2")
    assert await app.escalations.escalated("default") == {
        (codes[0], telegram.id),
        (codes[1], telegram.id),
    }


async def test_packets_that_cannot_be_written_record_nothing(app: App, tmp_path: Path) -> None:
    codes = await _cases(app, 2)
    for code in codes:
        await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with pytest.raises(OSError):
        await app.escalation.escalate("default", blocked / "out", send=True)
    assert await _rows(app) == {}
    assert await app.outbox.states() == {}
    plan, summary = await app.escalation.escalate("default", tmp_path / "out", send=True)
    assert summary is not None and plan.cases == 2 and len(await _rows(app)) == 4
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["cases"] == 2
    assert "batch" not in json.loads((tmp_path / "out" / "summary.json").read_text())
