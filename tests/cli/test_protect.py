"""``leakdesk protect``: the creator's own pictures as hashes; matching reports are marked."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.cli.runner import leakdesk, one_error_line
from tests.media.photos import photo
from tests.media.robustness_set import edits

MADE = edits(photo("coffee"))
OTHER = edits(photo("astronaut"))["original"]


def run(tmp_path: Path, db: str, *args: str) -> tuple[list[dict[str, object]], str]:
    """A command that must succeed: its JSON lines (if any) and all it printed."""
    done = leakdesk(*args, db=db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return rows, done.stdout + done.stderr


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def report(tmp_path: Path, db: str, creator: str, name: str, data: bytes) -> dict[str, object]:
    rows, _ = run(
        tmp_path,
        db,
        "report",
        "--file",
        write(tmp_path, name, data),
        "--creator",
        creator,
        "--json",
    )
    [row] = rows
    return row


def never_contains_picture(blob: bytes, picture: bytes) -> None:
    """No 48-byte run of the picture's compressed data (past its headers) is in ``blob``."""
    for start in range(len(picture) // 4, len(picture) - 48, max(1, len(picture) // 40)):
        assert picture[start : start + 48] not in blob


async def test_reports_of_a_protected_picture_are_marked_for_its_creator_only(
    tmp_path: Path, database_url: str
) -> None:
    original = write(tmp_path, "mine.jpg", MADE["original"])
    output = []
    _, said = await asyncio.to_thread(
        run, tmp_path, database_url, "protect", "add", original, "--creator", "alice"
    )
    output.append(said)
    assert said.startswith("protected: ")
    _, again = await asyncio.to_thread(
        run, tmp_path, database_url, "protect", "add", original, "--creator", "alice"
    )
    assert again.startswith("already protected: ")
    # a plain link case of alice's with more reporters than the leak will have
    for reporter in ("r1", "r2"):
        await asyncio.to_thread(
            run,
            tmp_path,
            database_url,
            "report",
            "https://example.com/some/post",
            "--creator",
            "alice",
            "--reporter",
            reporter,
        )
    banner = await asyncio.to_thread(
        report, tmp_path, database_url, "alice", "leak.jpg", MADE["banner_15"]
    )
    assert banner["protected"] is True and banner["new_case"] is True
    unrelated = await asyncio.to_thread(report, tmp_path, database_url, "alice", "x.jpg", OTHER)
    assert unrelated["protected"] is False
    elsewhere = await asyncio.to_thread(
        report, tmp_path, database_url, "bob", "leak.jpg", MADE["banner_15"]
    )
    assert elsewhere["protected"] is False
    cases, listing = await asyncio.to_thread(
        run, tmp_path, database_url, "cases", "--creator", "alice", "--json"
    )
    output.append(listing)
    assert cases[0]["code"] == banner["case_code"]  # top of the queue despite fewer reporters
    assert cases[0]["protected"] is True
    assert cases[0]["protected_tier"] in ("auto", "possible")
    assert isinstance(cases[0]["protected_distance"], int)
    assert all(case["protected"] is False for case in cases[1:])
    assert all(case["protected_tier"] is None for case in cases[1:])
    [bob_case], _ = await asyncio.to_thread(
        run, tmp_path, database_url, "cases", "--creator", "bob", "--json"
    )
    assert bob_case["protected"] is False
    _, listed_text = await asyncio.to_thread(
        run, tmp_path, database_url, "protect", "list", "--creator", "alice"
    )
    assert listed_text.count("hash(es)") == 1
    if database_url.startswith("sqlite"):
        never_contains_picture(Path(database_url.split("///", 1)[1]).read_bytes(), MADE["original"])
    never_contains_picture("".join(output).encode(), MADE["original"])


async def test_export_import_and_remove(tmp_path: Path, database_url: str) -> None:
    exported = tmp_path / "hashes.json"
    picture = write(tmp_path, "mine.jpg", MADE["original"])
    # on the creator's own machine: no database needed, only the hash file leaves it
    done = await asyncio.to_thread(
        leakdesk,
        "protect",
        "export",
        str(exported),
        "--creator",
        "alice",
        "--picture",
        picture,
        db="sqlite+aiosqlite:////nonexistent/dir/x.db",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    text = exported.read_bytes()
    never_contains_picture(text, MADE["original"])
    _, said = await asyncio.to_thread(
        run, tmp_path, database_url, "protect", "import", str(exported)
    )
    assert said.startswith("imported 1 protected picture(s) of alice")
    _, listed = await asyncio.to_thread(
        run, tmp_path, database_url, "protect", "list", "--creator", "alice"
    )
    prefix = listed.split("\t", 1)[0]
    _, removed = await asyncio.to_thread(
        run, tmp_path, database_url, "protect", "remove", prefix, "--creator", "alice"
    )
    assert removed.strip() == f"removed: {prefix}"
    before = await asyncio.to_thread(
        report, tmp_path, database_url, "alice", "q.jpg", MADE["jpeg_q30"]
    )
    assert before["protected"] is False
    _, said = await asyncio.to_thread(
        run, tmp_path, database_url, "protect", "import", str(exported)
    )
    assert said.startswith("imported 1 protected picture(s) of alice")
    # a crop of it joins the earlier case, which is now marked
    crop = await asyncio.to_thread(
        report, tmp_path, database_url, "alice", "c.jpg", MADE["crop_10"]
    )
    assert crop["protected"] is True and crop["case_code"] == before["case_code"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    refused = await asyncio.to_thread(
        leakdesk, "protect", "import", str(bad), db=database_url, cwd=tmp_path
    )
    assert refused.returncode == 2
    assert "not a leakdesk protected-hash file" in one_error_line(refused)
    gone = await asyncio.to_thread(
        leakdesk,
        "protect",
        "remove",
        "deadbeef00",
        "--creator",
        "alice",
        db=database_url,
        cwd=tmp_path,
    )
    assert gone.returncode == 2 and "no protected picture" in gone.stderr
