"""The console's moderator mode lists a case's reporters and suspends or trusts them
(``/reporters``, ``/suspend``, ``/unsuspend``, ``/trust``), on both databases; fan mode is
refused; the suspended fan's next report is refused with the date and how to appeal."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.runner import console_chat, leakdesk

PSEUDONYM = re.compile(r"console:[0-9a-f]{10}")


def test_a_console_moderator_suspends_and_trusts_a_cases_reporter(
    database_url: str, tmp_path: Path
) -> None:
    db = database_url
    first = console_chat(["https://x.com/leaker/status/515"], db=db, cwd=tmp_path, user="troll")
    code = re.search(r"case (LD-[0-9A-Z]{6})", first).group(1)  # type: ignore[union-attr]
    console_chat(["/anon", "https://x.com/leaker/status/515"], db=db, cwd=tmp_path, user="shy")

    as_fan = console_chat([f"/reporters {code}"], db=db, cwd=tmp_path, user="troll")
    assert "only the creator's moderators" in as_fan and not PSEUDONYM.search(as_fan)

    listed = console_chat(["/mod", "/help", f"/reporters {code}"], db=db, cwd=tmp_path, user="m")
    assert "/reporters LD-…: the case's named reporters" in listed  # the moderator help
    assert f"Reporters of {code} (pseudonyms only):" in listed
    (name,) = set(PSEUDONYM.findall(listed))
    assert "+ 1 anonymous or forgotten reporter (never named)" in listed
    assert "troll" not in listed and "shy" not in listed

    suspended = console_chat(
        ["/mod", f"/suspend {code} {name} flood of false reports"], db=db, cwd=tmp_path, user="m"
    )
    assert f"{name} suspended until " in suspended and "how to appeal" in suspended
    refused = console_chat(["https://x.com/other/status/616"], db=db, cwd=tmp_path, user="troll")
    assert "⚠ your reports are suspended until" in refused and "Received" not in refused

    decided = console_chat(
        ["/mod", f"/unsuspend {name}", f"/trust {name}", f"/reporters {code}"],
        db=db,
        cwd=tmp_path,
        user="m",
    )
    assert f"{name}: suspension lifted" in decided
    assert f"{name}: trusted by a moderator" in decided
    assert f"{name}: 0 confirmed, 0 dismissed (0 abusive) · trusted by a moderator" in decided
    again = console_chat(["https://x.com/other/status/616"], db=db, cwd=tmp_path, user="troll")
    assert "Received" in again

    audit = leakdesk("audit", "verify", db=db, cwd=tmp_path)
    assert audit.returncode == 0, audit.stdout + audit.stderr
