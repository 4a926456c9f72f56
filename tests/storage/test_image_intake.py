"""Pictures in reports: hashed in memory, matched across hosts, never stored as bytes."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image

from bots.bootstrap import App, build_app
from core.model import Attachment, IncomingReport, ReporterRef
from tests.conftest import make_settings
from tests.media.photos import original_edited_unrelated

ORIGINAL, SHRUNK, UNRELATED = original_edited_unrelated()  # scikit-image photos


def fan(n: int | str) -> ReporterRef:
    return ReporterRef("test", str(n))


def picture_report(n: int | str, data: bytes, links: Sequence[str] = ()) -> IncomingReport:
    return IncomingReport(fan(n), links, attachments=[Attachment(data, "shot.jpg")])


def cropped(data: bytes, fraction: float) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    out = io.BytesIO()
    image.crop((int(w * fraction), int(h * fraction), w, h)).save(out, "JPEG", quality=90)
    return out.getvalue()


async def test_edited_copies_join_and_unrelated_pictures_do_not(app: App) -> None:
    first = (await app.intake.submit(picture_report(1, ORIGINAL))).outcomes[0]
    assert first.new_case and first.matched_by is None
    shrunk = (await app.intake.submit(picture_report(2, SHRUNK))).outcomes[0]
    assert shrunk.case_code == first.case_code
    assert shrunk.matched_by == "image" and shrunk.distance is not None and shrunk.reporters == 2
    exact = (await app.intake.submit(picture_report(3, ORIGINAL))).outcomes[0]
    assert exact.case_code == first.case_code and exact.distance == 0
    other = (await app.intake.submit(picture_report(4, UNRELATED))).outcomes[0]
    assert other.new_case and other.case_code != first.case_code


async def test_a_possible_duplicate_is_left_to_the_moderators(sqlite_app: App) -> None:
    first = (await sqlite_app.intake.submit(picture_report(1, ORIGINAL))).outcomes[0]
    near = (await sqlite_app.intake.submit(picture_report(2, cropped(ORIGINAL, 0.05)))).outcomes[0]
    assert near.new_case and near.case_code != first.case_code
    case = await sqlite_app.cases.get_case(near.case_code)
    assert case is not None and case.possible_duplicate_of == first.case_code


async def test_broken_pictures_are_refused_with_a_reason(sqlite_app: App) -> None:
    bomb = io.BytesIO()
    Image.new("L", (12_000, 12_000)).save(bomb, "PNG")  # 144 Mpx of zeros: a few hundred KB
    result = await sqlite_app.intake.submit(
        IncomingReport(
            fan(1),
            ["https://example.com/leak"],
            attachments=[
                Attachment(ORIGINAL[:2000], "cut.jpg"),
                Attachment(bomb.getvalue(), "b.png"),
            ],
        )
    )
    assert len(result.outcomes) == 1  # the link is recorded all the same
    reasons = sorted(r.reason for r in result.rejected)
    assert len(reasons) == 2
    assert any("pixels" in r or "too large" in r for r in reasons)
    assert any("decoded" in r or "not an image" in r for r in reasons)


async def test_picture_bytes_never_reach_the_database_or_the_logs(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = await build_app(make_settings(sqlite_url))
    try:
        await app.intake.submit(picture_report(1, ORIGINAL))
        await app.intake.submit(picture_report(2, SHRUNK))
    finally:
        await app.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    log_text = "\n".join(r.getMessage() for r in caplog.records).encode()
    checked = 0
    for picture in (ORIGINAL, SHRUNK):
        for start in range(200, len(picture) - 64, len(picture) // 16):
            chunk = picture[start : start + 48]
            if len(set(chunk)) < 24:  # padding and tables could occur anywhere: pixel data only
                continue
            checked += 1
            assert chunk not in stored
            assert chunk not in log_text
    assert checked >= 16
    assert len(list(tmp_path.iterdir())) <= 3  # the database, its WAL and shared memory only


async def test_a_picture_from_one_process_is_matched_by_another_within_a_second(
    postgres_url: str,
) -> None:
    first = await build_app(make_settings(postgres_url))
    second = await build_app(make_settings(postgres_url), migrate=False)
    try:
        original = (await first.intake.submit(picture_report(1, ORIGINAL))).outcomes[0]
        deadline = asyncio.get_running_loop().time() + 1.0
        from core.media import hash_image

        shrunk_signals = hash_image(SHRUNK)
        while second.media.match("default", shrunk_signals).case_id is None:
            assert asyncio.get_running_loop().time() < deadline, "not heard within a second"
            await asyncio.sleep(0.02)
        joined = (await second.intake.submit(picture_report(2, SHRUNK))).outcomes[0]
        assert joined.case_code == original.case_code and joined.matched_by == "image"
    finally:
        await first.close()
        await second.close()


async def test_the_index_is_loaded_from_stored_hashes_at_start(sqlite_url: str) -> None:
    app = await build_app(make_settings(sqlite_url))
    code = (await app.intake.submit(picture_report(1, ORIGINAL))).outcomes[0].case_code
    await app.close()
    restarted = await build_app(make_settings(sqlite_url))
    try:
        again = (await restarted.intake.submit(picture_report(2, SHRUNK))).outcomes[0]
        assert again.case_code == code and again.matched_by == "image"
    finally:
        await restarted.close()
