"""Engines for SQLite and PostgreSQL, and the schema brought up to date through the migrations."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from cotag.errors import CotagError

# The newest migration in src/cotag/migrations/versions. Checked against the
# database with one query so that ordinary commands never pay for importing alembic.
SCHEMA_HEAD = "0008"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


# How long a SQLite write waits for another writer's lock before it fails (seconds).
DEFAULT_LOCK_TIMEOUT = 30.0
ENV_LOCK_TIMEOUT = "COTAG_LOCK_TIMEOUT"
# The note a long SQLite writer (merge, codings import) leaves beside the database file while it holds
# the write lock, so a coder whose write has to wait is told who holds it.
WRITER_NOTE_SUFFIX = "-writer"
# A long bulk write on SQLite commits at least this often (seconds), so that coders never wait much longer.
BATCH_SECONDS = 1.5
# SQLite's lock is not fair: a waiting writer's busy handler retries after sleeps of up to 100 ms, so a bulk writer
# that took the lock straight back after each commit would keep a coder waiting through batch after batch.
# Between batches it stands back a little longer than one retry.
YIELD_SECONDS = 0.12


def yield_lock() -> None:
    time.sleep(YIELD_SECONDS)


class DatabaseBusy(CotagError):
    """A SQLite write waited for the lock longer than the lock timeout."""


def lock_timeout(configured: object = None) -> float:
    """COTAG_LOCK_TIMEOUT beats cotag.toml's [database] lock_timeout beats 30 s."""
    value: object = os.environ.get(ENV_LOCK_TIMEOUT)
    where = ENV_LOCK_TIMEOUT
    if value is None or value == "":
        value, where = configured, "[database] lock_timeout in cotag.toml"
    if value is None or value == "":
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)  # type: ignore[arg-type]  # a TOML value of any kind: TypeError is caught
    except (TypeError, ValueError):
        seconds = -1.0
    if not (0 <= seconds <= 24 * 3600):
        raise CotagError(f"{where} = {value!r}: give the seconds a write may wait for the lock (0 to 86400)")
    return seconds


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for memory databases and other back ends)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix):].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def make_engine(url: str, *, lock_timeout_seconds: object = None) -> Engine:
    if url.startswith("sqlite"):
        timeout = lock_timeout(lock_timeout_seconds)
        engine = create_engine(url, connect_args={"timeout": timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL: a reader (the TUI) never blocks a writer (an import), and a
            # killed process leaves the last committed state intact.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        path = sqlite_path(url)

        @event.listens_for(engine, "handle_error")
        def _busy(context):
            # "database is locked" after the whole wait: say who holds the lock and how to wait longer.
            if "database is locked" in str(context.original_exception) and path is not None:
                raise DatabaseBusy(locked_message(path, timeout)) from None

        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise CotagError(f"cannot use database URL {redact(url)}: {exc}") from None


# ---------------------------------------------------------------- SQLite writers

def writer_note_path(path: Path) -> Path:
    return path.with_name(path.name + WRITER_NOTE_SUFFIX)


def read_writer_note(path: Path) -> dict | None:
    """The note of the process holding the write lock on this database, if it is still running."""
    try:
        note = json.loads(writer_note_path(path).read_text(encoding="utf-8"))
        pid = int(note["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if note.get("host") == socket.gethostname():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None  # left by a process that died: nobody holds the lock through it
        except PermissionError:
            pass
    return note


def locked_message(path: Path, timeout: float) -> str:
    note = read_writer_note(path)
    if note is not None:
        since = time.strftime("%H:%M:%S", time.localtime(float(note.get("since", 0))))
        holder = (f"`{note.get('command', '?')}` (process {note.get('pid')} on {note.get('host', '?')}, "
                  f"writing since {since})")
    else:
        holder = "another cotag process or program (it left no note; e.g. an open sqlite3 shell or the app)"
    return (f"{path} is locked by {holder}; this change waited {timeout:g} s and was not saved. Try again when "
            f"it has finished, or wait longer with {ENV_LOCK_TIMEOUT}=SECONDS or lock_timeout under [database] "
            "in cotag.toml")


def current_command() -> str:
    argv = [Path(sys.argv[0]).name if sys.argv else "python", *sys.argv[1:]]
    if argv[0] in ("__main__.py", "cli.py", "-m", "-c"):
        argv[0] = "cotag"
    return " ".join(argv)


def begin_write(session, *, command: str | None = None, key: str = "cotag.bulk-write") -> None:
    """Make this session's transaction an exclusive writer before it reads what it will write against.

    SQLite: BEGIN IMMEDIATE takes the write lock now (waiting up to the lock timeout), so two merges or imports
    run one after the other, the second seeing everything the first wrote; and a note beside the file names
    this command to anyone kept waiting. PostgreSQL: a transaction-scoped advisory lock on `key` does the same
    for writers of the same kind, while coders keep working on their own rows.
    """
    from sqlalchemy import text as sql

    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sql("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
        return
    dbapi = connection.connection.dbapi_connection
    if not dbapi.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    path = sqlite_path(str(connection.engine.url))
    if path is None:
        return
    note = writer_note_path(path)
    try:
        note.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(),
                                    "command": command or current_command()}), encoding="utf-8")
    except OSError:
        pass  # only a courtesy to whoever waits; the lock itself is held
    session.info["cotag.writer_note"] = note
    session.info["cotag.write_began"] = time.monotonic()
    if not session.info.get("cotag.note_listener"):
        from sqlalchemy import event as sa_event

        session.info["cotag.note_listener"] = True

        @sa_event.listens_for(session, "after_transaction_end")
        def _drop_note(sess, transaction):
            if transaction.parent is None and sess.info.get("cotag.writer_note") is not None:
                sess.info.pop("cotag.writer_note").unlink(missing_ok=True)
                sess.info.pop("cotag.write_began", None)


def commit_batch(session, *, seconds: float | None = None, command: str | None = None) -> bool:
    """Between the batches of a long bulk write on SQLite, commit what is done (at most every `seconds`), so a
    coder waiting to save a coding gets the lock within about that long. True when it committed.

    Only for writers that can resume (a rerun skips what is already stored): on SQLite the work is then no
    longer one transaction. A no-op on PostgreSQL, where coders never wait for a bulk writer's rows.
    """
    if session.get_bind().dialect.name != "sqlite":
        return False
    seconds = BATCH_SECONDS if seconds is None else seconds
    last = session.info.get("cotag.write_began")
    if last is not None and time.monotonic() - last < seconds:
        return False
    exclusive = session.info.get("cotag.writer_note") is not None
    session.commit()
    if exclusive:
        yield_lock()
        begin_write(session, command=command)  # the same writer goes on, still alone among bulk writers
    else:
        session.info["cotag.write_began"] = time.monotonic()
    return True


def redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# cotag's own tables (revision 0001 on): a database holding any of them was made by cotag.
COTAG_TABLES = {"code", "coder", "coding", "decision", "document", "event", "memo", "progress", "unit"}
SHOW_TABLES = 8


def _refuse_unversioned(engine: Engine) -> None:
    """A database with tables but no schema revision is never 'created' over: name what was found."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        tables = sorted(inspector.get_table_names())
        versioned = "alembic_version" in tables
    if not tables:
        return
    where = redact(str(engine.url))
    others = [t for t in tables if t != "alembic_version"]
    ours = [t for t in others if t in COTAG_TABLES]
    shown = ", ".join(others[:SHOW_TABLES]) + (f" and {len(others) - SHOW_TABLES} more" if len(others) > SHOW_TABLES else "")
    if ours:
        version = "an empty alembic_version table" if versioned else "no alembic_version table"
        raise CotagError(f"database {where} holds cotag's tables ({shown}) but {version}, so cotag cannot tell "
                         "which schema it has and will not create or upgrade anything in it (nothing was changed). "
                         "Restore it from a backup, or point cotag.toml at the project's own database")
    if others:
        raise CotagError(f"database {where} is not a cotag project's: it holds other tables ({shown}). cotag will "
                         "not add its tables to it (nothing was changed); name a new or cotag database file in "
                         "cotag.toml ([database] url)")


def _needs_owner(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "42501"


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema; cheap when it is already at head."""
    try:
        revision = current_revision(engine)
        if revision is None:
            _refuse_unversioned(engine)
    except SQLAlchemyError as exc:
        raise CotagError(f"cannot open database {redact(str(engine.url))}: {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]}") from None
    if revision == SCHEMA_HEAD:
        return
    if revision is not None and revision not in known_revisions():
        raise CotagError(f"database {redact(str(engine.url))} has schema revision {revision!r}, which this cotag "
                         f"does not know (newest known: {SCHEMA_HEAD}): it was made by a newer cotag; upgrade "
                         "cotag to open it (nothing was changed)")
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        if not _needs_owner(exc):
            raise
        user = engine.url.username or "this role"
        raise CotagError(f"database {redact(str(engine.url))} has schema revision {revision} and this cotag needs "
                         f"{SCHEMA_HEAD}; only the database owner can upgrade it, and {user} is not the owner "
                         "(nothing was changed). Ask the lead to upgrade it: they run any cotag command as the owner "
                         "account, e.g. `COTAG_DATABASE_URL=postgresql+psycopg://OWNER@HOST/DB cotag team coders` "
                         "(see docs/team.md)") from None


def known_revisions() -> set[str]:
    """The schema revisions this cotag's migrations know (file names start with the revision)."""
    return {path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py")}


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
