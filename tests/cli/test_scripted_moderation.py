"""Scripted moderation and upkeep: reopen, merge, notes in `cases --json`, db, venues, forget."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.runner import leakdesk, one_error_line


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


def _report(tmp_path: Path, db: str, *args: str) -> dict[str, object]:
    result = leakdesk("report", *args, "--json", db=db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[0])


def _case(tmp_path: Path, db: str, code: str) -> dict[str, object]:
    listed = leakdesk("cases", "--status", "all", "--json", db=db, cwd=tmp_path)
    return next(c for c in map(json.loads, listed.stdout.splitlines()) if c["code"] == code)


def test_reopen_and_merge_from_the_command_line(tmp_path: Path, db: str) -> None:
    a = str(_report(tmp_path, db, "https://example.com/a")["case_code"])
    b = str(_report(tmp_path, db, "https://example.com/b", "--reporter", "bob")["case_code"])
    dismissed = leakdesk("cases", "dismiss", a, "--reason", "not her", db=db, cwd=tmp_path)
    assert dismissed.returncode == 0
    reopened = leakdesk("cases", "reopen", a.lower(), db=db, cwd=tmp_path)
    assert reopened.returncode == 0 and reopened.stdout.strip() == f"{a}\topen"

    itself = leakdesk("cases", "merge", b, b.lower().replace("-", ""), db=db, cwd=tmp_path)
    assert itself.returncode == 2
    assert one_error_line(itself) == "leakdesk: a case cannot be merged into itself"
    merged = leakdesk("cases", "merge", b, a, "--moderator", "mia", db=db, cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.strip() == f"{b}\tmerged into {a} (2 reporter(s))"
    source = _case(tmp_path, db, b)
    assert source["status"] == "merged" and source["merged_into"] == a
    assert _case(tmp_path, db, a)["reporters"] == 2
    unknown = leakdesk("cases", "reopen", "LD-ZZZZZZ", db=db, cwd=tmp_path)
    assert unknown.returncode == 2 and one_error_line(unknown) == "leakdesk: no case LD-ZZZZZZ"


def test_cases_json_carries_notes_and_hides_anonymous_reporters() -> None:
    from bots.cli.cases import case_json
    from core.model import CaseStatus, CaseView, NoteView

    at = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    case = CaseView(
        id=1,
        code="LD-7KQ2MX",
        creator="default",
        status=CaseStatus.MERGED,
        reporters=2,
        reports=2,
        first_seen=at,
        last_seen=at,
        host="example.com",
        platform=None,
        merged_into="LD-AAAAAA",
        notes=(NoteView("also on a forum", at, "cli:ann"), NoteView("my friend sent it", at)),
    )
    row = json.loads(json.dumps(case_json(case)))
    assert row["merged_into"] == "LD-AAAAAA"
    assert row["notes"] == [
        {"text": "also on a forum", "at": "2026-11-28T12:00:00+00:00", "reporter": "cli:ann"},
        {"text": "my friend sent it", "at": "2026-11-28T12:00:00+00:00", "reporter": None},
    ]


def test_report_json_has_one_line_per_input(tmp_path: Path, db: str) -> None:
    inputs = [
        "https://example.com/one",
        "https://www.example.com/one?utm_source=feed",
        "https://example.com/two",
    ]
    result = leakdesk("report", *inputs, "--json", db=db, cwd=tmp_path)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["url"] for row in rows] == inputs
    assert rows[1]["duplicate_of"] == inputs[0] and rows[1]["case_code"] == rows[0]["case_code"]
    assert rows[0]["duplicate_of"] is None and rows[2]["case_code"] != rows[0]["case_code"]
    assert set(rows[0]) == {
        "url",
        "report_id",
        "case_code",
        "new_case",
        "reporters",
        "matched_by",
        "distance",
        "media_error",
        "already_reported",
        "duplicate_of",
        "reopened",
        "possible_duplicate_of",
        "protected",
    }


def test_db_upgrade_says_what_it_did(tmp_path: Path, db: str) -> None:
    created = leakdesk("db", "upgrade", db=db, cwd=tmp_path)
    assert created.returncode == 0
    assert created.stdout.startswith("created the database schema (revision ")
    again = leakdesk("db", "upgrade", db=db, cwd=tmp_path)
    assert again.stdout.startswith("the database schema is up to date (revision ")


def test_empty_venues_and_forget(tmp_path: Path, db: str) -> None:
    listed = leakdesk("venues", db=db, cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.startswith("no server or group is bound yet")
    unknown = leakdesk("forget", "myspace", "42", db=db, cwd=tmp_path)
    assert unknown.returncode == 2
    assert one_error_line(unknown).startswith("leakdesk: unknown platform 'myspace'")
    _report(tmp_path, db, "https://example.com/x", "--reporter", "ann")
    forgot = leakdesk("forget", "CLI", "ann", db=db, cwd=tmp_path)
    assert forgot.stdout.strip() == "forgot cli account: 1 report(s) no longer tied to it"
