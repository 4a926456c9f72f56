"""Fans' stored choices per bot, and creators' display names, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import update

from bots.bootstrap import App
from core.model import ReporterRef
from core.ports import UserSettings
from db.tables import creators_t
from db.venues import VenueConfig

FAN = ReporterRef("telegram", "1001")
OTHER = ReporterRef("telegram", "1002")


async def test_choices_are_kept_per_bot_and_each_survives_the_other(app: App) -> None:
    store = app.user_settings
    assert await store.get(FAN, "bot-a") == UserSettings()

    await store.set_creator(FAN, "bot-a", "alice")
    await store.set_anonymous(FAN, "bot-a", True)
    await store.set_creator(FAN, "bot-a", "carol")  # a later deep link replaces the first
    await store.set_anonymous(FAN, "bot-b", True)

    assert await store.get(FAN, "bot-a") == UserSettings("carol", True)
    assert await store.get(FAN, "bot-b") == UserSettings(None, True)
    assert await store.get(OTHER, "bot-a") == UserSettings()
    assert await store.get(ReporterRef("discord", "1001"), "bot-a") == UserSettings()
    await store.set_anonymous(FAN, "bot-a", False)
    assert await store.get(FAN, "bot-a") == UserSettings("carol", False)


async def test_forget_deletes_the_choices_made_with_every_bot(app: App) -> None:
    store = app.user_settings
    await store.set_creator(FAN, "bot-a", "alice")
    await store.set_creator(FAN, "bot-b", "bob")
    await store.set_creator(OTHER, "bot-a", "alice")

    assert await app.handlers.erasure.forget_reporter(FAN) == 0  # type: ignore[union-attr]

    assert await store.get(FAN, "bot-a") == UserSettings()
    assert await store.get(FAN, "bot-b") == UserSettings()
    assert await store.get(OTHER, "bot-a") == UserSettings("alice", False)
    assert await store.forget(FAN) == 0


async def test_creator_display_name_comes_from_the_registry_of_creators(app: App) -> None:
    assert await app.creators.display_name("nobody") == "nobody"
    await app.venues.bind(VenueConfig("telegram", "-100", "alice"))
    assert await app.creators.display_name("alice") == "alice"
    async with app.engine.begin() as conn:
        await conn.execute(
            update(creators_t).where(creators_t.c.slug == "alice").values(display_name="Alice A")
        )
    assert await app.creators.display_name("alice") == "Alice A"
