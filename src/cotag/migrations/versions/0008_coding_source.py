"""coding source: a coding records where it came from (NULL: typed by its coder; 'suggestion ...': an accepted suggestion)

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-06 07:20:00

One nullable text column `source` on `coding`. A coding made by accepting one of the
suggester's suggestions in the coding screen holds `suggestion model=<model id> score=<p>`;
every other coding (typed, imported, merged, carried by a revision) holds NULL, as every
coding made before this revision does. `cotag agreement --suggestions` reads it.

Like a coding's coder, document, span and creation time, its source never changes once
written (a trigger on both back ends): provenance that could be edited afterwards would prove
nothing. On PostgreSQL, coders' roles already insert every column of `coding` (their INSERT is
table-wide, see cotag/team.py) and read it (SELECT on the table), so no grant changes; none of
them holds UPDATE on the new column. Row-level security covers the new column with its row.
The SQL is written out here, not imported, so this migration keeps meaning what it meant when it ran.
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """CREATE TRIGGER cotag_coding_source_fixed BEFORE UPDATE OF source ON coding
   WHEN NEW.source IS NOT OLD.source
   BEGIN SELECT RAISE(ABORT, 'a coding keeps its source (where it came from)'); END"""

PG_STATEMENTS = [
    """CREATE FUNCTION cotag_coding_source_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.source IS DISTINCT FROM OLD.source THEN
        RAISE EXCEPTION 'coding % refused: a coding keeps its source (where it came from)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER cotag_coding_source_fixed BEFORE UPDATE ON coding FOR EACH ROW "
    "EXECUTE FUNCTION cotag_coding_source_fixed()",
]


def upgrade() -> None:
    with op.batch_alter_table('coding', schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column('source', sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_STATEMENTS:
            op.execute(statement)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cotag_coding_source_fixed ON coding")
        op.execute("DROP FUNCTION IF EXISTS cotag_coding_source_fixed()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cotag_coding_source_fixed")
    with op.batch_alter_table('coding', schema=None, recreate="never") as batch_op:
        batch_op.drop_column('source')
