"""Strong evidence *suggests* a synthetic case; a moderator decides (chat and CLI), and the
``cases`` listing flags the creator's own images and the synthetic suggestion or decision."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from bots.bootstrap import App
from core.model import Actor, Attachment, IncomingReport, ReporterRef
from handlers import IncomingMessage
from handlers.render import render_text
from tests.cli.runner import leakdesk, one_error_line
from tests.cli.test_case_provenance import generated_png
from tests.cli.test_protect import MADE, report, run, write

MOD = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
FAN = Actor(ReporterRef("test", "fan"), creator="default")
OTHER_MOD = Actor(ReporterRef("test", "bob-mod"), is_moderator=True, creator="bob")


async def say(app: App, actor: Actor, text: str) -> str:
    return render_text(await app.handlers.dispatch(IncomingMessage(actor=actor, text=text)))


async def test_moderators_see_the_suggestion_and_decide_it_in_the_chat(app: App) -> None:
    result = await app.intake.submit(
        IncomingReport(ReporterRef("test", "fan"), attachments=[Attachment(generated_png())])
    )
    code = result.outcomes[0].case_code
    shown = await say(app, MOD, f"/show {code}")
    assert f"suggested synthetic: a moderator decides (/synthetic {code} yes|no)" in shown
    assert f"suggested synthetic: a moderator decides (/synthetic {code}" in await say(
        app, MOD, "/queue"
    )
    assert "/synthetic LD-… yes|no" in await say(app, MOD, "/help")
    # fans cannot decide, nor learn anything about the case's evidence
    refused = await say(app, FAN, f"/synthetic {code} yes")
    assert "only the creator's moderators" in refused and "synthetic" not in refused.split(":")[0]
    assert "usage: /synthetic" in await say(app, MOD, f"/synthetic {code} maybe")
    assert "usage: /synthetic" in await say(app, MOD, f"/synthetic {code}")
    assert f"no case {code}" in await say(app, OTHER_MOD, f"/synthetic {code} yes")
    assert await app.escalations.synthetic_codes("default") == set()
    # the moderator decides: the escalation now treats it as a deepfake
    marked = await say(app, MOD, f"/synthetic {code.lower().replace('-', '')} yes")
    assert marked.startswith(f"marked synthetic: {code}")
    assert "marked synthetic (deepfake) by test:mod" in marked
    assert "suggested synthetic" not in marked
    assert await app.escalations.synthetic_codes("default") == {code}
    # and may change their mind; the suggestion does not come back once someone decided
    unmarked = await say(app, MOD, f"/synthetic {code} no")
    assert "not synthetic (decided by test:mod)" in unmarked and "suggested" not in unmarked
    assert await app.escalations.synthetic_codes("default") == set()
    log = await app.cases.audit_log(code)
    assert [action for _, action, _ in log][-2:] == ["synthetic", "not_synthetic"]


async def test_a_case_without_strong_evidence_suggests_nothing(app: App) -> None:
    result = await app.intake.submit(
        IncomingReport(ReporterRef("test", "fan"), ["https://x.com/a/status/1"])
    )
    code = result.outcomes[0].case_code
    assert "synthetic" not in await say(app, MOD, f"/show {code}")


async def test_the_cases_listing_flags_own_images_and_synthetic_cases(
    tmp_path: Path, database_url: str
) -> None:
    db = database_url
    original = write(tmp_path, "mine.jpg", MADE["original"])
    await asyncio.to_thread(run, tmp_path, db, "protect", "add", original, "--creator", "default")
    own = await asyncio.to_thread(report, tmp_path, db, "default", "copy.jpg", MADE["resize_50"])
    fake = await asyncio.to_thread(report, tmp_path, db, "default", "fake.png", generated_png())
    assert own["protected"] is True and fake["protected"] is False
    _, listing = await asyncio.to_thread(run, tmp_path, db, "cases")
    lines = {line.split("\t")[0]: line.split("\t") for line in listing.splitlines()}
    assert lines[own["case_code"]][-1].startswith("own-image:")
    assert lines[fake["case_code"]][-1] == "synthetic?"
    _, said = await asyncio.to_thread(
        run, tmp_path, db, "cases", "synthetic", "yes", fake["case_code"], "--moderator", "mia"
    )
    assert said.strip() == f"{fake['case_code']}\tsynthetic"
    _, listing = await asyncio.to_thread(run, tmp_path, db, "cases")
    row = next(line for line in listing.splitlines() if line.startswith(fake["case_code"]))
    assert row.startswith(f"{fake['case_code']}\topen\t1\t-\t-\t") and row.endswith("\tsynthetic")
    rows, _ = await asyncio.to_thread(run, tmp_path, db, "cases", "--json")
    by_code = {row["code"]: row for row in rows}
    assert by_code[fake["case_code"]]["synthetic"] is True
    assert by_code[fake["case_code"]]["synthetic_by"] == "cli:mia"
    assert by_code[fake["case_code"]]["synthetic_suggested"] is True
    assert by_code[own["case_code"]]["synthetic"] is False
    await asyncio.to_thread(run, tmp_path, db, "cases", "synthetic", "no", fake["case_code"])
    _, listing = await asyncio.to_thread(run, tmp_path, db, "cases")
    assert listing.rstrip().endswith("not-synthetic") or "\tnot-synthetic\n" in listing
    bad = await asyncio.to_thread(
        leakdesk, "cases", "synthetic", "maybe", fake["case_code"], db=db, cwd=tmp_path
    )
    assert bad.returncode == 2 and "yes or no" in one_error_line(bad)
    missing = await asyncio.to_thread(
        leakdesk, "cases", "synthetic", "yes", "LD-ZZZZZZ", db=db, cwd=tmp_path
    )
    assert missing.returncode == 2 and "no case" in one_error_line(missing)
    assert json.dumps(rows)  # the JSON stays serialisable with the new keys
