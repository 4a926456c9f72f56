"""Committing reports: a group-commit writer.

Concurrent reports are queued and written by one task, many per transaction, so
each report is still committed before its reporter hears "received" while the
cost of a commit is shared.  On PostgreSQL the batch runs over asyncpg; on SQLite
it runs on one dedicated thread with the plain ``sqlite3`` driver, because every
aiosqlite statement costs a thread hop (about 0.5 ms here) and a batch has a dozen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.model import ReporterRef
from core.ports import PendingReport, StoredReport
from db.engine import create_sync_sqlite_engine, is_sqlite
from db.intake_sql import IdCache, record_batch
from db.notify import new_sender_token
from db.tables import creators_t, links_t

log = logging.getLogger(__name__)

MAX_RETRIES = 5
_RETRYABLE = ("deadlock", "could not serialize", "database is locked", "busy")


@dataclass
class _Job:
    items: Sequence[PendingReport]
    future: asyncio.Future[list[StoredReport]] = field(repr=False)


Result = tuple[list[StoredReport], dict[str, int], dict[tuple[str, str], int]]


class SqlReportStore:
    """A :class:`core.ports.ReportStore` that group-commits concurrent reports."""

    def __init__(
        self, engine: AsyncEngine, *, max_batch: int = 256, writers: int = 3, sender: str = ""
    ) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._ids = IdCache(sender=sender or new_sender_token())
        self._queue: asyncio.Queue[_Job] | None = None
        self._workers: list[asyncio.Task[None]] = []
        # PostgreSQL overlaps several batches (each on its own connection); SQLite has one writer
        self._writers = 1 if is_sqlite(str(engine.url)) else writers
        self._sync_engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if is_sqlite(str(engine.url)):
            self._sync_engine = create_sync_sqlite_engine(engine.url.render_as_string(False))
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leakdesk-sqlite")

    def forget_cached(self, reporter: ReporterRef) -> None:
        """Drop the cached id of a reporter whose identity was erased."""
        self._ids.reporters.pop((reporter.platform, reporter.user_id), None)

    @property
    def sender(self) -> str:
        """The token this store signs its media notifications with."""
        return self._ids.sender

    async def start(self) -> None:
        """Start the writer tasks (idempotent; ``record`` starts them too if needed)."""
        if self._queue is None or not self._workers or any(w.done() for w in self._workers):
            await self._stop_workers()
            self._queue = asyncio.Queue()
            self._workers = [
                asyncio.create_task(self._run(self._queue), name=f"leakdesk-writer-{n}")
                for n in range(self._writers)
            ]

    async def known_link_keys(self, creator: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` already belong to a case of ``creator``."""
        if not keys:
            return set()
        query = (
            select(links_t.c.key)
            .join(creators_t, creators_t.c.id == links_t.c.creator_id)
            .where(links_t.c.key.in_(list(keys)), creators_t.c.slug == creator)
        )
        async with self._engine.connect() as conn:
            return set((await conn.execute(query)).scalars())

    async def record(self, items: Sequence[PendingReport]) -> list[StoredReport]:
        """Queue ``items`` and wait until their transaction has committed."""
        if not items:
            return []
        await self.start()
        assert self._queue is not None
        future: asyncio.Future[list[StoredReport]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(items, future))
        return await future

    async def close(self) -> None:
        """Finish queued jobs, then stop the writers."""
        if self._queue is not None and self._workers and not any(w.done() for w in self._workers):
            await self._queue.join()
        await self._stop_workers()
        if self._thread:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._sync_engine:
            self._sync_engine.dispose()

    async def _stop_workers(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []

    async def _run(self, queue: asyncio.Queue[_Job]) -> None:
        while True:
            jobs = [await queue.get()]
            size = len(jobs[0].items)
            while not queue.empty() and size < self._max_batch:
                job = queue.get_nowait()
                jobs.append(job)
                size += len(job.items)
            try:
                await self._write(jobs)
            finally:
                for _ in jobs:
                    queue.task_done()

    async def _write(self, jobs: list[_Job]) -> None:
        try:
            results = await self._commit([item for job in jobs for item in job.items])
        except Exception as err:
            if len(jobs) == 1:
                log.exception("could not record a report")
                _settle(jobs[0], error=err)
                return
            for job in jobs:  # isolate the job that fails: write each on its own
                try:
                    _settle(job, await self._commit(list(job.items)))
                except Exception as single_err:
                    log.exception("could not record a report")
                    _settle(job, error=single_err)
            return
        offset = 0
        for job in jobs:
            _settle(job, results[offset : offset + len(job.items)])
            offset += len(job.items)

    async def _commit(self, items: list[PendingReport]) -> list[StoredReport]:
        for attempt in range(MAX_RETRIES):
            try:
                stored, creators, reporters = await self._transaction(items)
            except DBAPIError as err:
                if attempt == MAX_RETRIES - 1 or not any(
                    m in str(err.orig).lower() for m in _RETRYABLE
                ):
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))
                continue
            self._ids.remember(creators, reporters)  # only ids from committed transactions
            return stored
        raise AssertionError("unreachable")

    async def _transaction(self, items: list[PendingReport]) -> Result:
        if self._sync_engine is not None:
            engine = self._sync_engine

            def work() -> Result:
                with engine.begin() as conn:
                    return record_batch(conn, items, self._ids)

            return await asyncio.get_running_loop().run_in_executor(self._thread, work)
        async with self._engine.begin() as conn:
            return await conn.run_sync(record_batch, items, self._ids)


def _settle(
    job: _Job, results: list[StoredReport] | None = None, error: BaseException | None = None
) -> None:
    if job.future.done():
        return
    if error is not None:
        job.future.set_exception(error)
    else:
        job.future.set_result(results or [])
