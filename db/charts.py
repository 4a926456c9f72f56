"""Read model of the dashboard's charts: reports and new cases per day, open work by age.

Removal times and shares per recipient come from the escalation tracker's ``stats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tables import cases_t, creators_t, reports_t

#: open work's age buckets: (label, at least this many days old)
AGE_BUCKETS = (("< 1 day", 0), ("1-7 days", 1), ("7-30 days", 7), ("> 30 days", 30))
OPEN_STATUSES = ("open", "claimed", "confirmed")


@dataclass(frozen=True)
class DailyCounts:
    """Reports received and new cases, per day (oldest first, every day of the window)."""

    days: list[date]
    reports: list[int]
    new_cases: list[int]


def _day(value: object) -> date:
    """A ``date(...)`` column as a date (SQLite returns text, PostgreSQL a date)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class SqlChartReader:
    """Aggregates over one creator's cases and reports, computed in the database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def daily(
        self, creator: str, days: int = 30, *, today: date | None = None
    ) -> DailyCounts:
        """Reports and new cases per day over the last ``days`` days."""
        today = today or datetime.now(UTC).date()
        first = today - timedelta(days=days - 1)
        since = datetime.combine(first, datetime.min.time(), UTC)
        report_day = func.date(reports_t.c.created_at)
        case_day = func.date(cases_t.c.first_seen)
        reports = (
            select(report_day, func.count())
            .join(cases_t, cases_t.c.id == reports_t.c.case_id)
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator, reports_t.c.created_at >= since)
            .group_by(report_day)
        )
        cases = (
            select(case_day, func.count())
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator, cases_t.c.first_seen >= since)
            .group_by(case_day)
        )
        async with self._engine.connect() as conn:
            per_report = {_day(d): n for d, n in await conn.execute(reports)}
            per_case = {_day(d): n for d, n in await conn.execute(cases)}
        window = [first + timedelta(days=n) for n in range(days)]
        return DailyCounts(
            window, [per_report.get(d, 0) for d in window], [per_case.get(d, 0) for d in window]
        )

    async def open_by_age(
        self, creator: str, *, now: datetime | None = None
    ) -> dict[str, dict[str, int]]:
        """``{status: {age bucket: cases}}`` of the creator's open, claimed and confirmed cases."""
        now = now or datetime.now(UTC)
        bucket = case(
            *[
                (cases_t.c.first_seen <= now - timedelta(days=days), label)
                for label, days in reversed(AGE_BUCKETS[1:])
            ],
            else_=AGE_BUCKETS[0][0],
        )
        query = (
            select(cases_t.c.status, bucket, func.count())
            .join(creators_t, creators_t.c.id == cases_t.c.creator_id)
            .where(creators_t.c.slug == creator, cases_t.c.status.in_(OPEN_STATUSES))
            .group_by(cases_t.c.status, bucket)
        )
        result = {status: {label: 0 for label, _ in AGE_BUCKETS} for status in OPEN_STATUSES}
        async with self._engine.connect() as conn:
            for status, label, count in await conn.execute(query):
                result[status][label] = count
        return result
