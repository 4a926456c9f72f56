"""``leakdesk creator add`` and ``leakdesk creator allow`` as the operator runs them (issue 11)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.cli.runner import leakdesk, one_error_line


def ok(tmp_path: Path, db: str, *args: str) -> str:
    done = leakdesk(*args, db=db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_the_operator_keeps_a_creators_allow_list(tmp_path: Path, database_url: str) -> None:
    def steps() -> None:
        db = database_url
        assert "created: creator alice" in ok(
            tmp_path, db, "creator", "add", "alice", "--name", "Alice"
        )
        assert "already there" in ok(tmp_path, db, "creator", "add", "alice")
        added = ok(
            tmp_path, db, "creator", "allow", "alice",
            "--add", "https://www.OnlyFans.com/alicecreates/?utm_source=bio",
            "--add", "https://twitch.tv/alicelive",
        )  # fmt: skip
        assert "allowed: https://onlyfans.com/alicecreates and the pages under it" in added
        assert "allowed: https://twitch.tv/alicelive" in added
        again = ok(
            tmp_path, db, "creator", "allow", "alice", "--add", "https://onlyfans.com/alicecreates"
        )
        assert "already allowed" in again

        # a fan's report of one of them: a kind word, no case, exit 2 (nothing recorded)
        reported = leakdesk(
            "report", "https://onlyfans.com/alicecreates/posts/1", "--creator", "alice", "--json",
            db=db, cwd=tmp_path,
        )  # fmt: skip
        assert reported.returncode == 2
        assert "one of Alice's own official pages, not a leak" in reported.stdout + reported.stderr
        cases = ok(tmp_path, db, "cases", "--status", "all", "--json")
        assert cases.strip() == ""

        # an import that holds one of them: skipped and said so, the other link recorded
        listing = tmp_path / "links.txt"
        listing.write_text(
            "https://onlyfans.com/alicecreates/posts/2\nhttps://x.com/leaker/status/77\n"
        )
        imported = ok(tmp_path, db, "import", str(listing), "--creator", "alice")
        assert (
            "imported 1 of 2 links: 1 new case(s), 0 joined, 0 already imported, "
            "1 of the creator's own pages skipped, 0 invalid line(s)" in imported
        )

        listed = ok(tmp_path, db, "creator", "allow", "alice").splitlines()
        assert listed == [
            "https://onlyfans.com/alicecreates\t2 report(s) turned away",
            "https://twitch.tv/alicelive\t0 report(s) turned away",
        ]
        removed = ok(
            tmp_path, db, "creator", "allow", "alice", "--remove", "https://twitch.tv/alicelive"
        )
        assert "removed: https://twitch.tv/alicelive" in removed
        assert len(ok(tmp_path, db, "creator", "allow", "alice").splitlines()) == 1

    await asyncio.to_thread(steps)


def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"
    for args, expected in (
        (("creator", "allow", "alice", "--add", "https://onlyfans.com/"), "shared by many people"),
        (("creator", "allow", "alice", "--add", "https://x.com/a", "--add", "nope"), "nope"),
        (("creator", "allow", "alice", "--remove", "https://x.com/never"), "not on alice's"),
        (("creator", "add", "Bad Name!"), "not a creator name"),
    ):
        done = leakdesk(*args, db=db, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        line = one_error_line(done)
        assert line.startswith("leakdesk: ") and expected in line, line
    # the refused --add of two links wrote neither
    assert "no allowed pages for alice" in ok(tmp_path, db, "creator", "allow", "alice")
    assert json.dumps  # (json lines are not printed by these commands)
