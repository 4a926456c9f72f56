"""reports(link_id, reporter_id): has this reporter reported this link already?

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 18:00:00

Intake records a reporter's repeated report of one link (in any disguise) once and
answers "you already reported this"; it looks the pair up in every batch.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reports_link_reporter", "reports", ["link_id", "reporter_id"])


def downgrade() -> None:
    op.drop_index("ix_reports_link_reporter", table_name="reports")
