"""Leasing due rows of a work queue table (picture jobs, notice mails) to one worker.

A claim picks the candidate ids first (on PostgreSQL locking them with ``SKIP LOCKED``,
so concurrent claims take different rows instead of waiting), then one ``UPDATE`` whose
``WHERE`` re-checks that each row is still claimable stamps them with a fresh claim
token and a lease deadline; the caller reads its rows back by that token.  (Inside
``UPDATE … WHERE id IN (SELECT … LIMIT n)`` PostgreSQL may run the subquery more than
once and lease more than ``n`` rows, hence the two steps.)  Two
workers never hold one row: a row is taken over only once its lease has run out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.sets import among


def new_claim_token() -> str:
    """A token that marks the rows of one claim."""
    return uuid.uuid4().hex


async def lease_due(
    conn: AsyncConnection,
    table: Table,
    key: Column[Any],
    claimable: ColumnElement[bool],
    *,
    limit: int,
    token: str,
    values: dict[str, Any],
    only: Sequence[int] | None = None,
) -> None:
    """Stamp up to ``limit`` ``claimable`` rows of ``table`` (lowest ``key`` first) with
    ``token`` and ``values``, in the caller's transaction.

    ``only`` (a list of ``key`` values) narrows the candidates.
    """
    if limit <= 0:
        return
    due = select(key).where(claimable)
    if only is not None:
        due = due.where(key.in_(list(only) or [-1]))
    due = due.order_by(key).limit(limit)
    if conn.dialect.name == "postgresql":  # concurrent claims take different rows
        due = due.with_for_update(skip_locked=True)
    ids = list((await conn.execute(due)).scalars())
    if ids:
        await conn.execute(
            update(table).where(among(conn, key, ids), claimable).values(claim=token, **values)
        )


__all__ = ["lease_due", "new_claim_token"]
