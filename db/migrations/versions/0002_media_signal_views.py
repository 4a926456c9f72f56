"""media_signals.view: which view of a frame a row hashes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:00:00

Each stored picture frame now has several rows: the frame itself (view 0, every row
stored before this revision), its centred 70 % (view 1) and, for transparent pictures,
its colour channels with alpha ignored (view 2); see core/media/views.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_signals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("view", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM media_signals WHERE view <> 0")
    with op.batch_alter_table("media_signals", schema=None) as batch_op:
        batch_op.drop_column("view")
