"""protected images and provenance: a creator's own pictures as hashes only, the match
on a case, and provenance evidence read from a case's pictures

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-28 22:00:00

``protected_pictures`` / ``protected_hashes`` hold the sha256, pHash and PDQ of the
creator's own pictures (never bytes); ``cases.protected_tier`` / ``protected_distance``
record that a reported picture matched one of them.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protected_pictures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("creator_id", sa.Integer(), sa.ForeignKey("creators.id"), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("creator_id", "sha256"),
    )
    op.create_table(
        "protected_hashes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "picture_id", sa.Integer(), sa.ForeignKey("protected_pictures.id"), nullable=False
        ),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("view", sa.Integer(), nullable=False),
        sa.Column("phash", sa.BigInteger(), nullable=False),
        sa.Column("pdq", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("pdq_quality", sa.Integer(), nullable=False),
    )
    op.create_index("ix_protected_hashes_picture_id", "protected_hashes", ["picture_id"])
    op.create_table(
        "case_provenance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("confidence", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("validated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "kind", "value"),
    )
    op.create_index("ix_case_provenance_case_id", "case_provenance", ["case_id"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("protected_tier", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch.add_column(sa.Column("protected_distance", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("protected_distance")
        batch.drop_column("protected_tier")
    op.drop_index("ix_case_provenance_case_id", table_name="case_provenance")
    op.drop_table("case_provenance")
    op.drop_index("ix_protected_hashes_picture_id", table_name="protected_hashes")
    op.drop_table("protected_hashes")
    op.drop_table("protected_pictures")
