"""Rate limits count reports and the links in them; bulk reports are never refused forever.

Issue 9 #8: a fan pasting 25 links used to be told "try again in 60 s" forever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bots.bootstrap import App, build_app
from core.errors import RateLimited
from core.model import IncomingReport, Origin, ReporterRef
from core.ratelimit import ReporterRateLimit
from tests.conftest import make_settings


def links(n: int, start: int = 0) -> list[str]:
    return [f"https://example.com/leak/{i}" for i in range(start, start + n)]


@pytest.fixture
async def limited(sqlite_url: str) -> AsyncIterator[App]:
    """An app with small fan limits: 2 reports a minute, 20 links an hour."""
    app = await build_app(make_settings(sqlite_url, report_rate="2/minute", link_rate="20/hour"))
    yield app
    await app.close()


async def test_a_fan_pasting_a_long_list_is_one_report(sqlite_url: str) -> None:
    app = await build_app(make_settings(sqlite_url, report_rate="10/minute", link_rate="200/hour"))
    try:
        result = await app.intake.submit(IncomingReport(ReporterRef("test", "fan"), links(25)))
        assert len(result.outcomes) == 25 and not result.rejected
    finally:
        await app.close()


async def test_a_report_over_the_link_window_is_accepted_in_part_with_a_clear_reason(
    limited: App,
) -> None:
    fan = ReporterRef("test", "paster")
    result = await limited.intake.submit(IncomingReport(fan, links(25)))
    assert [o.url for o in result.outcomes] == links(20)
    assert [r.item for r in result.rejected] == links(5, start=20)
    # 25 links never fit in a 20-link window: sending this message again cannot help
    assert "at most 20 links or pictures are taken from one message" in result.rejected[0].reason
    assert "send the last 5 in a new message in" in result.rejected[0].reason
    with pytest.raises(RateLimited) as refused:
        await limited.intake.submit(IncomingReport(fan, links(1, start=30)))
    assert "too many links" in str(refused.value) and "20 an hour" in str(refused.value)
    assert 0 < refused.value.retry_after <= 3600


async def test_reports_are_counted_per_minute_whatever_they_hold(limited: App) -> None:
    fan = ReporterRef("test", "flooder")
    await limited.intake.submit(IncomingReport(fan, links(1)))
    await limited.intake.submit(IncomingReport(fan, links(1, start=1)))
    with pytest.raises(RateLimited) as refused:
        await limited.intake.submit(IncomingReport(fan, links(1, start=2)))
    assert "too many reports, slow down: at most 2 a minute" in str(refused.value)
    assert 0 < refused.value.retry_after <= 60


async def test_moderators_and_the_operator_are_not_limited_like_fans(limited: App) -> None:
    moderator = ReporterRef("test", "mod")
    for batch in range(3):  # more reports and links than any fan window allows
        result = await limited.intake.submit(
            IncomingReport(moderator, links(25, start=25 * batch)), trusted=True
        )
        assert len(result.outcomes) == 25 and not result.rejected
    operator = ReporterRef("cli", "ops")
    for origin in (Origin.CLI, Origin.IMPORT, Origin.IMPORT):
        result = await limited.intake.submit(
            IncomingReport(operator, links(25, start=100), origin=origin)
        )
        assert len(result.outcomes) == 25


async def test_a_link_window_smaller_than_a_report_still_takes_what_fits() -> None:
    limit = ReporterRateLimit("", link_rates="3/minute;5/hour")
    first = await limit.admit("fan", 4)
    assert first.items == 3 and "at most 3 links or pictures are taken from one message" in (
        first.reason
    )
    with pytest.raises(RateLimited):
        await limit.admit("fan", 1)
    assert (await limit.admit("someone-else", 2)).items == 2


async def test_a_refused_fan_is_accepted_again_once_the_window_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The clock is stepped by hand: 20 links an hour, refused at once, accepted an hour on."""
    import core.ratelimit

    now = [1_000_000.0]
    monkeypatch.setattr(core.ratelimit.time, "time", lambda: now[0])
    limit = ReporterRateLimit("10/minute", link_rates="20/hour")
    assert (await limit.admit("fan", 25)).items == 20
    with pytest.raises(RateLimited) as refused:
        await limit.admit("fan", 1)
    assert refused.value.retry_after == pytest.approx(3600)
    now[0] += 3600.5
    assert (await limit.admit("fan", 25)).items == 20


async def test_a_message_within_the_cap_held_back_by_an_earlier_one_is_told_to_send_the_rest() -> (
    None
):
    limit = ReporterRateLimit("", link_rates="10/minute")
    assert (await limit.admit("fan", 6)).items == 6
    second = await limit.admit("fan", 6)
    assert second.items == 4
    assert "over the limit of 10 a minute per person" in second.reason
    assert "send the last 2 in a new message" in second.reason and "again in" not in second.reason


async def test_a_full_window_and_an_oversized_message_names_the_maximum_per_message() -> None:
    limit = ReporterRateLimit("", link_rates="10/minute")
    await limit.admit("fan", 10)
    with pytest.raises(RateLimited) as refused:
        await limit.admit("fan", 50)
    assert "one message can carry at most 10 links or pictures" in str(refused.value)
    with pytest.raises(RateLimited) as small:
        await limit.admit("fan", 3)
    assert "one message can carry" not in str(small.value)
