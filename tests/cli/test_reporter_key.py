"""``leakdesk reporter-key rotate``: every sealed id re-keyed, the same people recognised."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bots.bootstrap import App, build_app
from core.model import IncomingReport, ReporterRef
from db.reporter_key import ReporterKey
from db.tables import reporters_t, user_settings_t
from tests.cli.runner import leakdesk, one_error_line
from tests.conftest import make_settings

FAN = ReporterRef("discord", "80351110224678912")
LINK = "https://x.com/leaker/status/42"


async def _app(url: str, key_file: Path) -> App:
    return await build_app(make_settings(url, reporter_key="", reporter_key_file=str(key_file)))


async def _ids(app: App) -> tuple[list[str], list[str]]:
    async with app.engine.connect() as conn:
        reporters = list((await conn.execute(select(reporters_t.c.platform_user_id))).scalars())
        settings = list((await conn.execute(select(user_settings_t.c.user_id))).scalars())
    return reporters, settings


async def test_rotate_rekeys_every_row_and_keeps_people_apart(
    database_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "reporter.key"
    app = await _app(database_url, key_file)
    code = (await app.intake.submit(IncomingReport(FAN, [LINK]))).outcomes[0].case_code
    await app.user_settings.set_anonymous(FAN, "bot", True)
    before = await _ids(app)
    await app.close()
    old = ReporterKey.parse(key_file.read_text()).current
    env = {"LEAKDESK_REPORTER_KEY": "", "LEAKDESK_REPORTER_KEY_FILE": str(key_file)}

    wrong = leakdesk("reporter-key", "rotate", "--old-key", "guess", db=database_url,
                     cwd=tmp_path, env=env)  # fmt: skip
    assert wrong.returncode == 2 and "not the current reporter key" in one_error_line(wrong)
    assert ReporterKey.parse(key_file.read_text()).current == old  # nothing changed

    done = leakdesk("reporter-key", "rotate", "--old-key", old, db=database_url,
                    cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "re-keyed 1 reporter id(s) and 1 settings row(s)" in done.stdout
    chain = ReporterKey.parse(key_file.read_text())
    assert len(chain.chain) == 2 and chain.chain[0].decode() == old

    app = await _app(database_url, key_file)
    try:
        after = await _ids(app)
        assert after[0] != before[0] and after[1] != before[1]
        assert after == (
            [chain.seal(FAN.platform, FAN.user_id)],
            [chain.seal(FAN.platform, FAN.user_id)],
        )
        # the same person is recognised: no second reporter, their setting still holds
        again = await app.intake.submit(IncomingReport(FAN, [LINK]))
        assert again.outcomes[0].case_code == code and again.outcomes[0].reporters == 1
        assert (await app.user_settings.get(FAN, "bot")).anonymous is True
        assert len((await _ids(app))[0]) == 1
    finally:
        await app.close()
