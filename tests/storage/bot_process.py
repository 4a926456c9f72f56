"""A stand-in for a running bot, for the multi-process tests (run as a module, not a test).

``python -m tests.storage.bot_process LINKS_FILE`` builds the App from the ``LEAKDESK_*``
environment exactly as ``leakdesk run`` does, then works as an adapter would while
other processes use the same database: each link of the file is reported by its own
fan (16 reports at a time, each with a stable submission id), and after every wave a
moderator claims and confirms the case of the wave's first link.  It prints one JSON
line: ``{"reports", "new_cases", "confirmed": [codes]}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from bots.bootstrap import build_app
from core.model import Actor, IncomingReport, Origin, ReporterRef
from core.settings import Settings

WAVE = 16


async def main(links_file: Path) -> dict[str, object]:
    """Report every link of ``links_file`` and moderate a case per wave."""
    links = [line.strip() for line in links_file.read_text().splitlines() if line.strip()]
    settings = Settings()
    app = await build_app(settings, migrate=False)
    moderator = Actor(ReporterRef("discord", "mod-1"), True, settings.default_creator)
    reports = new_cases = 0
    confirmed: list[str] = []
    try:
        for start in range(0, len(links), WAVE):
            wave = links[start : start + WAVE]
            results = await asyncio.gather(
                *(
                    app.intake.submit(
                        IncomingReport(
                            ReporterRef("discord", f"fan-{start + n}"),
                            [link],
                            origin=Origin.DM,
                            creator=settings.default_creator,
                            submission_id=f"bot:{start + n}",
                        )
                    )
                    for n, link in enumerate(wave)
                )
            )
            reports += sum(len(r.outcomes) for r in results)
            new_cases += sum(o.new_case for r in results for o in r.outcomes)
            code = results[0].outcomes[0].case_code
            await app.moderation.act(moderator, "claim", code)
            await app.moderation.act(moderator, "confirm", code)
            confirmed.append(code)
    finally:
        await app.close()
    return {"reports": reports, "new_cases": new_cases, "confirmed": confirmed}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(Path(sys.argv[1])))))
