"""team access: row-level security so each coder's PostgreSQL role can write only its own work

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:40:00

A PostgreSQL role whose name is a coder's name acts as that coder: it sees and
writes only that coder's codings, progress, memos and events; a coder whose
role is 'lead' reads everything, may also write the consensus coder's codings
and the decisions, and may update any coding (codebook merges and splits move
every coder's codings to another code). The table owner (the account that runs migrations,
imports and merges) bypasses these policies, as PostgreSQL owners do unless
FORCE is set. Grants per role come from `cotag team add-coder` (cotag/team.py).

SQLite has no roles; there this migration changes nothing and the app's own
checks (coding.py) are the guard. The SQL is written out here, not imported,
so that this migration keeps meaning what it meant when it ran.
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OWN = "(SELECT c.id FROM coder c WHERE c.name = current_user)"
IS_LEAD = "EXISTS (SELECT 1 FROM coder c WHERE c.name = current_user AND c.role = 'lead')"
CONSENSUS = "(SELECT c.id FROM coder c WHERE c.role = 'consensus')"

# table -> may a lead update every coder's rows there. Codings: yes, because the
# lead's codebook operations (merge, split, recode a code) move every coder's
# codings from one code to another; a lead still inserts only their own and the
# consensus coder's codings.
OWNED = {"coding": True, "progress": False, "memo": False}


def _statements() -> list[str]:
    sql: list[str] = []
    for table, lead_updates_all in OWNED.items():
        own = f"coder_id IN {OWN}"
        write = f"({own} OR ({IS_LEAD} AND coder_id IN {CONSENSUS}))"
        update = f"({own} OR {IS_LEAD})" if lead_updates_all else write
        sql += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY cotag_read ON {table} FOR SELECT USING ({own} OR {IS_LEAD})",
            f"CREATE POLICY cotag_insert ON {table} FOR INSERT WITH CHECK {write}",
            # USING hides other coders' rows from UPDATE; WITH CHECK stops handing a row to someone else.
            f"CREATE POLICY cotag_update ON {table} FOR UPDATE USING {update} WITH CHECK {update}",
        ]
    sql += [
        # The audit log: everyone appends as themselves (a lead also as the system, actor ''); a lead reads it all.
        "ALTER TABLE event ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY cotag_read ON event FOR SELECT USING (actor = current_user OR {IS_LEAD})",
        f"CREATE POLICY cotag_insert ON event FOR INSERT WITH CHECK (actor = current_user OR (actor = '' AND {IS_LEAD}))",
        # Rulings are readable by all (they are the project's outcome) and written by leads as themselves.
        "ALTER TABLE decision ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY cotag_read ON decision FOR SELECT USING (true)",
        f"CREATE POLICY cotag_insert ON decision FOR INSERT WITH CHECK ({IS_LEAD} AND lead_id IN {OWN})",
        f"CREATE POLICY cotag_update ON decision FOR UPDATE USING ({IS_LEAD}) WITH CHECK ({IS_LEAD})",
    ]
    return sql


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _statements():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in (*OWNED, "event", "decision"):
        for policy in ("cotag_read", "cotag_insert", "cotag_update"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
