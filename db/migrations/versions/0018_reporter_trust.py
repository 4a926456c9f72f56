"""reporter trust: moderators' decisions about keyed reporters (trusted, warned, suspended)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 00:20:00

``reporter_standing`` is keyed by the sealed reporter id (never the account); an index on
``case_reporters.reporter_id`` lets a reporter's record (confirmed vs dismissed cases) be
read without a scan.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporter_standing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reporter_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("trusted_by", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
        sa.Column("warned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("suspended_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("suspension_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("account_created", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("abusive_baseline", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "reporter_key"),
    )
    op.create_index("ix_case_reporters_reporter", "case_reporters", ["reporter_id"])


def downgrade() -> None:
    op.drop_index("ix_case_reporters_reporter", table_name="case_reporters")
    op.drop_table("reporter_standing")
