"""Stopping a periodic job lets a run under way finish: a message sent is also recorded."""

from __future__ import annotations

import asyncio

from core.notify.periodic import JobGate, Periodic


async def test_stop_lets_a_run_under_way_finish() -> None:
    started, finished = asyncio.Event(), []

    async def job() -> None:
        started.set()
        await asyncio.sleep(0.05)  # e.g. between "sent" and "recorded as sent"
        finished.append(True)

    loop = Periodic(3600, job, "test")
    loop.start()
    await started.wait()
    await loop.stop()
    assert finished == [True] and not loop.running


async def test_stop_while_idle_does_not_run_the_job_again() -> None:
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)

    loop = Periodic(3600, job, "test")
    loop.start()
    await asyncio.sleep(0)  # the first run
    await asyncio.sleep(0)
    await loop.stop()
    assert runs == [1] and not loop.running


async def test_a_job_gate_settles_when_its_run_ends() -> None:
    gate, ended = JobGate(), []

    async def run() -> None:
        async with gate.running():
            await asyncio.sleep(0.05)
            ended.append(True)

    task = asyncio.create_task(run())
    await asyncio.sleep(0)
    await gate.settle()
    assert ended == [True]
    await task
