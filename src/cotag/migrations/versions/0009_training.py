"""training: a trainee codes documents that already have a consensus, scored against it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:20:00

A table `training` (coder, document, assigned_by, created_at), one row per trainee and document, never
rewritten: the trainee's codings on that document are practice and never enter agreement, reconciling,
the consensus, exports or the suggester (cotag.training).

On PostgreSQL, row-level security: every role reads the table (each role's own agreement, export or
suggestion must leave practice codings out, so each must see which they are; it names who trains on what,
never a coding); only a lead inserts a row; no role updates one (no grant, no policy, and a trigger refuses it
even to the owner). Ids come from a
function that runs as the owner, as for the tables of 0003 and 0005. Roles made before this revision get
SELECT, leads also INSERT.
The SQL is written out here, not imported, so this migration keeps meaning what it meant when it ran.
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

IS_LEAD = "EXISTS (SELECT 1 FROM coder c WHERE c.name = current_user AND c.role = 'lead')"

PG_STATEMENTS = [
    "ALTER TABLE training ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY cotag_read ON training FOR SELECT USING (true)",
    f"CREATE POLICY cotag_insert ON training FOR INSERT WITH CHECK ({IS_LEAD})",
    """CREATE FUNCTION cotag_training_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'training % refused: a training row is never rewritten', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END $$""",
    "CREATE TRIGGER cotag_training_fixed BEFORE UPDATE ON training FOR EACH ROW "
    "EXECUTE FUNCTION cotag_training_fixed()",
    "CREATE FUNCTION cotag_next_training_id() RETURNS integer LANGUAGE sql SECURITY DEFINER "
    "SET search_path FROM CURRENT AS $$ SELECT nextval('training_id_seq')::integer $$",
    "ALTER TABLE training ALTER COLUMN id SET DEFAULT cotag_next_training_id()",
    """DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT c.name, c.role FROM coder c JOIN pg_roles p ON p.rolname = c.name WHERE c.role IN ('coder', 'lead')
    LOOP
        EXECUTE format('GRANT SELECT ON training TO %I', r.name);
        IF r.role = 'lead' THEN
            EXECUTE format('GRANT INSERT ON training TO %I', r.name);
        END IF;
    END LOOP;
END $$""",
]

SQLITE_TRIGGER = """CREATE TRIGGER cotag_training_fixed BEFORE UPDATE ON training
   BEGIN SELECT RAISE(ABORT, 'a training row is never rewritten'); END"""


def upgrade() -> None:
    op.create_table(
        'training',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coder_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['coder_id'], ['coder.id']),
        sa.ForeignKeyConstraint(['document_id'], ['document.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('coder_id', 'document_id', name='uq_training_coder_document'),
    )
    op.create_index('ix_training_coder_id', 'training', ['coder_id'])
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_STATEMENTS:
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cotag_training_fixed ON training")
        op.execute("DROP FUNCTION IF EXISTS cotag_training_fixed()")
        op.execute("ALTER TABLE training ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP FUNCTION IF EXISTS cotag_next_training_id()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cotag_training_fixed")
    op.drop_index('ix_training_coder_id', table_name='training')
    op.drop_table('training')
