"""Moderator places see a creator's cases only after an operator approves them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bots.bootstrap import build_app
from core.errors import UnknownCreator
from db import VenueConfig
from tests.conftest import make_settings


def mod_place(creator: str, venue: str = "g1") -> VenueConfig:
    return VenueConfig("discord", venue, creator, mod_channel_id="c1", mod_role_id="r1")


async def test_binding_waits_for_approval_and_a_new_creator_loses_it(database_url: str) -> None:
    app = await build_app(make_settings(database_url, auto_approve_venues=False))
    try:
        for slug in ("alice", "bea"):  # the operator's `leakdesk creator add`
            await app.creators.create(slug)
        bound = await app.venues.bind(mod_place("alice"))
        assert bound.approved is False
        assert await app.venues.moderator_venues("discord", "alice") == []
        approved = await app.venues.set_approved("discord", "g1", True)
        assert approved is not None and approved.approved
        assert [v.venue_id for v in await app.venues.moderator_venues("discord", "alice")] == ["g1"]
        # re-running setup for the same creator keeps the approval ...
        assert (await app.venues.bind(mod_place("alice"))).approved
        # ... pointing the server at another creator does not carry it over
        hijack = await app.venues.bind(mod_place("bea"))
        assert hijack.approved is False
        assert await app.venues.moderator_venues("discord", "bea") == []
        assert await app.venues.moderator_venues("discord", "alice") == []
    finally:
        await app.close()


async def test_a_new_moderator_channel_or_role_loses_the_approval(database_url: str) -> None:
    app = await build_app(make_settings(database_url, auto_approve_venues=False))
    try:
        await app.creators.create("alice")
        await app.venues.bind(mod_place("alice"))
        await app.venues.set_approved("discord", "g1", True)
        moved = VenueConfig("discord", "g1", "alice", mod_channel_id="c2", mod_role_id="r1")
        assert (await app.venues.bind(moved)).approved is False
        assert await app.venues.moderator_venues("discord", "alice") == []
        await app.venues.set_approved("discord", "g1", True)
        widened = VenueConfig("discord", "g1", "alice", mod_channel_id="c2", mod_role_id="r2")
        assert (await app.venues.bind(widened)).approved is False
        stored = await app.venues.get("discord", "g1")
        assert stored is not None and not stored.approved and stored.mod_role_id == "r2"
        await app.venues.set_approved("discord", "g1", True)
        no_role = VenueConfig("discord", "g1", "alice", mod_channel_id="c2", mod_role_id=None)
        assert (await app.venues.bind(no_role)).approved is False
    finally:
        await app.close()


def test_operator_approves_from_the_cli(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'v.db'}"
    import asyncio

    async def bind() -> None:
        app = await build_app(make_settings(db, auto_approve_venues=False))
        await app.creators.create("alice")
        await app.venues.bind(mod_place("alice", "4242"))
        await app.close()

    asyncio.run(bind())
    env = {**os.environ, "LEAKDESK_DATABASE_URL": db}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bots.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    listed = cli("venues").stdout
    assert "waiting for approval" in listed and "moderator role r1" in listed
    approved = cli("venues", "approve", "discord", "4242")
    assert approved.returncode == 0 and "approved" in approved.stdout
    assert "\tapproved" in cli("venues").stdout
    missing = cli("venues", "approve", "telegram", "--", "-100")  # group ids are negative
    assert missing.returncode == 2 and "no telegram" in missing.stderr


async def test_a_venue_never_creates_a_creator_the_operator_did_not(database_url: str) -> None:
    """Issue 11: only the operator (the CLI) or an approved venue creates creators."""
    app = await build_app(make_settings(database_url, auto_approve_venues=False))
    try:
        with pytest.raises(UnknownCreator, match="no creator called mallory here"):
            await app.venues.bind(mod_place("mallory"))
        assert not await app.creators.exists("mallory")
        assert await app.venues.get("discord", "g1") is None  # nothing stored
        # the configured default creator is the operator's own
        default = await app.venues.bind(VenueConfig("telegram", "-100", "default"))
        assert default.creator == "default" and await app.creators.exists("default")
        # once the operator created it, binding works (and waits for approval)
        assert await app.creators.create("mallory", "Mallory M") is True
        assert await app.creators.create("mallory") is False
        bound = await app.venues.bind(mod_place("mallory"))
        assert bound.approved is False
        assert await app.creators.display_name("mallory") == "Mallory M"
    finally:
        await app.close()


async def test_an_approved_venue_may_create_its_creator(database_url: str) -> None:
    """With every venue approved by the operator's own setting, setup creates the creator."""
    app = await build_app(make_settings(database_url, auto_approve_venues=True))
    try:
        bound = await app.venues.bind(mod_place("newcomer"))
        assert bound.approved and await app.creators.exists("newcomer")
    finally:
        await app.close()
