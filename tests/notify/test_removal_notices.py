"""Reporters' "tell me when it's down": stored while open, queued with the removal, sent once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bots.bootstrap import App, build_app
from core.escalation.agent import AgentOfRecord
from core.model import Actor, CaseStatus, IncomingReport, ReporterRef
from core.notify.outbox import ChatNoticeSender, Undeliverable
from db.tables import chat_notices_t, removal_watches_t
from handlers.messages import Reply, ReportReceived
from tests.conftest import make_settings

MODERATOR = Actor(ReporterRef("test", "mod"), is_moderator=True, creator="default")
FAN = ReporterRef("telegram", "4242")
LINK = "https://x.com/leaker/status/42"


async def report(app: App, reporter: ReporterRef = FAN, *, anonymous: bool = False,
                 links: tuple[str, ...] = (LINK,)) -> ReportReceived:  # fmt: skip
    result = await app.intake.submit(IncomingReport(reporter, list(links), anonymous=anonymous))
    return ReportReceived(result.outcomes, result.rejected, anonymous)


async def escalate_and_remove(app: App, code: str, tmp_path: Path) -> None:
    await app.escalations.set_agent(
        AgentOfRecord("default", signer="Ava", email="ava@example.org", jurisdiction="US")
    )
    await app.moderation.act(MODERATOR, "confirm", code)
    await app.escalation.escalate("default", tmp_path / "out")
    hosts = [e.id for e in await app.tracker.list("default") if e.recipient == "x-take-it-down"]
    await app.tracker.mark(hosts, "sent", actor="test:mod")
    await app.tracker.mark(hosts, "removed", actor="test:mod")


class Recorder:
    def __init__(self, fail: Exception | None = None) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    async def __call__(self, user_id: str, text: str) -> None:
        if self.fail is not None:
            raise self.fail
        self.sent.append((user_id, text))


async def rows(app: App, table):  # type: ignore[no-untyped-def]
    async with app.engine.connect() as conn:
        return (await conn.execute(select(table))).mappings().all()


async def test_opted_in_reporter_is_told_once_without_the_link(app: App, tmp_path: Path) -> None:
    received = await report(app)
    offer = app.watch_handlers.offer(received)
    assert offer is not None
    answer = await app.watch_handlers.opt_in(Actor(FAN), offer.report_id)
    code = received.outcomes[0].case_code
    assert isinstance(answer, Reply) and code in answer.text
    [watch] = await rows(app, removal_watches_t)
    assert (watch["state"], watch["user_id"], watch["platform"]) == ("open", "4242", "telegram")
    # asking twice keeps one request
    await app.watch_handlers.opt_in(Actor(FAN), offer.report_id)
    assert len(await rows(app, removal_watches_t)) == 1

    await escalate_and_remove(app, code, tmp_path)
    case = await app.cases.get_case(code)
    assert case is not None and case.status is CaseStatus.REMOVED
    [watch] = await rows(app, removal_watches_t)
    assert watch["state"] == "closed" and watch["user_id"] is None  # id dropped with the close

    other_platform = Recorder()
    assert (await ChatNoticeSender(app.chat_notices, "discord", other_platform).drain()).sent == 0
    recorder = Recorder()
    sender = ChatNoticeSender(app.chat_notices, "telegram", recorder)
    assert (await sender.drain()).sent == 1
    assert (await sender.drain()).sent == 0  # sent once
    [(user, text)] = recorder.sent
    assert user == "4242" and code in text
    assert "x.com" not in text and "http" not in text
    [notice] = await rows(app, chat_notices_t)
    assert notice["state"] == "sent" and notice["user_id"] is None
    assert other_platform.sent == []


async def test_anonymous_and_foreign_reports_keep_no_id(app: App) -> None:
    anonymous = await report(app, anonymous=True)
    assert app.watch_handlers.offer(anonymous) is None
    answer = await app.watch_handlers.opt_in(Actor(FAN), anonymous.outcomes[0].report_id)
    assert isinstance(answer, Reply) and "can't follow" in answer.text
    mine = await report(app, ReporterRef("telegram", "1"), links=("https://x.com/a/status/7",))
    stranger = await app.watch_handlers.opt_in(
        Actor(ReporterRef("telegram", "2")), mine.outcomes[0].report_id
    )
    assert isinstance(stranger, Reply) and "can't follow" in stranger.text
    assert await rows(app, removal_watches_t) == []


async def test_one_yes_covers_every_case_of_the_report(app: App) -> None:
    received = await report(app, links=(LINK, "https://x.com/other/status/9"))
    codes = sorted({o.case_code for o in received.outcomes})
    assert len(codes) == 2
    offer = app.watch_handlers.offer(received)
    assert offer is not None
    await app.watch_handlers.opt_in(Actor(FAN), offer.report_id)
    assert await app.watches.open_watches(FAN) == codes


async def test_delivery_errors_retry_then_fail_dropping_the_id(app: App, tmp_path: Path) -> None:
    received = await report(app)
    await app.watch_handlers.opt_in(Actor(FAN), received.outcomes[0].report_id)
    await escalate_and_remove(app, received.outcomes[0].case_code, tmp_path)
    flaky = ChatNoticeSender(app.chat_notices, "telegram", Recorder(ConnectionError("down")),
                             retry_base=0.0)  # fmt: skip
    assert (await flaky.drain()).retrying == 1
    blocked = ChatNoticeSender(app.chat_notices, "telegram", Recorder(Undeliverable("blocked")))
    assert (await blocked.drain()).failed == 1
    [notice] = await rows(app, chat_notices_t)
    assert notice["state"] == "failed" and notice["user_id"] is None and notice["attempts"] == 2


async def test_queued_notice_survives_a_restart(database_url: str, tmp_path: Path) -> None:
    first = await build_app(make_settings(database_url))
    received = await report(first)
    await first.watch_handlers.opt_in(Actor(FAN), received.outcomes[0].report_id)
    await escalate_and_remove(first, received.outcomes[0].case_code, tmp_path)
    await first.close()  # the process stops before any adapter drained the notice
    second = await build_app(make_settings(database_url))
    try:
        recorder = Recorder()
        assert (await ChatNoticeSender(second.chat_notices, "telegram", recorder).drain()).sent == 1
        assert [u for u, _ in recorder.sent] == ["4242"]
    finally:
        await second.close()


async def test_forgetting_the_reporter_deletes_their_requests(app: App) -> None:
    received = await report(app)
    await app.watch_handlers.opt_in(Actor(FAN), received.outcomes[0].report_id)
    assert await app.handlers.erasure.forget_reporter(FAN) >= 1  # type: ignore[union-attr]
    assert await rows(app, removal_watches_t) == []  # deleted, with the clear id


async def test_a_request_follows_its_case_into_a_merge(app: App, tmp_path: Path) -> None:
    mine = await report(app, links=("https://x.com/a/status/1",))
    await app.watch_handlers.opt_in(Actor(FAN), mine.outcomes[0].report_id)
    other = await report(app, ReporterRef("telegram", "7"), links=(LINK,))
    source, target = mine.outcomes[0].case_code, other.outcomes[0].case_code
    await app.moderation.merge(MODERATOR, source, target)
    await escalate_and_remove(app, target, tmp_path)
    recorder = Recorder()
    assert (await ChatNoticeSender(app.chat_notices, "telegram", recorder).drain()).sent == 1
    [(user, text)] = recorder.sent
    assert user == "4242" and target in text


async def test_a_link_reported_again_is_not_offered_again(app: App) -> None:
    first = await report(app)
    assert app.watch_handlers.offer(first) is not None
    again = await report(app, links=("https://twitter.com/leaker/status/42",))
    assert again.outcomes[0].already_reported
    assert app.watch_handlers.offer(again) is None  # nothing new was recorded
    mixed = await report(app, links=(LINK, "https://x.com/other/status/43"))
    offer = app.watch_handlers.offer(mixed)
    assert offer is not None and offer.report_id == mixed.outcomes[1].report_id


async def test_each_reporter_is_told_in_the_language_they_asked_in(
    app: App, tmp_path: Path
) -> None:
    spanish, japanese, unset = FAN, ReporterRef("telegram", "77"), ReporterRef("telegram", "88")
    offers = {}
    for reporter in (spanish, japanese, unset):
        received = await report(app, reporter)
        offer = app.watch_handlers.offer(received)
        assert offer is not None
        offers[reporter] = (offer.report_id, received.outcomes[0].case_code)
    await app.watch_handlers.opt_in(Actor(spanish), offers[spanish][0], "es-ES")
    await app.watch_handlers.opt_in(Actor(japanese), offers[japanese][0], "ja")
    await app.watch_handlers.opt_in(Actor(unset), offers[unset][0])
    languages = {w["user_id"]: w["language"] for w in await rows(app, removal_watches_t)}
    assert languages == {"4242": "es", "77": "ja", "88": None}
    code = offers[spanish][1]
    assert {c for _, c in offers.values()} == {code}  # one case, three reporters

    await escalate_and_remove(app, code, tmp_path)
    recorder = Recorder()
    assert (await ChatNoticeSender(app.chat_notices, "telegram", recorder).drain()).sent == 3
    told = dict(recorder.sent)
    assert told["4242"] == (
        f"Buenas noticias: el caso {code} que denunciaste ya no está — la plataforma lo "
        "retiró. Gracias por denunciarlo."
    )
    assert told["77"].startswith(f"朗報です：あなたが報告したケース {code} は")
    assert told["88"].startswith(f"Good news: case {code}, which you reported, is down")
    assert all("x.com" not in text for text in told.values())
    assert [w["language"] for w in await rows(app, removal_watches_t)] == ["es", "ja", None]
