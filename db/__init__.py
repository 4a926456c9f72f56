"""Storage: SQLModel tables, Alembic migrations and the SQL implementations of core's ports."""

from db.cases import SqlCaseStore
from db.engine import create_engine, is_sqlite
from db.migrate import upgrade
from db.reports import SqlReportStore
from db.venues import SqlVenueStore, VenueConfig

__all__ = [
    "SqlCaseStore",
    "SqlReportStore",
    "SqlVenueStore",
    "VenueConfig",
    "create_engine",
    "is_sqlite",
    "upgrade",
]
