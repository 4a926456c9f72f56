"""Checking the audit log's hash chain (``leakdesk audit verify``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.audit_hash import GENESIS, HASHED_COLUMNS, row_hash
from db.tables import actions_t, audit_head_t


@dataclass(frozen=True)
class ChainProblem:
    """One place where the chain does not hold."""

    kind: str  # unchained, edited, missing, relinked, head
    row_id: int | None
    seq: int | None
    detail: str


@dataclass
class ChainReport:
    """What a verification found: rows checked, the head, and every problem."""

    rows: int
    head_seq: int | None
    head_hash: str | None
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row is chained, unedited, in place, and the head matches."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {**asdict(self), "ok": self.ok}


def _check_rows(rows: list[Any], report: ChainReport) -> tuple[int, str]:
    """Walk the chained rows in seq order; returns the last (seq, row_hash) seen."""
    expected_seq, prev = 1, GENESIS
    for row in rows:
        values = {c: getattr(row, c) for c in HASHED_COLUMNS}
        if row.seq != expected_seq:
            report.problems.append(
                ChainProblem(
                    "missing",
                    row.id,
                    row.seq,
                    f"seq {row.seq} follows {expected_seq - 1}: rows deleted or reordered",
                )
            )
        if row.prev_hash != prev:
            report.problems.append(
                ChainProblem(
                    "relinked",
                    row.id,
                    row.seq,
                    "prev_hash is not the row_hash of the row before: rows deleted or reordered",
                )
            )
        if row_hash(row.seq, values, row.created_at, row.prev_hash) != row.row_hash:
            report.problems.append(
                ChainProblem("edited", row.id, row.seq, "row_hash does not match the row: edited")
            )
        expected_seq, prev = row.seq + 1, row.row_hash
    return expected_seq - 1, prev


async def verify_audit_chain(engine: AsyncEngine) -> ChainReport:
    """Recompute every row's hash and link, and compare the last one with the chain head.

    Detects an edited row (its hash), a deleted or reordered row (a gap in ``seq`` or a
    ``prev_hash`` that is not its predecessor's hash), a deleted last row (the head points
    past it) and rows written without the chain (no hash).
    """
    a = actions_t.c
    async with engine.connect() as conn:
        # SQLite: hash the timestamp exactly as stored (the trigger saw the stored text)
        created = a.created_at
        if conn.dialect.name == "sqlite":
            created = cast(a.created_at, String).label("created_at")
        columns = [a.id, a.seq, a.prev_hash, a.row_hash, *(a[c] for c in HASHED_COLUMNS), created]
        rows = (await conn.execute(select(*columns).order_by(a.seq, a.id))).all()
        head = (await conn.execute(select(audit_head_t.c.seq, audit_head_t.c.last_hash))).first()
    report = ChainReport(
        rows=len(rows),
        head_seq=head.seq if head else None,
        head_hash=head.last_hash if head else None,
    )
    chained = [r for r in rows if r.seq is not None and r.row_hash is not None]
    for row in rows:
        if row.seq is None or row.row_hash is None:
            report.problems.append(
                ChainProblem("unchained", row.id, row.seq, "row has no place in the chain")
            )
    last_seq, last_hash = _check_rows(chained, report)
    if head is None:
        report.problems.append(ChainProblem("head", None, None, "the chain head is missing"))
    elif (head.seq, head.last_hash) != (last_seq, last_hash if chained else GENESIS):
        report.problems.append(
            ChainProblem(
                "head",
                None,
                head.seq,
                f"the head says seq {head.seq} but the last row is seq {last_seq}: "
                "rows at the end deleted, or the head edited",
            )
        )
    return report
