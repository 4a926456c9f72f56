"""abuse_contacts: RDAP abuse contacts of hosts without a known channel, with an expiry

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 21:00:00

Escalation looks up the abuse contact of an unknown host once and keeps it until
``expires_at`` (epoch seconds; failed lookups expire sooner).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "abuse_contacts",
        sa.Column("host", sa.String(length=253), primary_key=True),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("cdn", sa.String(length=64), nullable=False),
        sa.Column("cdn_channel", sa.String(length=64), nullable=False),
        sa.Column("registrar", sa.String(length=200), nullable=False),
        sa.Column("registrar_email", sa.String(length=254), nullable=False),
        sa.Column("network", sa.String(length=200), nullable=False),
        sa.Column("network_email", sa.String(length=254), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("looked_up_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_abuse_contacts_expires_at", "abuse_contacts", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_abuse_contacts_expires_at", table_name="abuse_contacts")
    op.drop_table("abuse_contacts")
