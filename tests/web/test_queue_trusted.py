"""The queue's "trusted" filter and column (reporter trust, issue 11), on both databases."""

from __future__ import annotations

import re

from core.model import IncomingReport, Origin, ReporterRef
from tests.web.conftest import Dashboard, seed


def codes_on(html: str) -> list[str]:
    """Case codes of the queue's rows, in order."""
    return re.findall(r'<tr data-code="(LD-[0-9A-Z]{6})"', html)


async def test_trusted_filter_and_column(dashboard: Dashboard) -> None:
    app = dashboard.app
    [named] = await seed(app, "alice", ["https://x.com/u/status/1"], reporters=2)
    stranger = await app.intake.submit(
        IncomingReport(
            ReporterRef("telegram", "stranger"),
            ["https://example.com/a"],
            origin=Origin.DM,
            creator="alice",
        )
    )
    other = stranger.outcomes[0].case_code
    await dashboard.sign_in()
    before = await dashboard.client.get("/", params={"trusted": "yes"})
    assert codes_on(before.text) == []  # 2 first-time reporters: 1 independent, threshold 3
    assert app.trust is not None
    await app.trust.trust(case=named, moderator="discord:4242")
    trusted = await dashboard.client.get("/", params={"trusted": "yes"})
    assert codes_on(trusted.text) == [named]
    assert 'class="trusted" title="independent reporters: 1.0">yes<' in trusted.text
    untrusted = await dashboard.client.get("/", params={"trusted": "no"})
    assert codes_on(untrusted.text) == [other]
    everything = await dashboard.client.get("/")
    assert set(codes_on(everything.text)) == {named, other}
    assert 'name="trusted"' in everything.text  # the filter is offered
