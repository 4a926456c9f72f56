"""`leakdesk reporters` and the trusted flag of `leakdesk cases`, with the console adapter as
the fan: a suspended reporter's refusal through a real adapter process, on both databases."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.runner import console_chat, leakdesk, one_error_line


def chat(lines: list[str], tmp_path: Path, db: str, user: str) -> str:
    return console_chat(lines, db=db, cwd=tmp_path, user=user)


def cases_json(db: str, tmp_path: Path, *args: str) -> list[dict[str, object]]:
    result = leakdesk("cases", "--json", "--status", "all", *args, db=db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_suspend_refuse_unsuspend_and_trust_from_the_cli(database_url: str, tmp_path: Path) -> None:
    db = database_url
    first = chat(["https://x.com/leaker/status/111"], tmp_path, db, "troll")
    code = re.search(r"case (LD-[0-9A-Z]{6})", first).group(1)  # type: ignore[union-attr]
    (case,) = cases_json(db, tmp_path)
    assert case["trusted"] is False and case["independent_reporters"] == 0.5  # first report

    done = leakdesk(
        "reporters", "suspend", "--case", code, "--reason", "flood of false reports",
        "--days", "5", db=db, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    name = done.stdout.split("\t")[0]
    assert name.startswith("console:") and "troll" not in done.stdout

    refused = chat(["https://x.com/other/status/222"], tmp_path, db, "troll")
    assert "⚠ your reports are suspended until" in refused
    assert "contact the creator's moderators" in refused and "Received" not in refused
    assert len(cases_json(db, tmp_path)) == 1  # nothing recorded
    assert cases_json(db, tmp_path)[0]["independent_reporters"] == 0  # a suspended reporter

    listed = leakdesk("reporters", "--suspended", "--json", db=db, cwd=tmp_path)
    (row,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["reporter"] == name and row["suspended_until"]
    assert row["suspension_reason"] == "flood of false reports"

    lifted = leakdesk("reporters", "unsuspend", name, "--reason", "appeal", db=db, cwd=tmp_path)
    assert lifted.returncode == 0 and "suspension lifted" in lifted.stdout
    again = chat(["https://x.com/other/status/222"], tmp_path, db, "troll")
    assert "Received" in again

    trusted = leakdesk("reporters", "trust", "--case", code, db=db, cwd=tmp_path)
    assert trusted.returncode == 0 and f"{name}\ttrusted" in trusted.stdout
    assert {c["trusted"] for c in cases_json(db, tmp_path)} == {True}
    assert len(cases_json(db, tmp_path, "--untrusted")) == 0
    text = leakdesk("cases", db=db, cwd=tmp_path).stdout
    assert text.splitlines()[0].split("\t")[6] == "trusted"  # then the evidence flags

    audit = leakdesk("audit", "verify", db=db, cwd=tmp_path)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_reporters_refuses_bad_names_in_one_line(sqlite_url: str, tmp_path: Path) -> None:
    bad = leakdesk(
        "reporters", "suspend", "console:zz", "--reason", "x", db=sqlite_url, cwd=tmp_path
    )
    assert bad.returncode == 2 and "pseudonym" in one_error_line(bad)
    both = leakdesk("reporters", "trust", db=sqlite_url, cwd=tmp_path)
    assert both.returncode == 2 and "--case" in one_error_line(both)
    no_case = leakdesk("reporters", "trust", "--case", "LD-AAAAAA", db=sqlite_url, cwd=tmp_path)
    assert no_case.returncode == 2 and "no case" in one_error_line(no_case)
