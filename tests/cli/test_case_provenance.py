"""Provenance read from a reported picture is kept on its case for moderators only."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from PIL.PngImagePlugin import PngInfo

from handlers.render import case_line
from tests.cli.runner import leakdesk
from tests.media.photos import photo

PARAMETERS = "portrait of someone, photorealistic\nSteps: 30, Sampler: DPM++ 2M, Seed: 5"


def generated_png() -> bytes:
    info = PngInfo()
    info.add_text("parameters", PARAMETERS)
    buffer = io.BytesIO()
    photo("chelsea").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


async def test_reported_generated_picture_shows_evidence_to_moderators(
    tmp_path: Path, database_url: str
) -> None:
    picture = tmp_path / "leak.png"
    picture.write_bytes(generated_png())
    done = await asyncio.to_thread(
        leakdesk, "report", "--file", str(picture), "--json", db=database_url, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    [row] = [json.loads(line) for line in done.stdout.splitlines()]
    assert "provenance" not in row and "AI-generated" not in done.stdout  # not the reporter's
    listed = await asyncio.to_thread(leakdesk, "cases", "--json", db=database_url, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    [case] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert case["code"] == row["case_code"]
    [evidence] = case["provenance"]
    assert evidence["kind"] == "png_parameters" and evidence["confidence"] == "strong"
    assert evidence["validated"] is False and "Seed" not in evidence["value"]
    # reporting the same picture again keeps one record
    again = await asyncio.to_thread(
        leakdesk,
        "report",
        "--file",
        str(picture),
        "--reporter",
        "someone-else",
        db=database_url,
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    listed = await asyncio.to_thread(leakdesk, "cases", "--json", db=database_url, cwd=tmp_path)
    [case] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(case["provenance"]) == 1 and case["reporters"] == 2
    # a purge of the dismissed case deletes its evidence records with its hashes
    for args in (("cases", "dismiss", case["code"], "--reason", "test"), ("purge", "--days", "0")):
        done = await asyncio.to_thread(leakdesk, *args, db=database_url, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    listed = await asyncio.to_thread(
        leakdesk, "cases", "--status", "all", "--json", db=database_url, cwd=tmp_path
    )
    [case] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert case["status"] == "dismissed" and case["provenance"] == []


def test_moderator_line_says_what_the_evidence_is() -> None:
    from datetime import UTC, datetime

    from core.model import CaseStatus, CaseView, ProvenanceSignal

    now = datetime.now(UTC)
    signal = ProvenanceSignal("digital_source_type", "trainedAlgorithmicMedia", "strong")
    case = CaseView(1, "LD-AAAAAA", "c", CaseStatus.OPEN, 1, 1, now, now, None, None)
    assert "AI-generated" not in case_line(case)
    line = case_line(CaseView(**{**case.__dict__, "provenance": (signal,)}))
    assert "AI-generated? evidence (suggests synthetic, unsigned metadata)" in line
    assert "trainedAlgorithmicMedia" in line
