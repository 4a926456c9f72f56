"""watch language: the language a reporter asked "tell me when it's down" in

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 04:00:00

``removal_watches.language`` holds the reporter's Babel locale id (``es``, ``pt_BR``…) at the
time they opted in, so the "it's down" notice is worded in it; NULL means English.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("removal_watches") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("removal_watches") as batch:
        batch.drop_column("language")
