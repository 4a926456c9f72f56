"""Committing reports: a group-commit writer.

Concurrent reports are queued and written by writer tasks, many per transaction,
so each report is still committed before its reporter hears "received" while the
cost of a commit is shared.  A batch of plain link reports (the hot path) is
written with the raw drivers, not SQLAlchemy: prepared asyncpg statements on
PostgreSQL (:mod:`db.intake_pg`, two writers overlapping their batches), the plain
``sqlite3`` driver on SQLite (:mod:`db.intake_sqlite`, one writer, on the event
loop, pausing briefly while another connection holds the write lock:
:mod:`db.sqlite_writer`).  A batch with pictures goes through the SQLAlchemy Core
statements of :mod:`db.intake_sql` (over asyncpg, or on the writer's thread for
SQLite), which also store the picture hashes.  A transaction that lost a race (a
held lock past the deadline, a deadlock, a lost connection) is run again
(:mod:`db.retry`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from asyncpg.exceptions import ForeignKeyViolationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.model import ReporterRef
from core.ports import PendingReport, StoredReport
from db.engine import asyncpg_connect_args, create_sync_sqlite_engine, is_sqlite
from db.intake_pg import record_links as record_pg_links
from db.intake_plan import links_only
from db.intake_sql import IdCache, record_batch
from db.intake_sqlite import record_links as record_sqlite_links
from db.notify import new_sender_token
from db.pg_writer import PgWriter
from db.reporter_key import ReporterKey, load_reporter_key
from db.retry import retry_async, retrying
from db.sqlite_writer import SqliteWriter
from db.tables import creators_t, links_t
from db.write_gate import WriteGate

log = logging.getLogger(__name__)

#: a row the batch refers to is gone (the drivers' and SQLAlchemy's foreign key errors)
_INTEGRITY_ERRORS = (sqlite3.IntegrityError, IntegrityError, ForeignKeyViolationError)

#: the smallest batch a writer splits off a large queue for another, idle writer
MIN_SHARED_BATCH = 32


@dataclass
class _Job:
    items: Sequence[PendingReport]
    future: asyncio.Future[list[StoredReport]] = field(repr=False)


Result = tuple[list[StoredReport], dict[str, int], dict[tuple[str, str], int]]


class SqlReportStore:
    """A :class:`core.ports.ReportStore` that group-commits concurrent reports."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_batch: int = 256,
        writers: int = 2,
        sender: str = "",
        raw_statements: bool = True,
        reporter_key: ReporterKey | None = None,
    ) -> None:
        """A store writing through ``engine``'s database.

        ``raw_statements=False`` writes every batch with the SQLAlchemy Core statements
        of :mod:`db.intake_sql`, as batches with pictures always are (for comparisons).
        ``reporter_key`` seals reporter ids (default: :func:`db.reporter_key.load_reporter_key`).
        """
        self._engine = engine
        self._raw_statements = raw_statements
        self._max_batch = max_batch
        key = reporter_key or load_reporter_key(engine.url.render_as_string(False))
        self._ids = IdCache(sender=sender or new_sender_token(), seal=key.seal)
        self._queue: asyncio.Queue[_Job] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._idle_writers = 0
        self._running = False
        # PostgreSQL overlaps several batches (each on its own connection); SQLite has one writer
        self._writers = 1 if is_sqlite(str(engine.url)) else writers
        self._sync_engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._sqlite: SqliteWriter | None = None
        self._pg: PgWriter | None = None
        if is_sqlite(str(engine.url)):
            self._sync_engine = create_sync_sqlite_engine(engine.url.render_as_string(False))
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leakdesk-sqlite")
            self._sqlite = SqliteWriter(engine.url.render_as_string(False))
        elif engine.dialect.name == "postgresql":
            self._pg = PgWriter(asyncpg_connect_args(engine))

    @property
    def write_gate(self) -> WriteGate | None:
        """The lock other SQLite writes of this process share with the writer (see
        :mod:`db.write_gate`); None on PostgreSQL."""
        return self._sqlite.gate if self._sqlite is not None else None

    def forget_cached(self, reporter: ReporterRef) -> None:
        """Drop the cached id of a reporter whose identity was erased."""
        self._ids.reporters.pop((reporter.platform, reporter.user_id), None)

    @property
    def sender(self) -> str:
        """The token this store signs its media notifications with."""
        return self._ids.sender

    @property
    def running(self) -> bool:
        """Whether the writer tasks are running (``/healthz``)."""
        return self._running and any(not w.done() for w in self._workers)

    async def start(self) -> None:
        """Start the writer tasks (idempotent; ``record`` starts them too if needed)."""
        if self._queue is None or not self._running:
            await self._stop_workers()
            self._queue = asyncio.Queue()
            self._workers = [
                asyncio.create_task(self._run(self._queue), name=f"leakdesk-writer-{n}")
                for n in range(self._writers)
            ]
            self._running = True
            for worker in self._workers:  # a writer that ended (it should not) is restarted
                worker.add_done_callback(self._writer_ended)

    def _writer_ended(self, task: asyncio.Task[None]) -> None:
        if task in self._workers:
            self._running = False

    @retrying
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
        if not self._running:
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
        if self._sqlite:
            self._sqlite.close()
            self._sqlite = None
        if self._pg:
            await self._pg.close()
        if self._thread:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._sync_engine:
            self._sync_engine.dispose()

    async def _stop_workers(self) -> None:
        self._running = False
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []

    async def _run(self, queue: asyncio.Queue[_Job]) -> None:
        while True:
            self._idle_writers += 1
            try:
                jobs = [await queue.get()]
            finally:
                self._idle_writers -= 1
            limit = min(self._max_batch, self._share(queue.qsize() + 1))
            size = len(jobs[0].items)
            while not queue.empty() and size < limit:
                job = queue.get_nowait()
                jobs.append(job)
                size += len(job.items)
            try:
                await self._write(jobs)
            finally:
                for _ in jobs:
                    queue.task_done()

    def _share(self, queued: int) -> int:
        """How many of the ``queued`` reports this writer takes.

        Everything, unless another writer is idle and the queue is large: then it is
        shared, so that one batch is in the database while the reporters of the other
        are busy on the event loop, instead of all reporters waiting on one batch and
        then all working at once.  Parts never go below :data:`MIN_SHARED_BATCH`: each
        batch costs a few round trips and a commit, which small batches pay too often.
        """
        if not self._idle_writers or queued < 2 * MIN_SHARED_BATCH:
            return queued
        return max(MIN_SHARED_BATCH, -(-queued // (self._idle_writers + 1)))

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
        unique = _first_per_token(items)
        if len(unique) < len(items):  # one submission queued twice: record it once
            stored = await self._commit(unique)
            by_token = {item.token: result for item, result in zip(unique, stored, strict=True)}
            return [by_token[item.token] for item in items]
        # lost races (a held SQLite write lock, a PostgreSQL deadlock or lost connection) are
        # run again: a committed report is found by its token, so none is recorded twice
        try:
            stored, creators, reporters = await retry_async(
                lambda: self._transaction(items), what="recording reports"
            )
        except _INTEGRITY_ERRORS:
            # a cached reporter row was deleted by another process (forget, retention):
            # look the ids up again, once
            self._ids.reporters.clear()
            stored, creators, reporters = await retry_async(
                lambda: self._transaction(items), what="recording reports"
            )
        self._ids.remember(creators, reporters)  # only ids from committed transactions
        return stored

    async def _transaction(self, items: list[PendingReport]) -> Result:
        ids = self._ids
        if self._raw_statements and links_only(items):
            if self._sqlite is not None:
                return await self._sqlite.run(lambda conn: record_sqlite_links(conn, items, ids))
            if self._pg is not None:
                return await self._pg.run(lambda conn: record_pg_links(conn, items, ids))
        if self._sync_engine is not None:
            engine = self._sync_engine

            def work() -> Result:
                with engine.begin() as conn:
                    return record_batch(conn, items, self._ids)

            return await asyncio.get_running_loop().run_in_executor(self._thread, work)
        async with self._engine.begin() as conn:
            return await conn.run_sync(record_batch, items, self._ids)


def _first_per_token(items: list[PendingReport]) -> list[PendingReport]:
    """``items`` without repeats of a token (a redelivered submission in the same batch)."""
    first: dict[str, PendingReport] = {}
    for item in items:
        first.setdefault(item.token, item)
    return list(first.values())


def _settle(
    job: _Job, results: list[StoredReport] | None = None, error: BaseException | None = None
) -> None:
    if job.future.done():
        return
    if error is not None:
        job.future.set_exception(error)
    else:
        job.future.set_result(results or [])
