"""sealed reporter ids: clear platform ids in ``reporters`` rewritten to keyed ones

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 22:00:00

Each ``reporters.platform_user_id`` becomes ``HMAC-SHA256(secret, "platform:user_id")``
(see :mod:`db.reporter_key`), and so does ``user_settings.user_id``; ``purged_posts``
keeps the chat cards of purged cases until their adapter deletes them. Not reversible: the clear ids are gone.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from db.reporter_key import ReporterKey, load_reporter_key

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_reporters = sa.table(
    "reporters",
    sa.column("id", sa.Integer),
    sa.column("platform", sa.String),
    sa.column("platform_user_id", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "purged_posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_purged_posts_platform", "purged_posts", ["platform"])
    conn = op.get_bind()
    key = op.get_context().config.attributes.get("reporter_key")
    if not isinstance(key, ReporterKey):
        key = load_reporter_key(str(conn.engine.url.render_as_string(False)))
    rows = conn.execute(
        sa.select(_reporters.c.id, _reporters.c.platform, _reporters.c.platform_user_id).where(
            _reporters.c.platform != "forgotten"
        )
    ).all()
    if rows:
        conn.execute(
            sa.update(_reporters)
            .where(_reporters.c.id == sa.bindparam("b_id"))
            .values(platform_user_id=sa.bindparam("b_sealed")),
            [{"b_id": r.id, "b_sealed": key.seal(r.platform, r.platform_user_id)} for r in rows],
        )

    settings = sa.table(
        "user_settings",
        sa.column("platform", sa.String),
        sa.column("scope", sa.String),
        sa.column("user_id", sa.String),
    )
    rows = conn.execute(sa.select(settings.c.platform, settings.c.scope, settings.c.user_id)).all()
    for r in rows:
        conn.execute(
            sa.update(settings)
            .where(
                settings.c.platform == r.platform,
                settings.c.scope == r.scope,
                settings.c.user_id == r.user_id,
            )
            .values(user_id=key.seal(r.platform, r.user_id))
        )


def downgrade() -> None:
    """Drop the purged posts' table; the clear ids cannot come back."""
    op.drop_index("ix_purged_posts_platform", table_name="purged_posts")
    op.drop_table("purged_posts")
