"""A MEGA link reported without its key, then with it, is one case whose link gains the key.

Leakers post a MEGA link and its decryption key separately; the host's removal form
needs the full link.  Run on SQLite and PostgreSQL, through the raw-driver hot path and
through the SQLAlchemy Core path (batches with pictures take it), and through the App.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.model import IncomingReport, ReporterRef
from core.urls.access_keys import access_key, upgraded_url
from db import SqlReportStore, create_engine, upgrade
from db.tables import cases_t, links_t
from tests.conftest import make_settings
from tests.storage.test_intake_paths import item

KEYLESS = "https://mega.nz/file/AbCdEf12"
KEYED = "https://mega.nz/file/AbCdEf12#KeyKeyKey_-9"
OTHER_KEY = "https://mega.io/file/AbCdEf12#AnotherKey"
LEGACY_KEYED = "https://mega.nz/#!AbCdEf12!KeyKeyKey_-9"
FOLDER = "https://mega.nz/folder/Fold1234"
FOLDER_KEYED = "https://mega.nz/folder/Fold1234#FolderKey"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (KEYLESS, None),
        (KEYED, "KeyKeyKey_-9"),
        (LEGACY_KEYED, "KeyKeyKey_-9"),
        ("https://mega.nz/#!AbCdEf12", None),
        ("https://mega.nz/#!AbCdEf12!", None),
        ("https://mega.co.nz/#F!Fold1234!FolderKey", "FolderKey"),
        ("https://mega.nz/folder/Fold1234#FolderKey/file/Sub56789", "FolderKey"),
        ("https://mega.nz/file/AbCdEf12#", None),
    ],
)
def test_access_key_in_every_mega_form(url: str, key: str | None) -> None:
    assert access_key(url) == key


def test_only_a_keyless_link_is_upgraded() -> None:
    assert upgraded_url(KEYLESS, KEYED) == KEYED
    assert upgraded_url(KEYED, OTHER_KEY) is None  # the first key stays
    assert upgraded_url(KEYED, KEYLESS) is None
    assert upgraded_url(KEYLESS, KEYLESS) is None


async def _links(url: str) -> list[tuple[int, str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(links_t.c.case_id, links_t.c.url).order_by(links_t.c.id)
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("raw_statements", [True, False], ids=["raw", "core"])
async def test_keyless_then_keyed_is_one_case_that_keeps_the_key(
    database_url: str, raw_statements: bool
) -> None:
    await upgrade(database_url)
    store = SqlReportStore(create_engine(database_url), raw_statements=raw_statements)
    try:
        first = await store.record([item("m1", KEYLESS, 1)])
        second = await store.record([item("m2", KEYED, 2)])
        third = await store.record([item("m3", OTHER_KEY, 3)])
        # a folder: keyless and keyed in one batch, the keyed one second
        folder = await store.record([item("m4", FOLDER, 4), item("m5", FOLDER_KEYED, 5)])
    finally:
        await store.close()
    assert first[0].new_case and not second[0].new_case and not third[0].new_case
    assert first[0].case_id == second[0].case_id == third[0].case_id
    assert third[0].reporters == 3
    assert folder[0].case_id == folder[1].case_id
    links = await _links(database_url)
    assert links == [(first[0].case_id, KEYED), (folder[0].case_id, FOLDER_KEYED)]


async def test_through_the_app(database_url: str, tmp_path: Path) -> None:
    from bots.bootstrap import build_app

    app = await build_app(make_settings(database_url))
    try:
        outcomes = []
        for n, link in enumerate(
            [LEGACY_KEYED.replace("#!AbCdEf12!KeyKeyKey_-9", "#!AbCdEf12"), KEYED, OTHER_KEY]
        ):
            result = await app.intake.submit(
                IncomingReport(ReporterRef("test", str(n)), [link], submission_id=f"s{n}")
            )
            outcomes.append(result.outcomes[0])
        codes = {o.case_code for o in outcomes}
        assert len(codes) == 1
        async with app.engine.connect() as conn:
            urls = (await conn.execute(select(links_t.c.url))).scalars().all()
            cases = (await conn.execute(select(cases_t.c.id))).scalars().all()
        assert urls == [KEYED] and len(cases) == 1
    finally:
        await app.close()
