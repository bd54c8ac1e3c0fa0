"""database guards: one live coding per span, spans inside their text, rows that keep their coder, blind sequences

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:00:00

What the database itself now refuses, whoever writes (the app, a script, raw SQL):

- a second live coding of the same code by the same coder on the same span
  (partial unique index `uq_coding_live`, both back ends). Concurrent writers
  used to check first and then insert, so two merges or imports running at once
  could both insert. Databases that already hold such twins are de-duplicated
  first: the oldest stays, the others are soft-deleted (an event records how many),
  so the upgrade cannot fail on them;
- a span with start < 0, end <= start, or end past its document's text (CHECK
  `ck_coding_span` plus a trigger on PostgreSQL; triggers on SQLite, which cannot
  add a CHECK to an existing table without copying it, and copying would fail on
  any such row an older cotag let in);
- changing who a row belongs to: a coding's coder, document, span or creation
  time, a progress row's or memo's coder, and anything of a decision but the
  moment it was superseded (triggers, both back ends; no role or owner may);
- on PostgreSQL, for every role except the tables' owner: a new live coding
  with a retired or merged code, and a lead changing another coder's coding in
  any way but moving it to another code or removing it (what codebook merges,
  splits and recodes do).

On PostgreSQL the ids of the tables roles insert into come from functions that
run as the owner, and roles made by `cotag team add-coder` before this revision
lose every privilege on the sequences (a coder could read a sequence's last
value, everyone's total, with SELECT or even USAGE alone) and their table-wide
UPDATE, replaced by UPDATE on the columns the app changes.
The SQL is written out here, not imported, so this migration keeps meaning what it meant when it ran.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

LIVE_KEY = ("document_id", "coder_id", "code_id", "start", "end")


def _deduplicate() -> None:
    """Soft-delete every live coding that has an older live twin (same document, coder, code and span)."""
    bind = op.get_bind()
    same = " AND ".join(f'o."{c}" = coding."{c}"' for c in LIVE_KEY)
    older = "(o.created_at < coding.created_at OR (o.created_at = coding.created_at AND o.id < coding.id))"
    twins = (f"coding.deleted_at IS NULL AND EXISTS (SELECT 1 FROM coding o WHERE o.deleted_at IS NULL "
             f"AND {same} AND {older})")
    count = bind.execute(sa.text(f"SELECT count(*) FROM coding WHERE {twins}")).scalar()
    if not count:
        return
    now = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, as cotag stores every time
    bind.execute(sa.text(f"UPDATE coding SET deleted_at = :now WHERE {twins}"), {"now": now})
    event = sa.table("event", sa.column("at", sa.DateTime), sa.column("actor", sa.String),
                     sa.column("kind", sa.String), sa.column("payload", sa.JSON))
    op.bulk_insert(event, [{"at": now, "actor": "", "kind": "schema.deduplicate",
                            "payload": {"revision": revision, "codings_removed": count,
                                        "kept": "the oldest of each set of live twins"}}])


# ---------------------------------------------------------------- SQLite

SQLITE_TRIGGERS = [
    """CREATE TRIGGER cotag_coding_span_insert BEFORE INSERT ON coding
       WHEN NEW.start < 0 OR NEW."end" <= NEW.start
            OR NEW."end" > (SELECT length(d.text) FROM document d WHERE d.id = NEW.document_id)
       BEGIN SELECT RAISE(ABORT, 'coding span refused: start must be >= 0 and before end, end within the document text'); END""",
    """CREATE TRIGGER cotag_coding_fixed BEFORE UPDATE OF coder_id, document_id, start, "end", created_at ON coding
       WHEN NEW.coder_id IS NOT OLD.coder_id OR NEW.document_id IS NOT OLD.document_id OR NEW.start IS NOT OLD.start
            OR NEW."end" IS NOT OLD."end" OR NEW.created_at IS NOT OLD.created_at
       BEGIN SELECT RAISE(ABORT, 'a coding keeps its coder, document, span and creation time'); END""",
    """CREATE TRIGGER cotag_progress_fixed BEFORE UPDATE OF coder_id, document_id ON progress
       WHEN NEW.coder_id IS NOT OLD.coder_id OR NEW.document_id IS NOT OLD.document_id
       BEGIN SELECT RAISE(ABORT, 'a progress row keeps its coder and document'); END""",
    """CREATE TRIGGER cotag_memo_fixed BEFORE UPDATE OF coder_id ON memo
       WHEN NEW.coder_id IS NOT OLD.coder_id
       BEGIN SELECT RAISE(ABORT, 'a memo keeps its coder'); END""",
    """CREATE TRIGGER cotag_decision_fixed BEFORE UPDATE ON decision
       WHEN NEW.lead_id IS NOT OLD.lead_id OR NEW.disagreement IS NOT OLD.disagreement
            OR NEW.document_id IS NOT OLD.document_id OR NEW.code_id IS NOT OLD.code_id
            OR NEW.ruling IS NOT OLD.ruling OR NEW.start IS NOT OLD.start OR NEW."end" IS NOT OLD."end"
            OR NEW.note IS NOT OLD.note OR NEW.created_at IS NOT OLD.created_at
            OR (OLD.superseded_at IS NOT NULL AND NEW.superseded_at IS NOT OLD.superseded_at)
       BEGIN SELECT RAISE(ABORT, 'a decision is never rewritten: a new ruling supersedes it'); END""",
]
SQLITE_TRIGGER_NAMES = ["cotag_coding_span_insert", "cotag_coding_fixed", "cotag_progress_fixed", "cotag_memo_fixed",
                        "cotag_decision_fixed"]


# ---------------------------------------------------------------- PostgreSQL

# True when the role running the statement owns the table (or is a superuser): the account that imports, merges
# and upgrades, which the row-level policies do not bind either.
PG_OWNER = "(SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = TG_RELID)"

PG_FUNCTIONS = [
    f"""CREATE FUNCTION cotag_coding_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    text_length integer;
    code_status text;
    me integer;
    lead boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT length(d.text) INTO text_length FROM document d WHERE d.id = NEW.document_id;
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
END $$""",
    """CREATE FUNCTION cotag_owner_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.coder_id IS DISTINCT FROM OLD.coder_id
       OR (TG_TABLE_NAME = 'progress' AND NEW.document_id IS DISTINCT FROM OLD.document_id) THEN
        RAISE EXCEPTION '% row % refused: a row keeps the coder it belongs to', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$""",
    """CREATE FUNCTION cotag_decision_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.lead_id IS DISTINCT FROM OLD.lead_id OR NEW.disagreement IS DISTINCT FROM OLD.disagreement
       OR NEW.document_id IS DISTINCT FROM OLD.document_id OR NEW.code_id IS DISTINCT FROM OLD.code_id
       OR NEW.ruling IS DISTINCT FROM OLD.ruling OR NEW.start IS DISTINCT FROM OLD.start
       OR NEW."end" IS DISTINCT FROM OLD."end" OR NEW.note IS DISTINCT FROM OLD.note
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (OLD.superseded_at IS NOT NULL AND NEW.superseded_at IS DISTINCT FROM OLD.superseded_at) THEN
        RAISE EXCEPTION 'decision % refused: a decision is never rewritten; a new ruling supersedes it', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$""",
]
PG_TRIGGERS = [
    "CREATE TRIGGER cotag_coding_guard BEFORE INSERT OR UPDATE ON coding FOR EACH ROW EXECUTE FUNCTION cotag_coding_guard()",
    "CREATE TRIGGER cotag_progress_fixed BEFORE UPDATE ON progress FOR EACH ROW EXECUTE FUNCTION cotag_owner_fixed()",
    "CREATE TRIGGER cotag_memo_fixed BEFORE UPDATE ON memo FOR EACH ROW EXECUTE FUNCTION cotag_owner_fixed()",
    "CREATE TRIGGER cotag_decision_fixed BEFORE UPDATE ON decision FOR EACH ROW EXECUTE FUNCTION cotag_decision_fixed()",
]

# Tables coders' and leads' roles insert into. Their ids come from a function that runs as the owner, so the roles
# need no privilege on the sequences at all: with USAGE alone, pg_sequences and pg_sequence_last_value() show a
# sequence's last value, i.e. how many codings everyone made.
ROLE_INSERTS = ("coding", "progress", "memo", "event", "decision", "code")


def _id_functions() -> list[str]:
    sql = []
    for table in ROLE_INSERTS:
        sql += [
            f"CREATE FUNCTION cotag_next_{table}_id() RETURNS integer LANGUAGE sql SECURITY DEFINER "
            f"SET search_path FROM CURRENT AS $$ SELECT nextval('{table}_id_seq')::integer $$",
            f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT cotag_next_{table}_id()",
        ]
    return sql


# Existing coder roles: what `cotag team add-coder` now grants (cotag/team.py), applied to roles made before.
PG_REGRANT = """DO $$
DECLARE
    r record;
    lead boolean;
BEGIN
    FOR r IN SELECT c.name, c.role FROM coder c JOIN pg_roles p ON p.rolname = c.name WHERE c.role IN ('coder', 'lead')
    LOOP
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I', current_schema(), r.name);
        EXECUTE format('REVOKE UPDATE ON coding, progress, memo, decision FROM %I', r.name);
        EXECUTE format('GRANT UPDATE (memo, deleted_at) ON coding TO %I', r.name);
        EXECUTE format('GRANT UPDATE (status, cursor, updated_at) ON progress TO %I', r.name);
        EXECUTE format('GRANT UPDATE (title, text, updated_at) ON memo TO %I', r.name);
        IF r.role = 'lead' THEN
            EXECUTE format('GRANT UPDATE (code_id) ON coding TO %I', r.name);
            EXECUTE format('GRANT UPDATE (superseded_at) ON decision TO %I', r.name);
        END IF;
    END LOOP;
END $$"""


def _postgres_upgrade() -> None:
    bind = op.get_bind()
    op.execute('ALTER TABLE coding ADD CONSTRAINT ck_coding_span CHECK (start >= 0 AND "end" > start) NOT VALID')
    # Validated when every row already obeys it; an older database with a stray row keeps working (new rows are
    # checked either way) and `cotag` names nothing it cannot repair.
    bad = bind.execute(sa.text('SELECT count(*) FROM coding WHERE NOT (start >= 0 AND "end" > start)')).scalar()
    if not bad:
        op.execute("ALTER TABLE coding VALIDATE CONSTRAINT ck_coding_span")
    for statement in (*PG_FUNCTIONS, *PG_TRIGGERS, *_id_functions()):
        op.execute(statement)
    op.execute(PG_REGRANT)


def upgrade() -> None:
    _deduplicate()
    with op.batch_alter_table('coding', schema=None, recreate="never") as batch_op:
        batch_op.create_index('uq_coding_live', list(LIVE_KEY), unique=True,
                              sqlite_where=sa.text("deleted_at IS NULL"),
                              postgresql_where=sa.text("deleted_at IS NULL"))
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (("cotag_coding_guard", "coding"), ("cotag_progress_fixed", "progress"),
                               ("cotag_memo_fixed", "memo"), ("cotag_decision_fixed", "decision")):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for table in ROLE_INSERTS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq'::regclass)")
            op.execute(f"DROP FUNCTION IF EXISTS cotag_next_{table}_id()")
        for function in ("cotag_coding_guard", "cotag_owner_fixed", "cotag_decision_fixed"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
        op.execute("ALTER TABLE coding DROP CONSTRAINT IF EXISTS ck_coding_span")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('coding', schema=None, recreate="never") as batch_op:
        batch_op.drop_index('uq_coding_live')
