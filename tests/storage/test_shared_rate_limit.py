"""Rate limits shared by several bot processes through a real Redis server.

Redis runs at 127.0.0.1:6379 on these machines (``LEAKDESK_TEST_REDIS_URL``); without
it these tests are skipped with the reason, unless ``LEAKDESK_REQUIRE_REDIS`` is set
(``.ci/run`` sets it and starts the server when it is down).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from urllib.parse import urlsplit

import pytest

from bots.bootstrap import build_app
from core.errors import RateLimited
from core.model import IncomingReport, ReporterRef
from core.ratelimit import ReporterRateLimit
from tests.conftest import make_settings

REDIS_URL = os.environ.get("LEAKDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379")
REQUIRE_REDIS = os.environ.get("LEAKDESK_REQUIRE_REDIS", "") not in ("", "0")


def _redis_problem() -> str | None:
    where = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((where.hostname, where.port or 6379), timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            answer = conn.recv(16)
    except OSError as err:
        return f"{type(err).__name__}: {err}"
    return None if answer.startswith(b"+PONG") else f"unexpected answer {answer!r}"


@pytest.fixture
def redis_url() -> str:
    """The test Redis server's URL (skip, or fail when required, if it is down)."""
    problem = _redis_problem()
    if problem:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis required (LEAKDESK_REQUIRE_REDIS) but unreachable: {problem}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable: {problem}")
    return REDIS_URL


def fan(user_id: str) -> ReporterRef:
    return ReporterRef("test", user_id)


async def test_two_processes_share_one_window(redis_url: str) -> None:
    first = ReporterRateLimit("3/minute", redis_url)  # as if in two bot processes
    second = ReporterRateLimit("3/minute", redis_url)
    flooder, other = f"flooder-{uuid.uuid4().hex}", f"other-{uuid.uuid4().hex}"
    assert first.shared and second.shared
    await first.admit(flooder, 1)
    await second.admit(flooder, 1)
    await first.admit(flooder, 1)
    with pytest.raises(RateLimited) as refused:
        await second.admit(flooder, 1)
    assert "slow down" in str(refused.value) and 0 < refused.value.retry_after <= 60
    await second.admit(other, 1)  # the window is per reporter


async def test_the_app_refuses_a_flood_spread_over_two_processes(
    redis_url: str, sqlite_url: str
) -> None:
    settings = make_settings(sqlite_url, report_rate="2/minute", rate_limit_storage=redis_url)
    one, two = await build_app(settings), await build_app(settings)
    flooder = fan(f"flooder-{uuid.uuid4().hex}")
    try:
        await one.intake.submit(IncomingReport(flooder, ["https://example.com/1"]))
        await two.intake.submit(IncomingReport(flooder, ["https://example.com/2"]))
        with pytest.raises(RateLimited):
            await one.intake.submit(IncomingReport(flooder, ["https://example.com/3"]))
    finally:
        await one.close()
        await two.close()


async def test_an_unreachable_storage_lets_reports_through_and_warns_once(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(
        sqlite_url, report_rate="1/minute", rate_limit_storage=f"redis://127.0.0.1:{port}"
    )
    app = await build_app(settings)
    try:
        with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
            for n in range(3):
                result = await app.intake.submit(
                    IncomingReport(fan("someone"), [f"https://example.com/{n}"])
                )
                assert result.outcomes[0].new_case
    finally:
        await app.close()
    warnings = [r for r in caplog.records if "rate-limit storage unavailable" in r.message]
    assert len(warnings) == 1


async def test_shared_link_windows_accept_what_fits_then_refuse(redis_url: str) -> None:
    first = ReporterRateLimit("10/minute", redis_url, link_rates="20/hour")
    second = ReporterRateLimit("10/minute", redis_url, link_rates="20/hour")
    fan_id = f"paster-{uuid.uuid4().hex}"
    part = await first.admit(fan_id, 25)
    assert part.items == 20 and "at most 20 links or pictures are taken from one message" in (
        part.reason
    )
    with pytest.raises(RateLimited) as refused:
        await second.admit(fan_id, 1)
    assert "too many links" in str(refused.value) and 0 < refused.value.retry_after <= 3600


async def test_forget_drops_the_shared_windows(redis_url: str) -> None:
    first = ReporterRateLimit("1/hour", redis_url, "5/hour")  # as if in two bot processes
    second = ReporterRateLimit("1/hour", redis_url, "5/hour")
    leaving, staying = f"test:leaving-{uuid.uuid4().hex}", f"test:staying-{uuid.uuid4().hex}"
    await first.admit(leaving, 3)
    await first.admit(staying, 1)
    with pytest.raises(RateLimited):
        await second.admit(leaving, 1)
    await first.forget(leaving)
    assert (await second.admit(leaving, 5)).items == 5  # both windows are fresh
    with pytest.raises(RateLimited):
        await second.admit(staying, 1)  # nobody else's


async def test_place_creator_and_global_windows_are_shared_by_processes(redis_url: str) -> None:
    run = uuid.uuid4().hex  # windows of this run only (the Redis server outlives tests)
    rates = {"place": "2/minute", "creator": "3/minute"}
    first = ReporterRateLimit("10/minute", redis_url, scope_rates=rates)
    second = ReporterRateLimit("10/minute", redis_url, scope_rates=rates)
    place, creator = f"discord:{run}", f"alice-{run}"
    await first.admit(f"test:a-{run}", 1, place=place, creator=creator)
    await second.admit(f"test:b-{run}", 1, place=place, creator=creator)
    with pytest.raises(RateLimited) as refused:
        await first.admit(f"test:c-{run}", 1, place=place, creator=creator)
    assert refused.value.scope == "place" and 0 < refused.value.retry_after <= 60
    # the refusal spent nothing: c may report from elsewhere, and the creator has one left
    await second.admit(f"test:c-{run}", 1, place=f"{place}-other", creator=creator)
    with pytest.raises(RateLimited) as creator_full:
        await first.admit(f"test:d-{run}", 1, creator=creator)  # a DM: the creator counts
    assert creator_full.value.scope == "creator"


async def test_two_apps_share_a_creators_window(redis_url: str, sqlite_url: str) -> None:
    run = uuid.uuid4().hex  # a creator of this run only (the Redis server outlives tests)
    settings = make_settings(sqlite_url, creator_rate="1/minute", rate_limit_storage=redis_url)
    one, two = await build_app(settings), await build_app(settings)
    creator = f"wave-{run}"
    try:
        await one.intake.submit(
            IncomingReport(fan(f"x-{run}"), ["https://example.com/a"], creator=creator)
        )
        with pytest.raises(RateLimited) as refused:
            await two.intake.submit(
                IncomingReport(fan(f"y-{run}"), ["https://example.com/b"], creator=creator)
            )
        assert refused.value.scope == "creator"
    finally:
        await one.close()
        await two.close()
