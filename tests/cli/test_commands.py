"""The ``leakdesk`` command line, run as a real process against real databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import leakdesk, one_error_line

LINK = "https://x.com/leaker/status/1234567890?s=20"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


def test_url_json_contract_with_stdin_and_errors(tmp_path: Path, db: str) -> None:
    result = leakdesk(
        "url",
        "-",
        "--json",
        db=db,
        cwd=tmp_path,
        stdin="https://twitter.com/a/status/1234567890\njavascript:alert(1)\nyoutu.be/dQw4w9WgXcQ\n",
    )
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["canonical"] == "https://x.com/i/status/1234567890"
    assert lines[0]["platform"] == "x" and len(lines[0]["key"]) == 64
    assert lines[1] == {"url": "javascript:alert(1)", "error": "javascript: links are not accepted"}
    assert lines[2]["platform"] == "youtube"
    assert not (tmp_path / "cli.db").exists()  # `url` never touches the database


def test_report_json_dedupes_across_disguises(tmp_path: Path, db: str) -> None:
    first = leakdesk("report", LINK, "--json", "--reporter", "ann", db=db, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    a = json.loads(first.stdout)
    assert set(a) >= {"report_id", "case_code", "new_case", "reporters"}
    assert a["new_case"] is True and a["reporters"] == 1 and a["case_code"].startswith("LD-")
    again = leakdesk(
        "report",
        "http://mobile.twitter.com/other/status/1234567890",
        "--json",
        "--reporter",
        "bob",
        "--anonymous",
        db=db,
        cwd=tmp_path,
    )
    b = json.loads(again.stdout)
    assert b["case_code"] == a["case_code"] and b["new_case"] is False and b["reporters"] == 2


@pytest.mark.parametrize(
    "bad",
    [
        "not a url",
        "javascript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "",
        "https://example.com/" + "a" * 2050,
    ],
)
def test_report_bad_input_exits_2_and_writes_nothing(tmp_path: Path, db: str, bad: str) -> None:
    result = leakdesk("report", bad, "--json", db=db, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cli.db").exists()


def test_import_counts_and_scripted_moderation(tmp_path: Path, db: str) -> None:
    csv_file = tmp_path / "links.csv"
    csv_file.write_text(
        "url,seen\nhttps://example.com/a,1\nhttps://www.example.com/a?utm_source=z,2\n"
        "https://example.com/b,3\njavascript:x,4\n"
    )
    first = leakdesk("import", str(csv_file), db=db, cwd=tmp_path)
    assert first.returncode == 2  # one invalid line, reported by line number
    assert first.stdout.strip() == (
        "imported 3 of 4 links: 2 new case(s), 0 joined, 1 already imported, 1 invalid line(s): 5"
    )
    assert one_error_line(first) == "leakdesk: 1 invalid line(s): 5 skipped"
    listed = leakdesk("cases", "--json", db=db, cwd=tmp_path)
    cases = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(c["reports"] for c in cases) == [1, 1]  # a link repeated in disguise: once

    code = cases[0]["code"]
    confirmed = leakdesk("cases", "confirm", code, "--moderator", "mia", db=db, cwd=tmp_path)
    assert confirmed.returncode == 0 and "confirmed" in confirmed.stdout
    no_reason = leakdesk("cases", "dismiss", code, db=db, cwd=tmp_path)
    assert no_reason.returncode == 2 and "--reason" in one_error_line(no_reason)
    only = leakdesk("cases", "--status", "confirmed", "--json", db=db, cwd=tmp_path)
    assert [json.loads(x)["code"] for x in only.stdout.splitlines()] == [code]


async def test_every_command_honours_the_database_url_on_postgres(
    tmp_path: Path, postgres_url: str
) -> None:
    upgraded = leakdesk("db", "upgrade", db=postgres_url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    reported = leakdesk("report", LINK, "--json", db=postgres_url, cwd=tmp_path)
    code = json.loads(reported.stdout)["case_code"]
    listed = leakdesk("cases", "--json", db=postgres_url, cwd=tmp_path)
    assert json.loads(listed.stdout)["code"] == code
    assert not list(tmp_path.glob("*.db"))


def test_run_without_tokens_is_a_clear_error(tmp_path: Path, db: str) -> None:
    env_free = leakdesk("run", db=db, cwd=tmp_path)
    assert env_free.returncode == 2
    assert "LEAKDESK_DISCORD_TOKEN" in env_free.stderr and "Traceback" not in env_free.stderr


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A real photo (scikit-image's bundled astronaut) as a JPEG."""
    from PIL import Image
    from skimage import data

    path = tmp_path / "astronaut.jpg"
    Image.fromarray(data.astronaut()).save(path, quality=90)
    return path


def test_hash_contract_and_bad_files(tmp_path: Path, db: str, photo: Path) -> None:
    ok = leakdesk("hash", str(photo), "--json", db=db, cwd=tmp_path)
    assert ok.returncode == 0
    row = json.loads(ok.stdout)
    assert set(row) == {
        "file",
        "sha256",
        "phash",
        "pdq",
        "pdq_quality",
        "provenance",
        "provenance_not_checked",
    }
    assert row["provenance"] == []
    assert len(row["sha256"]) == 64 and len(row["phash"]) == 16 and len(row["pdq"]) == 64
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(photo.read_bytes()[:3000])
    bad = leakdesk("hash", str(truncated), "--json", db=db, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert str(truncated) in one_error_line(bad)


def test_report_file_matches_an_edited_copy(tmp_path: Path, db: str, photo: Path) -> None:
    from PIL import Image, ImageFilter

    edited = tmp_path / "edited.jpg"
    with Image.open(photo) as original:
        original.filter(ImageFilter.GaussianBlur(1)).resize((384, 384)).save(edited, quality=60)
    first = leakdesk("report", "--file", str(photo), "--json", db=db, cwd=tmp_path)
    a = json.loads(first.stdout)
    assert a["new_case"] and a["matched_by"] is None and a["distance"] is None
    assert a["url"] == str(photo)
    second = leakdesk(
        "report", "--file", str(edited), "--json", "--reporter", "other", db=db, cwd=tmp_path
    )
    b = json.loads(second.stdout)
    assert b["case_code"] == a["case_code"] and b["matched_by"] == "image"
    assert isinstance(b["distance"], int) and b["reporters"] == 2
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not a picture at all")
    mixed = leakdesk(
        "report", "https://example.com/leak", "--file", str(junk), "--json", db=db, cwd=tmp_path
    )
    assert mixed.returncode == 0
    rows = [json.loads(line) for line in mixed.stdout.splitlines()]
    assert rows[0]["new_case"] is True and rows[0]["url"] == "https://example.com/leak"
    assert rows[1] == {"file": str(junk), "media_error": "the file is not an image"}


def test_a_bad_picture_alone_names_the_file(tmp_path: Path, db: str) -> None:
    junk, empty = tmp_path / "junk.png", tmp_path / "empty.jpg"
    junk.write_bytes(b"not a picture at all")
    empty.write_bytes(b"")
    alone = leakdesk("report", "--file", str(junk), "--json", db=db, cwd=tmp_path)
    assert alone.returncode == 2
    assert [json.loads(line) for line in alone.stdout.splitlines()] == [
        {"file": str(junk), "media_error": "the file is not an image"}
    ]
    assert one_error_line(alone) == "leakdesk: nothing was recorded"
    both = leakdesk(
        "report", "--file", str(junk), "--file", str(empty), "--json", db=db, cwd=tmp_path
    )
    assert both.returncode == 2
    assert [json.loads(line)["file"] for line in both.stdout.splitlines()] == [
        str(junk),
        str(empty),
    ]
