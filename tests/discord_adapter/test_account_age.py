"""Discord ids carry the account's creation time: young accounts' reports count for less."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from bots.discord.translate import reporter_ref
from bots.telegram.translate import reporter_ref as telegram_ref


def test_discord_reporter_carries_the_account_creation_time_telegram_none() -> None:
    ref = reporter_ref(SimpleNamespace(id=80351110224678912))  # type: ignore[arg-type]
    assert ref.account_created == datetime(2015, 8, 10, 17, 26, 37, 529000, tzinfo=UTC)
    assert str(ref) == "discord:80351110224678912"
    assert ref == reporter_ref(SimpleNamespace(id=80351110224678912))  # type: ignore[arg-type]
    assert telegram_ref(SimpleNamespace(id=42)).account_created is None  # type: ignore[arg-type]
