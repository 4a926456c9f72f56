"""media_jobs: pictures behind links are fetched after the report is committed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:00:00

Links reported before this revision had their picture fetched before the commit:
they get a finished job, so the new worker never fetches them again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_jobs",
        sa.Column(
            "link_id",
            sa.Integer(),
            sa.ForeignKey("links.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("not_before", sa.Float(), nullable=False, server_default="0"),
        sa.Column("lease_until", sa.Float(), nullable=False, server_default="0"),
        sa.Column("claim", sa.String(length=40), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("matched_case_id", sa.Integer(), nullable=True),
        sa.Column("matched_by", sa.String(length=16), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False, server_default="0"),
    )
    op.create_index("ix_media_jobs_state", "media_jobs", ["state", "not_before"])
    op.execute("INSERT INTO media_jobs (link_id, state) SELECT id, 'done' FROM links")


def downgrade() -> None:
    op.drop_index("ix_media_jobs_state", table_name="media_jobs")
    op.drop_table("media_jobs")
