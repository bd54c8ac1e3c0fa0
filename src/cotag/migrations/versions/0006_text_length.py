"""document.text_length: the length of a document's text, kept by the database, read by the coding span check

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 07:15:00

The span check of 0003 computed length(document.text) for every coding inserted: on SQLite that reads the whole
text (a 40,000-character transcript costs about 0.12 ms, ten times the insert itself), on PostgreSQL it de-TOASTs
it. A revision re-inserts tens of thousands of codings, a merge or a codings import as many. The length is now a
column, `text_length`, that the database itself keeps equal to length(text) on every insert and every change of
the text (triggers, both back ends: no writer, not even raw SQL, can make it disagree with the text), existing rows
backfilled; the span check reads it. Its meaning is unchanged: a span outside its document's text is refused.

On PostgreSQL every role that reads documents reads the new column (table-wide SELECT, as 0002 granted); no role
but the owner writes documents, so no grant changes.
The SQL is written out here, not imported, so this migration keeps meaning what it meant when it ran.
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

SPAN_MESSAGE = "coding span refused: start must be >= 0 and before end, end within the document text"

# ---------------------------------------------------------------- SQLite

# SQLite cannot change NEW in a BEFORE trigger: the length is set just after the row is written, in the same
# statement, so nothing ever reads a row whose length disagrees with its text.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER cotag_document_length_insert AFTER INSERT ON document
       WHEN NEW.text_length IS NOT length(NEW.text)
       BEGIN UPDATE document SET text_length = length(NEW.text) WHERE id = NEW.id; END""",
    """CREATE TRIGGER cotag_document_length_update AFTER UPDATE OF text, text_length ON document
       WHEN NEW.text_length IS NOT length(NEW.text)
       BEGIN UPDATE document SET text_length = length(NEW.text) WHERE id = NEW.id; END""",
]
SQLITE_SPAN_NEW = f"""CREATE TRIGGER cotag_coding_span_insert BEFORE INSERT ON coding
       WHEN NEW.start < 0 OR NEW."end" <= NEW.start
            OR NEW."end" > (SELECT d.text_length FROM document d WHERE d.id = NEW.document_id)
       BEGIN SELECT RAISE(ABORT, '{SPAN_MESSAGE}'); END"""
# 0003's trigger, put back by a downgrade.
SQLITE_SPAN_OLD = f"""CREATE TRIGGER cotag_coding_span_insert BEFORE INSERT ON coding
       WHEN NEW.start < 0 OR NEW."end" <= NEW.start
            OR NEW."end" > (SELECT length(d.text) FROM document d WHERE d.id = NEW.document_id)
       BEGIN SELECT RAISE(ABORT, '{SPAN_MESSAGE}'); END"""

# ---------------------------------------------------------------- PostgreSQL

PG_LENGTH = [
    """CREATE FUNCTION cotag_document_length() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.text_length := length(NEW.text);
    RETURN NEW;
END $$""",
    "CREATE TRIGGER cotag_document_length BEFORE INSERT OR UPDATE ON document FOR EACH ROW "
    "EXECUTE FUNCTION cotag_document_length()",
]

# True when the role running the statement owns the table (or is a superuser), as in 0003.
PG_OWNER = "(SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = TG_RELID)"


def _pg_coding_guard(length_of: str) -> str:
    """0003's cotag_coding_guard, with the document's length read by `length_of` (the rest word for word)."""
    return f"""CREATE OR REPLACE FUNCTION cotag_coding_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    text_length integer;
    code_status text;
    me integer;
    lead boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT {length_of} INTO text_length FROM document d WHERE d.id = NEW.document_id;
        IF NEW."end" > text_length THEN
            RAISE EXCEPTION 'coding span %-% refused: document % has % characters', NEW.start, NEW."end",
                NEW.document_id, text_length USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        IF NEW.coder_id IS DISTINCT FROM OLD.coder_id OR NEW.document_id IS DISTINCT FROM OLD.document_id
           OR NEW.start IS DISTINCT FROM OLD.start OR NEW."end" IS DISTINCT FROM OLD."end"
           OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
            RAISE EXCEPTION 'coding % refused: a coding keeps its coder, document, span and creation time', OLD.id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF {PG_OWNER} THEN
        RETURN NEW;
    END IF;
    IF NEW.deleted_at IS NULL AND (TG_OP = 'INSERT' OR NEW.code_id IS DISTINCT FROM OLD.code_id
                                   OR OLD.deleted_at IS NOT NULL) THEN
        SELECT k.status INTO code_status FROM code k WHERE k.id = NEW.code_id;
        IF code_status IS DISTINCT FROM 'active' THEN
            RAISE EXCEPTION 'coding refused: code % is %, not active', NEW.code_id, code_status
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT c.id, c.role = 'lead' INTO me, lead FROM coder c WHERE c.name = current_user;
        IF OLD.coder_id IS DISTINCT FROM me
           AND NOT (lead AND OLD.coder_id IN (SELECT c.id FROM coder c WHERE c.role = 'consensus')) THEN
            -- A lead restructuring the codebook moves others' codings to another code and removes twins;
            -- nothing else of another coder's work is theirs to change.
            IF NEW.memo IS DISTINCT FROM OLD.memo
               OR (NEW.deleted_at IS DISTINCT FROM OLD.deleted_at AND NEW.deleted_at IS NULL) THEN
                RAISE EXCEPTION 'coding % refused: it is another coder''s; a lead only moves it to another code',
                    OLD.id USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END $$"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('document', schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column('text_length', sa.Integer(), nullable=False, server_default='0'))
    if postgres:
        # The trigger first: the backfill's UPDATE then sets every length through it.
        for statement in PG_LENGTH:
            op.execute(statement)
        op.execute("UPDATE document SET text_length = length(text)")
        op.execute(_pg_coding_guard("d.text_length"))
    else:
        op.execute("UPDATE document SET text_length = length(text)")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute("DROP TRIGGER IF EXISTS cotag_coding_span_insert")
        op.execute(SQLITE_SPAN_NEW)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_coding_guard("length(d.text)"))
        op.execute("DROP TRIGGER IF EXISTS cotag_document_length ON document")
        op.execute("DROP FUNCTION IF EXISTS cotag_document_length()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cotag_coding_span_insert")
        op.execute(SQLITE_SPAN_OLD)
        for name in ("cotag_document_length_insert", "cotag_document_length_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('document', schema=None, recreate="never") as batch_op:
        batch_op.drop_column('text_length')
