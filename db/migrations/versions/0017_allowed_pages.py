"""the creators' allow-list: their own accounts and sites, which fans can never report

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-29 00:00:00

``allowed_pages`` holds, per creator, the canonical link of each of their own pages, its
key, and the host and path prefix that match the pages under it; ``hits`` counts the
reports it turned away (nothing else of those reports is kept).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allowed_pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("creator_id", sa.Integer(), sa.ForeignKey("creators.id"), nullable=False),
        sa.Column("canonical", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("path_prefix", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("creator_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("allowed_pages")
