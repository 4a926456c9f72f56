"""synthetic decision: who marked a case synthetic (a deepfake) or not

Revision ID: 0020
Revises: 0018
Create Date: 2026-11-29 00:30:00

``cases.synthetic_by`` names the moderator who decided whether the case's material is
synthetic (NULL: nobody decided yet), so that strong provenance evidence is shown as a
*suggestion* until a moderator answers it.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("synthetic_by", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("synthetic_by")
