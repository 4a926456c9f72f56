"""Rate limits per place (server or group), per creator and overall, besides per reporter.

Issue 11, abuse controls: a flood from many accounts is refused with the scope that
refused it and the true wait; a refused report spends nothing; moderators and the
operator's CLI are not limited; the defaults never hurt a normal leak wave.
"""

from __future__ import annotations

import logging
import time

import pytest

from bots.bootstrap import build_app
from core.errors import RateLimited
from core.model import IncomingReport, Origin, ReporterRef
from core.ratelimit import ReporterRateLimit
from core.settings import Settings
from tests.conftest import make_settings


def fan(n: object) -> str:
    return f"test:fan{n}"


async def test_many_accounts_in_one_place_are_refused_with_the_place_scope() -> None:
    limits = ReporterRateLimit("10/minute", scope_rates={"place": "3/minute"})
    for n in range(3):
        await limits.admit(fan(n), 1, place="discord:1", creator="alice")
    with pytest.raises(RateLimited) as refused:
        await limits.admit(fan(9), 1, place="discord:1", creator="alice")
    assert refused.value.scope == "place"
    assert 55 < refused.value.retry_after <= 60
    assert "this server or group" in str(refused.value)
    assert "try again in 60 s" in str(refused.value)
    # another server, and a DM, are not that server
    await limits.admit(fan(9), 1, place="discord:2", creator="alice")
    await limits.admit(fan(10), 1, place=None, creator="alice")


async def test_a_refused_report_spends_nothing_in_the_other_windows() -> None:
    limits = ReporterRateLimit("1/minute", scope_rates={"place": "1/minute", "creator": "2/minute"})
    await limits.admit(fan(1), 1, place="telegram:-100", creator="alice")
    with pytest.raises(RateLimited) as refused:
        await limits.admit(fan(2), 1, place="telegram:-100", creator="alice")
    assert refused.value.scope == "place"
    # fan 2's own window and the creator's window were not spent by the refusal
    await limits.admit(fan(2), 1, place="telegram:-200", creator="alice")
    with pytest.raises(RateLimited) as creator_full:
        await limits.admit(fan(3), 1, place="telegram:-300", creator="alice")
    assert creator_full.value.scope == "creator"
    assert "for this creator" in str(creator_full.value)


async def test_direct_messages_count_against_their_creator_and_everyone() -> None:
    limits = ReporterRateLimit(
        "10/minute", scope_rates={"creator": "2/minute", "global": "3/minute"}
    )
    await limits.admit(fan(1), 1, creator="alice")
    await limits.admit(fan(2), 1, creator="alice")
    with pytest.raises(RateLimited) as refused:
        await limits.admit(fan(3), 1, creator="alice")
    assert refused.value.scope == "creator"
    await limits.admit(fan(3), 1, creator="bea")  # another creator's window
    with pytest.raises(RateLimited) as everyone:
        await limits.admit(fan(4), 1, creator="carol")
    assert everyone.value.scope == "global"
    assert "leakdesk is taking in a lot of reports" in str(everyone.value)


async def test_the_wait_is_the_longest_of_the_full_windows() -> None:
    limits = ReporterRateLimit("10/minute", scope_rates={"place": "1/minute", "global": "1/hour"})
    await limits.admit(fan(1), 1, place="discord:1", creator="alice")
    with pytest.raises(RateLimited) as refused:
        await limits.admit(fan(2), 1, place="discord:1", creator="alice")
    # both are full: the place frees up in a minute, but the global window only in an hour
    assert refused.value.scope == "global"
    assert 3500 < refused.value.retry_after <= 3600
    assert "try again in 60 min" in str(refused.value)


async def test_the_reporters_own_longer_wait_wins() -> None:
    limits = ReporterRateLimit("1/hour", scope_rates={"place": "1/minute"})
    await limits.admit(fan(1), 1, place="discord:1")
    with pytest.raises(RateLimited) as refused:
        await limits.admit(fan(1), 1, place="discord:1")
    assert refused.value.scope == "reporter" and refused.value.retry_after > 3500


async def test_a_leak_wave_passes_the_default_limits() -> None:
    """400 fans in one server who all report a leak twice within the same minute."""
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    limits = ReporterRateLimit(
        defaults.report_rate,
        link_rates=defaults.link_rate,
        scope_rates={
            "place": defaults.place_rate,
            "creator": defaults.creator_rate,
            "global": defaults.global_rate,
        },
    )
    started = time.monotonic()
    for _round in range(2):
        for n in range(400):
            await limits.admit(fan(n), 2, place="discord:1", creator="alice")
    assert time.monotonic() - started < 60  # all inside the same minute windows


def test_a_bad_rate_setting_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match="not a rate"):
        Settings(place_rate="lots")  # type: ignore[call-arg]
    assert Settings(global_rate=" ").global_rate == ""  # type: ignore[call-arg]


async def test_the_app_refuses_a_flood_with_its_scope_and_records_nothing(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = await build_app(make_settings(database_url, place_rate="2/minute"))
    try:
        for n in range(2):
            await app.intake.submit(
                IncomingReport(
                    ReporterRef("discord", f"9000{n}"),
                    [f"https://example.com/wave/{n}"],
                    origin=Origin.CONTEXT_MENU,
                    creator="alice",
                    place="discord:4242",
                )
            )
        caplog.set_level(logging.INFO)
        with pytest.raises(RateLimited) as refused:
            await app.intake.submit(
                IncomingReport(
                    ReporterRef("discord", "90009"),
                    ["https://example.com/secret-path"],
                    origin=Origin.CONTEXT_MENU,
                    creator="alice",
                    place="discord:4242",
                )
            )
        assert refused.value.scope == "place"
        assert sum((await app.cases.count_cases("alice")).values()) == 2
        lines = [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()]
        assert lines and "place scope" in lines[0]
        for text in (r.getMessage() for r in caplog.records):  # no identity, place or path
            assert "90009" not in text and "4242" not in text and "secret-path" not in text
        # the handlers turn it into a refusal that carries the scope
        from core.model import Actor
        from handlers import IncomingMessage

        reply = await app.handlers.report(
            IncomingMessage(
                Actor(ReporterRef("discord", "90010"), creator="alice"),
                "https://example.com/later",
                origin=Origin.CONTEXT_MENU,
                place="discord:4242",
            )
        )
        assert reply.kind == "rate_limited" and reply.scope == "place"  # type: ignore[union-attr]
        assert reply.retry_after and 0 < reply.retry_after <= 60  # type: ignore[union-attr]
    finally:
        await app.close()


async def test_moderators_and_the_operator_are_not_limited(sqlite_url: str) -> None:
    app = await build_app(
        make_settings(
            sqlite_url, place_rate="1/minute", creator_rate="1/minute", global_rate="1/minute"
        )
    )
    try:
        moderator = ReporterRef("discord", "mod")
        for n in range(3):
            result = await app.intake.submit(
                IncomingReport(moderator, [f"https://example.com/m/{n}"], place="discord:1"),
                trusted=True,
            )
            assert result.outcomes
        for origin in (Origin.CLI, Origin.IMPORT):
            for n in range(2):
                await app.intake.submit(
                    IncomingReport(
                        ReporterRef("cli", "op"),
                        [f"https://example.com/{origin}/{n}"],
                        origin=origin,
                    )
                )
        # none of that spent the fans' windows
        ok = await app.intake.submit(
            IncomingReport(
                ReporterRef("discord", "fan"), ["https://example.com/f"], place="discord:1"
            )
        )
        assert ok.outcomes and ok.outcomes[0].new_case
    finally:
        await app.close()
