"""languages: a fan's chosen language (Telegram /language) and a creator's default language
for their moderator places

Revision ID: 0021
Revises: 0015
Create Date: 2026-11-29 00:30:00

``user_settings.language`` holds a Babel locale id (``es``, ``pt_BR``…) chosen with
``/language``; NULL means "follow the app's language". ``creators.language`` is the
creator's default (``leakdesk creator set C --language es``); NULL means English.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_settings") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))
    with op.batch_alter_table("creators") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("creators") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("user_settings") as batch:
        batch.drop_column("language")
