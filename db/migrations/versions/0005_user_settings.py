"""user_settings: a fan's deep-link creator and anonymity per bot, kept over restarts

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 18:00:00

Telegram kept these in the bot's memory only, so after a restart a fan's private reports
silently went to the default creator.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_settings",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("creator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "scope", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_settings")
