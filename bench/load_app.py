"""The app process of ``bench/load.py``: the neutral handlers behind a JSON-lines pipe.

``python -m bench.load_app`` builds the app from the ``LEAKDESK_*`` environment, prints
``ready``, then reads ``{"id", "reporter", "text"}`` lines on stdin, dispatches each at
once as a chat message (its own task; ``submission_id`` ``load:<id>``, as a platform's
event id) and prints ``{"id", "kind", "code"}`` after the reply, i.e. after the commit.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading

from bots.bootstrap import build_app
from core.model import Actor, ReporterRef
from core.settings import Settings
from handlers import IncomingMessage, ReportReceived


def _read_stdin(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def main() -> None:
    """Serve until stdin closes."""
    app = await build_app(Settings())
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=_read_stdin, args=(loop, queue), daemon=True).start()
    tasks: set[asyncio.Task[None]] = set()

    async def handle(line: str) -> None:
        item = json.loads(line)
        actor = Actor(ReporterRef("load", item["reporter"]))
        message = IncomingMessage(actor, item["text"], submission_id=f"load:{item['id']}")
        reply = await app.handlers.dispatch(message)
        answer: dict[str, object] = {"id": item["id"], "kind": type(reply).__name__}
        if isinstance(reply, ReportReceived):
            answer["code"] = reply.outcomes[0].case_code
        else:
            answer["text"] = getattr(reply, "text", "")
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    print("ready", flush=True)
    try:
        while (line := await queue.get()) is not None:
            task = asyncio.create_task(handle(line))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    finally:
        await app.close()


if __name__ == "__main__":
    asyncio.run(main())
