"""audit log hash chain: seq, prev_hash and row_hash on moderator_actions, the chain head,
triggers that chain every insert and refuse UPDATE and DELETE

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 22:00:00

Existing rows are chained in id order. The hash is computed by the database while inserting
(see db/audit_hash.py): a PL/pgSQL trigger on PostgreSQL, a trigger calling the Python
function ``leakdesk_audit_hash`` (registered on every connection by db/engine.py) on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.audit_hash import GENESIS, HASHED_COLUMNS, row_hash

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PG_FIELD = """
CREATE FUNCTION leakdesk_audit_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN '~'
              ELSE octet_length(convert_to(v, 'UTF8'))::text || ':' || v END
$$
"""

PG_CHAIN = """
CREATE FUNCTION leakdesk_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
BEGIN
  SELECT seq, last_hash INTO head_seq, head_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.row_hash := encode(sha256(convert_to(
       leakdesk_audit_field(NEW.seq::text)
    || leakdesk_audit_field(NEW.case_id::text)
    || leakdesk_audit_field(NEW.moderator)
    || leakdesk_audit_field(NEW.action)
    || leakdesk_audit_field(NEW.from_status)
    || leakdesk_audit_field(NEW.to_status)
    || leakdesk_audit_field(NEW.reason)
    || leakdesk_audit_field(to_char(NEW.created_at AT TIME ZONE 'UTC',
                                    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || leakdesk_audit_field(head_hash), 'UTF8')), 'hex');
  UPDATE audit_chain_head SET seq = NEW.seq, last_hash = NEW.row_hash WHERE id = 1;
  RETURN NEW;
END
$$
"""

PG_REFUSE = """
CREATE FUNCTION leakdesk_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'audit_chain_head' AND pg_trigger_depth() > 1 THEN
    RETURN NEW;  -- the chain trigger moving the head
  END IF;
  RAISE EXCEPTION 'the audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

PG_TRIGGERS = (
    "CREATE TRIGGER moderator_actions_chain BEFORE INSERT ON moderator_actions "
    "FOR EACH ROW EXECUTE FUNCTION leakdesk_audit_chain()",
    "CREATE TRIGGER moderator_actions_append_only BEFORE UPDATE OR DELETE ON moderator_actions "
    "FOR EACH ROW EXECUTE FUNCTION leakdesk_audit_append_only()",
    "CREATE TRIGGER moderator_actions_no_truncate BEFORE TRUNCATE ON moderator_actions "
    "FOR EACH STATEMENT EXECUTE FUNCTION leakdesk_audit_append_only()",
    "CREATE TRIGGER audit_chain_head_guard BEFORE UPDATE OR DELETE ON audit_chain_head "
    "FOR EACH ROW EXECUTE FUNCTION leakdesk_audit_append_only()",
    "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION leakdesk_audit_append_only()",
)

_HASH_CALL = (
    "leakdesk_audit_hash(h.seq + 1, NEW.case_id, NEW.moderator, NEW.action, NEW.from_status,"
    " NEW.to_status, NEW.reason, NEW.created_at, h.last_hash)"
)
SQLITE_TRIGGERS = (
    f"""
CREATE TRIGGER moderator_actions_chain AFTER INSERT ON moderator_actions
BEGIN
  UPDATE moderator_actions SET
    seq = (SELECT h.seq + 1 FROM audit_chain_head h WHERE h.id = 1),
    prev_hash = (SELECT h.last_hash FROM audit_chain_head h WHERE h.id = 1),
    row_hash = (SELECT {_HASH_CALL} FROM audit_chain_head h WHERE h.id = 1)
  WHERE id = NEW.id;
  UPDATE audit_chain_head SET seq = seq + 1,
    last_hash = (SELECT row_hash FROM moderator_actions WHERE id = NEW.id)
  WHERE id = 1;
END
""",
    """
CREATE TRIGGER moderator_actions_append_only BEFORE UPDATE ON moderator_actions
WHEN OLD.row_hash IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only (UPDATE on moderator_actions)');
END
""",
    """
CREATE TRIGGER moderator_actions_no_delete BEFORE DELETE ON moderator_actions
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only (DELETE on moderator_actions)');
END
""",
)


def _chain_existing_rows() -> tuple[int, str]:
    """Hash the rows already there, in id order; returns the new head (seq, hash)."""
    conn = op.get_bind()
    actions = sa.table(
        "moderator_actions",
        sa.column("id", sa.Integer),
        *(sa.column(c) for c in HASHED_COLUMNS),
        sa.column("created_at"),
        sa.column("seq", sa.BigInteger),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )
    columns = [actions.c.id, *(actions.c[c] for c in HASHED_COLUMNS), actions.c.created_at]
    seq, prev = 0, GENESIS
    rows = conn.execute(sa.select(*columns).order_by(actions.c.id)).all()
    for row in rows:
        seq += 1
        values = {c: getattr(row, c) for c in HASHED_COLUMNS}
        digest = row_hash(seq, values, row.created_at, prev)
        conn.execute(
            actions.update()
            .where(actions.c.id == row.id)
            .values(seq=seq, prev_hash=prev, row_hash=digest)
        )
        prev = digest
    return seq, prev


def upgrade() -> None:
    op.add_column("moderator_actions", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("moderator_actions", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("moderator_actions", sa.Column("row_hash", sa.String(64), nullable=True))
    op.create_index("ix_moderator_actions_seq", "moderator_actions", ["seq"], unique=True)
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    seq, last = _chain_existing_rows()
    op.bulk_insert(head, [{"id": 1, "seq": seq, "last_hash": last}])
    if op.get_bind().dialect.name == "postgresql":
        for statement in (PG_FIELD, PG_CHAIN, PG_REFUSE, *PG_TRIGGERS):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in (
            ("moderator_actions_chain", "moderator_actions"),
            ("moderator_actions_append_only", "moderator_actions"),
            ("moderator_actions_no_truncate", "moderator_actions"),
            ("audit_chain_head_guard", "audit_chain_head"),
            ("audit_chain_head_no_truncate", "audit_chain_head"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in ("leakdesk_audit_chain()", "leakdesk_audit_append_only()"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        op.execute("DROP FUNCTION IF EXISTS leakdesk_audit_field(text)")
    else:
        for name in (
            "moderator_actions_chain",
            "moderator_actions_append_only",
            "moderator_actions_no_delete",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_chain_head")
    op.drop_index("ix_moderator_actions_seq", table_name="moderator_actions")
    with op.batch_alter_table("moderator_actions") as batch:
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
