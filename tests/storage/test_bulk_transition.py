"""Claim, confirm, dismiss and reopen many cases at once: one transaction, the same audit trail."""

from __future__ import annotations

from sqlalchemy import select, update

from bots.bootstrap import App
from core.events import CaseChanged
from core.model import Actor, IncomingReport, Origin, ReporterRef
from db.tables import actions_t, cases_t

ALICE_MOD = Actor(ReporterRef("discord", "7"), True, "alice")
OTHER_MOD = Actor(ReporterRef("discord", "8"), True, "alice")


async def _seed(app: App, creator: str, count: int, prefix: str = "b") -> list[str]:
    codes = []
    for n in range(count):
        result = await app.intake.submit(
            IncomingReport(
                ReporterRef("telegram", "fan"),
                [f"https://example.com/{prefix}/{n}"],
                origin=Origin.DM,
                creator=creator,
            ),
            trusted=True,
        )
        codes.append(result.outcomes[0].case_code)
    return codes


async def _audit_rows(app: App, code: str) -> list[tuple[object, ...]]:
    query = (
        select(
            actions_t.c.moderator,
            actions_t.c.action,
            actions_t.c.from_status,
            actions_t.c.to_status,
            actions_t.c.reason,
        )
        .join(cases_t, cases_t.c.id == actions_t.c.case_id)
        .where(cases_t.c.code == code)
        .order_by(actions_t.c.id)
    )
    async with app.engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(query)]


async def test_bulk_actions_leave_the_same_trail_as_one_by_one(app: App) -> None:
    one, many = await _seed(app, "alice", 1, "one"), await _seed(app, "alice", 4, "many")
    for action, reason in (("claim", None), ("confirm", None), ("dismiss", "not her")):
        await app.moderation.act(ALICE_MOD, action, one[0], reason)
        outcomes = await app.moderation.act_many(ALICE_MOD, action, many, reason)
        assert [(o.code, o.ok) for o in outcomes] == [(c, True) for c in many]
    reopened = await app.moderation.act_many(ALICE_MOD, "reopen", many, "wrong call")
    assert {o.message for o in reopened} == {"open"}
    await app.moderation.act(ALICE_MOD, "reopen", one[0], "wrong call")
    expected = await _audit_rows(app, one[0])
    assert [row[1] for row in expected] == ["claim", "confirm", "dismiss", "reopen"]
    for code in many:
        assert await _audit_rows(app, code) == expected
        case = await app.cases.get_case(code)
        single = await app.cases.get_case(one[0])
        assert case is not None and single is not None
        assert (case.status, case.claimed_by, case.reason) == (
            single.status,
            single.claimed_by,
            single.reason,
        )


async def test_refused_cases_are_left_alone_and_say_why(app: App) -> None:
    codes = await _seed(app, "alice", 5)
    [bobs] = await _seed(app, "bob", 1, "bob")
    await app.moderation.act(ALICE_MOD, "confirm", codes[0])
    await app.moderation.act(OTHER_MOD, "claim", codes[1])
    await app.moderation.act(OTHER_MOD, "reopen", codes[1], "later")  # open, still theirs
    await app.moderation.act(ALICE_MOD, "dismiss", codes[2], "dup")
    typed = [codes[0], codes[1], codes[2], codes[3].lower(), bobs, "LD-0000", "nonsense", codes[3]]
    outcomes = await app.moderation.act_many(ALICE_MOD, "claim", typed)
    by_code = {o.code: o for o in outcomes}
    assert len(outcomes) == 7  # codes[3] typed twice counts once
    assert by_code[codes[0]].message == "case is confirmed; cannot claim"
    assert by_code[codes[1]].message == "case is already claimed by another moderator"
    assert by_code[codes[2]].message == "case is dismissed; cannot claim"
    assert by_code[bobs].message == f"no case {bobs}"
    assert not by_code["nonsense"].ok and not by_code["LD-0000"].ok
    assert by_code[codes[3]].ok and by_code[codes[3]].message == "claimed"
    assert [o.code for o in outcomes if o.ok] == [codes[3]]
    bob_case = await app.cases.get_case(bobs)
    assert bob_case is not None and bob_case.status.value == "open"
    assert await app.cases.audit_log(bobs) == []
    claimed = await app.cases.get_case(codes[1])
    assert claimed is not None and claimed.claimed_by == str(OTHER_MOD.ref)
    assert [r[1] for r in await _audit_rows(app, codes[1])] == ["claim", "reopen"]
    mine = await app.cases.get_case(codes[3])
    assert mine is not None and mine.claimed_by == str(ALICE_MOD.ref)


async def test_only_changed_cases_announce_themselves(app: App) -> None:
    codes = await _seed(app, "alice", 3)
    await app.moderation.act(ALICE_MOD, "dismiss", codes[0], "dup")
    await app.events.drain()
    seen: list[CaseChanged] = []

    async def record(event: CaseChanged) -> None:
        seen.append(event)

    app.events.subscribe(record)
    await app.moderation.act_many(ALICE_MOD, "confirm", codes)
    await app.events.drain()
    assert sorted(e.code for e in seen) == sorted(codes[1:])
    assert {e.creator for e in seen} == {"alice"}


async def test_bulk_reopen_repairs_a_case_merged_into_itself(app: App) -> None:
    codes = await _seed(app, "alice", 2)
    async with app.engine.begin() as conn:  # what an old bug left behind
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.code == codes[0])
            .values(status="merged", merged_into_id=cases_t.c.id)
        )
    outcomes = await app.moderation.act_many(ALICE_MOD, "reopen", codes, "repair")
    assert [o.ok for o in outcomes] == [True, False]
    assert outcomes[1].message == "case is open; cannot reopen"
    repaired = await app.cases.get_case(codes[0])
    assert repaired is not None and repaired.status.value == "open"
    assert repaired.merged_into is None


async def test_a_dismissal_without_reason_or_an_unknown_action_changes_nothing(app: App) -> None:
    from core.errors import InvalidLink

    codes = await _seed(app, "alice", 2)
    for action, reason in (("dismiss", " "), ("delete", "x")):
        try:
            await app.moderation.act_many(ALICE_MOD, action, codes, reason)
        except InvalidLink:
            pass
        else:
            raise AssertionError(f"{action} was not refused")
    for code in codes:
        assert await app.cases.audit_log(code) == []


async def test_other_processes_hear_of_every_changed_case(postgres_url: str) -> None:
    """A second process's listener gets one notification per changed case, after the commit."""
    import asyncio

    from bots.bootstrap import build_app
    from core.settings import Settings
    from db.notify import CASES_CHANNEL, PgListener

    app = await build_app(Settings(database_url=postgres_url, fetch_media=False))
    heard: list[dict[str, object]] = []
    listener = PgListener(postgres_url, sender="another-process")
    listener.on(CASES_CHANNEL, heard.append)
    try:
        codes = await _seed(app, "alice", 6)
        await listener.start()
        await app.moderation.act(ALICE_MOD, "dismiss", codes[0], "dup")
        await app.moderation.act_many(ALICE_MOD, "confirm", codes)
        for _ in range(100):
            if len(heard) >= 6:
                break
            await asyncio.sleep(0.05)
        bulk = heard[1:]
        assert sorted(str(p["code"]) for p in bulk) == sorted(codes[1:])
        assert all(p["creator"] == "alice" and p["created"] is False for p in bulk)
    finally:
        await listener.close()
        await app.close()
