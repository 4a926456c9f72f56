"""What moderators are shown about a case is true: merges, reopen, notes, /show and /queue all."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from bots.bootstrap import App
from core.errors import InvalidTransition
from core.events import CaseChanged
from core.model import Actor, CaseStatus, CaseView, IncomingReport, ReporterRef
from db.cases import MAX_NOTES, PSEUDONYM_LENGTH
from db.retention import SqlRetention
from db.tables import cases_t
from handlers import CaseUpdated, IncomingMessage, Problem, QueueListing, render_text
from tests.conftest import sealed

MOD = Actor(ReporterRef("test", "mod"), is_moderator=True)


def fan(n: int | str) -> ReporterRef:
    return ReporterRef("test", str(n))


async def new_case(app: App, link: str, n: int | str = 1, **report: object) -> str:
    """``fan(n)`` reports ``link``; the case code."""
    result = await app.intake.submit(IncomingReport(fan(n), [link], **report))  # type: ignore[arg-type]
    return result.outcomes[0].case_code


async def say(app: App, text: str, actor: Actor = MOD):  # type: ignore[no-untyped-def]
    """A moderator's chat command, through the neutral handlers."""
    return await app.handlers.dispatch(IncomingMessage(actor, text))


async def set_code(app: App, code: str, new_code: str) -> None:
    async with app.engine.begin() as conn:
        await conn.execute(update(cases_t).where(cases_t.c.code == code).values(code=new_code))


async def status_of(app: App, code: str) -> CaseStatus:
    view = await app.cases.get_case(code)
    assert view is not None
    return view.status


async def test_a_case_cannot_be_merged_into_itself_in_any_spelling(app: App) -> None:
    code = await new_case(app, "https://example.com/self")
    await set_code(app, code, "LD-V01Q1K")  # a code with the digits people mistype as I, L, O
    for typed in ("LD-V01Q1K", "ld-v01q1k", "LDV01Q1K", "ld-vOIqLk", " ld v0lq1k "):
        reply = await say(app, f"/merge LD-V01Q1K {typed!r}")
        assert isinstance(reply, Problem) and "itself" in reply.text, typed
    with pytest.raises(InvalidTransition, match="itself"):  # the store refuses it too
        await app.cases.merge("LD-V01Q1K", "ld-vOIqLk", actor="test:mod")

    assert await status_of(app, "LD-V01Q1K") is CaseStatus.OPEN
    assert await app.cases.audit_log("LD-V01Q1K") == []


async def test_merging_into_a_dismissed_case_is_refused_and_the_case_stays_queued(
    app: App,
) -> None:
    alive = await new_case(app, "https://example.com/alive")
    dead = await new_case(app, "https://example.com/dead", 2)
    await app.moderation.act(MOD, "dismiss", dead, "not the creator")

    reply = await say(app, f"/merge {alive} {dead}")

    assert isinstance(reply, Problem) and reply.kind == "conflict"
    assert f"{dead} is dismissed" in reply.text and "/reopen" in reply.text
    assert await status_of(app, alive) is CaseStatus.OPEN
    queue = await say(app, "/queue")
    assert isinstance(queue, QueueListing) and [c.code for c in queue.cases] == [alive]


async def test_merging_into_a_merged_case_lands_in_the_case_it_went_to(app: App) -> None:
    first = await new_case(app, "https://example.com/a", 1)
    middle = await new_case(app, "https://example.com/b", 2)
    final = await new_case(app, "https://example.com/c", 3)
    await app.moderation.merge(MOD, middle, final)

    reply = await say(app, f"/merge {first} {middle}")

    assert isinstance(reply, CaseUpdated) and reply.case.code == final
    assert reply.case.reporters == 3 and len(reply.case.links) == 3
    assert render_text(reply).startswith(f"merged {first} into: {final}")
    shown = await app.cases.get_case(first)
    assert shown is not None and shown.merged_into == final
    assert ("test:mod", "merge", f"merged into {final}") in await app.cases.audit_log(first)
    back = await say(app, f"/merge {final} {first}")  # would close the loop
    assert isinstance(back, Problem) and f"{first} is already merged into {final}" in back.text
    assert await status_of(app, final) is CaseStatus.OPEN


async def test_cases_of_two_creators_are_never_merged(app: App) -> None:
    alice = await new_case(app, "https://example.com/x", creator="alice")
    bob = await new_case(app, "https://example.com/x", creator="bob")

    with pytest.raises(InvalidTransition, match="different creators"):
        await app.cases.merge(alice, bob, actor="cli:operator")  # the CLI acts for any creator

    assert await status_of(app, alice) is CaseStatus.OPEN


async def test_a_case_merged_into_itself_by_the_old_bug_is_repaired_by_reopen(app: App) -> None:
    code = await new_case(app, "https://example.com/looped")
    async with app.engine.begin() as conn:  # what the old /merge LD-X ld-x left behind
        case_id = (
            await conn.execute(select(cases_t.c.id).where(cases_t.c.code == code))
        ).scalar_one()
        await conn.execute(
            update(cases_t)
            .where(cases_t.c.id == case_id)
            .values(status="merged", merged_into_id=case_id)
        )
    other = await new_case(app, "https://example.com/other", 2)
    refused = await say(app, f"/merge {other} {code}")
    assert isinstance(refused, Problem) and "/reopen" in refused.text

    reply = await say(app, f"/reopen {code.lower()}")

    assert isinstance(reply, CaseUpdated) and reply.case.status is CaseStatus.OPEN
    assert reply.case.merged_into is None
    queue = await say(app, "/queue")
    assert isinstance(queue, QueueListing) and code in [c.code for c in queue.cases]
    assert [a for _, a, _ in await app.cases.audit_log(code)] == ["reopen"]
    # an ordinary merged case still cannot be reopened
    await app.moderation.merge(MOD, other, code)
    again = await say(app, f"/reopen {other}")
    assert isinstance(again, Problem) and "merged" in again.text


async def test_show_of_a_merged_case_says_where_it_went(app: App) -> None:
    source = await new_case(app, "https://example.com/src", 1)
    target = await new_case(app, "https://example.com/dst", 2)
    await app.moderation.merge(MOD, source, target)

    text = render_text(await say(app, f"/show {source}"))

    assert f"merged into {target}" in text
    assert "picture only" not in text
    assert "[merged]" in text


async def test_a_purged_link_case_does_not_claim_to_be_picture_only(app: App) -> None:
    code = await new_case(app, "https://example.com/gone")
    await app.moderation.act(MOD, "dismiss", code, "spam")
    await SqlRetention(app.engine).purge_older_than(0)

    text = render_text(await say(app, f"/show {code}"))

    assert "(links purged)" in text and "picture only" not in text


async def test_notes_are_shown_per_report_and_anonymous_ones_name_nobody(app: App) -> None:
    link = "https://example.com/noted"
    code = await new_case(app, link, "named", note="found it in a\nTelegram group")
    await new_case(app, link, "hidden", note="a \u202eforum\u202c repost", anonymous=True)
    await new_case(app, link, "quiet")
    await new_case(app, link, "long", note="x" * 2000)

    view = await app.cases.get_case(code)

    # moderators see a pseudonym: the stored id is sealed, never the account
    named = "test:" + sealed(app, ReporterRef("test", "named")).user_id[:PSEUDONYM_LENGTH]
    long = "test:" + sealed(app, ReporterRef("test", "long")).user_id[:PSEUDONYM_LENGTH]
    assert view is not None
    assert [(n.reporter, n.text[:12]) for n in view.notes] == [
        (named, "found it in "),
        (None, "a \u202eforum\u202c re"),
        (long, "xxxxxxxxxxxx"),
    ]
    shown = render_text(await say(app, f"/show {code}"))
    assert f'note from {named}: "found it in a Telegram group"' in shown
    # the bidi override and its pop are shown, inert, not applied nor hidden
    assert 'note from an anonymous reporter: "a <U+202E>forum<U+202C> repost"' in shown
    assert "test:hidden" not in shown and "\u202e" not in shown
    assert max(len(line) for line in shown.splitlines()) < 400  # shortened
    queue = render_text(await say(app, "/queue"))
    assert code in queue and 'note: "xxx' in queue and "(+2 more)" in queue
    assert len(queue.splitlines()[1]) < 250


async def test_queue_all_lists_every_state(app: App) -> None:
    kept = await new_case(app, "https://example.com/kept")
    dropped = await new_case(app, "https://example.com/dropped", 2)
    await app.moderation.act(MOD, "dismiss", dropped, "duplicate")

    default = await say(app, "/queue")
    everything = await say(app, "/queue all")
    refused = await say(app, "/queue all", Actor(fan(9)))

    assert isinstance(default, QueueListing) and [c.code for c in default.cases] == [kept]
    assert isinstance(everything, QueueListing) and everything.status_filter == "all"
    assert {c.code for c in everything.cases} == {kept, dropped}
    assert isinstance(refused, Problem) and refused.kind == "not_permitted"


async def test_two_moderators_merging_two_cases_into_each_other_at_once(app: App) -> None:
    first = await new_case(app, "https://example.com/one", 1)
    second = await new_case(app, "https://example.com/two", 2)

    results = await asyncio.gather(
        app.moderation.merge(MOD, first, second),
        app.moderation.merge(MOD, second, first),
        return_exceptions=True,
    )

    merged = [r for r in results if isinstance(r, CaseView)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(merged) == 1 and len(refused) == 1, results
    assert "already merged" in str(refused[0])
    survivor = merged[0]
    assert survivor.status is CaseStatus.OPEN and survivor.reporters == 2


async def test_a_case_shows_each_note_once_and_only_the_newest_ones(app: App) -> None:
    link = "https://example.com/busy"
    code = await new_case(app, link, "first", note="same words")
    await new_case(app, link + "?utm_source=x", "first", note="same words")  # said again
    for n in range(MAX_NOTES + 5):
        await new_case(app, link, n, note=f"note {n}")

    view = await app.cases.get_case(code)

    assert view is not None
    expected = [f"note {n}" for n in range(5, MAX_NOTES + 5)]
    assert [note.text for note in view.notes] == expected
    listed = await app.cases.list_cases("default", [CaseStatus.OPEN])
    assert [note.text for note in listed[0].notes] == expected
    first_only = await new_case(app, "https://example.com/calm", "first", note="same words")
    await new_case(app, "https://example.com/calm#again", "first", note="same words")
    calm = await app.cases.get_case(first_only)
    assert calm is not None and [n.text for n in calm.notes] == ["same words"]


async def test_a_merge_announces_both_cases_so_both_cards_are_updated(app: App) -> None:
    source = await new_case(app, "https://example.com/s", 1)
    target = await new_case(app, "https://example.com/t", 2)
    await app.events.drain()
    seen: list[str] = []

    async def remember(event: CaseChanged) -> None:
        seen.append(event.code)

    app.events.subscribe(remember)
    await app.moderation.merge(MOD, source, target)
    await app.events.drain()

    assert sorted(seen) == sorted([source, target])
