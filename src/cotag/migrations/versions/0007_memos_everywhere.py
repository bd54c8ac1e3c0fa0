"""memos everywhere: a memo may annotate a passage (a span of a document's text), not only a coding

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 07:20:00

The `memo` table already held memos on a document, on a code and on the project (the journal: neither). It gains
`start` and `end`: a passage memo is a memo on a document with a span, and needs no coding. A span is refused
unless it lies inside its document's text (start >= 0, end > start, end <= the text's length) and the memo has a
document; a memo without a span has neither. PostgreSQL: a CHECK (and a trigger for the text's length); SQLite,
which cannot add a CHECK to an existing table without copying it: triggers. An index on `memo.document_id` lists a
document's memos without reading them all.

Who may read and write a memo does not change: the row-level security of 0002 covers the whole row (a coder reads
and writes only their own memos, a lead reads all), and coder roles may still UPDATE only (title, text,
updated_at), so a span, like the memo's coder, is fixed once written (only the tables' owner, which revises
documents, moves it). The SQL is written out here, not imported, so this migration keeps meaning what it meant
when it ran.
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SPAN_RULE = '(start IS NULL AND "end" IS NULL) OR (document_id IS NOT NULL AND start >= 0 AND "end" > start)'
REFUSED = "memo span refused: a passage memo has a document and a span inside its text; other memos have no span"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER cotag_memo_span_insert BEFORE INSERT ON memo
       WHEN NOT ({SPAN_RULE.replace('start', 'NEW.start').replace('"end"', 'NEW."end"')
                   .replace('document_id', 'NEW.document_id')})
            OR (NEW.start IS NOT NULL
                AND NEW."end" > (SELECT length(d.text) FROM document d WHERE d.id = NEW.document_id))
       BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""",
    f"""CREATE TRIGGER cotag_memo_span_update BEFORE UPDATE OF start, "end", document_id ON memo
       WHEN NOT ({SPAN_RULE.replace('start', 'NEW.start').replace('"end"', 'NEW."end"')
                   .replace('document_id', 'NEW.document_id')})
            OR (NEW.start IS NOT NULL
                AND NEW."end" > (SELECT length(d.text) FROM document d WHERE d.id = NEW.document_id))
       BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END""",
]
SQLITE_TRIGGER_NAMES = ["cotag_memo_span_insert", "cotag_memo_span_update"]

PG_STATEMENTS = [
    f"ALTER TABLE memo ADD CONSTRAINT ck_memo_span CHECK ({SPAN_RULE})",
    f"""CREATE FUNCTION cotag_memo_span() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.start IS NOT NULL AND NEW."end" > (SELECT length(d.text) FROM document d WHERE d.id = NEW.document_id) THEN
        RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER cotag_memo_span BEFORE INSERT OR UPDATE ON memo FOR EACH ROW EXECUTE FUNCTION cotag_memo_span()",
]


def upgrade() -> None:
    with op.batch_alter_table('memo', schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column('start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_memo_document_id'), ['document_id'], unique=False)
    statements = PG_STATEMENTS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cotag_memo_span ON memo")
        op.execute("DROP FUNCTION IF EXISTS cotag_memo_span()")
        op.execute("ALTER TABLE memo DROP CONSTRAINT IF EXISTS ck_memo_span")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # Passage memos become document memos: their text is kept, only the span is lost.
    with op.batch_alter_table('memo', schema=None, recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f('ix_memo_document_id'))
        batch_op.drop_column('end')
        batch_op.drop_column('start')
