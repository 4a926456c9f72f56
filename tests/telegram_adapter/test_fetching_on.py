"""The user's default in the Telegram adapter: picture fetching on, against loopback hosts.

The fan is answered at once; the pictures behind the links are fetched afterwards, and a
mirror of the first picture on another address ends in the first case."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bots.bootstrap import build_app
from tests.conftest import make_settings
from tests.hosts import HostServer
from tests.pictures import ORIGINAL, SHRUNK
from tests.telegram_adapter.conftest import FAN, codes_in, running_bot
from tests.telegram_adapter.fake_bot_api import FakeBotApi
from tests.telegram_adapter.updates import message, private_chat, update_message, user


async def test_a_mirror_reported_in_a_dm_joins_the_first_case(
    fake: FakeBotApi, tmp_path: Path
) -> None:
    routes = {"/a.jpg": ("image/jpeg", ORIGINAL), "/b.jpg": ("image/jpeg", SHRUNK)}
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'f.db'}",
        fetch_media=True,
        fetch_allow_networks="127.0.0.1/32",
        fetch_timeout=5.0,
    )
    app = await build_app(settings)
    app.start_background(recheck=False)  # as bots.telegram.serve does: the picture pool
    try:
        async with HostServer(routes) as host, running_bot(fake, app):
            for path, count in (("/a.jpg", 1), ("/b.jpg", 2)):
                link = f"http://127.0.0.1:{host.port}{path}"
                spanish = {**user(FAN), "language_code": "es"}  # a phone set to Spanish
                await fake.push(update_message(message(private_chat(FAN), spanish, link)))
                answers = await fake.wait_call("sendMessage", count=count, chat_id=FAN)
                assert link not in answers[-1]["text"]  # never echoed
                assert answers[-1]["text"].startswith("Recibido: enlace registrado como caso")
            first, second = (codes_in(a["text"])[0] for a in answers[-2:])
            assert first != second  # two links: two cases until the pictures are seen
            merged = None
            for _ in range(200):  # the picture pool works after the answers
                cases = [await app.cases.get_case(code) for code in (first, second)]
                merged = [c for c in cases if c is not None and c.merged_into]
                if merged:
                    break
                await asyncio.sleep(0.1)
        assert merged, "the mirror was not matched by its picture"
        assert {merged[0].code, merged[0].merged_into} == {first, second}
    finally:
        await app.close()
