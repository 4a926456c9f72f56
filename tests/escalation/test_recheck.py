"""Recheck of escalated links against loopback hosts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.bootstrap import App, build_app
from core.errors import RefusedAddress
from core.escalation.recheck_schedule import RecheckSchedule
from core.escalation.removal_markers import RemovalMarkers
from core.events import CaseChanged
from core.media.addresses import parse_networks
from core.media.fetcher import GuardedFetcher
from core.media.probe import LinkProbe
from core.model import CaseStatus
from db.tables import actions_t
from tests.conftest import make_settings
from tests.escalation.recheck_setup import HOST_CHANNEL, escalate_links, platforms_file
from tests.link_hosts import LinkHostServer

HOSTS = ["a.tube.test", "b.tube.test", "c.tube.test"]


def fake_dns(table: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> Sequence[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def server() -> AsyncIterator[LinkHostServer]:
    async with LinkHostServer(slow_delay=0.3) as running:
        yield running


@pytest.fixture
async def tube_app(database_url: str, tmp_path: Path) -> AsyncIterator[App]:
    """An app whose DNS maps the tube hosts to loopback, with loopback allowed for fetching."""
    settings = make_settings(
        database_url,
        platforms_file=str(platforms_file(tmp_path)),
        fetch_allow_networks="127.0.0.0/8",
        fetch_timeout=1.0,
        recheck_attempts=2,
        recheck_retry_base=0.01,
    )
    application = await build_app(
        settings,
        rate_limited=False,
        resolver=fake_dns({host: ["127.0.0.1"] for host in HOSTS}),
    )
    yield application
    await application.close()


async def host_requests(app: App) -> dict[str, tuple[str, str | None]]:
    """Each host request's first URL -> (status, note)."""
    return {
        e.urls[0]: (e.status, e.note)
        for e in await app.tracker.list()
        if e.recipient == HOST_CHANNEL
    }


async def test_each_kind_of_answer_gets_its_verdict(
    tube_app: App, server: LinkHostServer, tmp_path: Path
) -> None:
    a = "a.tube.test"
    removed = [
        server.url(a, "/gone404/1"),
        server.url(a, "/gone410/2"),
        server.url(a, "/removed-page/3"),  # 200, but the page says so (the generic phrases)
        server.url(a, "/redirect-removed/4"),  # to the platform's removal placeholder
        server.url("dead.tube.test", "/v/5"),  # no DNS answer
        f"http://b.tube.test:{closed_port()}/v/6",  # connection refused
    ]
    alive = [
        server.url(a, "/alive/7"),
        server.url(a, "/slow/8"),
        server.url(a, "/no-head/9"),  # HEAD refused: GET tells
        server.url(a, "/flaky/10"),  # 503 once, then fine: retried
    ]
    codes = await escalate_links(tube_app, [*removed, *alive], tmp_path / "out")
    summary = await tube_app.recheck.run()
    assert summary.as_json() == {"checked": 10, "removed": 6, "alive": 4, "errors": 0}
    assert (summary.marked_removed, summary.reopened) == (6, 0)
    states = await host_requests(tube_app)
    for url in removed:
        status, note = states[url]
        assert status == "removed" and note is not None and note.startswith("recheck: "), url
        case = await tube_app.cases.get_case(codes[url])
        assert case is not None and case.status is CaseStatus.REMOVED
    for url in alive:
        assert states[url][0] == "sent", url
        case = await tube_app.cases.get_case(codes[url])
        assert case is not None and case.status is CaseStatus.ESCALATED
    assert "HTTP 404" in (states[removed[0]][1] or "")
    assert "has been removed" in (states[removed[2]][1] or "")
    assert "removal page" in (states[removed[3]][1] or "")
    assert "host is gone" in (states[removed[4]][1] or "")
    # search delisting requests are not rechecked: they stay as they were
    google = [e for e in await tube_app.tracker.list() if e.recipient.startswith("google")]
    assert google and {e.status for e in google} == {"drafted"}
    # marked through the tracker: audit-logged, and counted by the removal statistics
    async with tube_app.engine.connect() as conn:
        actors = set((await conn.execute(select(actions_t.c.moderator, actions_t.c.action))).all())
    assert ("leakdesk:recheck", "escalation_removed") in actors
    [stats] = [s for s in await tube_app.tracker.stats() if s.recipient == HOST_CHANNEL]
    assert (stats.sent, stats.removed) == (10, 6) and stats.median_hours is not None
    # one GET per link (its first KB), none for a dead host; the redirect followed by hand
    asked = [(m, p) for m, h, p in server.requests if h == a]
    assert ("GET", "/alive/7") in asked and all(m == "GET" for m, _ in asked)
    assert asked.count(("GET", "/gone404/1")) == 1
    assert ("GET", "/placeholder-removed") in asked
    # a second run finds the same and moves nothing twice
    again = await tube_app.recheck.run()
    assert again.as_json() == summary.as_json() and again.marked_removed == 0


async def test_timeouts_and_server_errors_are_errors_and_change_nothing(
    tube_app: App, server: LinkHostServer, tmp_path: Path
) -> None:
    server.slow_delay = 5.0  # over fetch_timeout: a timeout on every attempt
    server.flaky_failures = 99  # 503 on every attempt
    urls = [server.url("a.tube.test", "/slow/1"), server.url("a.tube.test", "/flaky/2")]
    await escalate_links(tube_app, urls, tmp_path / "out")
    summary = await tube_app.recheck.run()
    assert summary.as_json() == {"checked": 2, "removed": 0, "alive": 0, "errors": 2}
    assert {s for s, _ in (await host_requests(tube_app)).values()} == {"sent"}
    flaky = [r for r in server.requests if r[2] == "/flaky/2"]
    assert len(flaky) == 2  # recheck_attempts


async def test_when_no_host_answers_at_all_dead_hosts_are_errors(
    tube_app: App, server: LinkHostServer, tmp_path: Path
) -> None:
    urls = [server.url("dead.tube.test", "/v/1"), f"http://b.tube.test:{closed_port()}/v/2"]
    await escalate_links(tube_app, urls, tmp_path / "out")
    summary = await tube_app.recheck.run()  # this machine looks offline: nothing is marked
    assert summary.as_json() == {"checked": 2, "removed": 0, "alive": 0, "errors": 2}
    assert {s for s, _ in (await host_requests(tube_app)).values()} == {"sent"}


async def test_at_most_four_requests_per_host_at_once(
    tube_app: App, server: LinkHostServer, tmp_path: Path
) -> None:
    server.latency = 0.05
    urls = [server.url(host, f"/alive/{host[0]}{n}") for host in HOSTS for n in range(24)]
    urls += [server.url("a.tube.test", f"/redirect-removed/{n}") for n in range(8)]
    await escalate_links(tube_app, urls, tmp_path / "out")
    summary = await tube_app.recheck.run()
    assert summary.as_json() == {"checked": 80, "removed": 8, "alive": 72, "errors": 0}
    assert dict(server.peak) == {host: 4 for host in HOSTS}  # the cap, and reached
    assert server.total_peak > 4  # hosts are checked side by side


async def test_a_link_that_comes_back_reopens_its_case_and_tells_the_moderators(
    tube_app: App, server: LinkHostServer, tmp_path: Path
) -> None:
    url = server.url("a.tube.test", "/toggle/1")
    other = server.url("a.tube.test", "/gone404/2")
    codes = await escalate_links(tube_app, [url, other], tmp_path / "out")
    server.gone.add("/toggle/1")
    first = await tube_app.recheck.run()
    assert first.as_json() == {"checked": 2, "removed": 2, "alive": 0, "errors": 0}
    case = await tube_app.cases.get_case(codes[url])
    assert case is not None and case.status is CaseStatus.REMOVED

    events: list[CaseChanged] = []

    async def collect(event: CaseChanged) -> None:
        events.append(event)

    tube_app.events.subscribe(collect)
    server.gone.clear()  # the host put it back up
    second = await tube_app.recheck.run()
    await tube_app.events.drain()
    assert second.as_json() == {"checked": 2, "removed": 1, "alive": 1, "errors": 0}
    assert second.reopened == 1
    states = await host_requests(tube_app)
    assert states[url][0] == "sent" and "answers again" in (states[url][1] or "")
    assert states[other][0] == "removed"
    case = await tube_app.cases.get_case(codes[url])
    assert case is not None and case.status is CaseStatus.ESCALATED
    assert [(e.code, e.creator) for e in events] == [(codes[url], "default")]
    assert events[0].case_id == case.id
    third = await tube_app.recheck.run()
    assert third.reopened == 0 and third.marked_removed == 0


async def test_only_the_creators_requests_are_rechecked_when_asked(
    tube_app: App, server: LinkHostServer, tmp_path: Path
) -> None:
    await escalate_links(tube_app, [server.url("a.tube.test", "/gone404/1")], tmp_path / "out")
    nobody = await tube_app.recheck.run("someone-else")
    assert nobody.as_json() == {"checked": 0, "removed": 0, "alive": 0, "errors": 0}
    assert server.requests == []
    mine = await tube_app.recheck.run("default")
    assert mine.as_json()["removed"] == 1


async def test_the_schedule_runs_recheck_in_the_background(
    tube_app: App, server: LinkHostServer, tmp_path: Path
) -> None:
    await escalate_links(tube_app, [server.url("a.tube.test", "/gone410/1")], tmp_path / "out")
    disabled = RecheckSchedule(tube_app.recheck, 0)  # recheck_interval_hours = 0
    disabled.start()
    assert not disabled.running
    schedule = RecheckSchedule(tube_app.recheck, 1.0, first_delay=0.0)
    schedule.start()
    try:
        async with asyncio.timeout(20):
            while schedule.runs == 0:
                await asyncio.sleep(0.05)
    finally:
        await schedule.stop()
    assert {s for s, _ in (await host_requests(tube_app)).values()} == {"removed"}


async def test_bot_processes_start_the_schedule_and_the_console_does_not(
    tube_app: App,
) -> None:
    assert tube_app.settings.recheck_interval_hours == 6
    tube_app.start_background(recheck=False)  # leakdesk chat
    assert not tube_app.recheck_schedule.running
    tube_app.start_background()  # leakdesk run (every adapter's start-up)
    tube_app.start_background()  # idempotent
    assert tube_app.recheck_schedule.running
    await tube_app.close()
    assert not tube_app.recheck_schedule.running


async def test_the_probe_keeps_the_address_guard(server: LinkHostServer) -> None:
    probe = LinkProbe(GuardedFetcher(resolver=fake_dns({"a.tube.test": ["127.0.0.1"]})))
    with pytest.raises(RefusedAddress):
        await probe.probe(server.url("a.tube.test", "/alive/1"))
    with pytest.raises(RefusedAddress):
        await probe.probe(server.url("127.0.0.1", "/alive/1"))
    assert server.requests == []  # refused before any connection
    allowed = LinkProbe(
        GuardedFetcher(
            allow_networks=parse_networks("127.0.0.0/8"),
            resolver=fake_dns({"a.tube.test": ["127.0.0.1"]}),
        )
    )
    result = await allowed.probe(server.url("a.tube.test", "/redirect-removed/1"))
    assert result.status == 200
    assert result.final_url == server.url("a.tube.test", "/placeholder-removed")
    assert "<title>a video</title>" in result.text


async def test_head_first_falls_back_to_get_of_the_first_kb(server: LinkHostServer) -> None:
    probe = LinkProbe(
        GuardedFetcher(
            allow_networks=parse_networks("127.0.0.0/8"),
            resolver=fake_dns({"a.tube.test": ["127.0.0.1"]}),
        ),
        head_first=True,
    )
    async with probe.session():
        gone = await probe.probe(server.url("a.tube.test", "/gone404/1"))
        alive = await probe.probe(server.url("a.tube.test", "/alive/2"))
        no_head = await probe.probe(server.url("a.tube.test", "/no-head/3"))
        removed = await probe.probe(server.url("a.tube.test", "/redirect-removed/4"))
    assert (gone.status, gone.text) == (404, "")
    assert alive.status == 200 and "a video" in alive.text
    assert no_head.status == 200 and "a video" in no_head.text
    assert removed.final_url.endswith("/placeholder-removed") and "a video" in removed.text
    assert [(m, p) for m, _, p in server.requests] == [
        ("HEAD", "/gone404/1"),  # a HEAD settles a 404
        ("HEAD", "/alive/2"),
        ("GET", "/alive/2"),  # 2xx: the first KB is needed for removal markers
        ("HEAD", "/no-head/3"),
        ("GET", "/no-head/3"),  # 405 to HEAD
        ("HEAD", "/redirect-removed/4"),
        ("HEAD", "/placeholder-removed"),
        ("GET", "/placeholder-removed"),
    ]


def test_removal_markers_generic_and_per_platform(tmp_path: Path) -> None:
    markers = RemovalMarkers.load()
    assert "imgur" in markers.platforms()
    assert markers.match(None, "https://unknown.example/v/1", "<p>Account  SUSPENDED</p>")
    assert markers.match("imgur", "https://i.imgur.com/removed.png", "") is not None
    assert markers.match(None, "https://i.imgur.com/removed.png", "") is None  # imgur's own
    assert markers.match("x", "https://x.com/i/status/1", "<html>a post</html>") is None
    operator = tmp_path / "platforms.toml"
    operator.write_text('[[removal]]\nplatform = "*"\nphrases = ["Gone Fishing"]\n', "utf-8")
    replaced = RemovalMarkers.load(operator)
    assert replaced.match(None, "https://a.example/", "we went gone  fishing") is not None
    assert replaced.match(None, "https://a.example/", "has been removed") is None
