"""Many processes on one database: two ``leakdesk import`` runs, a running bot and cron jobs.

Real processes (subprocess), real databases (a SQLite file and PostgreSQL), default
settings.  Everything runs at once; afterwards the database holds exactly what was
sent and every process exited 0 without a word on stderr.  With picture fetching on,
the links point at unresolvable hosts: each fetch fails (nothing leaves the machine),
which must not break intake.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bots.bootstrap import build_app
from core.model import IncomingReport, Origin, ReporterRef
from db.tables import CaseReporter, Link, Report
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from bots.cli import app; sys.argv[0] = 'leakdesk'; app()"
WAVE = 16  # tests/storage/bot_process.py moderates one case per wave
SEEDED = 6  # cases a cron job confirms while everything else runs


def leak_link(n: int, family: str = "v") -> str:
    """A distinct leak link on a host that never resolves (RFC 6761 ``.invalid``)."""
    return f"https://files{n % 37}.leakhost-{n}.invalid/{family}/{n}.jpg"


def _environment(database_url: str, fetch_media: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKDESK_")}
    env["LEAKDESK_DATABASE_URL"] = database_url
    env["LEAKDESK_FETCH_MEDIA"] = "true" if fetch_media else "false"
    env["PYTHONPATH"] = str(ROOT)
    return env


async def _run(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def _cron(env: dict[str, str], cwd: Path, codes: list[str]) -> list[tuple[int, str, str]]:
    """``leakdesk cases confirm`` from cron: one short process per pair of codes, in turn."""
    runs = []
    for start in range(0, len(codes), 2):
        runs.append(await _run(env, cwd, "-c", CLI, "cases", "confirm", *codes[start : start + 2]))
    return runs


async def _seed(database_url: str) -> list[str]:
    """Create the schema and the cases the cron job confirms; returns their codes."""
    app = await build_app(make_settings(database_url))
    try:
        codes = []
        for n in range(SEEDED):
            result = await app.intake.submit(
                IncomingReport(
                    ReporterRef("test", "seed"), [leak_link(n, "seed")], origin=Origin.CLI
                )
            )
            codes.append(result.outcomes[0].case_code)
        return codes
    finally:
        await app.close()


def _import_summary(output: str) -> tuple[int, int, int, int]:
    """(imported, total, new cases, joined) from ``leakdesk import``'s last line."""
    found = re.search(r"imported (\d+) of (\d+) links: (\d+) new case\(s\), (\d+) joined", output)
    assert found is not None, output
    imported, total, new, joined = map(int, found.groups())
    return imported, total, new, joined


async def _scalar(app, sql: str) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def _count(app, table) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


@pytest.mark.parametrize(
    ("fetch_media", "per_importer", "bot_reports"),
    [(False, 800, 96), (True, 40, 32)],
    ids=["fetch-off", "fetch-on"],
)
async def test_two_imports_a_bot_and_cron_on_one_database(
    database_url: str, tmp_path: Path, fetch_media: bool, per_importer: int, bot_reports: int
) -> None:
    codes = await _seed(database_url)
    n, m = per_importer, bot_reports
    universe = [leak_link(i) for i in range(n // 2 + n + m // 2)]
    files = {
        "a": universe[:n],  # the first importer
        "b": universe[n // 2 : n // 2 + n],  # the second: half of it overlaps the first's
        "bot": universe[n // 2 + n - m // 2 :],  # half overlaps the second import, half new
    }
    for name, links in files.items():
        (tmp_path / f"{name}.txt").write_text("\n".join(links) + "\n")
    env = _environment(database_url, fetch_media)

    import_a, import_b, bot, cron = await asyncio.gather(
        _run(env, tmp_path, "-c", CLI, "import", "a.txt", "--reporter", "imp-a"),
        _run(env, tmp_path, "-c", CLI, "import", "b.txt", "--reporter", "imp-b"),
        _run(env, tmp_path, "-m", "tests.storage.bot_process", "bot.txt"),
        _cron(env, tmp_path, codes),
    )

    for returncode, _out, err in (import_a, import_b, bot, *cron):
        assert (returncode, err) == (0, "")
    summaries = [_import_summary(import_a[1]), _import_summary(import_b[1])]
    assert [(imported, total) for imported, total, _, _ in summaries] == [(n, n), (n, n)]
    assert all(new + joined == n for _, _, new, joined in summaries)
    bot_summary = json.loads(bot[1])
    # every link opened exactly one case, by whichever process reported it first
    assert sum(new for _, _, new, _ in summaries) + bot_summary["new_cases"] == len(universe)
    assert bot_summary["reports"] == m
    waves = -(-m // WAVE)
    assert len(bot_summary["confirmed"]) == waves
    assert [line.split("\t") for run in cron for line in run[1].splitlines()] == [
        [code, "confirmed"] for code in codes
    ]

    reports = 2 * n + m + SEEDED
    app = await build_app(make_settings(database_url), migrate=False)
    try:
        assert await _scalar(app, "SELECT count(*) FROM cases") == len(universe) + SEEDED
        assert await _count(app, Link.__table__) == len(universe) + SEEDED
        assert await _count(app, Report.__table__) == reports
        assert await _count(app, CaseReporter.__table__) == reports  # every pair is distinct
        assert await _scalar(app, "SELECT sum(report_count) FROM cases") == reports
        assert await _scalar(app, "SELECT sum(reporter_count) FROM cases") == reports
        assert await _scalar(app, "SELECT count(*) FROM reporters") == 2 + m + 1
        assert (
            await _scalar(
                app,
                "SELECT count(*) FROM cases WHERE reporter_count <> "
                "(SELECT count(*) FROM case_reporters WHERE case_id = cases.id)",
            )
            == 0
        )
        assert await _scalar(app, "SELECT count(*) FROM cases WHERE status = 'confirmed'") == (
            waves + SEEDED
        )
        assert await _scalar(app, "SELECT count(*) FROM moderator_actions") == 2 * waves + SEEDED
        for code in bot_summary["confirmed"] + codes:
            case = await app.cases.get_case(code)
            assert case is not None and case.status.value == "confirmed"
    finally:
        await app.close()
