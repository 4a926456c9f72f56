"""removal notices to reporters (opt-in, outbox), periodic moderator alerts and digests

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-28 21:00:00

``removal_watches``: a reporter's "tell me when it's down", with their platform id only while
open. ``chat_notices``: messages to chat users, sent once by the running adapter.
``periodic_sends``: a row per digest / overdue alert sent, so several processes send it once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "removal_watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_removal_watches_case", "removal_watches", ["case_id", "state"])
    op.create_table(
        "chat_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=80), nullable=False, unique=True),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.Float(), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=False),
        sa.Column("claim", sa.String(length=40), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_chat_notices_due", "chat_notices", ["platform", "state", "not_before"])
    op.create_table(
        "periodic_sends",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=160), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("periodic_sends")
    op.drop_index("ix_chat_notices_due", table_name="chat_notices")
    op.drop_table("chat_notices")
    op.drop_index("ix_removal_watches_case", table_name="removal_watches")
    op.drop_table("removal_watches")
