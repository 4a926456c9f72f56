"""web dashboard: one-time sign-in links, sessions, and indexes for the queue's keyset pages

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 21:00:00

Only hashes of link and session tokens are stored. The queue pages through a creator's
cases by (reporter_count, id) or (first_seen, id) and searches by host.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("moderator", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("creator_id", sa.Integer(), sa.ForeignKey("creators.id"), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("moderator", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("creator_id", sa.Integer(), sa.ForeignKey("creators.id"), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_web_sessions_moderator", "web_sessions", ["moderator"])
    op.create_index("ix_cases_creator_reporters", "cases", ["creator_id", "reporter_count", "id"])
    op.create_index("ix_cases_creator_first_seen", "cases", ["creator_id", "first_seen", "id"])
    op.create_index("ix_cases_creator_host", "cases", ["creator_id", "host"])


def downgrade() -> None:
    op.drop_index("ix_cases_creator_host", table_name="cases")
    op.drop_index("ix_cases_creator_first_seen", table_name="cases")
    op.drop_index("ix_cases_creator_reporters", table_name="cases")
    op.drop_index("ix_web_sessions_moderator", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("web_links")
