"""Overdue alerts and the daily digest: claimed once per period, even with two processes."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel.dates import format_date
from sqlalchemy import update

from bots.bootstrap import App, build_app
from core.escalation.agent import AgentOfRecord
from core.notify.moderator_alerts import Place
from db.tables import escalations_t
from tests.conftest import make_settings
from tests.notify.test_removal_notices import FAN, LINK, MODERATOR, report

PLACE = Place("telegram", "default", "-100200")


async def overdue_escalation(app: App, tmp_path: Path) -> str:
    """A case escalated to X and Google, both sent; X's deadline has passed."""
    received = await report(app, FAN)
    code = received.outcomes[0].case_code
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalation.escalate("default", tmp_path / "out")
    await app.tracker.mark([e.id for e in await app.tracker.list()], "sent", actor="test:mod")
    async with app.engine.begin() as conn:
        await conn.execute(
            update(escalations_t)
            .where(escalations_t.c.recipient == "x-take-it-down")
            .values(deadline_at=datetime.now(UTC) - timedelta(hours=1))
        )
    return code


async def test_overdue_and_digest_are_due_once(app: App, tmp_path: Path) -> None:
    code = await overdue_escalation(app, tmp_path)
    first = await app.moderator_alerts.due(PLACE)
    assert len(first) == 2
    alert, digest = first
    assert alert.text.startswith("Overdue removal requests of default")
    assert f"{code} → x-take-it-down (take_it_down)" in alert.text
    assert "google" not in alert.text  # not overdue
    assert LINK not in alert.text and "x.com/" not in alert.text
    assert digest.text.startswith("Daily escalation digest for default")
    assert "2 new, 2 sent, 1 overdue, 0 removed" in digest.text
    assert await app.moderator_alerts.due(PLACE) == []  # once per period
    other_place = await app.moderator_alerts.due(Place("discord", "default", "555"))
    assert len(other_place) == 2  # each place gets its own
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    [next_day] = await app.moderator_alerts.due(PLACE, tomorrow)  # the overdue one is not repeated
    assert next_day.text.startswith("Daily escalation digest") and "0 new" in next_day.text


async def test_a_failed_send_is_due_again(app: App, tmp_path: Path) -> None:
    await overdue_escalation(app, tmp_path)
    first = await app.moderator_alerts.due(PLACE)
    for due in first:
        await app.moderator_alerts.failed(due)
    assert [d.text for d in await app.moderator_alerts.due(PLACE)] == [d.text for d in first]


async def test_two_processes_send_each_message_once(database_url: str, tmp_path: Path) -> None:
    one = await build_app(make_settings(database_url))
    two = await build_app(make_settings(database_url))
    try:
        await overdue_escalation(one, tmp_path)
        got = await asyncio.gather(*(a.moderator_alerts.due(PLACE) for a in (one, two, one, two)))
        texts = [d.text.split(" ")[0] for batch in got for d in batch]
        assert sorted(texts) == ["Daily", "Overdue"]
    finally:
        await one.close()
        await two.close()


async def test_alerts_and_digest_in_the_creators_language(app: App, tmp_path: Path) -> None:
    code = await overdue_escalation(app, tmp_path)
    await app.creators.set_language("default", "es")
    now = datetime.now(UTC)

    alert, digest = await app.moderator_alerts.due(PLACE, now)

    assert alert.text.startswith("Solicitudes de retirada vencidas de default")
    [line] = [x for x in alert.text.splitlines() if x.startswith("•")]
    assert line.startswith(f"• {code} → x-take-it-down (take_it_down), vencía el ")
    assert line.endswith(" UTC") and not re.search(r"\d{4}-\d\d-\d\d", line)  # Babel, not ISO
    assert digest.text == (
        f"Resumen diario de escalados de default ({format_date(now, 'medium', locale='es')}, "
        "últimas 24 h): 2 nuevos, 2 enviados, 1 vencidos, 0 retirados."
    )
    await app.creators.set_language("default", "de")
    german, german_digest = await app.moderator_alerts.due(Place("discord", "default", "555"), now)
    assert german.text.startswith("Überfällige Löschanträge von default")
    assert "2 neu, 2 gesendet, 1 überfällig, 0 entfernt." in german_digest.text
    tomorrow = now + timedelta(days=1)
    [next_day] = await app.moderator_alerts.due(PLACE, tomorrow)
    assert next_day.text.startswith("Tägliche Eskalationsübersicht für default (")
    assert format_date(tomorrow, "medium", locale="de") in next_day.text
