"""audit chain: the head row locked once and written once per transaction (PostgreSQL)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 04:00:00

Migration 0013's row trigger locked and updated the single ``audit_chain_head`` row for
every inserted action: n appends in one transaction left n versions of that row, each
update walking the versions before it.  Now the first append of a transaction locks the
head (``SELECT ... FOR UPDATE``, held to the end as before, so concurrent appenders still
queue), the running head is kept in the transaction-local setting ``leakdesk.audit_head``
(``<xid>:<seq>:<hash>``; the xid ignores any value a session set for itself), and a
deferred constraint trigger writes it to the head row once, at commit.  A rolled-back
transaction or savepoint drops the setting and its queued head write with its rows.
The hashed bytes are unchanged (db/audit_hash.py), so existing chains go on verifying.
SQLite is unchanged: its trigger updates the head in place (no row versions) and is fast.
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

#: the row hash, exactly as migration 0013 computes it (head_hash: the previous row's hash)
_ROW_HASH = """encode(sha256(convert_to(
       leakdesk_audit_field(NEW.seq::text)
    || leakdesk_audit_field(NEW.case_id::text)
    || leakdesk_audit_field(NEW.moderator)
    || leakdesk_audit_field(NEW.action)
    || leakdesk_audit_field(NEW.from_status)
    || leakdesk_audit_field(NEW.to_status)
    || leakdesk_audit_field(NEW.reason)
    || leakdesk_audit_field(to_char(NEW.created_at AT TIME ZONE 'UTC',
                                    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || leakdesk_audit_field(head_hash), 'UTF8')), 'hex')"""

PG_CHAIN = f"""
CREATE OR REPLACE FUNCTION leakdesk_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head text := current_setting('leakdesk.audit_head', true);
  xid text := txid_current()::text;
  head_seq bigint;
  head_hash text;
BEGIN
  IF head IS NULL OR split_part(head, ':', 1) IS DISTINCT FROM xid THEN
    -- first append of this transaction: wait for the head, and hold it until commit
    SELECT seq, last_hash INTO head_seq, head_hash
      FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  ELSE
    head_seq := split_part(head, ':', 2)::bigint;
    head_hash := split_part(head, ':', 3);
  END IF;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.row_hash := {_ROW_HASH};
  PERFORM set_config('leakdesk.audit_head', xid || ':' || NEW.seq || ':' || NEW.row_hash, true);
  RETURN NEW;
END
$$
"""

PG_WRITE_HEAD = """
CREATE FUNCTION leakdesk_audit_write_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head text := current_setting('leakdesk.audit_head', true);
BEGIN
  -- one queued event per appended row; the first one at commit writes the head
  IF head IS NOT NULL AND head <> ''
     AND head IS DISTINCT FROM current_setting('leakdesk.audit_head_written', true) THEN
    UPDATE audit_chain_head
       SET seq = split_part(head, ':', 2)::bigint, last_hash = split_part(head, ':', 3)
     WHERE id = 1;
    PERFORM set_config('leakdesk.audit_head_written', head, true);
  END IF;
  RETURN NULL;
END
$$
"""

PG_HEAD_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER moderator_actions_head AFTER INSERT ON moderator_actions "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION leakdesk_audit_write_head()"
)

#: migration 0013's function: lock and move the head for every row
PG_CHAIN_0013 = f"""
CREATE OR REPLACE FUNCTION leakdesk_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
BEGIN
  SELECT seq, last_hash INTO head_seq, head_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.row_hash := {_ROW_HASH};
  UPDATE audit_chain_head SET seq = NEW.seq, last_hash = NEW.row_hash WHERE id = 1;
  RETURN NEW;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PG_CHAIN)
    op.execute(PG_WRITE_HEAD)
    op.execute(PG_HEAD_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS moderator_actions_head ON moderator_actions")
    op.execute("DROP FUNCTION IF EXISTS leakdesk_audit_write_head()")
    op.execute(PG_CHAIN_0013)
