"""escalation: agents of record, synthetic cases, escalations per recipient, outbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:00:00

The escalations table was never written before this revision: it is recreated with one
row per (case, recipient channel) and the timestamps of its lifecycle.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("synthetic", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.drop_table("escalations")
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("notice_kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=40), nullable=False),
        sa.Column("urls", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.UniqueConstraint("case_id", "recipient"),
    )
    op.create_index("ix_escalations_case_id", "escalations", ["case_id"])
    op.create_index("ix_escalations_request_key", "escalations", ["request_key"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_key", sa.String(length=40), nullable=False, unique=True),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("batch", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=160), nullable=True),
        sa.Column("approved_by", sa.String(length=160), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.Float(), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=False),
        sa.Column("claim", sa.String(length=40), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_outbox_state", "outbox", ["state", "not_before"])
    op.create_index("ix_outbox_batch", "outbox", ["batch"])
    op.create_table(
        "agents",
        sa.Column("creator_id", sa.Integer(), sa.ForeignKey("creators.id"), primary_key=True),
        sa.Column("signer", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("agent_of", sa.String(length=200), nullable=False),
        sa.Column("authority", sa.String(), nullable=False),
        sa.Column("owns_content", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agents")
    op.drop_index("ix_outbox_batch", table_name="outbox")
    op.drop_index("ix_outbox_state", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_escalations_request_key", table_name="escalations")
    op.drop_index("ix_escalations_case_id", table_name="escalations")
    op.drop_table("escalations")
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("notice_kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("packet", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("case_id", "platform", "notice_kind"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("synthetic")
