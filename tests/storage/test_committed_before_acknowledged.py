"""A reporter hears "received" only for a report the database committed.

The database itself refuses the commit (a trigger, on the real writer paths): on PostgreSQL a
deferred constraint trigger fails at COMMIT; SQLite has no deferred triggers, so there the
insert of the report fails inside the transaction, which is rolled back.
"""

from __future__ import annotations

import io

import pytest
import skimage.data
from PIL import Image
from sqlalchemy import func, select, text

from bots.bootstrap import App
from core.model import Actor, Attachment, ReporterRef
from db.tables import cases_t, reports_t
from handlers import IncomingMessage, Problem, ReportReceived, render_text

FAILURE = "the disk refused the commit"
FAN = Actor(ReporterRef("test", "fan"))

SQLITE_REFUSAL = [
    f"CREATE TRIGGER refuse_commit BEFORE INSERT ON reports BEGIN "
    f"SELECT RAISE(ABORT, '{FAILURE}'); END",
]
POSTGRES_REFUSAL = [
    "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{FAILURE}'; END $$",
    "CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON reports "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_commit()",
]


async def refuse_commits(app: App, refuse: bool) -> None:
    sqlite = app.engine.dialect.name == "sqlite"
    if refuse:
        statements = SQLITE_REFUSAL if sqlite else POSTGRES_REFUSAL
    else:
        statements = ["DROP TRIGGER refuse_commit"] if sqlite else [
            "DROP TRIGGER refuse_commit ON reports", "DROP FUNCTION refuse_commit()"
        ]
    async with app.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def rows(app: App, table) -> int:  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


def photo() -> Attachment:
    out = io.BytesIO()
    Image.fromarray(skimage.data.astronaut()).save(out, "PNG")
    return Attachment(out.getvalue(), "shot.png", "image/png")


@pytest.mark.parametrize("with_picture", [False, True], ids=["links", "picture"])
async def test_a_failed_commit_never_says_received(app: App, with_picture: bool) -> None:
    message = IncomingMessage(
        FAN,
        "found it: https://example.com/leak/1 and https://example.com/leak/2",
        attachments=[photo()] if with_picture else (),
        submission_id="chat:1",
    )
    await refuse_commits(app, True)

    reply = await app.handlers.dispatch(message)

    assert isinstance(reply, Problem) and reply.kind == "internal"
    words = render_text(reply)
    assert "nothing was recorded" in words and "try again" in words
    assert "Received" not in words and "LD-" not in words and FAILURE not in words
    assert await rows(app, reports_t) == 0 and await rows(app, cases_t) == 0

    await refuse_commits(app, False)
    again = await app.handlers.dispatch(message)  # the reporter tries again: recorded once

    assert isinstance(again, ReportReceived) and "Received" in render_text(again)
    assert await rows(app, reports_t) == (3 if with_picture else 2)
