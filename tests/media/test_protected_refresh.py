"""A running bot learns protected pictures that another process adds or removes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bots.bootstrap import build_app
from core.model import Attachment, IncomingReport, ReporterRef
from core.ports import FrameSignals
from core.protected import ProtectedIndex, ProtectedPicture
from tests.cli.runner import leakdesk
from tests.conftest import make_settings
from tests.media.photos import photo
from tests.media.robustness_set import edits

MADE = edits(photo("coffee"))
#: how long the test waits at most for the bot to see a change (the refresh runs every 0.3 s)
PATIENCE = 30.0


def test_a_forgotten_picture_stays_forgotten_even_when_its_id_comes_back() -> None:
    frame = FrameSignals(0x0123456789ABCDEF, "ab" * 32, 100, 0, 0)
    index = ProtectedIndex()
    index.remember(ProtectedPicture("alice", 5, "aa" * 32, (frame,)))
    assert index.picture_ids() == {5}
    assert index.forget([5, 6]) == 1 and index.picture_ids() == set()
    # SQLite may hand id 5 out again, to another picture: only the new one is known
    index.remember(ProtectedPicture("alice", 5, "bb" * 32, (frame,)))
    assert index.picture_ids() == {5}


async def test_protect_add_and_remove_in_another_process_reach_a_running_bot(
    tmp_path: Path, database_url: str
) -> None:
    app = await build_app(make_settings(database_url, protected_refresh_seconds=0.3))
    try:
        assert app.protected_refresh is not None
        app.protected_refresh.start()
        copy = await app.media.hash_bytes(MADE["banner_15"])
        assert app.media.protected.match("default", copy) is None
        original = tmp_path / "mine.jpg"
        original.write_bytes(MADE["original"])
        added = await asyncio.to_thread(
            leakdesk, "protect", "add", str(original), "--creator", "default",
            db=database_url, cwd=tmp_path,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        await _until(lambda: app.media.protected.match("default", copy) is not None)
        # a fan reports an edited copy: its case is marked as the creator's own image
        result = await app.intake.submit(
            IncomingReport(ReporterRef("test", "fan"), attachments=[Attachment(MADE["banner_15"])])
        )
        case = await app.cases.get_case(result.outcomes[0].case_code)
        assert case is not None and case.protected_tier in ("auto", "possible")
        assert app.media.protected.match("bob", copy) is None  # never across creators
        removed = await asyncio.to_thread(
            leakdesk, "protect", "remove", "--creator", "default", _sha_prefix(added.stdout),
            db=database_url, cwd=tmp_path,
        )  # fmt: skip
        assert removed.returncode == 0, removed.stderr
        await _until(lambda: app.media.protected.match("default", copy) is None)
        assert app.media.protected.picture_ids() == set()
    finally:
        await app.close()
    assert app.protected_refresh is not None and not app.protected_refresh.running


async def test_a_refresh_applies_only_what_changed(tmp_path: Path, database_url: str) -> None:
    app = await build_app(make_settings(database_url, protected_refresh_seconds=0))
    try:
        assert app.protected is not None and app.protected_refresh is not None
        assert await app.protected_refresh.refresh() == (0, 0)
        signals = await app.media.hash_bytes(MADE["original"])
        from core.media_matching import stored_signals

        await app.protected.add("default", stored_signals(signals))
        assert await app.protected_refresh.refresh() == (1, 0)
        assert await app.protected_refresh.refresh() == (0, 0)  # nothing moved: one query
        assert app.media.protected.match("default", signals) is not None
        await app.protected.remove("default", signals.sha256[:10])
        assert await app.protected_refresh.refresh() == (0, 1)
        assert app.media.protected.match("default", signals) is None
        app.protected_refresh.start()  # disabled: never polls
        assert not app.protected_refresh.running
    finally:
        await app.close()


def _sha_prefix(said: str) -> str:
    """The sha256 prefix ``protect add`` printed: ``protected: FILE (SHA16, N hash(es))``."""
    match = re.search(r"\(([0-9a-f]{16}),", said)
    assert match is not None, said
    return match.group(1)


async def _until(condition: object) -> None:
    """Wait until ``condition()`` holds (a correctness bound, not a speed measurement)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "the running bot never saw the change"
        await asyncio.sleep(0.1)
