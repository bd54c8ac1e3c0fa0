"""assignments and rounds: who codes which document, the overlap sample, named rounds, and who may see them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 05:30:00

A table `assignment` (document, coder, round, overlap, assigned_by, created_at,
removed_at). Replaced assignments are not deleted: removed_at is set.

On PostgreSQL, row-level security: a coder's role reads only its own
assignments; a lead reads all and is the only role that inserts them or marks
them removed (and then only the removal time; a trigger keeps every other
column). Coder roles made before this revision get SELECT on the table, leads
also INSERT and UPDATE (removed_at); ids come from a function that runs as the
owner, as for the tables of 0003.
A table `coding_round` (name, documents, started_at/by, closed_at/by): every
role reads it; on PostgreSQL only a lead starts a round (inserts) or closes it
(updates closed_at and closed_by).
The SQL is written out here, not imported, so this migration keeps meaning what it meant when it ran.
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OWN = "(SELECT c.id FROM coder c WHERE c.name = current_user)"
IS_LEAD = "EXISTS (SELECT 1 FROM coder c WHERE c.name = current_user AND c.role = 'lead')"

PG_STATEMENTS = [
    "ALTER TABLE assignment ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY cotag_read ON assignment FOR SELECT USING (coder_id IN {OWN} OR {IS_LEAD})",
    f"CREATE POLICY cotag_insert ON assignment FOR INSERT WITH CHECK ({IS_LEAD})",
    f"CREATE POLICY cotag_update ON assignment FOR UPDATE USING ({IS_LEAD}) WITH CHECK ({IS_LEAD})",
    """CREATE FUNCTION cotag_assignment_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.document_id IS DISTINCT FROM OLD.document_id OR NEW.coder_id IS DISTINCT FROM OLD.coder_id
       OR NEW.round_name IS DISTINCT FROM OLD.round_name OR NEW.overlap IS DISTINCT FROM OLD.overlap
       OR NEW.assigned_by IS DISTINCT FROM OLD.assigned_by OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (OLD.removed_at IS NOT NULL AND NEW.removed_at IS DISTINCT FROM OLD.removed_at) THEN
        RAISE EXCEPTION 'assignment % refused: an assignment is never rewritten; a new one replaces it', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER cotag_assignment_fixed BEFORE UPDATE ON assignment FOR EACH ROW "
    "EXECUTE FUNCTION cotag_assignment_fixed()",
    "ALTER TABLE coding_round ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY cotag_read ON coding_round FOR SELECT USING (true)",
    f"CREATE POLICY cotag_insert ON coding_round FOR INSERT WITH CHECK ({IS_LEAD})",
    f"CREATE POLICY cotag_update ON coding_round FOR UPDATE USING ({IS_LEAD}) WITH CHECK ({IS_LEAD})",
    "CREATE FUNCTION cotag_next_coding_round_id() RETURNS integer LANGUAGE sql SECURITY DEFINER "
    "SET search_path FROM CURRENT AS $$ SELECT nextval('coding_round_id_seq')::integer $$",
    "ALTER TABLE coding_round ALTER COLUMN id SET DEFAULT cotag_next_coding_round_id()",
    "CREATE FUNCTION cotag_next_assignment_id() RETURNS integer LANGUAGE sql SECURITY DEFINER "
    "SET search_path FROM CURRENT AS $$ SELECT nextval('assignment_id_seq')::integer $$",
    "ALTER TABLE assignment ALTER COLUMN id SET DEFAULT cotag_next_assignment_id()",
    """DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.name, c.role FROM coder c JOIN pg_roles p ON p.rolname = c.name WHERE c.role IN ('coder', 'lead')
    LOOP
        EXECUTE format('GRANT SELECT ON assignment, coding_round TO %I', r.name);
        IF r.role = 'lead' THEN
            EXECUTE format('GRANT INSERT, UPDATE (removed_at) ON assignment TO %I', r.name);
            EXECUTE format('GRANT INSERT, UPDATE (closed_at, closed_by) ON coding_round TO %I', r.name);
        END IF;
    END LOOP;
END $$""",
]

SQLITE_TRIGGER = """CREATE TRIGGER cotag_assignment_fixed BEFORE UPDATE ON assignment
   WHEN NEW.document_id IS NOT OLD.document_id OR NEW.coder_id IS NOT OLD.coder_id
        OR NEW.round_name IS NOT OLD.round_name OR NEW.overlap IS NOT OLD.overlap
        OR NEW.assigned_by IS NOT OLD.assigned_by OR NEW.created_at IS NOT OLD.created_at
        OR (OLD.removed_at IS NOT NULL AND NEW.removed_at IS NOT OLD.removed_at)
   BEGIN SELECT RAISE(ABORT, 'an assignment is never rewritten; a new one replaces it'); END"""


def upgrade() -> None:
    op.create_table(
        'assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('coder_id', sa.Integer(), nullable=False),
        sa.Column('round_name', sa.String(), nullable=False),
        sa.Column('overlap', sa.Boolean(), nullable=False),
        sa.Column('assigned_by', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('removed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['coder_id'], ['coder.id']),
        sa.ForeignKeyConstraint(['document_id'], ['document.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_assignment_coder_id', 'assignment', ['coder_id'])
    op.create_table(
        'coding_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(), nullable=False),
        sa.Column('documents', sa.JSON(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('started_by', sa.String(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by', sa.String(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_index('ix_assignment_document', 'assignment', ['document_id'])
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_STATEMENTS:
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cotag_assignment_fixed ON assignment")
        op.execute("DROP FUNCTION IF EXISTS cotag_assignment_fixed()")
        op.execute("ALTER TABLE assignment ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP FUNCTION IF EXISTS cotag_next_assignment_id()")
        op.execute("ALTER TABLE coding_round ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP FUNCTION IF EXISTS cotag_next_coding_round_id()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cotag_assignment_fixed")
    op.drop_index('ix_assignment_document', table_name='assignment')
    op.drop_index('ix_assignment_coder_id', table_name='assignment')
    op.drop_table('assignment')
    op.drop_table('coding_round')
